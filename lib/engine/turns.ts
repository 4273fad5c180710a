// Work on the JavaScript thread in several event-loop turns: giving the loop a turn, and keeping the
// buffers such work reads attached meanwhile.
import { markAsUntransferable } from 'worker_threads';

/**
 * Resolves in a later macrotask: timers and I/O run first. Awaiting a resolved promise is not enough:
 * microtasks run before the loop moves on, so a chain of them holds it as one block.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * As the native binding does: buffers that work reads or writes between its turns cannot be detached
 * (transferred to a Worker) while it runs; a transfer copies instead.
 */
export function pin(...arrays: (ArrayBufferView | null | undefined)[]): void {
  for (const a of arrays) {
    if (a && a.buffer instanceof ArrayBuffer && a.buffer.byteLength > 0) markAsUntransferable(a.buffer);
  }
}

// Time per event-loop turn in inPieces: well under the 10 ms a caller can notice. Measured as well as
// counted, so a loaded machine (where a piece takes several times longer) holds the loop no longer than
// a quiet one.
const TURN_MS = 2;

/**
 * `work(from, to)` over [0, n) in pieces of `piece`, giving the event loop a turn after `perTurn`
 * elements or TURN_MS, whichever comes first. The first piece runs in the caller's turn.
 */
export async function inPieces(n: number, piece: number, perTurn: number, work: (from: number, to: number) => void): Promise<void> {
  let turnStart = performance.now(), turnFrom = 0;
  for (let from = 0; from < n; from += piece) {
    if (from > turnFrom && (from - turnFrom >= perTurn || performance.now() - turnStart >= TURN_MS)) {
      await nextTurn();
      turnStart = performance.now();
      turnFrom = from;
    }
    work(from, Math.min(n, from + piece));
  }
}
