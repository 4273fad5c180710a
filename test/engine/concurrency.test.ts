// Concurrency on the engine chosen by BLASNET_ENGINE: models trained at the same time give exactly
// the weights they get alone; predicts on one model while another fits; 1,000 concurrent predicts;
// nets of mixed shapes (every GEMM transpose of forward and backward, small and multi-threaded sizes)
// training and predicting at once from several libuv threads, compared with sequential runs; and
// UV_THREADPOOL_SIZE=16 with 16 concurrent fits in a child (no OpenBLAS abort).
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers, sequential, setSeed, type Sequential } from '../../lib/index';
import { getEngine } from '../../lib/engine';
import { FIXTURES, ROOT, requireDist, result, runNode } from '../fixtures/robust/child';

const ENGINE = getEngine().name;
const NATIVE = ENGINE === 'native';

function data(rows: number, cols: number, seed: number): Float32Array {
  const x = new Float32Array(rows * cols);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < x.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; x[i] = s / 2 ** 31 - 1; }
  return x;
}
function labels(x: Float32Array, rows: number, cols: number, classes: number): Float32Array {
  const y = new Float32Array(rows);
  const second = cols > 1 ? 1 : 0;
  for (let r = 0; r < rows; r++) y[r] = Math.abs(Math.floor((x[r * cols]! + x[r * cols + second]!) * classes)) % classes;
  return y;
}
const X1 = [Array.from({ length: 16 }, (_, i) => i / 16)];

function weights(m: Sequential): Float32Array[] {
  return m.getWeights().map((t) => Float32Array.from(t.dataSync()));
}

interface Job { seed: number; rows: number; cols: number; hidden: number[]; classes: number; batch: number; epochs: number }

