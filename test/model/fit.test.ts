// Each fit option shows its effect (runs on the engine chosen by BLASNET_ENGINE).
import { beforeEach, describe, expect, it } from 'vitest';
import { BlasnetError, callbacks, layers, optimizers, sequential, setSeed, tensor2d, type Sequential } from '../../lib/index';
import { getEngine } from '../../lib/engine';
import { seedExample } from '../helpers/examples';

/** Deterministic data: y = sum of features (regression) and the class of the sign (binary). */
function makeData(rows: number, cols: number, seed: number): { x: number[][]; y: number[][]; cls: number[] } {
  let s = seed >>> 0;
  const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 * 2 - 1; };
  const x: number[][] = [], y: number[][] = [], cls: number[] = [];
  for (let i = 0; i < rows; i++) {
    const r = Array.from({ length: cols }, rnd);
    const t = r.reduce((a, b) => a + b, 0);
    x.push(r); y.push([t]); cls.push(t > 0 ? 1 : 0);
  }
  return { x, y, cls };
}

function regression(opt: Parameters<Sequential['compile']>[0]['optimizer'] = 'adam', hidden = 8): Sequential {
  const m = sequential({ layers: [layers.dense({ units: hidden, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 1 })] });
  m.compile({ optimizer: opt, loss: 'mse' });
  return m;
}

