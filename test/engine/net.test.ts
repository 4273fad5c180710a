// The Net contract (lib/engine/types.ts) on the engine of the run: results, error codes, progress, the event loop
// staying free, dispose and busy rules, BN moving statistics, the max-norm constraint.
import { describe, expect, it } from 'vitest';
import { jsEngine } from '../../lib/engine/js';
import type { Engine, Matrix, Net, NetSpec } from '../../lib/engine/types';
import { engineOfRun, RUN_ENGINE, skippedOnThisRun } from '../helpers/engines';
import { batchNorm, dense, dropout, initialParams, loss, netSpec, optimizer, randomArray } from '../helpers/spec';

const IN = 6;

function data(rows: number, seed = 1): { x: Matrix; y: Matrix } {
  const x = randomArray(rows * IN, seed);
  const y = Float32Array.from({ length: rows }, (_, i) => Math.tanh(x[i * IN]! - x[i * IN + 1]!));
  return { x: { data: x, rows, cols: IN }, y: { data: y, rows, cols: 1 } };
}

const regSpec = (): NetSpec => netSpec(IN, [dense(IN, 32, 'relu'), dense(32, 1)], loss('meanSquaredError'), optimizer('adam'));
const order = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => (i * 7) % n);

async function codeOf(p: () => unknown): Promise<string | undefined> {
  try {
    await p();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe.each(engineOfRun())('%s engine: Net behaviour', (_name, engine: Engine) => {
  const make = (spec = regSpec()): Net => engine.createNet(spec, initialParams(spec, 3));

  it('trains: the loss falls over epochs; result counts, predictions before each update', async () => {
    const net = make();
    const { x, y } = data(200);
    const ord = order(200);
    const first = net.predictSync(x);
    const preds = new Float32Array(200);
    const r1 = await net.trainBatches({ x, y, order: ord, batchSize: 32, sampleWeight: null, predictionsOut: preds });
    expect(r1).toMatchObject({ samples: 200, batches: 7, nonFiniteBatch: -1 });
    // the first batch's predictions come from the initial weights
    for (let k = 0; k < 32; k++) expect(preds[k]).toBeCloseTo(first[ord[k]!]!, 5);
    let last = r1.lossSum / r1.samples;
    for (let e = 0; e < 20; e++) {
      const r = await net.trainBatches({ x, y, order: ord, batchSize: 32, sampleWeight: null, predictionsOut: null });
      last = r.lossSum / r.samples;
    }
    expect(last).toBeLessThan(0.5 * (r1.lossSum / r1.samples));
    expect(net.getOptimizerState()[0]).toBe(21 * 7);
    net.dispose();
  });

  it('evaluate equals the batch loss of computeGradients (plus penalty) and fills predictions; predict equals predictSync', async () => {
    const spec = netSpec(IN, [dense(IN, 8, 'tanh', { kernelL2: 0.01 }), dense(8, 1)], loss('meanSquaredError'), optimizer('sgd'));
    const net = make(spec);
    const { x, y } = data(50, 2);
    const sw = randomArray(50, 9).map((v) => v + 1.5);
    const preds = new Float32Array(50);
    const ev = await net.evaluate(x, y, 16, sw, preds);
    const g = net.computeGradients(x, y, sw);
    expect(ev.samples).toBe(50);
    // evaluate sums batchLoss * n per batch; the penalty enters once per sample as well
    expect(ev.lossSum / 50).toBeCloseTo(g.loss, 5);
    const sync = net.predictSync(x);
    expect(Array.from(preds)).toEqual(Array.from(sync));
    const asyncPred = await net.predict(x, 7);
    for (let i = 0; i < 50; i++) expect(asyncPred[i]).toBeCloseTo(sync[i]!, 6);
    net.dispose();
  });

  it('stops at a non-finite batch loss before applying it', async () => {
    const net = make();
    const ref = make();
    const { x, y } = data(40, 4);
    const yBad = { ...y, data: y.data.slice() };
    const ord = order(40);
    yBad.data[ord[25]!] = NaN; // in batch 2 (rows 20..29 of the order)
    const r = await net.trainBatches({ x, y: yBad, order: ord, batchSize: 10, sampleWeight: null, predictionsOut: null });
    expect(r).toMatchObject({ nonFiniteBatch: 2, batches: 2, samples: 20 });
    await ref.trainBatches({ x, y, order: ord.slice(0, 20), batchSize: 10, sampleWeight: null, predictionsOut: null });
    expect(Array.from(net.getParams())).toEqual(Array.from(ref.getParams()));
    expect(net.getOptimizerState()[0]).toBe(2);
    net.dispose();
    ref.dispose();
  });

  it('rejects bad arguments with codes: row indices and sparse labels at use', async () => {
    const net = make();
    const { x, y } = data(10);
    const args = { x, y, order: order(10), batchSize: 5, sampleWeight: null, predictionsOut: null };
    expect(await codeOf(() => net.trainBatches({ ...args, x: { ...x, cols: 5 } }))).toBe('ERR_SHAPE_MISMATCH');
    expect(await codeOf(() => net.trainBatches({ ...args, y: { data: y.data.subarray(1), rows: 9, cols: 1 } }))).toBe('ERR_SHAPE_MISMATCH');
    expect(await codeOf(() => net.trainBatches({ ...args, batchSize: 0 }))).toBe('ERR_INVALID_ARG');
    expect(await codeOf(() => net.trainBatches({ ...args, sampleWeight: new Float32Array(3) }))).toBe('ERR_SHAPE_MISMATCH');
    expect(await codeOf(() => net.trainBatches({ ...args, predictionsOut: new Float32Array(3) }))).toBe('ERR_SHAPE_MISMATCH');
    const bad = order(10);
    bad[7] = 10;
    await expect(net.trainBatches({ ...args, order: bad })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG', message: expect.stringMatching(/order\[7\]/),
    });
    expect(await codeOf(() => net.predict(x, 0))).toBe('ERR_INVALID_ARG');
    expect(await codeOf(() => net.setParams(new Float32Array(3)))).toBe('ERR_SHAPE_MISMATCH');
    expect(await codeOf(() => net.setParams([1, 2, 3] as unknown as Float32Array))).toBe('ERR_INVALID_ARG');
    net.dispose();

    const sparse = engine.createNet(netSpec(2, [dense(2, 3, 'softmax')], loss('sparseCategoricalCrossentropy'), optimizer('sgd')),
      randomArray(9, 4));
    const xs = { data: randomArray(4, 5), rows: 2, cols: 2 };
    const lab = (a: number, b: number): Matrix => ({ data: Float32Array.of(a, b), rows: 2, cols: 1 });
    expect(await codeOf(() => sparse.evaluate(xs, lab(0, 3), 2, null, null))).toBe('ERR_INVALID_ARG');
    expect(await codeOf(() => sparse.trainBatches({ x: xs, y: lab(0.5, 1), order: Uint32Array.of(0, 1), batchSize: 2, sampleWeight: null, predictionsOut: null })))
      .toBe('ERR_INVALID_ARG');
    expect(await codeOf(() => sparse.computeGradients(xs, lab(-1, 1), null))).toBe('ERR_INVALID_ARG');
    const ok = await sparse.trainBatches({ x: xs, y: lab(2, 1), order: Uint32Array.of(0, 1), batchSize: 2, sampleWeight: null, predictionsOut: null });
    expect(ok.batches).toBe(1);
    sparse.dispose();
  });

  it('reports progress at most ~10 times a second and once at the end, and leaves the event loop free', async () => {
    const spec = netSpec(IN, [dense(IN, 128, 'relu'), dense(128, 128, 'relu'), dense(128, 1)], loss('meanSquaredError'), optimizer('adam'));
    const net = make(spec);
    const { x, y } = data(2000, 6);
    const calls: { t: number; b: number; loss: number; s: number }[] = [];
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 5);
    const t0 = performance.now();
    let r = await net.trainBatches({
      x, y, order: order(2000), batchSize: 8, sampleWeight: null, predictionsOut: null,
      onProgress: (b, l, s) => calls.push({ t: performance.now(), b, loss: l, s }),
    });
    let epochs = 1;
    // a fast machine may finish one epoch too quickly to see the loop; train until ~400 ms have passed
    while (performance.now() - t0 < 400) {
      r = await net.trainBatches({ x, y, order: order(2000), batchSize: 8, sampleWeight: null, predictionsOut: null });
      epochs++;
    }
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    const lastCall = calls[calls.length - 1]!;
    expect(epochs).toBeGreaterThan(0);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.b === 250).length).toBeGreaterThan(0);
    expect(lastCall.b).toBe(250);
    expect(lastCall.s).toBe(2000);
    expect(r.batches).toBe(250);
    for (let k = 1; k < calls.length - 1; k++) expect(calls[k]!.t - calls[k - 1]!.t).toBeGreaterThanOrEqual(90);
    // a 5 ms timer keeps firing while training runs (at least one tick per ~50 ms on a loaded machine)
    expect(ticks).toBeGreaterThan(elapsed / 50);
    net.dispose();
  });

  it('busy and dispose rules: a second call throws ERR_BUSY; dispose during a call is deferred; later calls throw ERR_DISPOSED', async () => {
    const net = make();
    const { x, y } = data(4000, 7);
    const args = { x, y, order: order(4000), batchSize: 4, sampleWeight: null, predictionsOut: null };
    const running = net.trainBatches(args);
    expect(await codeOf(() => net.trainBatches(args))).toBe('ERR_BUSY');
    expect(await codeOf(() => net.predictSync(x))).toBe('ERR_BUSY');
    expect(await codeOf(() => net.getParams())).toBe('ERR_BUSY');
    expect((await running).batches).toBe(1000);
    expect(net.getParams().length).toBe(net.paramCount);

    const pending = net.predict(x, 16);
    net.dispose();
    expect(net.disposed).toBe(true);
    expect((await pending).length).toBe(4000);
    expect(await codeOf(() => net.getParams())).toBe('ERR_DISPOSED');
    expect(await codeOf(() => net.predictSync(x))).toBe('ERR_DISPOSED');
    expect(await codeOf(() => net.trainBatches(args))).toBe('ERR_DISPOSED');
    expect(await codeOf(() => net.computeGradients(x, y, null))).toBe('ERR_DISPOSED');
    net.dispose(); // twice is fine
  });

  it('small calls (run on the calling thread by the native engine) keep the async contract: busy until settled, one final progress report, dispose while pending, a macrotask turn per call', async () => {
    const net = make();
    const { x, y } = data(20, 3);
    const args = { x, y, order: order(20), batchSize: 5, sampleWeight: null, predictionsOut: null };
    const progress: number[] = [];
    const running = net.trainBatches({ ...args, onProgress: (b) => progress.push(b) });
    expect(await codeOf(() => net.trainBatches(args))).toBe('ERR_BUSY');
    expect(await codeOf(() => net.evaluate(x, y, 4, null, null))).toBe('ERR_BUSY');
    expect(await codeOf(() => net.predict(x, 4))).toBe('ERR_BUSY');
    expect(await codeOf(() => net.predictSync(x))).toBe('ERR_BUSY');
    expect(await codeOf(() => net.getParams())).toBe('ERR_BUSY');
    expect(await codeOf(() => net.setLearningRate(0.1))).toBe('ERR_BUSY');
    expect((await running).batches).toBe(4);
    expect(progress).toEqual([4]);
    const evaluating = net.evaluate(x, y, 4, null, null);
    expect(await codeOf(() => net.getOptimizerState())).toBe('ERR_BUSY');
    expect((await evaluating).samples).toBe(20);

    // Every call settles in a later macrotask: a loop of awaited small calls lets immediates and timers run.
    let turns = 0;
    let spinning = true;
    const spin = (): void => { turns++; if (spinning) setImmediate(spin); };
    setImmediate(spin);
    let timerFired = false;
    setTimeout(() => { timerFired = true; }, 1);
    let calls = 0;
    while (!timerFired && calls < 20_000) {
      await net.trainBatches(args);
      await net.predict(x, 32);
      calls += 2;
    }
    spinning = false;
    expect(timerFired).toBe(true);
    expect(turns).toBeGreaterThanOrEqual(calls / 2);

    const pending = net.predict(x, 32);
    net.dispose();
    expect(net.disposed).toBe(true);
    expect((await pending).length).toBe(20);
    expect(await codeOf(() => net.getParams())).toBe('ERR_DISPOSED');
    expect(await codeOf(() => net.trainBatches(args))).toBe('ERR_DISPOSED');
  });

  it('a one-row predict (the native engine streams each kernel once instead of sgemm) matches the row inside a batch to float rounding, and predict, predictSync and every batchSize agree exactly', async () => {
    const spec = netSpec(300, [dense(300, 40, 'relu'), dense(40, 17, 'tanh'), batchNorm(17), dense(17, 9, 'linear'),
      dropout(9, 0.3), dense(9, 5, 'softmax')], loss('categoricalCrossentropy'), optimizer('adam'));
    const net = engine.createNet(spec, initialParams(spec, 21));
    const rows = 6;
    const x = randomArray(rows * 300, 22);
    const all = net.predictSync({ data: x, rows, cols: 300 });
    for (let r = 0; r < rows; r++) {
      const one = { data: x.subarray(r * 300, (r + 1) * 300), rows: 1, cols: 300 };
      const s1 = net.predictSync(one);
      expect(Array.from(await net.predict(one, 1))).toEqual(Array.from(s1));
      expect(Array.from(await net.predict(one, 32))).toEqual(Array.from(s1));
      for (let j = 0; j < 5; j++) expect(Math.abs(s1[j]! - all[r * 5 + j]!)).toBeLessThan(1e-6);
    }
    net.dispose();
  });

  it('batchNormalization moving statistics follow momentum with the batch statistics of each applied step', async () => {
    const spec = netSpec(3, [batchNorm(3, { momentum: 0.8 }), dense(3, 1)], loss('meanSquaredError'), optimizer('sgd'));
    const params = initialParams(spec, 11);
    const net = engine.createNet(spec, params);
    const x = randomArray(15, 12, 2);
    const y = randomArray(5, 13);
    await net.trainBatches({ x: { data: x, rows: 5, cols: 3 }, y: { data: y, rows: 5, cols: 1 }, order: Uint32Array.of(0, 1, 2, 3, 4),
      batchSize: 5, sampleWeight: null, predictionsOut: null });
    const p = net.getParams();
    // layout: gamma[3], beta[3], moving_mean[3], moving_variance[3], kernel, bias
    for (let j = 0; j < 3; j++) {
      const col = [0, 1, 2, 3, 4].map((i) => x[i * 3 + j]!);
      const mean = col.reduce((a, b) => a + b, 0) / 5;
      const vari = col.reduce((a, b) => a + (b - mean) ** 2, 0) / 5;
      expect(p[6 + j]).toBeCloseTo(params[6 + j]! * 0.8 + mean * 0.2, 5);
      expect(p[9 + j]).toBeCloseTo(params[9 + j]! * 0.8 + vari * 0.2, 5);
    }
    // inference uses the moving statistics
    const out = net.predictSync({ data: x.subarray(0, 3), rows: 1, cols: 3 });
    let want = p[15]!;
    for (let j = 0; j < 3; j++) want += (p[j]! * (x[j]! - p[6 + j]!) / Math.sqrt(p[9 + j]! + 1e-3) + p[3 + j]!) * p[12 + j]!;
    expect(out[0]).toBeCloseTo(want, 5);
    net.dispose();
  });

  it('dropout is the identity in inference; kernelMaxNorm caps every column norm after a step', async () => {
    const withDrop = netSpec(IN, [dense(IN, 8, 'relu'), dropout(8, 0.5, 3), dense(8, 1)], loss('meanSquaredError'), optimizer('sgd'));
    const without = netSpec(IN, [dense(IN, 8, 'relu'), dense(8, 1)], loss('meanSquaredError'), optimizer('sgd'));
    const params = initialParams(without, 5);
    const a = engine.createNet(withDrop, params);
    const b = engine.createNet(without, params);
    const { x, y } = data(20, 8);
    expect(Array.from(a.predictSync(x))).toEqual(Array.from(b.predictSync(x)));
    a.dispose();
    b.dispose();

    const capped = netSpec(IN, [dense(IN, 4, 'linear', { kernelMaxNorm: 0.5 })], loss('meanSquaredError'), optimizer('sgd', { learningRate: 0.5 }));
    const net = engine.createNet(capped, initialParams(capped, 9).map((v) => v * 4));
    const y4 = { data: randomArray(80, 3, 3), rows: 20, cols: 4 };
    await net.trainBatches({ x, y: y4, order: order(20), batchSize: 20, sampleWeight: null, predictionsOut: null });
    const w = net.getParams();
    for (let j = 0; j < 4; j++) {
      let sq = 0;
      for (let i = 0; i < IN; i++) sq += w[i * 4 + j]! ** 2;
      expect(Math.sqrt(sq)).toBeLessThanOrEqual(0.5 + 1e-6);
    }
    net.dispose();
  });
});