function build(j: Job): Sequential {
  setSeed(j.seed);
  const m = sequential({ layers: [
    ...j.hidden.map((u, i) => layers.dense({ units: u, activation: i % 2 ? 'tanh' : 'relu', ...(i === 0 ? { inputShape: [j.cols] } : {}) })),
    layers.dense({ units: j.classes, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}
async function train(m: Sequential, j: Job): Promise<Float32Array[]> {
  const x = data(j.rows, j.cols, j.seed * 7 + 1);
  await m.fit({ data: x, shape: [j.rows, j.cols] }, labels(x, j.rows, j.cols, j.classes), { epochs: j.epochs, batchSize: j.batch, verbose: 0 });
  return weights(m);
}

describe(`concurrency (${ENGINE} engine)`, () => {
  it('8 models trained at once with Promise.all get exactly the weights each gets alone (same seed)', async () => {
    const jobs: Job[] = Array.from({ length: 8 }, (_, i) => ({
      seed: 100 + i, rows: 160 + 16 * i, cols: 12, hidden: [24], classes: 3, batch: 16, epochs: 2,
    }));
    const alone: Float32Array[][] = [];
    for (const j of jobs) { const m = build(j); alone.push(await train(m, j)); m.dispose(); }
    const models = jobs.map(build);
    const together = await Promise.all(models.map((m, i) => train(m, jobs[i]!)));
    for (let i = 0; i < jobs.length; i++) expect(together[i], `model ${i}`).toEqual(alone[i]);
    models.forEach((m) => m.dispose());
  }, 120_000);

  it('predicts on one model while another fits return the same outputs as before the fit started', async () => {
    const a = build({ seed: 1, rows: 0, cols: 20, hidden: [64, 32], classes: 4, batch: 8, epochs: 1 });
    const b = build({ seed: 2, rows: 0, cols: 20, hidden: [16], classes: 4, batch: 8, epochs: 1 });
    const xa = data(NATIVE ? 4000 : 800, 20, 5);
    const xb = data(50, 20, 6);
    // The reference is a predict with the same batch size before the fit: the same GEMM shapes, so
    // exact equality is expected (a different batching may round differently in OpenBLAS).
    const expected = Array.from((await b.predictAsync({ data: xb, shape: [50, 20] }, { batchSize: 7 })).dataSync());
    let done = false, predicts = 0;
    const fitting = a.fit({ data: xa, shape: [xa.length / 20, 20] }, labels(xa, xa.length / 20, 20, 4), { epochs: 3, batchSize: 8, verbose: 0 })
      .finally(() => { done = true; });
    while (!done) {
      const p = await b.predictAsync({ data: xb, shape: [50, 20] }, { batchSize: 7 });
      expect(Array.from(p.dataSync())).toEqual(expected);
      predicts++;
      // A pause, so on the js engine (same thread, yielding between batches) the fit keeps progressing.
      await new Promise((r) => setTimeout(r, 2));
    }
    await fitting;
    expect(predicts).toBeGreaterThan(1);
    a.dispose(); b.dispose();
  }, 120_000);

  it('a loop of awaited predicts does not starve timers (each call resolves in a later turn of the loop)', async () => {
    const m = build({ seed: 4, rows: 0, cols: 10, hidden: [8], classes: 2, batch: 1, epochs: 1 });
    const x = { data: data(2, 10, 3), shape: [2, 10] as [number, number] };
    let fired = false;
    setTimeout(() => { fired = true; }, 1);
    let calls = 0;
    while (!fired && calls < 5000) { await m.predictAsync(x); calls++; }
    expect(fired, `the timer never ran during ${calls} awaited predicts`).toBe(true);
    m.dispose();
  });

  it('1,000 concurrent predict calls on one model all return the right rows', async () => {
    const m = build({ seed: 3, rows: 0, cols: 10, hidden: [32], classes: 5, batch: 1, epochs: 1 });
    const n = 1000;
    const x = data(n * 2, 10, 9);
    // Call i predicts rows i and i+1 (different inputs per call, so a mixed-up result shows); the
    // reference is the same 2-row input through predictSync, one call at a time.
    const slice = (i: number): { data: Float32Array; shape: [number, number] } => ({ data: x.subarray(i * 10, (i + 2) * 10), shape: [2, 10] });
    const expected = Array.from({ length: n }, (_, i) => Array.from(m.predictSync(slice(i)).dataSync()));
    const outs = await Promise.all(Array.from({ length: n }, (_, i) => m.predictAsync(slice(i))));
    outs.forEach((o, i) => expect(Array.from(o.dataSync()), `call ${i}`).toEqual(expected[i]));
    m.dispose();
  }, 60_000);

  it('mixed GEMM shapes and transposes from several threads at once match sequential runs', async () => {
    // Forward X·W (NN), backward Xᵀ·dZ (TN) and dZ·Wᵀ (NT) at shapes from tiny to multi-threaded
    // OpenBLAS sizes (batch 256 x 300 x 200), odd sizes off every kernel edge.
    const jobs: Job[] = [
      { seed: 11, rows: 97, cols: 3, hidden: [5], classes: 2, batch: 1, epochs: 2 },
      { seed: 12, rows: 300, cols: 37, hidden: [13, 7], classes: 3, batch: 33, epochs: 2 },
      { seed: 13, rows: NATIVE ? 1024 : 256, cols: 300, hidden: [200, 64], classes: 10, batch: 256, epochs: 2 },
      { seed: 14, rows: 500, cols: 1, hidden: [129], classes: 2, batch: 500, epochs: 3 },
      { seed: 15, rows: 257, cols: 65, hidden: [31, 33, 17], classes: 4, batch: 64, epochs: 2 },
      { seed: 16, rows: NATIVE ? 768 : 192, cols: 128, hidden: [256], classes: 7, batch: 128, epochs: 2 },
    ];
    const predictX = jobs.map((j) => data(123, j.cols, j.seed + 99));
    const seq: { w: Float32Array[]; p: number[] }[] = [];
    for (let k = 0; k < jobs.length; k++) {
      const j = jobs[k]!;
      const m = build(j);
      const w = await train(m, j);
      const p = Array.from((await m.predictAsync({ data: predictX[k]!, shape: [123, j.cols] }, { batchSize: 50 })).dataSync());
      seq.push({ w, p });
      m.dispose();
    }
    // Twice, so runs overlap in different ways.
    for (let round = 0; round < 2; round++) {
      const models = jobs.map(build);
      const res = await Promise.all(models.map(async (m, k) => {
        const w = await train(m, jobs[k]!);
        const p = Array.from((await m.predictAsync({ data: predictX[k]!, shape: [123, jobs[k]!.cols] }, { batchSize: 50 })).dataSync());
        return { w, p };
      }));
      res.forEach((r, k) => {
        expect(r.w, `net ${k} weights, round ${round}`).toEqual(seq[k]!.w);
        expect(r.p, `net ${k} predictions, round ${round}`).toEqual(seq[k]!.p);
      });
      models.forEach((m) => m.dispose());
    }
  }, 180_000);

  it('fit while the same model fits is ERR_BUSY; dispose() during a fit rejects it and the queued calls with ERR_DISPOSED', async () => {
    const rows = 3000;
    const j: Job = { seed: 31, rows, cols: 16, hidden: [32], classes: 3, batch: 4, epochs: 50 };
    const m = build(j);
    const x = data(rows, 16, 77);
    const y = labels(x, rows, 16, 3);
    const code = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e));
    // 50 epochs of 750 batches: far longer than the 10 ms before dispose(); the rest is abandoned.
    const first = code(m.fit({ data: x, shape: [rows, 16] }, y, { epochs: 50, batchSize: 4, verbose: 0 }));
    const second = code(m.fit({ data: x, shape: [rows, 16] }, y, { epochs: 1, verbose: 0 }));
    const queued = code(m.predictAsync({ data: x, shape: [rows, 16] }));
    expect(await second).toBe('ERR_BUSY');
    await new Promise((r) => setTimeout(r, 10));
    m.dispose();
    expect(await first).toBe('ERR_DISPOSED');
    expect(await queued).toBe('ERR_DISPOSED');
    expect(() => m.predictSync(X1)).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
  });

  describe.runIf(NATIVE)('libuv pool and OpenBLAS threads', () => {
    beforeAll(requireDist);
    // Default policy (lib/engine/native.ts): OpenBLAS threads = min(2, cores) at load (OPENBLAS_NUM_THREADS
    // wins), changed only by setNumThreads(); each async call runs on one libuv thread.
    it.each([
      ['the default BLAS threads', []],
      ['setNumThreads(16)', ['16']],
    ])('UV_THREADPOOL_SIZE=16 and 16 concurrent fits with %s: no abort, finite results (child)', async (_what, extra) => {
      const r = await runNode([path.join(FIXTURES, 'threadpool-child.js'), ROOT, '16', ...extra], { UV_THREADPOOL_SIZE: '16', BLASNET_ENGINE: 'native' });
      expect(r.stderr).not.toMatch(/memory regions|Program is Terminated|Aborted/i);
      const out = result<{ fits: number; finite: boolean; blasThreads: number; uvThreadpool: string; ms: number }>(r);
      console.log(`[robust-concurrency] UV_THREADPOOL_SIZE=16, 16 fits, ${out.blasThreads} BLAS threads: ok in ${out.ms} ms`);
      expect(out).toMatchObject({ fits: 16, finite: true, uvThreadpool: '16' });
      expect(out.blasThreads).toBe(extra.length ? 16 : 2);
    }, 120_000);
  });
});
