// Tensor bookkeeping with tfjs's semantics: counts of live tensors, data buffers and bytes, and the
// scope stack behind tidy(). Counting only: a tensor created outside any scope is not referenced here,
// so one a program forgets to dispose is still freed by the garbage collector (it stays counted, as in tfjs).
import type { DataType, TypedArray } from './types';
import { bytesPerElement } from './types';

/** One data buffer, shared by the tensors that reshape, clone or expandDims made from it. */
export class DataRef {
  values: TypedArray | null;
  refs = 0;
  constructor(values: TypedArray) { this.values = values; }
}

/** What the engine needs of a tensor. */
export interface Tracked {
  readonly id: number;
  readonly size: number;
  readonly dtype: DataType;
  readonly dataId: DataRef;
  kept: boolean;
  scopeId: number;
  dispose(): void;
}

interface Scope {
  id: number;
  name: string;
  track: Tracked[];
}

export interface MemoryInfo {
  numTensors: number;
  numDataBuffers: number;
  numBytes: number;
  /** Always true, as tfjs's CPU backend says: the garbage collector may have freed more than is counted. */
  unreliable: boolean;
  reasons: string[];
}

class TensorEngine {
  numTensors = 0;
  numDataBuffers = 0;
  numBytes = 0;
  private nextTensorId = 0;
  private nextScopeId = 1;
  private readonly scopes: Scope[] = [];

  newTensorId(): number { return this.nextTensorId++; }

  register(t: Tracked): void {
    this.numTensors++;
    this.numBytes += t.size * bytesPerElement(t.dtype);
    if (t.dataId.refs++ === 0) this.numDataBuffers++;
    const top = this.scopes[this.scopes.length - 1];
    if (top) { t.scopeId = top.id; top.track.push(t); }
  }

  release(t: Tracked): void {
    this.numTensors--;
    this.numBytes -= t.size * bytesPerElement(t.dtype);
    if (--t.dataId.refs === 0) {
      this.numDataBuffers--;
      t.dataId.values = null;
    }
  }

  startScope(name?: string): void {
    this.scopes.push({ id: this.nextScopeId++, name: name ?? 'unnamed scope', track: [] });
  }

  /** Disposes what the scope tracked except `keepInParent` and kept tensors; the survivors move to the parent scope. */
  endScope(keepInParent: Tracked[]): void {
    const scope = this.scopes.pop();
    if (!scope) return;
    const keepIds = new Set(keepInParent.map((t) => t.id));
    for (const t of scope.track) if (!t.kept && !keepIds.has(t.id)) t.dispose();
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of keepInParent) {
      if (!t.kept && t.scopeId === scope.id) {
        if (parent) { t.scopeId = parent.id; parent.track.push(t); } else t.scopeId = 0;
      }
    }
  }

  get scopeDepth(): number { return this.scopes.length; }

  memory(): MemoryInfo {
    return {
      numTensors: this.numTensors, numDataBuffers: this.numDataBuffers, numBytes: this.numBytes, unreliable: true,
      reasons: ['The reported memory is an upper bound. Due to automatic garbage collection, the true allocated memory may be less.'],
    };
  }
}

export const ENGINE = new TensorEngine();