function flat(m: Sequential): Float32Array {
  const parts = m.getWeights().map((t) => t.dataSync());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

beforeEach(() => setSeed(1234));

describe(`fit options (${getEngine().name} engine)`, () => {
  it('returns a History with per-epoch loss, epoch indices and params', async () => {
    const { x, y } = makeData(64, 4, 1);
    const m = regression();
    const h = await m.fit(x, y, { epochs: 5, batchSize: 16, verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(h.history.loss).toHaveLength(5);
    expect(h.history.loss![4]!).toBeLessThan(h.history.loss![0]!);
    expect(h.params).toMatchObject({ epochs: 5, samples: 64, steps: 4, batchSize: 16 });
  });

  it('the same seed gives the same weights; a different seed different ones', async () => {
    const { x, y } = makeData(64, 4, 2);
    const run = async (seed: number): Promise<Float32Array> => {
      setSeed(seed);
      const m = regression();
      await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
      return flat(m);
    };
    const a = await run(7), b = await run(7), c = await run(8);
    expect(maxDiff(a, b)).toBe(0);
    expect(maxDiff(a, c)).toBeGreaterThan(1e-3);
  });

  it('validationSplit holds out the last rows, before shuffling', async () => {
    const { x, y } = makeData(50, 4, 3);
    // Fit on 50 rows with validationSplit 0.2 == fit on the first 40 rows only.
    setSeed(5);
    const a = regression();
    const h = await a.fit(x, y, { epochs: 3, batchSize: 8, validationSplit: 0.2, verbose: 0 });
    setSeed(5);
    const b = regression();
    await b.fit(x.slice(0, 40), y.slice(0, 40), { epochs: 3, batchSize: 8, verbose: 0 });
    expect(maxDiff(flat(a), flat(b))).toBe(0);
    expect(h.params.samples).toBe(40);
    // val_loss of the last epoch is the loss on rows 40..49 with the final weights.
    const ev = await a.evaluateAsync(x.slice(40), y.slice(40));
    expect(h.history.val_loss![2]).toBeCloseTo(ev.loss!, 5);
  });

  it('validationData is evaluated after each epoch, with metrics under val_ names', async () => {
    const { x, y, cls } = makeData(60, 4, 4);
    const m = sequential({ layers: [layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })] });
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['acc'] });
    const h = await m.fit(x.slice(0, 40), cls.slice(0, 40), { epochs: 2, validationData: [x.slice(40), cls.slice(40)], verbose: 0 });
    // 'acc' keeps its spelling (Keras 3 and tfjs); 'accuracy' gives the Keras name.
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    const ev = await m.evaluateAsync(x.slice(40), cls.slice(40));
    expect(h.history.val_loss![1]).toBeCloseTo(ev.loss!, 5);
    expect(h.history.val_acc![1]).toBeCloseTo(ev.acc!, 6);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h2 = await m.fit(x.slice(0, 40), cls.slice(0, 40), { epochs: 1, validationSplit: 0.25, verbose: 0 });
    expect(Object.keys(h2.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  });

  it('shuffle: false trains rows in order (reproducible without a seed), true changes the order each epoch', async () => {
    const { x, y } = makeData(48, 4, 5);
    const init = regression();
    const w0 = init.getWeights();
    const trained = async (shuffle: boolean, seed: number): Promise<Float32Array> => {
      setSeed(seed);
      const m = regression();
      m.setWeights(w0);
      await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle, verbose: 0 });
      return flat(m);
    };
    const f1 = await trained(false, 1), f2 = await trained(false, 2);
    const t1 = await trained(true, 1), t1b = await trained(true, 1), t2 = await trained(true, 2);
    expect(maxDiff(f1, f2)).toBe(0);       // the seed does not matter without shuffling
    expect(maxDiff(t1, t1b)).toBe(0);      // shuffling is seeded
    expect(maxDiff(t1, t2)).toBeGreaterThan(1e-4);
    expect(maxDiff(f1, t1)).toBeGreaterThan(1e-4);
  });

  it('batchSize larger than the data is clamped to the number of rows', async () => {
    const { x, y } = makeData(10, 4, 6);
    const m = regression();
    const h = await m.fit(x, y, { epochs: 1, batchSize: 1000, verbose: 0 });
    expect(h.params).toMatchObject({ batchSize: 10, steps: 1 });
  });

  it('yieldEvery takes tfjs\'s values (the same weights as without it) and refuses others by name', async () => {
    const { x, y } = makeData(32, 4, 8);
    const trained: Float32Array[] = [];
    for (const yieldEvery of [undefined, 'never', 'batch', 'auto', 50] as const) {
      setSeed(5);
      const m = regression();
      await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, yieldEvery });
      trained.push(flat(m));
    }
    for (const w of trained.slice(1)) expect(maxDiff(w, trained[0]!)).toBe(0);
    const m = regression();
    for (const bad of ['sometimes', -1, Number.NaN, null]) {
      await expect(m.fit(x, y, { epochs: 1, verbose: 0, yieldEvery: bad as never }))
        .rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/for yieldEvery but received/) });
    }
  });

  it('initialEpoch starts the epoch count there', async () => {
    const { x, y } = makeData(32, 4, 7);
    const m = regression();
    const seen: number[] = [];
    const h = await m.fit(x, y, { epochs: 5, initialEpoch: 3, verbose: 0, callbacks: { onEpochBegin: (e) => { seen.push(e); } } });
    expect(h.epoch).toEqual([3, 4]);
    expect(seen).toEqual([3, 4]);
  });

  it('sampleWeight scales each row\'s gradient (weights of 2 under plain SGD = twice the learning rate)', async () => {
    const { x, y } = makeData(32, 4, 8);
    const base = regression(optimizers.sgd({ learningRate: 0.01 }));
    const w0 = base.getWeights();
    const a = regression(optimizers.sgd({ learningRate: 0.01 }));
    a.setWeights(w0);
    await a.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, sampleWeight: new Array(32).fill(2), verbose: 0 });
    const b = regression(optimizers.sgd({ learningRate: 0.02 }));
    b.setWeights(w0);
    await b.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    expect(maxDiff(flat(a), flat(b))).toBeLessThan(1e-6);
    // Zero weight on a row removes its gradient: the step then equals one where that row's label is the prediction.
    const c = regression(optimizers.sgd({ learningRate: 0.01 }));
    c.setWeights(w0);
    const sw = new Array(32).fill(1); sw[5] = 0;
    await c.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, sampleWeight: sw, verbose: 0 });
    const d = regression(optimizers.sgd({ learningRate: 0.01 }));
    d.setWeights(w0);
    const y2 = y.map((r) => [...r]);
    y2[5] = [base.predictSync([x[5]!]).dataSync()[0]!];
    await d.fit(x, y2, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    expect(maxDiff(flat(c), flat(d))).toBeLessThan(1e-5);
  });

  it('classWeight changes the gradient as the formula says: dW = X^T (2 (p - y) w_class / d) / n', async () => {
    const { x, cls } = makeData(20, 4, 9);
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [4] })] });
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    const [k0, b0] = m.getWeights().map((t) => Array.from(t.dataSync()));
    const cw = { 0: 1, 1: 3 };
    await m.fit(x, cls, { epochs: 1, batchSize: 20, shuffle: false, classWeight: cw, verbose: 0 });
    // Hand-computed step in float64.
    const n = 20;
    const gk = [0, 0, 0, 0];
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const p = x[i]!.reduce((a, v, j) => a + v * k0![j]!, b0![0]!);
      const g = 2 * (p - cls[i]!) * cw[cls[i] as 0 | 1] / n;
      for (let j = 0; j < 4; j++) gk[j]! += x[i]![j]! * g;
      gb += g;
    }
    const [k1, b1] = m.getWeights().map((t) => Array.from(t.dataSync()));
    for (let j = 0; j < 4; j++) expect(k1![j]).toBeCloseTo(k0![j]! - 0.1 * gk[j]!, 5);
    expect(b1![0]).toBeCloseTo(b0![0]! - 0.1 * gb, 5);
  });

  it('model.stopTraining set in a callback ends training after that epoch', async () => {
    const { x, y } = makeData(32, 4, 10);
    const m = regression();
    const h = await m.fit(x, y, {
      epochs: 10, verbose: 0,
      callbacks: { onEpochEnd: (e) => { if (e === 2) m.stopTraining = true; } },
    });
    expect(h.epoch).toEqual([0, 1, 2]);
  });

  it('batch hooks see every batch and give the same result as one call per epoch', async () => {
    const { x, y } = makeData(40, 4, 11);
    setSeed(3);
    const a = regression();
    const batches: number[] = [];
    const ha = await a.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, callbacks: { onBatchEnd: async (b, logs) => { batches.push(b); expect(logs!.size).toBeGreaterThan(0); } } });
    setSeed(3);
    const b = regression();
    const hb = await b.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(batches).toEqual([0, 1, 2, 0, 1, 2]);
    expect(maxDiff(flat(a), flat(b))).toBe(0);
    expect(ha.history.loss![1]).toBeCloseTo(hb.history.loss![1]!, 6);
  });

  it('hooks run in order: train begin, epoch begin/end, train end (async hooks awaited)', async () => {
    const { x, y } = makeData(16, 4, 12);
    const m = regression();
    const log: string[] = [];
    await m.fit(x, y, {
      epochs: 2, verbose: 0, callbacks: [{
        onTrainBegin: () => { log.push('tb'); },
        onEpochBegin: async (e) => { await new Promise((r) => setTimeout(r, 5)); log.push(`eb${e}`); },
        onEpochEnd: (e, logs) => { log.push(`ee${e}:${typeof logs?.loss}`); },
        onTrainEnd: () => { log.push('te'); },
      }],
    });
    expect(log).toEqual(['tb', 'eb0', 'ee0:number', 'eb1', 'ee1:number', 'te']);
  });

  it('a loss that becomes NaN stops with ERR_NAN_LOSS naming epoch and batch; the weights stay finite', async () => {
    const { x, y } = makeData(64, 4, 13);
    const big = y.map((r) => [r[0]! * 1e3]);
    const m = regression(optimizers.sgd({ learningRate: 10 }));
    const err = await m.fit(x, big, { epochs: 50, batchSize: 8, verbose: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlasnetError);
    expect((err as BlasnetError).code).toBe('ERR_NAN_LOSS');
    expect((err as Error).message).toMatch(/Loss became NaN at epoch \d+, batch \d+/);
    for (const t of m.getWeights()) for (const v of t.dataSync()) expect(Number.isFinite(v)).toBe(true);
    // The model is still usable.
    expect(m.predictSync([x[0]!]).shape).toEqual([1, 1]);
  });

  it('terminateOnNaN ends training without an error', async () => {
    const { x, y } = makeData(64, 4, 13);
    const big = y.map((r) => [r[0]! * 1e3]);
    const m = regression(optimizers.sgd({ learningRate: 10 }));
    const h = await m.fit(x, big, { epochs: 50, batchSize: 8, verbose: 0, callbacks: [callbacks.terminateOnNaN()] });
    expect(h.epoch.length).toBeLessThan(50);
    expect(Number.isNaN(h.history.loss![h.history.loss!.length - 1])).toBe(true);
  });

  it('fit while fitting is ERR_BUSY; predictAsync during a fit waits for its turn, synchronous predict is ERR_BUSY', async () => {
    const { x, y } = makeData(256, 4, 14);
    const m = regression();
    const first = m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toMatchObject({ code: 'ERR_BUSY' });
    expect(() => m.predict(x.slice(0, 2))).toThrow(expect.objectContaining({ code: 'ERR_BUSY', message: expect.stringMatching(/predictAsync/) }));
    const p = m.predictAsync(x.slice(0, 2));
    const [h, out] = await Promise.all([first, p]);
    expect(h.epoch).toHaveLength(3);
    expect(out.shape).toEqual([2, 1]);
  });

  it('accepts tensor2d, {data, shape} and Float32Array labels', async () => {
    const { x, cls } = makeData(30, 4, 15);
    const xf = tensor2d(x);
    const m = sequential({ layers: [layers.dense({ units: 2, activation: 'softmax', inputShape: [4] })] });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h1 = await m.fit(xf, Int32Array.from(cls), { epochs: 1, verbose: 0 });
    const h2 = await m.fit({ data: xf.dataSync(), shape: [30, 4] }, { data: Float32Array.from(cls), shape: [30, 1] }, { epochs: 1, verbose: 0 });
    expect(h1.history.accuracy).toHaveLength(1);
    expect(h2.history.accuracy).toHaveLength(1);
  });

  it('the seed example lowers its loss (X 100x10 standardized, Dense(10, relu) -> Dense(1), adam, mse, 100 epochs, batch 10)', async () => {
    const { run } = await seedExample();
    const r = await run(await import('../../lib/index'), { verbose: 0 });
    expect(r.lossLast).toBeLessThan(r.lossFirst * 0.5);
    expect(r.history.history.loss).toHaveLength(100);
  });
});

