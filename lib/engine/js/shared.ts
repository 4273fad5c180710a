// SharedArrayBuffers between the JavaScript thread and the engine workers: a net's parameters and state
// live in them, and a call's data is copied into them (in slices of 4 MB between event-loop turns, so a
// 200 MB training set never holds the loop for more than a millisecond or two). Data that already lives
// in a SharedArrayBuffer is used as it is.
import { nextTurn } from '../turns';

type Typed = Float32Array | Uint32Array;

const SLICE = 1 << 20; // elements copied per event-loop turn

export function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * Math.max(1, n)), 0, n);
}

export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

/** One net's copy buffers, kept between its calls (an epoch after an epoch reuses them). */
export class SharedCopies {
  private readonly buffers = new Map<string, Typed>();

  /** A shared buffer of `n` elements for `role`, grown when needed. */
  buffer<T extends Typed>(role: string, n: number, make: (n: number) => T): T {
    const have = this.buffers.get(role) as T | undefined;
    if (have && have.length >= n) return have.subarray(0, n) as T;
    const made = make(Math.max(n, 1));
    this.buffers.set(role, made);
    return made.subarray(0, n) as T;
  }

  /** `src` as a shared array: itself when it is shared already, else a copy made over several turns. */
  async share<T extends Typed>(role: string, src: T, n = src.length): Promise<T> {
    if (isShared(src)) return src.subarray(0, n) as T;
    const make = (k: number): T => (src instanceof Uint32Array
      ? new Uint32Array(new SharedArrayBuffer(4 * k))
      : new Float32Array(new SharedArrayBuffer(4 * k))) as T;
    const dst = this.buffer(role, n, make);
    for (let i = 0; i < n; i += SLICE) {
      if (i > 0) await nextTurn();
      dst.set(src.subarray(i, Math.min(n, i + SLICE)), i);
    }
    return dst;
  }

  clear(): void {
    this.buffers.clear();
  }
}
