// The tfjs namespace as the package exposes it: every name of the issue at the top level (CommonJS and
// ES module), blasnet's own API beside it, tf.losses / tf.metrics on tensors against real tfjs and as
// loss and metric objects for compile, tf.train, tf.util, tf.io, and ERR_UNSUPPORTED for the rest.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { conform, oursTf, realTf, vals, type TF } from './helpers';

const req = createRequire(__filename);
const DIST = path.resolve(__dirname, '../../dist/index.js');
let tmp: string;
beforeAll(async () => { await realTf.setBackend('cpu'); tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-tfjs-ns-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ISSUE_NAMES = ['tensor', 'scalar', 'tensor1d', 'tensor2d', 'zeros', 'ones', 'fill', 'range', 'linspace', 'randomNormal', 'randomUniform',
  'oneHot', 'concat', 'stack', 'split', 'reshape', 'expandDims', 'squeeze', 'slice', 'gather', 'transpose', 'cast', 'add', 'sub', 'mul',
  'div', 'pow', 'square', 'sqrt', 'exp', 'log', 'abs', 'neg', 'minimum', 'maximum', 'clipByValue', 'sum', 'mean', 'min', 'max', 'argMax',
  'argMin', 'moments', 'equal', 'greater', 'less', 'where', 'matMul', 'norm', 'topk', 'tidy', 'keep', 'dispose', 'memory', 'engine',
  'sequential', 'loadLayersModel'];
const METHODS = ['data', 'dataSync', 'array', 'arraySync', 'print', 'toString', 'dispose', 'clone', 'reshape', 'flatten', 'expandDims',
  'squeeze', 'slice', 'gather', 'transpose', 'cast', 'toFloat', 'toInt', 'add', 'sub', 'mul', 'div', 'pow', 'square', 'sqrt', 'exp', 'log',
  'abs', 'neg', 'minimum', 'maximum', 'clipByValue', 'sum', 'mean', 'min', 'max', 'argMax', 'argMin', 'equal', 'greater', 'less',
  'matMul', 'norm', 'topk'];

describe('the package entry', () => {
  it('import * as tf gives every function of the issue, and tensors every method', () => {
    for (const n of ISSUE_NAMES) expect(typeof oursTf[n], n).toBe('function');
    const t = oursTf.ones([2]);
    for (const m of METHODS) expect(typeof t[m], `tensor.${m}`).toBe('function');
    for (const ns of ['train', 'losses', 'metrics', 'data', 'util', 'io']) expect(typeof oursTf[ns], ns).toBe('object');
  });

  it('the ES module entry, run by node, has the same names as require()', () => {
    const names = [...ISSUE_NAMES, 'conv2d', 'variable', 'grad', 'train', 'data'];
    const script = `import * as tf from ${JSON.stringify(path.resolve(__dirname, '../../dist/index.mjs'))};
      const names = ${JSON.stringify(names)};
      let code = null; try { tf.variableGrads(); } catch (e) { code = e.code; }
      console.log(JSON.stringify({ types: names.map((n) => typeof tf[n]), code, shuffled: await tf.data.array([1, 2, 3, 4]).shuffle(4, 7).toArray() }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const cjs = req(DIST);
    expect(out.types).toEqual(names.map((n) => typeof cjs[n]));
    expect(out.types.slice(0, ISSUE_NAMES.length).every((t: string) => t === 'function')).toBe(true);
    expect(out.code).toBe('ERR_UNSUPPORTED');
  });

  it('require() gives refusing stubs for the rest of tfjs, naming the function', () => {
    const cjs = req(DIST);
    for (const n of [...ISSUE_NAMES, 'conv2d', 'variable', 'grad']) expect(typeof cjs[n], n).toBe('function');
    for (const [f, name] of [[() => cjs.conv2d(), 'tf.conv2d'], [() => cjs.variableGrads(), 'tf.variableGrads'], [() => cjs.ones([1]).conv2d(), 'Tensor.conv2d'],
      [() => cjs.image.resizeBilinear(), 'tf.image.resizeBilinear'], [() => cjs.layers.conv2d({}), 'tf.layers.conv2d'], [() => cjs.data.webcam(), 'tf.data.webcam'],
      [() => cjs.util.fetch(), 'tf.util.fetch'], [() => cjs.losses.nope?.(), null]] as const) {
      if (name === null) { expect(f()).toBeUndefined(); continue; }
      expect(f, name).toThrow(`${name} is not supported by blasnet`);
      try { f(); } catch (e) { expect((e as BlasnetError).code).toBe('ERR_UNSUPPORTED'); }
    }
  });

  it("the README's Missing list says what refuses and what exists", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8').replace(/\s+/g, ' ');
    const para = readme.slice(readme.indexOf('**Missing.**'), readme.indexOf('## Not supported yet'));
    const names = (text: string) => [...text.matchAll(/`([A-Za-z0-9.]+)`/g)].map((m) => m[1]!);
    const refusing = (f: unknown): boolean => {
      if (typeof f !== 'function') return false;
      try {
        const r = (f as () => unknown)();
        // An async op called without arguments rejects with a plain argument error: it exists.
        if (r instanceof Promise) r.catch(() => undefined);
      } catch (e) { return (e as BlasnetError).code === 'ERR_UNSUPPORTED' && /is not supported by blasnet/.test((e as Error).message); }
      return false;
    };
    const lookup = (n: string): unknown => n.split('.').reduce((o: TF, k) => (k === 'tf' ? o : o?.[k]), oursTf);
    const ops = names(para.slice(para.indexOf('and the ops'), para.indexOf('namespaces.')));
    expect(ops.length).toBeGreaterThan(10);
    for (const n of ops.filter((x) => !x.includes('*') && !x.startsWith('tf.'))) expect(refusing(oursTf[n]), `${n} refuses`).toBe(true);
    for (const n of ['tf.grad', 'tf.grads', 'tf.valueAndGrad', 'tf.variableGrads', 'tf.customGrad', 'tf.loadGraphModel', 'tf.io.registerLoadRouter',
      'tf.model', 'tf.input']) expect(refusing(lookup(n)), `${n} refuses`).toBe(true);
    for (const n of ['minMaxNorm', 'nonNeg', 'unitNorm']) expect(refusing(oursTf.constraints[n]), `constraints.${n} refuses`).toBe(true);
    const exist = names(para.slice(para.lastIndexOf('('), para.lastIndexOf(')')));
    expect(exist).toEqual(expect.arrayContaining(['stridedSlice', 'unique', 'randomStandardNormal', 'randomUniformInt', 'tf.variable', 'orthogonal']));
    for (const n of exist.filter((x) => x !== 'batchShape')) {
      const f = n.startsWith('tf.') ? lookup(n) : oursTf[n] ?? oursTf.initializers[n];
      expect(typeof f, n).toBe('function');
      expect(refusing(f), `${n} exists`).toBe(false);
    }
  });

  it("blasnet's own data helpers stay in data beside tfjs's datasets", () => {
    const d = oursTf.data;
    for (const n of ['readCsv', 'parseCsv', 'trainTestSplit', 'standardScaler', 'minMaxScaler', 'oneHot', 'scalerFromJSON', 'array', 'csv', 'generator', 'zip']) {
      expect(typeof d[n], n).toBe('function');
    }
    expect(d.oneHot([0, 2], 3).arraySync()).toEqual([[1, 0, 0], [0, 0, 1]]);
  });

  it('tensor2d(...) feeds fit and predict; Tensor2D is the class for instanceof', async () => {
    const tf = oursTf;
    tf.setSeed(3);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const x = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]]), y = tf.tensor2d([[1], [1], [2], [0]]);
    const h = await m.fit(x, y, { epochs: 200, verbose: 0 });
    expect(h.history.loss[199]).toBeLessThan(0.01);
    expect(x).toBeInstanceOf(tf.Tensor2D);
    expect(x).toBeInstanceOf(tf.Tensor);
    const p = await m.predict(tf.tensor2d([[2, 2]]));
    expect(p.dataSync()[0]).toBeCloseTo(4, 0);
    expect(await m.predict(realTf.tensor2d([[2, 2]]))).toMatchObject({ shape: [1, 1] });
  });
});

const W = (tf: TF) => tf.tensor2d([[1, 0], [2, 1], [0, 0]]);
const L = (tf: TF) => tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
const P = (tf: TF) => tf.tensor2d([[0.9, 0.2], [0.3, 0.6], [0.55, 0.1]]);
const LOGITS = (tf: TF) => tf.tensor2d(vals(6, 51).map((v) => v * 3), [3, 2]);

describe('tf.losses on tensors conform to @tensorflow/tfjs', () => {
  const R = (tf: TF) => tf.Reduction;
  const cases: [string, (tf: TF) => unknown][] = [
    ['meanSquaredError', (tf) => tf.losses.meanSquaredError(L(tf), P(tf))],
    ['meanSquaredError weighted, every reduction', (tf) => [0, 1, 2, 3].map((r) => tf.losses.meanSquaredError(L(tf), P(tf), W(tf), r))],
    ['meanSquaredError broadcast weights', (tf) => [tf.losses.meanSquaredError(L(tf), P(tf), tf.tensor2d([[1], [0], [2]]), R(tf).MEAN),
      tf.losses.meanSquaredError(L(tf), P(tf), tf.tensor2d([[1], [0], [2]]))]],
    ['absoluteDifference', (tf) => [tf.losses.absoluteDifference(L(tf), P(tf)), tf.losses.absoluteDifference(L(tf), P(tf), W(tf), R(tf).SUM)]],
    ['huberLoss', (tf) => [tf.losses.huberLoss(L(tf), LOGITS(tf)), tf.losses.huberLoss(L(tf), LOGITS(tf), undefined, 0.5), tf.losses.huberLoss(L(tf), LOGITS(tf), W(tf), 2, R(tf).NONE)]],
    ['logLoss', (tf) => [tf.losses.logLoss(L(tf), P(tf)), tf.losses.logLoss(L(tf), P(tf), W(tf), 1e-3)]],
    ['hingeLoss', (tf) => tf.losses.hingeLoss(L(tf), LOGITS(tf))],
    ['sigmoidCrossEntropy', (tf) => [tf.losses.sigmoidCrossEntropy(L(tf), LOGITS(tf)), tf.losses.sigmoidCrossEntropy(L(tf), LOGITS(tf), undefined, 0.2)]],
    ['softmaxCrossEntropy', (tf) => [tf.losses.softmaxCrossEntropy(tf.tensor2d([[1, 0], [0, 1], [1, 0]]), LOGITS(tf)),
      tf.losses.softmaxCrossEntropy(tf.tensor2d([[1, 0], [0, 1], [1, 0]]), LOGITS(tf), undefined, 0.1, R(tf).NONE)]],
    ['cosineDistance', (tf) => tf.losses.cosineDistance(L(tf), P(tf), 1)],
    ['computeWeightedLoss', (tf) => [tf.losses.computeWeightedLoss(P(tf)), tf.losses.computeWeightedLoss(P(tf), W(tf), R(tf).MEAN)]],
    ['shape mismatch throws', (tf) => tf.losses.meanSquaredError(L(tf), tf.ones([3]))],
  ];
  it.each(cases)('%s', (name, script) => conform(name, script));
});

describe('tf.metrics on tensors conform to @tensorflow/tfjs', () => {
  const onehot = (tf: TF) => tf.tensor2d([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]);
  const probs = (tf: TF) => tf.tensor2d([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]]);
  const cases: [string, (tf: TF) => unknown][] = [
    ['binaryAccuracy', (tf) => tf.metrics.binaryAccuracy(L(tf), P(tf))],
    ['binaryCrossentropy', (tf) => tf.metrics.binaryCrossentropy(L(tf), P(tf))],
    ['categoricalAccuracy', (tf) => tf.metrics.categoricalAccuracy(onehot(tf), probs(tf))],
    ['categoricalCrossentropy', (tf) => tf.metrics.categoricalCrossentropy(onehot(tf), probs(tf))],
    ['sparseCategoricalAccuracy', (tf) => [tf.metrics.sparseCategoricalAccuracy(tf.tensor1d([1, 0, 2, 2]), probs(tf)),
      tf.metrics.sparseCategoricalAccuracy(tf.tensor2d([[1], [0], [2], [2]]), probs(tf))]],
    ['cosineProximity', (tf) => tf.metrics.cosineProximity(L(tf), P(tf))],
    ['meanAbsoluteError, MSE, mse, MAPE, mape', (tf) => [tf.metrics.meanAbsoluteError(L(tf), P(tf)), tf.metrics.MSE(L(tf), P(tf)),
      tf.metrics.mse(L(tf), P(tf)), tf.metrics.meanSquaredError(L(tf), P(tf)), tf.metrics.MAPE(L(tf), P(tf)), tf.metrics.mape(L(tf), P(tf)),
      tf.metrics.meanAbsolutePercentageError(L(tf), P(tf))]],
    ['precision recall (on 0/1 predictions)', (tf) => [tf.metrics.precision(L(tf), tf.tensor2d([[1, 1], [0, 1], [0, 0]])),
      tf.metrics.recall(L(tf), tf.tensor2d([[1, 1], [0, 1], [0, 0]])), tf.metrics.precision(L(tf), tf.zeros([3, 2]))]],
    ['r2Score', (tf) => tf.metrics.r2Score(tf.tensor1d([3, -0.5, 2, 7]), tf.tensor1d([2.5, 0, 2, 8]))],
  ];
  // tfjs's sparseCategoricalAccuracy runs outside tidy() and leaves its intermediate tensors behind: values only.
  it.each(cases)('%s', (name, script) => conform(name, script, { memory: name !== 'sparseCategoricalAccuracy' }));
});

describe('losses and metrics as compile arguments', () => {
  it('called without tensors they are blasnet loss and metric objects', () => {
    expect(oursTf.losses.meanSquaredError()).toMatchObject({ isLoss: true, spec: { id: 'meanSquaredError' } });
    expect(oursTf.losses.binaryCrossentropy({ fromLogits: true })).toMatchObject({ spec: { id: 'binaryCrossentropy', fromLogits: true } });
    expect(oursTf.losses.huber({ delta: 2 })).toMatchObject({ spec: { id: 'huber', delta: 2 } });
    expect(oursTf.metrics.accuracy()).toMatchObject({ isMetric: true, name: 'accuracy' });
    expect(oursTf.metrics.binaryAccuracy({ threshold: 0.3 })).toMatchObject({ isMetric: true, name: 'binary_accuracy' });
    expect(() => oursTf.losses.hingeLoss()).toThrow(/takes tensors/);
    expect(() => oursTf.metrics.r2Score()).toThrow(BlasnetError);
  });

  it("carry the engine loss or metric they name, for compile", () => {
    const { builtinOf } = oursTf;
    expect(builtinOf(oursTf.losses.meanSquaredError)).toMatchObject({ kind: 'loss', id: 'meanSquaredError' });
    expect(builtinOf(oursTf.losses.softmaxCrossEntropy)).toMatchObject({ id: 'categoricalCrossentropy', fromLogits: true });
    expect(builtinOf(oursTf.losses.sigmoidCrossEntropy)).toMatchObject({ id: 'binaryCrossentropy', fromLogits: true });
    expect(builtinOf(oursTf.losses.hingeLoss)).toBeUndefined();
    expect(builtinOf(oursTf.metrics.binaryAccuracy)).toMatchObject({ kind: 'metric', metric: 'binaryAccuracy' });
    expect(builtinOf(oursTf.metrics.mse)).toMatchObject({ metric: 'mse' });
    expect(builtinOf(oursTf.metrics.r2Score)).toBeUndefined();
  });

  it('blasnet-only names called on tensors give the batch loss or value', () => {
    const t = oursTf.tensor2d([[0, 1], [1, 0]]), p = oursTf.tensor2d([[0.2, 0.8], [0.6, 0.4]]);
    expect(oursTf.losses.categoricalCrossentropy(t, p).dataSync()[0]).toBeCloseTo((-Math.log(0.8) - Math.log(0.6)) / 2, 5);
    expect(oursTf.losses.meanAbsoluteError(t, p).dataSync()[0]).toBeCloseTo(0.3, 6);
    expect(Array.from(oursTf.metrics.accuracy(t, p).dataSync())).toEqual([1, 1]);
    expect(oursTf.metrics.auc(oursTf.tensor1d([0, 0, 1, 1]), oursTf.tensor1d([0.1, 0.4, 0.35, 0.8])).dataSync()[0]).toBeCloseTo(0.75, 2);
    expect(Array.from(oursTf.metrics.topKCategoricalAccuracy(oursTf.tensor2d([[0, 0, 1]]), oursTf.tensor2d([[0.5, 0.3, 0.2]])).dataSync())).toEqual([1]);
  });
});

describe('tf.train', () => {
  it("has tfjs's defaults and argument order; compile takes the optimizers", async () => {
    expect(oursTf.train.sgd(0.3).getConfig()).toMatchObject(realTf.train.sgd(0.3).getConfig());
    expect(oursTf.train.adam().getConfig()).toMatchObject({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(oursTf.train.adam(0.01, 0.8, 0.99, 1e-5).getConfig()).toMatchObject(realTf.train.adam(0.01, 0.8, 0.99, 1e-5).getConfig());
    expect(oursTf.train.momentum(0.1, 0.9, true).spec).toMatchObject({ id: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true });
    expect(oursTf.train.rmsprop(0.01, 0.8, 0.5, 1e-6, true).spec).toMatchObject({ id: 'rmsprop', rho: 0.8, momentum: 0.5, epsilon: 1e-6, centered: true });
    expect(oursTf.train.adagrad(0.2, 0.5).spec).toMatchObject({ id: 'adagrad', learningRate: 0.2, initialAccumulatorValue: 0.5 });
    expect(oursTf.train.adamax(0.01).getConfig()).toMatchObject({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, decay: 0 });
    expect(oursTf.train.adam(0.05).learningRate).toBe(0.05);
    expect(() => oursTf.train.adam(0.01).minimize(() => oursTf.scalar(1))).toThrow(/custom training loops/);
    expect(() => oursTf.train.sgd(-1)).toThrow(BlasnetError);
    for (const opt of [oursTf.train.sgd(0.1), oursTf.train.momentum(0.05, 0.9), oursTf.train.adam(0.05), oursTf.train.rmsprop(0.01), oursTf.train.adagrad(0.3)]) {
      const m = oursTf.sequential({ layers: [oursTf.layers.dense({ units: 1, inputShape: [1] })] });
      m.compile({ optimizer: opt, loss: 'mse' });
      const h = await m.fit([[0], [1], [2]], [[1], [3], [5]], { epochs: 150, verbose: 0 });
      expect(h.history.loss[149], opt.getClassName()).toBeLessThan(h.history.loss[0]);
    }
  });

  it('compile refuses adamax with a BlasnetError that names it', () => {
    const m = oursTf.sequential({ layers: [oursTf.layers.dense({ units: 1, inputShape: [1] })] });
    expect(() => m.compile({ optimizer: oursTf.train.adamax(), loss: 'mse' })).toThrow(/Adamax/);
    expect(() => m.compile({ optimizer: oursTf.train.adamax(), loss: 'mse' })).toThrow(BlasnetError);
  });
});

describe('tf.util, tf.io and the environment calls', () => {
  it('util.shuffle, shuffleCombo and assert behave as tfjs', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    oursTf.util.shuffle(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const x = [1, 2, 3, 4], y = ['a', 'b', 'c', 'd'];
    oursTf.util.shuffleCombo(x, y);
    expect(x.map((v) => y[v - 1] === undefined ? '' : 'abcd'[v - 1])).toEqual(y);
    expect(() => oursTf.util.assert(1 > 2, () => 'one is not more than two')).toThrow('one is not more than two');
    expect(() => oursTf.util.assert(true, 'fine')).not.toThrow();
    expect(oursTf.util.sizeFromShape([2, 3, 4])).toBe(realTf.util.sizeFromShape([2, 3, 4]));
    expect(oursTf.util.flatten([[1, [2]], [3]])).toEqual(realTf.util.flatten([[1, [2]], [3]]));
  });

  it('TensorBuffer, print and the environment calls do what tfjs programs expect', async () => {
    const b = oursTf.buffer([2, 2]);
    b.set(5, 1, 0);
    expect(b.get(1, 0)).toBe(5);
    expect(b.toTensor().arraySync()).toEqual([[0, 0], [5, 0]]);
    await oursTf.ready();
    expect(await oursTf.setBackend('cpu')).toBe(true);
    expect(oursTf.getBackend()).toMatch(/^blasnet-(native|js)$/);
    oursTf.enableProdMode();
    expect(oursTf.env().getBool('PROD')).toBe(true);
    await oursTf.nextFrame();
  });

  it('io handlers save and load a model', async () => {
    const tf = oursTf;
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const dir = path.join(tmp, 'fs-model');
    await m.save(tf.io.fileSystem(dir));
    expect(fs.existsSync(path.join(dir, 'model.json'))).toBe(true);
    const back = await tf.loadLayersModel(tf.io.fileSystem(path.join(dir, 'model.json')));
    let saved: unknown;
    await m.save(tf.io.withSaveHandler(async (a: unknown) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const again = await tf.loadLayersModel(tf.io.fromMemory(saved));
    const x = [[1, 2, 3]];
    expect(Array.from(back.predictSync(x).dataSync())).toEqual(Array.from(m.predictSync(x).dataSync()));
    expect(Array.from(again.predictSync(x).dataSync())).toEqual(Array.from(m.predictSync(x).dataSync()));
  });
});
