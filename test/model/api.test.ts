// The model API surface: building, names, weights, summary, predict paths, errors with codes and
// messages, layers of every kind, descriptions (runs on the engine chosen by BLASNET_ENGINE).
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BlasnetError, Sequential, constraints, deserializeLayer, initializers, layers, losses, metrics, optimizers, regularizers,
  sequential, setSeed, tensor2d,
} from '../../lib/index';
import { getEngine } from '../../lib/engine';
import { jsEngine } from '../../lib/engine/js';
import { resetLayerNames } from '../../lib/model/layers';
import { resetModelNames } from '../../lib/model/sequential';

function code(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return (e as BlasnetError).code; }
  return undefined;
}
function message(f: () => unknown): string {
  try { f(); } catch (e) { return (e as Error).message; }
  return '';
}

const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [[0], [1], [1], [0]];

beforeEach(() => { setSeed(42); resetLayerNames(); resetModelNames(); });

describe(`model API (${getEngine().name} engine)`, () => {
  it('default names follow tfjs: dense_Dense1, dropout_Dropout1, sequential_1', () => {
    const m = sequential({ layers: [
      layers.dense({ units: 3, inputShape: [2] }), layers.dropout({ rate: 0.1 }), layers.dense({ units: 1 }),
      layers.batchNormalization(), layers.layerNormalization(), layers.activation({ activation: 'relu' }),
    ] });
    expect(m.name).toBe('sequential_1');
    expect(m.layers.map((l) => l.name)).toEqual(['dense_Dense1', 'dropout_Dropout1', 'dense_Dense2',
      'batch_normalization_BatchNormalization1', 'layer_normalization_LayerNormalization1', 'activation_Activation1']);
  });

  it('summary prints and returns the table with output shapes and parameter counts', () => {
    const m = sequential({ layers: [layers.dense({ units: 10, activation: 'relu', inputShape: [10] }), layers.batchNormalization(), layers.dense({ units: 1 })] });
    const printed: string[] = [];
    const text = m.summary(undefined, undefined, (s) => printed.push(s));
    expect(printed).toEqual([text]);
    expect(text).toMatch(/dense_Dense1 \(Dense\)\s+\[null,10\]\s+110/);
    expect(text).toMatch(/batch_normalization_BatchNormalization1 \(BatchNormalization\)|batch_normalization_BatchNor/);
    expect(text).toMatch(/Total params: 161/);
    expect(text).toMatch(/Trainable params: 141/);
    expect(text).toMatch(/Non-trainable params: 20/);
    expect(m.countParams()).toBe(161);
  });

  it('initial weights are glorotUniform kernels and zero biases, identical on both engines', async () => {
    setSeed(7);
    const m = sequential({ layers: [layers.dense({ units: 50, inputShape: [30] })] });
    const [k, b] = m.getWeights();
    expect(k!.shape).toEqual([30, 50]);
    const limit = Math.sqrt(6 / 80);
    const kv = k!.dataSync();
    expect(Math.max(...kv)).toBeLessThanOrEqual(limit);
    expect(Math.min(...kv)).toBeGreaterThanOrEqual(-limit);
    expect(Math.max(...kv)).toBeGreaterThan(limit * 0.9);
    expect(Array.from(b!.dataSync()).every((v) => v === 0)).toBe(true);
    // The weights are drawn in TypeScript: the engine sees exactly these.
    const x = [Array.from({ length: 30 }, (_, i) => i / 30)];
    const out = m.predictSync(x).dataSync();
    const js = jsEngine.createNet((m as unknown as { net: { spec: never } }).net.spec, Float32Array.from(m.getWeights().flatMap((t) => Array.from(t.dataSync()))));
    const ref = js.predictSync({ data: Float32Array.from(x[0]!), rows: 1, cols: 30 });
    for (let j = 0; j < 50; j++) expect(out[j]).toBeCloseTo(ref[j]!, 5);
  });

  it('initializers follow the Keras formulas', () => {
    const std = (a: Float32Array): number => { const m = a.reduce((s, v) => s + v, 0) / a.length; return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length); };
    const he = initializers.heNormal().sample([400, 300]);
    expect(std(he)).toBeGreaterThan(Math.sqrt(2 / 400) * 0.95);
    expect(std(he)).toBeLessThan(Math.sqrt(2 / 400) * 1.05);
    expect(Math.max(...he.map(Math.abs))).toBeLessThanOrEqual(2 * Math.sqrt(2 / 400) / 0.87962566103423978 + 1e-6);
    const lu = initializers.lecunUniform().sample([100, 100]);
    expect(Math.max(...lu.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(3 / 100));
    expect(Array.from(initializers.constant({ value: 3 }).sample([2, 2]))).toEqual([3, 3, 3, 3]);
    expect(Array.from(initializers.ones().sample([3]))).toEqual([1, 1, 1]);
    const rn = initializers.randomNormal({ mean: 1, stddev: 0.5 }).sample([20000]);
    expect(rn.reduce((s, v) => s + v, 0) / rn.length).toBeCloseTo(1, 1);
    const tn = initializers.truncatedNormal({ stddev: 1 }).sample([5000]);
    expect(Math.max(...tn.map(Math.abs))).toBeLessThanOrEqual(2);
    const m = sequential({ layers: [layers.dense({ units: 4, inputShape: [3], kernelInitializer: 'ones', biasInitializer: initializers.constant({ value: 0.5 }) })] });
    expect(Array.from(m.getWeights()[1]!.dataSync())).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('learns XOR', async () => {
    const m = sequential({ layers: [layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })] });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(XOR_X, XOR_Y, { epochs: 300, batchSize: 4, verbose: 0 });
    expect(h.history.accuracy![299]).toBe(1);
    const p = (await m.predict(XOR_X)).dataSync();
    expect(Array.from(p, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });

  it('predict, predictSync and evaluate agree; predict accepts every input form', async () => {
    const m = sequential({ layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'categoricalAccuracy'] });
    const x = [[0.1, 0.2], [0.3, -0.4], [1, 2]];
    const y = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const a = await m.predict(x);
    expect(a.shape).toEqual([3, 3]);
    const b = m.predictSync(tensor2d(Float32Array.from(x.flat()), [3, 3 - 1]));
    const c = await m.predict({ data: Float32Array.from(x.flat()), shape: [3, 2] }, { batchSize: 1 });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(a.arraySync()[0]!.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(await a.data()).toBe(a.dataSync());
    const ev = await m.evaluateAsync(x, y);
    let ce = 0;
    const pv = a.arraySync();
    for (let i = 0; i < 3; i++) ce -= Math.log(pv[i]![i]!);
    expect(ev.loss).toBeCloseTo(ce / 3, 4);
    expect(ev.accuracy).toBe(ev.categorical_accuracy);
  });

  it('getWeights/setWeights round-trip (tensors or Float32Arrays); shapes are validated', () => {
    const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] }), layers.dense({ units: 1, useBias: false })] });
    const w = m.getWeights();
    expect(w.map((t) => t.shape)).toEqual([[3, 2], [2], [2, 1]]);
    const next = [new Float32Array(6).fill(1), new Float32Array(2).fill(2), new Float32Array(2).fill(3)];
    m.setWeights(next);
    expect(m.getWeights().map((t) => Array.from(t.dataSync()))).toEqual(next.map((a) => Array.from(a)));
    m.setWeights(w);
    expect(Array.from(m.getWeights()[0]!.dataSync())).toEqual(Array.from(w[0]!.dataSync()));
    expect(m.predictSync([[1, 1, 1]]).shape).toEqual([1, 1]);
    expect(code(() => m.setWeights([w[0]!]))).toBe('ERR_INVALID_ARG');
    expect(message(() => m.setWeights([w[1]!, w[0]!, w[2]!]))).toMatch(/Expected shape \[3, 2\] for weight 0 \(dense_Dense1\/kernel\)/);
    expect(code(() => m.setWeights([new Float32Array(5), w[1]!, w[2]!]))).toBe('ERR_SHAPE_MISMATCH');
    expect(code(() => m.setWeights([new Float32Array(6).fill(NaN), w[1]!, w[2]!]))).toBe('ERR_NON_FINITE');
    // Per-layer weights.
    const l0 = m.layers[0]!;
    expect(l0.getWeights().map((t) => t.shape)).toEqual([[3, 2], [2]]);
    l0.setWeights([new Float32Array(6), new Float32Array([5, 6])]);
    expect(Array.from(m.getWeights()[1]!.dataSync())).toEqual([5, 6]);
  });

  it('layer.trainable = false freezes that layer during fit', async () => {
    const m = sequential({ layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.fit(XOR_X, XOR_Y, { epochs: 1, verbose: 0 });
    m.layers[0]!.trainable = false;
    const before = m.getWeights().map((t) => Array.from(t.dataSync()));
    await m.fit(XOR_X, XOR_Y, { epochs: 3, verbose: 0 });
    const after = m.getWeights().map((t) => Array.from(t.dataSync()));
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual(before[1]);
    expect(after[2]).not.toEqual(before[2]);
    expect(m.summary(undefined, undefined, () => undefined)).toMatch(/Trainable params: 5\n/);
    // Frozen at construction too.
    const f = sequential({ layers: [layers.dense({ units: 1, inputShape: [2], trainable: false })] });
    f.compile({ optimizer: 'sgd', loss: 'mse' });
    const w0 = Array.from(f.getWeights()[0]!.dataSync());
    await f.fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    expect(Array.from(f.getWeights()[0]!.dataSync())).toEqual(w0);
  });

  it('dropout is active in training only; batchNormalization uses moving statistics in inference', async () => {
    const m = sequential({ layers: [layers.dense({ units: 16, activation: 'relu', inputShape: [2] }), layers.dropout({ rate: 0.5, seed: 3 }),
      layers.batchNormalization({ momentum: 0.5 }), layers.layerNormalization(), layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const p1 = m.predictSync(XOR_X).dataSync().slice();
    const p2 = m.predictSync(XOR_X).dataSync();
    expect(Array.from(p2)).toEqual(Array.from(p1));        // inference is deterministic
    const mm0 = Array.from(m.layers[2]!.getWeights()[2]!.dataSync());
    await m.fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    const mm1 = Array.from(m.layers[2]!.getWeights()[2]!.dataSync());
    expect(mm1).not.toEqual(mm0);                          // moving mean was updated in training
    expect(m.layers[2]!.getWeights().map((t) => t.shape)).toEqual([[16], [16], [16], [16]]);
  });

  it('regularizers add to the loss and constraints cap the kernel norm', async () => {
    const base = (kr?: ReturnType<typeof regularizers.l2>) => {
      setSeed(5);
      const m = sequential({ layers: [layers.dense({ units: 3, inputShape: [2], kernelRegularizer: kr, kernelInitializer: 'ones' })] });
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      return m;
    };
    const y = [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]];
    const plain = await base().evaluateAsync(XOR_X, y);
    const reg = await base(regularizers.l2({ l2: 0.1 })).evaluateAsync(XOR_X, y);
    expect(reg.loss! - plain.loss!).toBeCloseTo(0.1 * 6, 5);   // l2 * sum of six squared ones
    const l1 = await base(regularizers.l1(0.5)).evaluateAsync(XOR_X, y);
    expect(l1.loss! - plain.loss!).toBeCloseTo(0.5 * 6, 5);
    expect(regularizers.l1l2().getConfig()).toEqual({ l1: 0.01, l2: 0.01 });
    const c = sequential({ layers: [layers.dense({ units: 2, inputShape: [2], kernelConstraint: constraints.maxNorm({ maxValue: 0.5 }), kernelInitializer: initializers.constant({ value: 3 }) })] });
    c.compile({ optimizer: 'sgd', loss: 'mse' });
    await c.fit(XOR_X, [[0, 0], [0, 0], [0, 0], [0, 0]], { epochs: 1, verbose: 0 });
    const k = c.getWeights()[0]!.dataSync();
    for (let j = 0; j < 2; j++) expect(Math.hypot(k[j]!, k[2 + j]!)).toBeLessThanOrEqual(0.5 + 1e-5);
  });

  it('names: Keras and tfjs spellings are aliases; unknown names list the valid ones', () => {
    for (const loss of ['mse', 'mean_squared_error', 'meanSquaredError', 'MeanSquaredError']) {
      const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [1] })] });
      expect(() => m.compile({ optimizer: 'adam', loss })).not.toThrow();
    }
    for (const a of ['leakyRelu', 'leaky_relu', 'hard_sigmoid', 'silu', 'swish', 'relu6', 'gelu']) {
      expect(() => layers.dense({ units: 1, activation: a as never })).not.toThrow();
    }
    expect(layers.dense({ units: 1, activation: 'silu' as never }).activation).toBe('swish');
    const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [1] })] });
    expect(() => m.compile({ optimizer: 'Adam', loss: 'categorical_crossentropy', metrics: ['acc', 'mae', 'AUC'] })).not.toThrow();
    const bad = (f: () => unknown, re: RegExp) => { expect(code(f)).toBe('ERR_UNKNOWN_NAME'); expect(message(f)).toMatch(re); };
    bad(() => layers.dense({ units: 1, activation: 'relux' as never }), /Unknown activation "relux".*relu, sigmoid, tanh, softmax/);
    bad(() => m.compile({ optimizer: 'adamax', loss: 'mse' }), /Unknown optimizer "adamax".*sgd, adam, adamw, rmsprop, adagrad/);
    bad(() => m.compile({ optimizer: 'adam', loss: 'hinge' }), /Unknown loss "hinge".*meanSquaredError/);
    bad(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['f1'] }), /Unknown metric "f1".*accuracy/);
    bad(() => layers.dense({ units: 1, kernelInitializer: 'kaimingNormal' as never }), /Unknown initializer "kaimingNormal".*glorotUniform/);
    bad(() => deserializeLayer('Conv2D', {}), /Unknown layer class "Conv2D"; supported layers: Dense, Activation/);
  });

  it('layer options are validated in the constructor, Keras style', () => {
    expect(message(() => layers.dense({ units: 0 }))).toBe('Expected a positive integer for units but received 0');
    expect(message(() => layers.dense({ units: 2.5 }))).toBe('Expected a positive integer for units but received 2.5');
    expect(message(() => layers.dense({ units: '4' as never }))).toBe('Expected a positive integer for units but received "4"');
    expect(message(() => layers.dropout({ rate: 1 }))).toBe('Expected a number in [0, 1) for rate but received 1');
    expect(code(() => layers.dense({ units: 3, inputShape: [2, 2] }))).toBe('ERR_INVALID_ARG');
    expect(message(() => layers.dense({ units: 3, unitz: 4 } as never))).toMatch(/Unknown option "unitz" for dense/);
    expect(code(() => layers.batchNormalization({ momentum: 2 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => optimizers.adam({ learningRate: 0 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => optimizers.adam({ learningRate: NaN }))).toBe('ERR_INVALID_ARG');
    expect(code(() => optimizers.sgd({ momentum: 1.5 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => optimizers.sgd({ clipnorm: 1, clipvalue: 1 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => losses.huber({ delta: -1 }))).toBe('ERR_INVALID_ARG');
  });

  it('data errors name the argument, what was expected and the position', async () => {
    const m = sequential({ layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [2] })] });
    expect(code(() => m.predictSync([[1, 2]]))).toBeUndefined();
    await expect(m.fit([[1, 2]], [[1, 0, 0]])).rejects.toMatchObject({ code: 'ERR_NOT_COMPILED' });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const fit = (x: unknown, y: unknown, o: object = {}) => m.fit(x, y, { verbose: 0, ...o });
    await expect(fit([[1, 2, 3]], [0])).rejects.toThrow('Expected x with 2 features (columns), as the model\'s input shape, but received 3');
    await expect(fit([[1, 2], [3]], [0, 1])).rejects.toThrow(/row 1 of x .*ragged/);
    await expect(fit([[1, 2], [3, NaN]], [0, 1])).rejects.toThrow('Expected finite numbers in x but received NaN at row 1, column 1');
    await expect(fit([[1, 2], [3, Infinity]], [0, 1])).rejects.toMatchObject({ code: 'ERR_NON_FINITE' });
    await expect(fit([[1, 2], [3, 4]], [0])).rejects.toThrow('Expected y with 2 rows (as x) but received 1');
    await expect(fit([[1, 2], [3, 4]], [0, 3])).rejects.toThrow('Expected an integer class index in [0, 2] for y at row 1 but received 3');
    await expect(fit([[1, 2], [3, 4]], [0, 0.5])).rejects.toThrow(/integer class index/);
    await expect(fit([[1, 2]], [0], { epochs: -1 })).rejects.toThrow('Expected a non-negative integer for epochs but received -1');
    await expect(fit([[1, 2]], [0], { epochs: 1.5 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(fit([[1, 2]], [0], { batchSize: 0 })).rejects.toThrow('Expected a positive integer for batchSize but received 0');
    await expect(fit([[1, 2]], [0], { validationSplit: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(fit([[1, 2]], [0], { epoch: 3 })).rejects.toThrow(/Unknown option "epoch" for fit; expected one of: epochs/);
    await expect(fit([], [])).rejects.toThrow(/at least one row for x/);
    await expect(fit('abc', [0])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(fit(null, [0])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(fit([[1, '2']], [0])).rejects.toThrow('Expected a number for x[0][1] but received "2"');
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await expect(fit([[1, 2]], [0])).rejects.toThrow(/3 columns \(the output layer's units\) but received 1 \(class indices need the sparseCategoricalCrossentropy loss/);
    // After all these errors the model still works and is unchanged.
    const w = m.getWeights().map((t) => Array.from(t.dataSync()));
    const h = await fit([[1, 2]], [[0, 1, 0]], { epochs: 1 });
    expect(h.history.loss).toHaveLength(1);
    expect(m.getWeights()[0]!.dataSync()).not.toEqual(Float32Array.from(w[0]!));
  });

  it('dispose: later calls fail with ERR_DISPOSED', async () => {
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [1] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await m.fit([[1]], [[1]], { verbose: 0 });
    m.dispose();
    m.dispose();
    expect(code(() => m.predictSync([[1]]))).toBe('ERR_DISPOSED');
    expect(code(() => m.predict([[1]]))).toBe('ERR_DISPOSED');
    await expect(m.predictAsync([[1]])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(m.fit([[1]], [[1]])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(code(() => m.getWeights())).toBe('ERR_DISPOSED');
  });

  it('a model built without inputShape is built from the first data; add() extends a built model', async () => {
    const m = new Sequential();
    m.add(layers.dense({ units: 4, activation: 'relu' }));
    m.add(layers.dense({ units: 1 }));
    expect(m.getWeights()).toEqual([]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.fit([[1, 2, 3]], [[1]], { verbose: 0 });
    expect(m.getWeights().map((t) => t.shape)).toEqual([[3, 4], [4], [4, 1], [1]]);
    const before = m.getWeights().map((t) => Array.from(t.dataSync()));
    m.add(layers.activation({ activation: 'sigmoid' }));
    m.add(layers.dense({ units: 2 }));
    const after = m.getWeights();
    expect(after.map((t) => t.shape)).toEqual([[3, 4], [4], [4, 1], [1], [1, 2], [2]]);
    expect(Array.from(after[0]!.dataSync())).toEqual(before[0]);
    expect(m.predictSync([[1, 2, 3]]).shape).toEqual([1, 2]);
    m.pop();
    expect(m.predictSync([[1, 2, 3]]).shape).toEqual([1, 1]);
  });

  it('metrics: accuracy picks binary / sparse / categorical like Keras; precision, recall, auc, topK', () => {
    const inp = (pred: number[], d: number, y: number[], yCols: number, loss = 'meanSquaredError') => ({
      pred: Float32Array.from(pred), d, y: { data: Float32Array.from(y), rows: y.length / yCols, cols: yCols },
      order: null, rows: pred.length / d, loss: loss as never, fromLogits: false,
    });
    expect(metrics.accuracy().compute(inp([0.2, 0.7, 0.6], 1, [0, 1, 0], 1))).toBeCloseTo(2 / 3);
    expect(metrics.accuracy().compute(inp([0.1, 0.9, 0.8, 0.2], 2, [1, 1], 1))).toBe(0.5);
    expect(metrics.accuracy().compute(inp([0.1, 0.9, 0.8, 0.2], 2, [0, 1, 1, 0], 2))).toBe(1);
    expect(metrics.precision().compute(inp([0.9, 0.8, 0.2, 0.6], 1, [1, 0, 0, 1], 1))).toBeCloseTo(2 / 3);
    expect(metrics.recall().compute(inp([0.9, 0.8, 0.2, 0.4], 1, [1, 0, 0, 1], 1))).toBeCloseTo(1 / 2);
    expect(metrics.auc().compute(inp([0.1, 0.4, 0.35, 0.8], 1, [0, 0, 1, 1], 1))).toBeCloseTo(0.75, 2);
    expect(metrics.auc().compute(inp([0.1, 0.2, 0.7, 0.8], 1, [0, 0, 1, 1], 1))).toBeCloseTo(1, 5);
    expect(metrics.topKCategoricalAccuracy({ k: 2 }).compute(inp([0.5, 0.3, 0.2, 0.1, 0.2, 0.7], 3, [2, 2], 1))).toBe(0.5);
    expect(metrics.meanAbsoluteError().compute(inp([1, 2], 1, [0, 0], 1))).toBe(1.5);
    expect(metrics.meanSquaredError().compute(inp([1, 2], 1, [0, 0], 1))).toBe(2.5);
  });

  it('toDescription / fromDescription rebuild the same model, and resumed training equals uninterrupted training', async () => {
    const x = Array.from({ length: 32 }, (_, i) => [Math.sin(i), Math.cos(i)]);
    const y = x.map((r) => [r[0]! * r[1]!]);
    const build = () => {
      setSeed(11);
      resetLayerNames();
      const m = sequential({ layers: [layers.dense({ units: 8, activation: 'relu', inputShape: [2], kernelRegularizer: regularizers.l2({ l2: 1e-3 }) }),
        layers.batchNormalization(), layers.dropout({ rate: 0.2, seed: 9 }), layers.dense({ units: 1 })] });
      m.compile({ optimizer: optimizers.adam({ learningRate: 0.01, amsgrad: true }), loss: losses.huber({ delta: 0.5 }), metrics: ['mae'] });
      return m;
    };
    const whole = build();
    await whole.fit(x, y, { epochs: 4, batchSize: 8, shuffle: false, verbose: 0 });
    const half = build();
    await half.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const desc = half.toDescription({ includeOptimizer: true });
    expect(desc.layers.map((l) => l.className)).toEqual(['Dense', 'BatchNormalization', 'Dropout', 'Dense']);
    expect(desc.layers[0]!.config).toMatchObject({ units: 8, activation: 'relu', useBias: true, batchInputShape: [null, 2],
      kernelInitializer: { className: 'GlorotUniform', config: { seed: null } }, kernelRegularizer: { className: 'L1L2', config: { l1: 0, l2: 1e-3 } } });
    expect(desc.weights.map((w) => w.name)).toEqual(['dense_Dense1/kernel', 'dense_Dense1/bias', 'batch_normalization_BatchNormalization1/gamma',
      'batch_normalization_BatchNormalization1/beta', 'batch_normalization_BatchNormalization1/moving_mean',
      'batch_normalization_BatchNormalization1/moving_variance', 'dense_Dense2/kernel', 'dense_Dense2/bias']);
    expect(desc.training).toMatchObject({ loss: 'huber', metrics: ['mae'], optimizerConfig: { className: 'Adam' } });
    expect(desc.optimizerWeights[0]).toMatchObject({ name: 'iter', shape: [] });
    expect(desc.optimizerWeights[0]!.data[0]).toBe(8);
    const back = Sequential.fromDescription(desc);
    expect(Array.from(back.predictSync(x).dataSync())).toEqual(Array.from(half.predictSync(x).dataSync()));
    await back.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const a = whole.getWeights(), b = back.getWeights();
    for (let i = 0; i < a.length; i++) expect(Array.from(b[i]!.dataSync())).toEqual(Array.from(a[i]!.dataSync()));
  });

  it('learning-rate schedules: the engine follows them; getConfig serializes them', async () => {
    const sched = optimizers.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
    expect(sched.at(0)).toBe(0.1);
    expect(sched.at(2)).toBeCloseTo(0.025);
    const pc = optimizers.schedules.piecewiseConstantDecay({ boundaries: [1], values: [0.1, 0.01] });
    expect([pc.at(0), pc.at(1), pc.at(2)]).toEqual([0.1, 0.1, 0.01]);
    const cd = optimizers.schedules.cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 0.1, warmupSteps: 5 });
    expect(cd.at(5)).toBeCloseTo(0.1);
    expect(cd.at(15)).toBeCloseTo(0);
    // A schedule decaying to ~0 after the first step: only the first step moves the weights.
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: optimizers.sgd({ learningRate: optimizers.schedules.piecewiseConstantDecay({ boundaries: [0], values: [0.1, 1e-30] }) }), loss: 'mse' });
    const snaps: number[][] = [];
    await m.fit(XOR_X, XOR_Y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: { onEpochEnd: () => { snaps.push(Array.from(m.getWeights()[0]!.dataSync())); } } });
    expect(snaps[1]).toEqual(snaps[0]);
    expect(snaps[2]).toEqual(snaps[0]);
    expect(m.toDescription().training!.optimizerConfig.config.learningRate).toMatchObject({ className: 'PiecewiseConstantDecay' });
  });
});

describe('public entry', () => {
  it('exports the contract names', async () => {
    const api = await import('../../lib/index');
    for (const name of ['sequential', 'Sequential', 'layers', 'tensor2d', 'Tensor2D', 'setSeed', 'callbacks', 'optimizers', 'losses',
      'metrics', 'regularizers', 'constraints', 'initializers', 'data', 'setEngine', 'engineInfo', 'setNumThreads', 'getEngine', 'BlasnetError']) {
      expect(api, name).toHaveProperty(name);
    }
    expect(Object.keys(api.data).sort()).toEqual(expect.arrayContaining(['minMaxScaler', 'oneHot', 'readCsv', 'standardScaler', 'trainTestSplit']));
    expect(Object.keys(api.callbacks).sort()).toEqual(['csvLogger', 'earlyStopping', 'learningRateScheduler', 'modelCheckpoint', 'reduceLROnPlateau', 'terminateOnNaN']);
    expect(Object.keys(api.optimizers).sort()).toEqual(['adagrad', 'adam', 'adamw', 'rmsprop', 'schedules', 'sgd']);
  });
});

describe(`tfjs extras (${getEngine().name} engine)`, () => {
  it('layers.inputLayer declares the input width and is not listed among the layers (as tfjs)', () => {
    const m = sequential({ layers: [layers.inputLayer({ inputShape: [3] }), layers.dense({ units: 2 })] });
    expect(m.layers).toHaveLength(1);
    expect(m.inputShape).toEqual([null, 3]);
    expect(m.getWeights()[0]!.shape).toEqual([3, 2]);
    expect(m.getConfig().layers[0]!.config.batchInputShape).toEqual([null, 3]);
    expect(() => sequential({ layers: [layers.dense({ units: 2, inputShape: [3] }), layers.inputLayer({ inputShape: [2] })] })).toThrow(/first layer/);
    expect(code(() => sequential({ layers: [layers.inputLayer({ inputShape: [3] }), layers.dense({ units: 2, inputShape: [4] })] }))).toBe('ERR_SHAPE_MISMATCH');
  });

  it('trainOnBatch takes one step on all rows; predictOnBatch and getConfig', async () => {
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse', metrics: ['mae'] });
    const twin = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
    twin.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    twin.setWeights(m.getWeights());
    const ev = await m.evaluateAsync(XOR_X, XOR_Y);
    const r = await m.trainOnBatch(XOR_X, XOR_Y) as number[];
    expect(r[0]).toBeCloseTo(ev.loss!, 6);
    expect(r[1]).toBeCloseTo(ev.mae!, 6);
    await twin.fit(XOR_X, XOR_Y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect(Array.from(m.predictOnBatch(XOR_X).dataSync())).toEqual(Array.from(twin.predictSync(XOR_X).dataSync()));
    expect(m.getConfig().layers[0]).toMatchObject({ className: 'Dense', config: { units: 1, batchInputShape: [null, 2] } });
  });
});