describe(`concurrency (${getEngine().name} engine)`, () => {
  it('models trained concurrently get exactly the weights each gets alone', async () => {
    const { x, y } = makeData(64, 4, 21);
    const make = (seed: number): Sequential => { setSeed(seed); return regression(); };
    const alone: Float32Array[] = [];
    for (let s = 0; s < 4; s++) {
      const m = make(s);
      await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
      alone.push(flat(m));
    }
    const models = [0, 1, 2, 3].map(make);
    await Promise.all(models.map((m) => m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 })));
    models.forEach((m, i) => expect(maxDiff(flat(m), alone[i]!)).toBe(0));
  });
});

describe(`more fit behaviour (${getEngine().name} engine)`, () => {
  it('a custom metric function gets all labels and predictions of the epoch, in matching rows', async () => {
    const { x, y } = makeData(40, 4, 31);
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [4] })] });
    function maxAbsError(yTrue: { dataSync(): Float32Array }, yPred: { dataSync(): Float32Array }): number {
      const a = yTrue.dataSync(), b = yPred.dataSync();
      let e = 0;
      for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
      return e;
    }
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: [maxAbsError] });
    const ev = await m.evaluateAsync(x, y);
    const p = m.predictSync(x).dataSync();
    expect(ev.maxAbsError).toBeCloseTo(Math.max(...y.map((r, i) => Math.abs(r[0]! - p[i]!))), 5);
    // Training: predictions are made before each batch's update, so with a zero learning-rate-like
    // setup (one batch) they equal the initial predictions.
    const h = await m.fit(x, y, { epochs: 1, batchSize: 40, verbose: 0 });
    expect(h.history.maxAbsError![0]).toBeCloseTo(ev.maxAbsError!, 5);
  });

  it('a long fit of tiny epochs gives the event loop a turn every epoch (timers and immediates run during it)', async () => {
    const { x, y } = makeData(20, 4, 33);
    const m = regression();
    let turns = 0;
    let spinning = true;
    const spin = (): void => { turns++; if (spinning) setImmediate(spin); };
    setImmediate(spin);
    let timerEpoch = -1;
    let epoch = 0;
    setTimeout(() => { timerEpoch = epoch; }, 1);
    const epochs = 2000;
    await m.fit(x, y, { epochs, batchSize: 10, verbose: 0, callbacks: { onEpochEnd: (e) => { epoch = e + 1; } } });
    spinning = false;
    expect(turns).toBeGreaterThanOrEqual(epochs / 2);
    // The 1 ms timer fired during the fit, not after it (2000 epochs take well over 1 ms).
    expect(timerEpoch).toBeGreaterThanOrEqual(0);
    expect(timerEpoch).toBeLessThan(epochs);
  });

  it('dispose during fit ends it with ERR_DISPOSED', async () => {
    const { x, y } = makeData(64, 4, 32);
    const m = regression();
    const p = m.fit(x, y, { epochs: 50, batchSize: 4, verbose: 0, callbacks: { onEpochEnd: (e) => { if (e === 1) m.dispose(); } } });
    await expect(p).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(m.isDisposed).toBe(true);
  });
});
