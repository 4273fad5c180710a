// One fit of a 784-256-128-10 MLP (1 epoch, batch 32, synthetic MNIST-shaped float32 data) in a child:
// - the event loop stays free: monitorEventLoopDelay (10 ms resolution) delays, reported; asserted, with
//   a generous bound (500 ms), is the main thread's own CPU time between two ticks of a 10 ms timer
//   (what the fit held the loop for, which a loaded machine does not inflate as it does the delays).
//   Native: 60,000 rows. js: 3,000 rows (the TypeScript engine is ~20x slower; it yields between
//   batches rather than running in a worker thread).
// - peak memory (native, 60,000 rows = 188 MB of x): the child's maxRSS stays under its baseline + the
//   data + 100 MB: the training set is referenced, not copied, and there is no per-batch allocation.
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { FIXTURES, ROOT, requireDist, result, runNode } from '../fixtures/robust/child';

const ENGINE = getEngine().name;
const ROWS = ENGINE === 'native' ? 60_000 : 3_000;

interface FitResult {
  engine: string; rows: number; dataMB: number; baseMB: number; peakMB: number; overDataMB: number; fitMs: number; loss: number;
  eventLoop: { maxMs: number; meanMs: number; p99Ms: number; timerTicks: number; timerMaxLateMs: number; timerMaxHeldMs: number | null };
}

describe(`a 784-256-128-10 fit on ${ROWS} rows (${ENGINE} engine)`, () => {
  let r: FitResult;
  beforeAll(async () => {
    requireDist();
    r = result<FitResult>(await runNode([path.join(FIXTURES, 'mnist-child.js'), ROOT, String(ROWS), '32'], { BLASNET_ENGINE: ENGINE }));
    console.log(`[robust-eventloop] ${ENGINE}, ${ROWS} rows: fit ${r.fitMs.toFixed(0)} ms; event-loop delay max ` +
      `${r.eventLoop.maxMs.toFixed(1)} ms, p99 ${r.eventLoop.p99Ms.toFixed(1)} ms, mean ${r.eventLoop.meanMs.toFixed(1)} ms ` +
      `(10 ms timer: ${r.eventLoop.timerTicks} ticks, latest ${r.eventLoop.timerMaxLateMs.toFixed(1)} ms late, ` +
      `main thread's CPU time between two ticks at most ${r.eventLoop.timerMaxHeldMs?.toFixed(1) ?? '-'} ms); ` +
      `maxRSS ${r.peakMB.toFixed(1)} MB = baseline ${r.baseMB.toFixed(1)} + data ${r.dataMB.toFixed(1)} + ${r.overDataMB.toFixed(1)} MB`);
  }, 300_000);

  it('trains (finite loss) on the requested engine', () => {
    expect(r.engine).toBe(ENGINE);
    expect(r.rows).toBe(ROWS);
    expect(Number.isFinite(r.loss)).toBe(true);
  });

  it('the event loop keeps running during the fit: never held 500 ms (figures in the log)', () => {
    // Where Linux gives the main thread's CPU time, the block is what that thread ran between two ticks:
    // a loaded machine makes ticks late by making the thread wait for a core, not by making it run.
    // Elsewhere the delays' p99 stands in for it (one late tick of a loaded machine does not fail it).
    if (r.eventLoop.timerMaxHeldMs !== null) expect(r.eventLoop.timerMaxHeldMs).toBeLessThan(500);
    else expect(r.eventLoop.p99Ms).toBeLessThan(500);
    // The 10 ms timer kept firing through the fit: on average at least once per 100 ms (a shared,
    // loaded machine stretches the gaps; a blocked loop would give one tick for the whole fit).
    expect(r.eventLoop.timerTicks).toBeGreaterThan(r.fitMs / 100);
  });

  it.runIf(ENGINE === 'native')('peak RSS stays under baseline + data + 100 MB', () => {
    expect(r.overDataMB).toBeLessThan(100);
  });
});
