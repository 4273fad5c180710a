// SharedArrayBuffers between the JavaScript thread and the engine workers: a net's parameters and state
// live in them, and a call's data is copied into them (4 MB or 2 ms per event-loop turn, so a 200 MB
// training set never holds the event loop for long). Data that already lives in a SharedArrayBuffer is
// used as it is.
import { inPieces } from '../turns';

type Typed = Float32Array | Uint32Array;
type TypedKind<T extends Typed> = { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

// Elements copied at a time (1 MB: a fraction of a millisecond), and at most per event-loop turn (4 MB).
const PIECE = 1 << 18;
const PER_TURN = 1 << 20;
const KEPT_RELEASED = 8;

export function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * Math.max(1, n)), 0, n);
}

export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

// Copy buffers of disposed nets, for the next net to take while the garbage collector has not reclaimed
// them: a fit after a fit on the same data (a new model, or a retry) then neither allocates and faults in
// another 188 MB nor leaves the old buffer to a major collection during the fit. Weak: they keep no
// memory alive.
const released: WeakRef<Typed>[] = [];

/** A released buffer of `kind` with room for n elements and at most twice that (no 188 MB for a small role). */
function takeReleased<T extends Typed>(kind: TypedKind<T>, n: number): T | null {
  let best = -1, bestLength = Infinity;
  for (let i = released.length - 1; i >= 0; i--) {
    const b = released[i]!.deref();
    if (!b) { released.splice(i, 1); continue; }
    if (b instanceof kind && b.length >= n && b.length <= 2 * n && b.length < bestLength) { best = i; bestLength = b.length; }
  }
  return best < 0 ? null : released.splice(best, 1)[0]!.deref() as T;
}

/** One net's copy buffers, kept between its calls (an epoch after an epoch reuses them). */
export class SharedCopies {
  private readonly buffers = new Map<string, Typed>();

  /** A shared buffer of `n` elements for `role`, grown when needed. */
  buffer<T extends Typed>(role: string, n: number, kind: TypedKind<T>): T {
    const have = this.buffers.get(role);
    if (have instanceof kind && have.length >= n) return have.subarray(0, n) as T;
    const made = takeReleased(kind, n) ?? new kind(new SharedArrayBuffer(kind.BYTES_PER_ELEMENT * Math.max(n, 1)));
    this.buffers.set(role, made);
    return made.subarray(0, n) as T;
  }

  /** `src` as a shared array: itself when it is shared already, else a copy made over several turns. */
  async share<T extends Typed>(role: string, src: T, n = src.length): Promise<T> {
    if (isShared(src)) return src.subarray(0, n) as T;
    const dst: Typed = src instanceof Uint32Array ? this.buffer(role, n, Uint32Array) : this.buffer(role, n, Float32Array);
    await inPieces(n, PIECE, PER_TURN, (from, to) => dst.set(src.subarray(from, to), from));
    return dst as T;
  }

  /** Called when the net is released (no call of it is running): its buffers go to the next net. */
  clear(): void {
    for (const b of this.buffers.values()) released.push(new WeakRef(b));
    if (released.length > KEPT_RELEASED) released.splice(0, released.length - KEPT_RELEASED);
    this.buffers.clear();
  }
}
