// model.predict and model.evaluate as tfjs gives them: synchronous, returning the one Tensor class
// (chained ops, tf.memory() counts, tidy), the same numbers as predictAsync / evaluateAsync; refused
// with ERR_BUSY while the engine computes for the same model, where the async forms queue instead.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';

const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const Y = [[1, 0], [0, 1], [0, 1], [1, 0]];

function classifier(metrics: string[] = ['accuracy']): tf.Sequential {
  const m = tf.sequential({ layers: [
    tf.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
    tf.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics });
  return m;
}

beforeEach(() => tf.setSeed(3));

describe(`model outputs are tfjs tensors (${tf.getBackend()})`, () => {
  it('predict returns a tf.Tensor synchronously, equal to predictAsync, with the chained ops', async () => {
    const m = classifier();
    await m.fit(X, Y, { epochs: 20, verbose: 0 });
    const p = m.predict(tf.tensor2d(X));
    expect(p).toBeInstanceOf(tf.Tensor);
    expect(p.shape).toEqual([4, 2]);
    expect(Array.from(p.dataSync())).toEqual(Array.from((await m.predictAsync(X)).dataSync()));
    expect((p.sum(1).arraySync() as number[]).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([1, 1, 1, 1]);
    expect(p.argMax(-1).dtype).toBe('int32');
    expect((await m.predict(X)).shape).toEqual([4, 2]); // await on a tensor is the tensor
  });

  it('evaluate returns [loss, ...metrics] as scalars (a scalar without metrics), evaluateAsync the same by name', async () => {
    const m = classifier();
    await m.fit(X, Y, { epochs: 10, verbose: 0 });
    const r = m.evaluate(X, Y) as tf.Scalar[];
    expect(Array.isArray(r)).toBe(true);
    expect(r.map((s) => s.rank)).toEqual([0, 0]);
    const byName = await m.evaluateAsync(X, Y);
    expect(r[0]!.dataSync()[0]).toBe(Math.fround(byName.loss!));
    expect(r[1]!.dataSync()[0]).toBe(Math.fround(byName.accuracy!));
    const plain = classifier([]);
    const loss = plain.evaluate(X, Y) as tf.Scalar;
    expect(loss).toBeInstanceOf(tf.Tensor);
    expect(loss.shape).toEqual([]);
  });

  it('counts in tf.memory() and is disposed by tidy like any tensor', async () => {
    const m = classifier();
    m.predict(X).dispose();
    const before = tf.memory().numTensors;
    const kept = tf.tidy(() => {
      m.predict(X);
      m.evaluate(X, Y);
      return m.predict(X).max();
    });
    expect(tf.memory().numTensors).toBe(before + 1);
    kept.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('predict and evaluate are ERR_BUSY while the engine computes for the model; the async forms queue', async () => {
    const m = tf.sequential({ layers: [
      tf.layers.dense({ units: 512, activation: 'relu', inputShape: [2] }),
      tf.layers.dense({ units: 512, activation: 'relu' }),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const big = tf.randomUniform([20000, 2]);
    const running = m.predictAsync(big);
    await new Promise((r) => setImmediate(r));
    const busy = [() => m.predict(X), () => m.evaluate(X, Y)];
    let refused = 0;
    for (const f of busy) {
      try { f(); } catch (e) { expect(e).toMatchObject({ code: 'ERR_BUSY' }); refused++; }
    }
    const queued = m.evaluateAsync(X, Y);
    expect((await running).shape).toEqual([20000, 2]);
    expect(typeof (await queued).loss).toBe('number');
    // Both are refused unless the whole predict finished before the next macrotask (20000 rows through two 512-unit layers).
    expect(refused).toBe(2);
  });

  it('a predict from a fit callback sees the weights of that epoch', async () => {
    const m = classifier();
    const seen: number[] = [];
    await m.fit(X, Y, { epochs: 3, verbose: 0, callbacks: { onEpochEnd: () => { seen.push(m.predict(X).dataSync()[0]!); } } });
    expect(seen).toHaveLength(3);
    expect(seen[2]).toBe(m.predict(X).dataSync()[0]);
  });
});

describe(`compile takes what tfjs programs pass (${tf.getBackend()})`, () => {
  it('tf.losses.* and tf.metrics.* functions train as the built-ins they name; metric keys as tfjs names them', async () => {
    tf.setSeed(3);
    const viaNames = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [2] }), tf.layers.dense({ units: 1 })] });
    viaNames.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError', metrics: ['mae'] });
    tf.setSeed(3);
    const viaFns = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [2] }), tf.layers.dense({ units: 1 })] });
    viaFns.compile({ optimizer: tf.train.sgd(0.1), loss: tf.losses.meanSquaredError, metrics: [tf.metrics.meanAbsoluteError] });
    const y = [[0], [1], [1], [0]];
    const h1 = await viaNames.fit(X, y, { epochs: 3, verbose: 0 });
    const h2 = await viaFns.fit(X, y, { epochs: 3, verbose: 0 });
    expect(h2.history.loss).toEqual(h1.history.loss);
    expect(h2.history.meanAbsoluteError).toEqual(h1.history.mae);
  });

  it('a metric function on tensors (tfjs style, one value per row) is averaged; a custom loss is refused at compile', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, activation: 'softmax', inputShape: [2] })] });
    function rowsRight(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
      return tf.equal(yTrue.argMax(-1), yPred.argMax(-1)).cast('float32');
    }
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy', rowsRight] });
    const h = await m.fit(X, Y, { epochs: 2, verbose: 0 });
    expect(h.history.rowsRight).toEqual(h.history.accuracy);
    expect(() => m.compile({ optimizer: 'adam', loss: (t: tf.Tensor, p: tf.Tensor) => tf.sub(t, p).square().mean() } as never))
      .toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED', message: expect.stringMatching(/no autograd/) }));
  });

  it("logs and History keyed 'accuracy' read as 'acc' too (tfjs's key), listed once", async () => {
    const m = classifier();
    let seen: Record<string, number> = {};
    const h = await m.fit(X, Y, { epochs: 2, verbose: 0, validationData: [X, Y], callbacks: { onEpochEnd: (_e, logs) => { seen = { ...logs!, acc: logs!.acc!, val_acc: logs!.val_acc! }; } } });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(h.history.acc).toBe(h.history.accuracy);
    expect(h.history.val_acc).toBe(h.history.val_accuracy);
    expect(seen.acc).toBe(h.history.accuracy![1]);
    expect(seen.val_acc).toBe(h.history.val_accuracy![1]);
    const m2 = classifier(['acc']);
    const h2 = await m2.fit(X, Y, { epochs: 1, verbose: 0 });
    expect(Object.keys(h2.history).sort()).toEqual(['acc', 'loss']);
    expect(h2.history.accuracy).toBe(h2.history.acc);
  });
});

