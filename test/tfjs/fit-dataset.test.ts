// model.fitDataset and model.evaluateDataset: training from a dataset gives the weights fit gives on
// the same batches in the same order (one engine call per chunk of batches, or per batch with batch
// hooks), batchesPerEpoch runs one iterator across epochs, validation from a dataset or arrays, errors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import { BlasnetError } from '../../lib/errors';

const ROWS = 96;
function data(): { x: number[][]; y: number[][] } {
  let s = 7;
  const r = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const x = Array.from({ length: ROWS }, () => [r(), r(), r()]);
  return { x, y: x.map((v) => [v[0]! * 2 - v[1]! + 0.5 * v[2]!]) };
}

function model(seed = 5): tf.Sequential {
  tf.setSeed(seed);
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: 'tanh', inputShape: [3] }), tf.layers.dense({ units: 1 })] });
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError', metrics: ['mae'] });
  return m;
}

const flatWeights = (m: tf.Sequential): number[] => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
const dataset = (batch: number) => {
  const { x, y } = data();
  return tf.data.zip({ xs: tf.data.array(x), ys: tf.data.array(y) }).batch(batch);
};

beforeEach(() => tf.setSeed(1));

describe(`fitDataset (${tf.getBackend()})`, () => {
  it('gives the weights and losses of fit on the same batches in the same order', async () => {
    const { x, y } = data();
    const a = model(), b = model();
    const ha = await a.fit(x, y, { epochs: 4, batchSize: 10, shuffle: false, verbose: 0 });
    const hb = await b.fitDataset(dataset(10), { epochs: 4, verbose: 0 });
    expect(flatWeights(b)).toEqual(flatWeights(a));
    expect(hb.history.loss).toEqual(ha.history.loss);
    expect(hb.epoch).toEqual([0, 1, 2, 3]);
    for (let i = 0; i < 4; i++) expect(hb.history.mae![i]).toBeCloseTo(ha.history.mae![i]!, 6);
  });

  it('with batch hooks it trains batch by batch, to the same weights, calling them once per batch', async () => {
    const { x, y } = data();
    const a = model(), b = model();
    await a.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    const seen: number[] = [];
    const losses: number[] = [];
    await b.fitDataset(dataset(16), {
      epochs: 2, verbose: 0,
      callbacks: { onBatchEnd: (batch, logs) => { seen.push(batch); losses.push(logs!.loss!); } },
    });
    expect(flatWeights(b)).toEqual(flatWeights(a));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    expect(losses.every(Number.isFinite)).toBe(true);
  });

  it('batchesPerEpoch runs one iterator on across epochs, and stops when it runs out', async () => {
    const m = model();
    const h = await m.fitDataset(dataset(8), { epochs: 3, batchesPerEpoch: 4, verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2]);
    const short = model();
    const h2 = await short.fitDataset(dataset(32), { epochs: 5, batchesPerEpoch: 2, verbose: 0 });
    expect(h2.epoch.length).toBeLessThan(5);
  });

  it('validation from a dataset or from arrays gives the val_ logs, equal to evaluate', async () => {
    const { x, y } = data();
    const m = model();
    const h = await m.fitDataset(dataset(12), { epochs: 2, validationData: dataset(20), verbose: 0 });
    const direct = await m.evaluateAsync(x, y);
    expect(h.history.val_loss![1]).toBeCloseTo(direct.loss!, 5);
    const h2 = await m.fitDataset(dataset(12), { epochs: 1, validationData: [tf.tensor2d(x), tf.tensor2d(y)], verbose: 0 });
    expect(Object.keys(h2.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
  });

  it('evaluateDataset gives the scalars evaluate gives', async () => {
    const { x, y } = data();
    const m = model();
    await m.fit(x, y, { epochs: 3, verbose: 0 });
    const [loss, mae] = (await m.evaluateDataset(dataset(25))) as tf.Tensor[];
    const direct = await m.evaluateAsync(x, y);
    expect(loss!.dataSync()[0]).toBeCloseTo(direct.loss!, 5);
    expect(mae!.dataSync()[0]).toBeCloseTo(direct.mae!, 5);
    expect(loss!.shape).toEqual([]);
  });

  it('callbacks stop training; the batch tensors are disposed after training', async () => {
    const m = model();
    const before = tf.memory().numTensors;
    const h = await m.fitDataset(dataset(16), { epochs: 10, verbose: 0, callbacks: [{ onEpochEnd: (e) => { if (e === 1) m.stopTraining = true; } }] });
    expect(h.epoch).toEqual([0, 1]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses what it cannot train on, with BlasnetErrors', async () => {
    const m = model();
    await expect(m.fitDataset(dataset(4), {} as never)).rejects.toThrow(/epochs/);
    await expect(m.fitDataset([1, 2] as never, { epochs: 1 })).rejects.toThrow(BlasnetError);
    await expect(m.fitDataset(tf.data.array([1, 2]), { epochs: 1 })).rejects.toThrow(/\{xs, ys\}/);
    await expect(m.fitDataset(tf.data.array([{ xs: { a: tf.ones([2, 3]) }, ys: tf.ones([2, 1]) }]), { epochs: 1 })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    await expect(m.fitDataset(dataset(4), { epochs: 1, shuffle: true } as never)).rejects.toThrow(/Unknown option "shuffle"/);
    await expect(m.fitDataset(tf.data.array([]), { epochs: 1 })).rejects.toThrow(/no batches/);
    await expect(m.fitDataset(dataset(4), { epochs: 1, yieldEvery: 'often' as never })).rejects.toThrow(/for yieldEvery but received "often"/);
  });

  it('yieldEvery takes tfjs\'s values and trains to the same weights', async () => {
    const a = model(), b = model();
    await a.fitDataset(dataset(10), { epochs: 2, verbose: 0 });
    await b.fitDataset(dataset(10), { epochs: 2, verbose: 0, yieldEvery: 'epoch' });
    expect(flatWeights(b)).toEqual(flatWeights(a));
  });
});
