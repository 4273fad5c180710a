// The tfjs-compatible Tensor: an immutable shape and dtype over a typed array, counted by the engine
// (tf.memory()) and tracked by tidy() scopes. The ops and chained methods are installed by ./chain.
import { BlasnetError, invalidArg } from '../errors';
import { DataRef, ENGINE, type Tracked } from './engine';
import { tensorToString } from './format';
import type { ArrayMap, DataType, DataTypeMap, ShapeMap, TypedArray } from './types';
import { Rank, computeStrides, sizeFromShape } from './types';

export type { DataType, TypedArray } from './types';

function dtypeOf(values: TypedArray): DataType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  throw invalidArg('tensor values', 'a Float32Array, Int32Array or Uint8Array', values);
}

export class Tensor<R extends Rank = Rank> implements Tracked {
  readonly id: number;
  readonly shape: ShapeMap[R];
  readonly dtype: DataType;
  readonly size: number;
  /** Row-major strides of every axis but the last (as tfjs). */
  readonly strides: number[];
  /** The data buffer; shared by tensors that only change the shape (reshape, clone, expandDims ...). */
  readonly dataId: DataRef;
  kept = false;
  scopeId = 0;
  private disposedFlag = false;

  /**
   * A tensor over `values` (used as is, not copied) with the given shape; the dtype follows the
   * array type (Float32Array float32, Int32Array int32, Uint8Array bool). Passing another tensor's
   * dataId shares its buffer.
   */
  constructor(values: TypedArray | DataRef, shape: readonly number[], dtype?: DataType) {
    const ref = values instanceof DataRef ? values : new DataRef(values);
    const arr = ref.values;
    if (!arr) throw new BlasnetError('ERR_DISPOSED', 'Tensor is disposed.');
    const size = sizeFromShape(shape);
    if (arr.length !== size) throw invalidArg('tensor values', `${size} values for shape [${shape.join(', ')}]`, arr);
    const dt = dtype ?? dtypeOf(arr);
    // A shared buffer may hold a narrower type than the dtype (tfjs's lossless casts keep the buffer).
    if (dt !== dtypeOf(arr) && !(values instanceof DataRef && dt !== 'bool' && (dt === 'float32' || dtypeOf(arr) === 'bool'))) {
      throw invalidArg('tensor values', `the typed array of dtype ${dt}`, arr);
    }
    this.id = ENGINE.newTensorId();
    this.shape = [...shape] as ShapeMap[R];
    this.dtype = dt;
    this.size = size;
    this.strides = computeStrides(shape);
    this.dataId = ref;
    ENGINE.register(this);
  }

  get rank(): number { return this.shape.length; }
  get rankType(): R { return (this.shape.length < 7 ? `R${this.shape.length}` : this.shape.length) as R; }
  get isDisposed(): boolean { return this.disposedFlag; }

  throwIfDisposed(): void {
    if (this.disposedFlag) throw new BlasnetError('ERR_DISPOSED', 'Tensor is disposed.');
  }

  /** The values, row-major: the tensor's own buffer, as tfjs's CPU backend returns it (do not mutate). */
  /**
   * Typed as a Float32Array unless a dtype is given (dataSync<'int32'>()): float32 is what models,
   * data helpers and most ops give, and what blasnet's own API always returned (tfjs types it as the union).
   */
  dataSync<D extends DataType = 'float32'>(): DataTypeMap[D] {
    this.throwIfDisposed();
    return this.dataId.values as DataTypeMap[D];
  }

  async data<D extends DataType = 'float32'>(): Promise<DataTypeMap[D]> { return this.dataSync<D>(); }

  /** Nested arrays of numbers (a number for a scalar; [] when any axis is 0, as tfjs). */
  arraySync(): ArrayMap[R] {
    const v = this.dataSync();
    if (this.shape.length === 0) return v[0] as ArrayMap[R];
    if (this.size === 0) return [] as unknown as ArrayMap[R];
    return nest(v, this.shape, 0, 0) as ArrayMap[R];
  }

  async array(): Promise<ArrayMap[R]> { return this.arraySync(); }

  toString(verbose = false): string {
    return tensorToString(this.dataSync(), this.shape, this.dtype, verbose);
  }

  print(verbose = false): void {
    console.log(this.toString(verbose));
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    ENGINE.release(this);
  }

  /** Points this tensor at another buffer of its size and dtype (what tfjs's Variable.assign does). */
  protected rebind(ref: DataRef): void {
    this.throwIfDisposed();
    ENGINE.release(this);
    (this as { dataId: DataRef }).dataId = ref;
    ENGINE.register(this);
  }

  /** A new tensor over the same buffer (tfjs's clone: no copy). */
  clone(): Tensor<R> {
    this.throwIfDisposed();
    return new Tensor<R>(this.dataId, this.shape, this.dtype);
  }
}

function nest(v: TypedArray, shape: readonly number[], axis: number, offset: number): unknown {
  const n = shape[axis]!;
  if (axis === shape.length - 1) return Array.from(v.subarray(offset, offset + n));
  const step = sizeFromShape(shape.slice(axis + 1));
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = nest(v, shape, axis + 1, offset + i * step);
  return out;
}

export type Scalar = Tensor<Rank.R0>;
export type Tensor1D = Tensor<Rank.R1>;
export type Tensor2D = Tensor<Rank.R2>;
export type Tensor3D = Tensor<Rank.R3>;
export type Tensor4D = Tensor<Rank.R4>;

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** Every tensor in a value (a tensor, or arrays and plain objects holding tensors), each once. */
export function getTensorsInContainer(result: unknown): Tensor[] {
  const out: Tensor[] = [];
  if (result === null || typeof result !== 'object') return out;
  if (result instanceof Tensor) { out.push(result); return out; }
  walkContainer(result, out, 0);
  return out;
}

// Rows of numbers cost one loop, not a call per number; a depth bound (not a visited set, which would
// cost an allocation per dataset element) ends cyclic structures.
const MAX_DEPTH = 64;
function walkContainer(v: object, out: Tensor[], depth: number): void {
  if (v instanceof Tensor) { if (!out.includes(v)) out.push(v); return; }
  if (depth > MAX_DEPTH || ArrayBuffer.isView(v) || v instanceof Promise) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) { const c: unknown = v[i]; if (c !== null && typeof c === 'object') walkContainer(c, out, depth + 1); }
    return;
  }
  for (const k in v) {
    const c = (v as Record<string, unknown>)[k];
    if (c !== null && typeof c === 'object' && Object.prototype.hasOwnProperty.call(v, k)) walkContainer(c, out, depth + 1);
  }
}

/** A float32 matrix tensor over `values` (used as is, not copied): how blasnet's own functions return rows. */
export function matrixTensor(values: Float32Array, shape: [number, number]): Tensor2D {
  return new Tensor<Rank.R2>(values, shape);
}
