// predict, predictSync and evaluate keep their workspace under the memory budget (lib/limits.ts, or the
// memoryLimit the caller passes) whatever the layer widths, in batches that are never split while they
// fit (so the same bits); a training batch over the budget is ERR_LIMIT before anything is allocated.
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { forwardBytesPerRow, inferenceBatch } from '../../lib/engine/budget';
import { ROOT, requireDist, result, runNode } from '../fixtures/robust/child';
import { RUN_ENGINE } from '../helpers/engines';
import { batchNorm, dense, dropout, initialParams, layerNorm, loss, netSpec, optimizer, randomArray } from '../helpers/spec';

const engine = getEngine();

describe(`predict under a memory budget (${RUN_ENGINE} engine)`, () => {
  const spec = netSpec(16, [dense(16, 2048, 'relu'), batchNorm(2048), dropout(2048, 0.3), dense(2048, 64, 'tanh'), layerNorm(64),
    dense(64, 3, 'softmax')], loss('categoricalCrossentropy'), optimizer('adam'));
  const rows = 600;
  const x = { data: randomArray(rows * 16, 7), rows, cols: 16 };
  const perRow = forwardBytesPerRow(spec);

  it('a batch that fits is computed whole: predict and evaluate under a budget of a few batches give the same bits', async () => {
    const net = engine.createNet(spec, initialParams(spec, 3));
    const limit = 3 * 64 * perRow + rows * 3 * 4;  // three batches of 64 rows and the output
    expect(inferenceBatch(spec, rows, 3, 64, limit)).toBe(64);
    expect(Array.from(await net.predict(x, 64, limit))).toEqual(Array.from(await net.predict(x, 64)));
    const y = { data: Float32Array.from({ length: rows * 3 }, (_, k) => (k % 3 === 0 ? 1 : 0)), rows, cols: 3 };
    const a = await net.evaluate(x, y, 64, null, null, limit);
    const b = await net.evaluate(x, y, 64, null, null);
    expect(a).toEqual(b);
    net.dispose();
  });

  it('a batch over the budget is computed in fewer rows: predictSync of all rows under a budget of 50 rows', () => {
    const net = engine.createNet(spec, initialParams(spec, 4));
    const limit = 50 * perRow + rows * 3 * 4;
    expect(inferenceBatch(spec, rows, 3, rows, limit)).toBe(50);
    const chunked = net.predictSync(x, limit);
    const whole = net.predictSync(x);
    let max = 0;
    for (let i = 0; i < whole.length; i++) max = Math.max(max, Math.abs(chunked[i]! - whole[i]!));
    console.log(`[budget] ${RUN_ENGINE}: predictSync in batches of 50 vs all rows at once: max abs difference ${max.toExponential(2)}`);
    // OpenBLAS rounds a row differently in GEMMs of other sizes; the TypeScript GEMM does not (4 rows and up).
    if (RUN_ENGINE === 'js') expect(max).toBe(0);
    else expect(max).toBeLessThan(1e-5);
    net.dispose();
  });

  it('ERR_LIMIT when not even one row, or the output, fits; and for a training batch over the budget', async () => {
    const net = engine.createNet(spec, initialParams(spec, 5));
    expect(() => net.predictSync(x, perRow - 1)).toThrow(expect.objectContaining({ code: 'ERR_LIMIT', message: expect.stringMatching(/workspace of one row/) }));
    await expect(net.predict(x, 32, 100)).rejects.toMatchObject({ code: 'ERR_LIMIT', message: expect.stringMatching(/output of a predict/) });
    const prev = process.env.BLASNET_MEMORY_LIMIT;
    process.env.BLASNET_MEMORY_LIMIT = '1M';
    try {
      const y = { data: new Float32Array(rows * 3), rows, cols: 3 };
      await expect(net.trainBatches({ x, y, order: Uint32Array.from({ length: rows }, (_, i) => i), batchSize: 512, sampleWeight: null,
        predictionsOut: null })).rejects.toMatchObject({ code: 'ERR_LIMIT', message: expect.stringMatching(/training workspace of a batch of 512 rows/) });
    } finally {
      if (prev === undefined) delete process.env.BLASNET_MEMORY_LIMIT;
      else process.env.BLASNET_MEMORY_LIMIT = prev;
    }
    net.dispose();
  });

  it('a 262,144-unit layer: 1,024 rows predicted under a 256 MiB budget without the ~2 GiB an unchunked workspace takes', async () => {
    requireDist();
    const r = result<{ engine: string; rows: number; finite: boolean; growthMB: number }>(
      await runNode([path.join(__dirname, '..', 'fixtures', 'engine', 'wide-child.js'), ROOT],
        { BLASNET_ENGINE: RUN_ENGINE, BLASNET_MEMORY_LIMIT: '256M' }, 240_000));
    console.log(`[budget] ${r.engine}: 1,024 rows x a 262,144-unit layer under a 256 MiB budget: peak RSS growth ${r.growthMB.toFixed(0)} MiB`);
    expect(r).toMatchObject({ engine: RUN_ENGINE, rows: 1024, finite: true });
    expect(r.growthMB).toBeLessThan(700);
  }, 300_000);
});
