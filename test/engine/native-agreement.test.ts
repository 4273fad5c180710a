// Native vs TypeScript engine on the same spec, weights, data and row order: computeGradients for
// every activation, loss and layer kind, and training steps for every optimizer option, schedule and
// clipping mode. Reports the max differences. Runs on the native run of the suite (agreement.test.ts
// trains six architectures for 50 steps; this one sweeps every native code path).
import { describe, expect, it } from 'vitest';
import { jsEngine } from '../../lib/engine/js';
import { paramCount } from '../../lib/engine/layout';
import type { ActivationId, Engine, LayerSpec, NetSpec, OptimizerSpec } from '../../lib/engine/types';
import { nativeOrSkip, skippedOnThisRun } from '../helpers/engines';
import { dense, loss, netSpec, optimizer, randomArray } from '../helpers/spec';

const native = nativeOrSkip();

const ACTS: ActivationId[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'elu', 'selu', 'gelu',
  'swish', 'softplus', 'softsign', 'hardSigmoid', 'relu6'];

function initParams(spec: NetSpec, seed: number): Float32Array {
  const p = randomArray(paramCount(spec), seed, 0.7);
  // Moving variances must be positive: every batchNormalization's last [dim] block.
  let off = 0;
  let dim = spec.inputDim;
  for (const l of spec.layers) {
    if (l.kind === 'dense') off += dim * l.units + (l.useBias ? l.units : 0);
    if (l.kind === 'layerNormalization') off += l.dim * ((l.scale ? 1 : 0) + (l.center ? 1 : 0));
    if (l.kind === 'batchNormalization') {
      off += l.dim * ((l.scale ? 1 : 0) + (l.center ? 1 : 0) + 1);
      for (let j = 0; j < l.dim; j++) p[off + j] = 0.5 + Math.abs(p[off + j]!);
      off += l.dim;
    }
    dim = l.kind === 'dense' ? l.units : l.dim;
  }
  return p;
}