describe(`layers.flatten (${tf.getBackend()})`, () => {
  it('takes an N-D inputShape; rank-3 inputs train and predict as their flat rows; save and load keep it', async () => {
    const fs = await import('node:fs'), os = await import('node:os'), path = await import('node:path');
    const rows = tf.randomUniform([12, 3, 4], 0, 1, 'float32', 5);
    const y = tf.randomUniform([12, 2], 0, 1, 'float32', 6);
    const make = (): tf.Sequential => {
      tf.setSeed(9);
      return tf.sequential({ layers: [tf.layers.flatten({ inputShape: [3, 4] }), tf.layers.dense({ units: 2 })] });
    };
    const a = make(), b = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [12] })] });
    tf.setSeed(9);
    b.setWeights(a.getWeights());
    a.compile({ optimizer: 'sgd', loss: 'mse' });
    b.compile({ optimizer: 'sgd', loss: 'mse' });
    const flat = rows.reshape([12, 12]);
    const ha = await a.fit(rows, y, { epochs: 2, shuffle: false, verbose: 0 });
    const hb = await b.fit(flat, y, { epochs: 2, shuffle: false, verbose: 0 });
    expect(ha.history.loss).toEqual(hb.history.loss);
    expect(Array.from(a.predict(rows).dataSync())).toEqual(Array.from(b.predict(flat).dataSync()));
    expect(a.layers[0]!.getClassName()).toBe('Flatten');
    expect(a.countParams()).toBe(26);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-flatten-'));
    try {
      await a.save(dir);
      const back = await tf.loadLayersModel(path.join(dir, 'model.json'));
      expect(back.layers.map((l) => l.getClassName())).toEqual(['Flatten', 'Dense']);
      expect(Array.from(back.predict(rows).dataSync())).toEqual(Array.from(a.predict(rows).dataSync()));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses channelsFirst and bad shapes with a coded error', () => {
    expect(() => tf.layers.flatten({ dataFormat: 'channelsFirst' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/channelsLast/) }));
    expect(() => tf.layers.flatten({ inputShape: [3, 0] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });
});