// A spec as plain data, to be broken field by field.
type AnySpec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(engineOfRun())('%s engine: createNet checks every spec field', (_name, engine: Engine) => {
  const spec = (): NetSpec => netSpec(4, [dense(4, 5, 'relu'), dense(5, 2)], loss('meanSquaredError'), optimizer('adam'));
  const params = initialParams(spec(), 1); // 4*5+5 + 5*2+2 = 37
  const bad = (mutate: (s: AnySpec) => void, code: string, msg: RegExp): void => {
    const s = structuredClone(spec()) as unknown as AnySpec;
    mutate(s);
    let caught: unknown;
    try { engine.createNet(s as unknown as NetSpec, params); } catch (err) { caught = err; }
    expect(caught, `expected ${code} ${msg}`).toMatchObject({ code, message: expect.stringMatching(msg) });
  };
  it.each([
    ['inputDim 0', (s: AnySpec) => { s.inputDim = 0; }, 'ERR_INVALID_ARG', /spec.inputDim/],
    ['no layers', (s: AnySpec) => { s.layers = []; }, 'ERR_INVALID_ARG', /spec.layers/],
    ['layer width chain', (s: AnySpec) => { s.layers[1].inputDim = 9; }, 'ERR_SHAPE_MISMATCH', /spec.layers\[1\].inputDim/],
    ['fractional units', (s: AnySpec) => { s.layers[0].units = 1.5; }, 'ERR_INVALID_ARG', /spec.layers\[0\].units/],
    ['unknown activation', (s: AnySpec) => { s.layers[0].activation.id = 'relu7'; }, 'ERR_INVALID_ARG', /spec.layers\[0\].activation.id but received "relu7"/],
    ['unknown layer kind', (s: AnySpec) => { s.layers[0].kind = 'conv2d'; }, 'ERR_INVALID_ARG', /spec.layers\[0\].kind/],
    ['non-boolean flag', (s: AnySpec) => { s.layers[0].useBias = 1; }, 'ERR_INVALID_ARG', /Expected a boolean for spec.layers\[0\].useBias/],
    ['negative regularizer', (s: AnySpec) => { s.layers[0].kernelL2 = -1; }, 'ERR_INVALID_ARG', /kernelL2/],
    ['alias instead of canonical loss id', (s: AnySpec) => { s.loss.id = 'mse'; }, 'ERR_INVALID_ARG', /spec.loss.id/],
    ['NaN huber delta', (s: AnySpec) => { s.loss.delta = NaN; }, 'ERR_INVALID_ARG', /spec.loss.delta but received NaN/],
    ['unknown optimizer', (s: AnySpec) => { s.optimizer.id = 'lion'; }, 'ERR_INVALID_ARG', /spec.optimizer.id/],
    ['infinite learning rate', (s: AnySpec) => { s.optimizer.learningRate = Infinity; }, 'ERR_INVALID_ARG', /learningRate/],
    ['beta1 = 1', (s: AnySpec) => { s.optimizer.beta1 = 1; }, 'ERR_INVALID_ARG', /beta1/],
    ['decaySteps 0', (s: AnySpec) => { s.optimizer.schedule = { kind: 'exponentialDecay', decaySteps: 0, decayRate: 0.5, staircase: false }; }, 'ERR_INVALID_ARG', /decaySteps/],
    ['piecewise values length', (s: AnySpec) => { s.optimizer.schedule = { kind: 'piecewiseConstantDecay', boundaries: [1], values: [1] }; }, 'ERR_INVALID_ARG', /values/],
    ['two clipping modes', (s: AnySpec) => { s.optimizer.clipnorm = 1; s.optimizer.clipvalue = 1; }, 'ERR_INVALID_ARG', /at most one/],
    ['missing field', (s: AnySpec) => { delete s.optimizer.rho; }, 'ERR_INVALID_ARG', /spec.optimizer.rho but received undefined/],
    ['dropout rate 1', (s: AnySpec) => { s.layers.push({ kind: 'dropout', dim: 2, rate: 1, seed: 0 }); }, 'ERR_INVALID_ARG', /rate/],
    ['batchNormalization width', (s: AnySpec) => { s.layers.push({ kind: 'batchNormalization', dim: 3, momentum: 0.9, epsilon: 1e-3, center: true, scale: true, trainable: true }); }, 'ERR_SHAPE_MISMATCH', /spec.layers\[2\].dim/],
  ] as const)('%s', (_n, mutate, code, msg) => bad(mutate, code, msg));

  it('params of the wrong length or type, and a null spec', () => {
    expect(() => engine.createNet(spec(), new Float32Array(5))).toThrow(expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH' }));
    expect(() => engine.createNet(spec(), [1, 2] as unknown as Float32Array)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => engine.createNet(null as unknown as NetSpec, params)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(engine.createNet(spec(), params).paramCount).toBe(37);
  });
});

describe('js engine info', () => {
  if (RUN_ENGINE !== 'js') { skippedOnThisRun('the TypeScript engine\'s info', 'js'); return; }
  it('reports itself and records the thread count (the TS engine computes on the calling thread)', () => {
    expect(jsEngine.info()).toEqual({ engine: 'js', blasConfig: null, blasCore: null, threads: 1, nativeUnavailableReason: null });
    jsEngine.setNumThreads(3);
    expect(jsEngine.info().threads).toBe(3);
    jsEngine.setNumThreads(1);
    expect(jsEngine.info().threads).toBe(1);
  });
});