function labels(spec: NetSpec, rows: number, seed: number): { data: Float32Array; cols: number } {
  const last = spec.layers[spec.layers.length - 1]!;
  const d = last.kind === 'dense' ? last.units : last.dim;
  const r = randomArray(rows * d, seed);
  switch (spec.loss.id) {
    case 'sparseCategoricalCrossentropy':
      return { data: Float32Array.from({ length: rows }, (_, i) => (i * 7) % d), cols: 1 };
    case 'categoricalCrossentropy':
      return { data: Float32Array.from({ length: rows * d }, (_, k) => (k % d === Math.floor(k / d) % d ? 1 : 0)), cols: d };
    case 'binaryCrossentropy':
      return { data: r.map((v) => (v > 0 ? 1 : 0)), cols: d };
    default:
      return { data: r, cols: d };
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function gradientsAgree(spec: NetSpec, rows = 6): number {
  const e: Engine[] = [jsEngine, native!.engine];
  const params = initParams(spec, 3);
  const x = { data: randomArray(rows * spec.inputDim, 5, 1.5), rows, cols: spec.inputDim };
  const y = labels(spec, rows, 9);
  const ym = { data: y.data, rows, cols: y.cols };
  const sw = randomArray(rows, 11).map((v) => 1 + 0.5 * v);
  const [a, b] = e.map((eng) => {
    const net = eng.createNet(structuredClone(spec), params.slice());
    const r = net.computeGradients(x, ym, sw);
    net.dispose();
    return r;
  });
  expect(Math.abs(a!.loss - b!.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(a!.loss)));
  return maxDiff(a!.grads, b!.grads);
}

async function trainingAgrees(spec: NetSpec, steps = 3, rows = 20, batch = 5): Promise<number> {
  const params = initParams(spec, 21);
  const x = { data: randomArray(rows * spec.inputDim, 23, 1.5), rows, cols: spec.inputDim };
  const y = labels(spec, rows, 29);
  const ym = { data: y.data, rows, cols: y.cols };
  const order = Uint32Array.from({ length: rows }, (_, i) => (i * 7) % rows);
  const sampleWeight = randomArray(rows, 31).map((v) => 1 + 0.5 * v);
  const results = [];
  for (const eng of [jsEngine, native!.engine]) {
    const net = eng.createNet(structuredClone(spec), params.slice());
    let lossSum = 0;
    const preds = new Float32Array(rows * net.outputDim);
    for (let s = 0; s < steps; s++) {
      const r = await net.trainBatches({ x, y: ym, order, batchSize: batch, sampleWeight, predictionsOut: preds });
      lossSum += r.lossSum;
    }
    const evalPreds = new Float32Array(rows * net.outputDim);
    const ev = await net.evaluate(x, ym, 7, sampleWeight, evalPreds);
    results.push({ params: net.getParams(), state: net.getOptimizerState(), lossSum, preds, evalLoss: ev.lossSum, evalPreds });
    net.dispose();
  }
  const [a, b] = results;
  expect(Math.abs(a!.lossSum - b!.lossSum)).toBeLessThan(1e-3 * Math.max(1, Math.abs(a!.lossSum)));
  expect(Math.abs(a!.evalLoss - b!.evalLoss)).toBeLessThan(1e-3 * Math.max(1, Math.abs(a!.evalLoss)));
  expect(maxDiff(a!.state, b!.state)).toBeLessThan(1e-3);
  expect(maxDiff(a!.preds, b!.preds)).toBeLessThan(1e-4);
  expect(maxDiff(a!.evalPreds, b!.evalPreds)).toBeLessThan(1e-4);
  return maxDiff(a!.params, b!.params);
}

describe.skipIf(!native)('native engine agrees with the TypeScript engine', () => {
  const report: string[] = [];

  it.each(ACTS)('gradients: dense %s', (act) => {
    const spec = netSpec(4, [dense(4, 5, act), dense(5, 3)], loss('meanSquaredError'), optimizer('sgd'));
    const d = gradientsAgree(spec);
    report.push(`grad ${act}: ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
  });

  const lossCases: [string, NetSpec][] = [
    ['mse', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 3)], loss('meanSquaredError'), optimizer('sgd'))],
    ['mae', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 3)], loss('meanAbsoluteError'), optimizer('sgd'))],
    ['huber', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 3)], loss('huber', { delta: 0.5 }), optimizer('sgd'))],
    ['bce fused', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 2, 'sigmoid')], loss('binaryCrossentropy'), optimizer('sgd'))],
    ['bce logits', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 2)], loss('binaryCrossentropy', { fromLogits: true }), optimizer('sgd'))],
    ['bce plain', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 2, 'hardSigmoid')], loss('binaryCrossentropy'), optimizer('sgd'))],
    ['cce fused', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 3, 'softmax')], loss('categoricalCrossentropy'), optimizer('sgd'))],
    ['cce logits', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 3)], loss('categoricalCrossentropy', { fromLogits: true }), optimizer('sgd'))],
    ['cce plain', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 3, 'sigmoid')], loss('categoricalCrossentropy'), optimizer('sgd'))],
    ['scce fused', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 3, 'softmax')], loss('sparseCategoricalCrossentropy'), optimizer('sgd'))],
    ['scce logits', netSpec(3, [dense(3, 4, 'tanh'), dense(4, 3, 'tanh')], loss('sparseCategoricalCrossentropy', { fromLogits: true }), optimizer('sgd'))],
    ['activation-layer softmax + cce', netSpec(3, [dense(3, 3), { kind: 'activation', dim: 3, activation: { id: 'softmax', alpha: 0 } }], loss('categoricalCrossentropy'), optimizer('sgd'))],
  ];
  it.each(lossCases)('gradients: %s', (name, spec) => {
    const d = gradientsAgree(spec);
    report.push(`grad ${name}: ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
  });

  const norm: LayerSpec[] = [
    dense(3, 4, 'linear', { kernelL1: 0.01, kernelL2: 0.02, biasL2: 0.03 }),
    { kind: 'batchNormalization', dim: 4, momentum: 0.9, epsilon: 1e-3, center: true, scale: true, trainable: true },
    { kind: 'activation', dim: 4, activation: { id: 'elu', alpha: 1 } },
    { kind: 'dropout', dim: 4, rate: 0.3, seed: 7 },
    { kind: 'layerNormalization', dim: 4, epsilon: 1e-3, center: true, scale: true, trainable: true },
    dense(4, 2),
  ];
  it('gradients: batchNorm, layerNorm, dropout, regularizers', () => {
    const d = gradientsAgree(netSpec(3, norm, loss('meanSquaredError'), optimizer('sgd')), 8);
    report.push(`grad norm layers: ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
  });

  it('gradients: frozen dense, batchNorm and layerNorm layers', () => {
    const spec = netSpec(3, [
      dense(3, 4, 'tanh', { trainable: false, kernelL2: 0.1 }),
      { kind: 'batchNormalization', dim: 4, momentum: 0.9, epsilon: 1e-3, center: true, scale: true, trainable: false },
      { kind: 'layerNormalization', dim: 4, epsilon: 1e-3, center: true, scale: true, trainable: false },
      dense(4, 2),
    ], loss('meanSquaredError'), optimizer('sgd'));
    const d = gradientsAgree(spec);
    report.push(`grad frozen layers: ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
  });

  const opts: [string, OptimizerSpec][] = [
    ['sgd', optimizer('sgd')],
    ['sgd momentum', optimizer('sgd', { momentum: 0.9 })],
    ['sgd nesterov', optimizer('sgd', { momentum: 0.9, nesterov: true })],
    ['adam', optimizer('adam', { learningRate: 0.01 })],
    ['adam amsgrad', optimizer('adam', { learningRate: 0.01, amsgrad: true })],
    ['adamw', optimizer('adamw', { learningRate: 0.01 })],
    ['rmsprop', optimizer('rmsprop', { learningRate: 0.01 })],
    ['rmsprop centered momentum', optimizer('rmsprop', { learningRate: 0.01, centered: true, momentum: 0.5 })],
    ['adagrad', optimizer('adagrad', { learningRate: 0.05 })],
    ['clipnorm', optimizer('sgd', { clipnorm: 0.1 })],
    ['clipvalue', optimizer('sgd', { clipvalue: 0.01 })],
    ['globalClipnorm', optimizer('adam', { globalClipnorm: 0.1 })],
    ['exponentialDecay', optimizer('sgd', { schedule: { kind: 'exponentialDecay', decaySteps: 3, decayRate: 0.5, staircase: true } })],
    ['cosineDecay warmup', optimizer('sgd', { schedule: { kind: 'cosineDecay', decaySteps: 5, alpha: 0.1, warmupTarget: 0.05, warmupSteps: 4 } })],
    ['piecewise', optimizer('sgd', { schedule: { kind: 'piecewiseConstantDecay', boundaries: [2, 6], values: [0.05, 0.02, 0.01] } })],
  ];
  it.each(opts)('training: %s', async (name, opt) => {
    const d = await trainingAgrees(netSpec(3, norm, loss('meanSquaredError'), opt));
    report.push(`train ${name}: ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
  });

  it('training: maxNorm, frozen layers, sparse labels', async () => {
    const spec = netSpec(4, [
      dense(4, 6, 'relu', { kernelMaxNorm: 0.5 }),
      { kind: 'batchNormalization', dim: 6, momentum: 0.9, epsilon: 1e-3, center: true, scale: false, trainable: false },
      dense(6, 5, 'selu', { trainable: false }),
      dense(5, 3, 'softmax'),
    ], loss('sparseCategoricalCrossentropy'), optimizer('adam', { learningRate: 0.01 }));
    const d = await trainingAgrees(spec);
    report.push(`train frozen/maxNorm/sparse: ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    console.log(`native vs js max abs differences:\n  ${report.join('\n  ')}`);
  });
});

if (!native) describe('native engine agrees with the TypeScript engine', () => skippedOnThisRun('the two engines compared', 'native'));
