// The TypeScript engine's copies of a call's data into SharedArrayBuffers (lib/engine/js/shared.ts) and
// the piecewise work behind them (inPieces, lib/engine/turns.ts): exact copies, a turn given to the
// event loop while a large copy runs, and a disposed net's buffers taken by the next net instead of new
// 188 MB allocations. Engine-independent code: it runs on the js run of the suite.
import { describe, expect, it } from 'vitest';
import { SharedCopies } from '../../lib/engine/js/shared';
import { inPieces } from '../../lib/engine/turns';
import { RUN_ENGINE, skippedOnThisRun } from '../helpers/engines';
import { randomArray } from '../helpers/spec';

if (RUN_ENGINE !== 'js') describe('shared copies and inPieces', () => skippedOnThisRun('the TypeScript engine\'s shared copies', 'js'));

describe.runIf(RUN_ENGINE === 'js')('shared copies and inPieces', () => {
  it('inPieces covers [0, n) once, in order, and gives the loop a turn after perTurn elements', async () => {
    const seen: [number, number][] = [];
    let immediates = 0;
    const tick = (): void => { immediates++; };
    setImmediate(tick);
    await inPieces(10, 3, 6, (from, to) => seen.push([from, to]));
    expect(seen).toEqual([[0, 3], [3, 6], [6, 9], [9, 10]]);
    expect(immediates).toBe(1); // after 6 elements the loop had a turn: the immediate queued first ran
  });

  it('inPieces gives the loop a turn after ~2 ms even below perTurn elements', async () => {
    let turns = 0, running = true;
    const tick = (): void => { if (running) { turns++; setImmediate(tick); } };
    setImmediate(tick);
    // Ten pieces of 1 ms each, with no element limit: at least three turns pass (one per 2 ms).
    await inPieces(10, 1, Infinity, () => { const end = performance.now() + 1; while (performance.now() < end); });
    running = false;
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('share copies exactly, in several turns for a large array, and reuses its buffer on the next call', async () => {
    const copies = new SharedCopies();
    const src = randomArray(3 * (1 << 20) + 17, 5);
    let turns = 0, running = true;
    const tick = (): void => { if (running) { turns++; setImmediate(tick); } };
    setImmediate(tick);
    const shared = await copies.share('x', src);
    running = false;
    expect(turns).toBeGreaterThanOrEqual(3); // at most 2^20 elements per turn
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(shared.buffer, 0, src.byteLength).equals(Buffer.from(src.buffer))).toBe(true);
    src[7] = 42;
    const again = await copies.share('x', src);
    expect(again.buffer).toBe(shared.buffer);
    expect(again[7]).toBe(42);
    // Shared input is used as it is.
    expect((await copies.share('y', again)).buffer).toBe(again.buffer);
  });

  it('a released net\'s buffers go to the next one when they fit (and not a large one to a small role)', async () => {
    const first = new SharedCopies();
    const x = await first.share('x', randomArray(1000, 1));
    const order = await first.share('order', Uint32Array.from({ length: 10 }, (_, i) => i));
    // Released and taken in one job: a released buffer is held weakly, and a collection between two
    // awaits may reclaim it (then the next net allocates, as it would without reuse).
    first.clear();
    const second = new SharedCopies();
    const src = randomArray(900, 3);
    const [y2, x2, order2] = await Promise.all([
      second.share('y', randomArray(100, 2)), second.share('x', src), second.share('order', Uint32Array.from({ length: 10 })),
    ]);
    expect(y2.buffer).not.toBe(x.buffer); // a tenth of x's size does not take x's buffer
    expect(x2.buffer).toBe(x.buffer);
    expect(Array.from(x2)).toEqual(Array.from(src));
    expect(order2.buffer).toBe(order.buffer); // of the same element type only
    // A taken buffer belongs to one net only.
    const third = new SharedCopies();
    expect((await third.share('x', src)).buffer).not.toBe(x.buffer);
  });
});
