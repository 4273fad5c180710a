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
