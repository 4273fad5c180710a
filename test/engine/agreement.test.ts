// Engine agreement: the native and TypeScript engines train the same nets from the same initial params
// over the same row order for 50 steps; the max abs difference of the final weights, relative to the
// weight scale (max |w|), must stay below 1e-4. Runs on the native run of the suite (where the native
// engine must load when BLASNET_REQUIRE_NATIVE=1).
import { afterAll, describe, expect, it } from 'vitest';
import { jsEngine } from '../../lib/engine/js';
import type { Engine, NetSpec, OptimizerSpec } from '../../lib/engine/types';
import { nativeOrSkip, skippedOnThisRun } from '../helpers/engines';
import {
  batchNorm, dense, dropout, initialParams, layerNorm, loss, netSpec, optimizer, randomArray, activation,
} from '../helpers/spec';

const ROWS = 400;
const BATCH = 8;
const STEPS = 50;
const TOL = 1e-4;

interface Arch { name: string; spec: (o: OptimizerSpec) => NetSpec; inputDim: number; labels: (x: Float32Array) => Float32Array }

const row = (x: Float32Array, i: number, d: number): number[] => Array.from(x.subarray(i * d, i * d + d));
const argmax = (v: number[]): number => v.reduce((b, val, k) => (val > v[b]! ? k : b), 0);

const archs: Arch[] = [
  {
    name: 'regression', inputDim: 6,
    spec: (o) => netSpec(6, [dense(6, 16, 'relu'), dense(16, 8, 'tanh'), dense(8, 2)], loss('meanSquaredError'), o),
    labels: (x) => Float32Array.from(Array.from({ length: ROWS }, (_, i) => {
      const r = row(x, i, 6);
      return [Math.tanh(r[0]! + r[1]! * r[2]!), r[3]! - 0.5 * r[4]! + r[5]! * r[5]!];
    }).flat()),
  },
  {
    name: 'binary sigmoid + BCE', inputDim: 5,
    spec: (o) => netSpec(5, [dense(5, 12, 'elu'), dense(12, 1, 'sigmoid')], loss('binaryCrossentropy'), o),
    labels: (x) => Float32Array.from({ length: ROWS }, (_, i) => (x[i * 5]! * x[i * 5 + 1]! > 0 ? 1 : 0)),
  },
  {
    name: 'softmax multi-class + CCE', inputDim: 6,
    spec: (o) => netSpec(6, [dense(6, 16, 'relu'), dense(16, 4, 'softmax')], loss('categoricalCrossentropy'), o),
    labels: (x) => Float32Array.from(Array.from({ length: ROWS }, (_, i) => {
      const r = row(x, i, 6);
      const c = argmax([r[0]! + r[1]!, r[2]! - r[3]!, r[4]! * 2, r[5]! - r[0]!]);
      return [0, 1, 2, 3].map((k) => (k === c ? 1 : 0));
    }).flat()),
  },
  {
    name: 'sparse CCE', inputDim: 6,
    spec: (o) => netSpec(6, [dense(6, 16, 'gelu'), dense(16, 5, 'softmax')], loss('sparseCategoricalCrossentropy'), o),
    labels: (x) => Float32Array.from({ length: ROWS }, (_, i) => argmax(row(x, i, 6).slice(0, 5))),
  },
  {
    name: 'deep narrow (8 dense layers)', inputDim: 4,
    spec: (o) => {
      const acts = ['tanh', 'relu', 'swish', 'selu', 'tanh', 'leakyRelu', 'softplus'] as const;
      const layers = acts.map((a, k) => dense(k === 0 ? 4 : 6, 6, a));
      return netSpec(4, [...layers, dense(6, 1)], loss('huber'), o);
    },
    labels: (x) => Float32Array.from({ length: ROWS }, (_, i) => Math.sin(x[i * 4]! * 2) + x[i * 4 + 3]!),
  },
  {
    name: 'normalization + dropout', inputDim: 6,
    spec: (o) => netSpec(6, [
      // no bias before batchNormalization: its gradient is exactly 0 in theory, so adam would amplify
      // the engines' different rounding noise in it into lr-sized steps
      dense(6, 10, 'linear', { useBias: false }), batchNorm(10, { momentum: 0.9 }), activation(10, 'relu'), dropout(10, 0.2, 5),
      dense(10, 8, 'linear', { kernelL2: 1e-3 }), layerNorm(8), dense(8, 3, 'softmax'),
    ], loss('categoricalCrossentropy'), o),
    labels: (x) => Float32Array.from(Array.from({ length: ROWS }, (_, i) => {
      const c = argmax(row(x, i, 6).slice(0, 3));
      return [0, 1, 2].map((k) => (k === c ? 1 : 0));
    }).flat()),
  },
];

const optimizers: [string, Partial<OptimizerSpec> & { id: OptimizerSpec['id'] }][] = [
  ['sgd', { id: 'sgd', learningRate: 0.05 }],
  ['sgd momentum nesterov', { id: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true }],
  ['adam', { id: 'adam', learningRate: 0.01 }],
  ['adam amsgrad', { id: 'adam', learningRate: 0.01, amsgrad: true }],
  ['adamw', { id: 'adamw', learningRate: 0.01, weightDecay: 0.01 }],
  ['rmsprop centered momentum', { id: 'rmsprop', learningRate: 0.005, centered: true, momentum: 0.5 }],
  ['adagrad', { id: 'adagrad', learningRate: 0.05 }],
];

const clips: [string, Partial<OptimizerSpec>][] = [
  ['no clipping', {}],
  ['clipnorm 0.5', { clipnorm: 0.5 }],
  ['clipvalue 0.05', { clipvalue: 0.05 }],
  ['globalClipnorm 0.5', { globalClipnorm: 0.5 }],
];

async function train(engine: Engine, spec: NetSpec, params: Float32Array, x: Float32Array, y: Float32Array,
  order: Uint32Array): Promise<{ params: Float32Array; lossSum: number; state: Float32Array }> {
  const net = engine.createNet(spec, params);
  try {
    const yCols = spec.loss.id === 'sparseCategoricalCrossentropy' ? 1 : y.length / ROWS;
    const res = await net.trainBatches({
      x: { data: x, rows: ROWS, cols: spec.inputDim }, y: { data: y, rows: ROWS, cols: yCols }, order,
      batchSize: BATCH, sampleWeight: null, predictionsOut: null,
    });
    expect(res.batches).toBe(STEPS);
    expect(res.nonFiniteBatch).toBe(-1);
    return { params: net.getParams(), lossSum: res.lossSum, state: net.getOptimizerState() };
  } finally {
    net.dispose();
  }
}

const native = nativeOrSkip();
let worst = { diff: 0, where: '' };

describe.skipIf(!native)('native vs TypeScript engine: 50 training steps agree', () => {
  afterAll(() => {
    console.log(`[engine agreement] max |w_native - w_js| / max|w| over all runs = ${worst.diff.toExponential(2)} (${worst.where})`);
  });
  const grid = archs.flatMap((a, ai) => optimizers.flatMap(([on, o]) => clips.map(([cn, c]) =>
    [`${a.name} / ${on} / ${cn}`, a, ai, { ...o, ...c }] as const)));

  it.each(grid)('%s', async (name, arch, ai, opt) => {
    const spec = arch.spec(optimizer(opt.id, opt));
    const x = randomArray(ROWS * arch.inputDim, 10 + ai, 1.5);
    const y = arch.labels(x);
    // a shuffled order covering STEPS full batches, identical for both engines
    const order = Uint32Array.from(Array.from(randomArray(STEPS * BATCH, 20 + ai), (v) => Math.floor((v + 1) / 2 * ROWS) % ROWS));
    const params = initialParams(spec, 30 + ai);
    const a = await train(jsEngine, spec, params, x, y, order);
    const b = await train(native!.engine, spec, params, x, y, order);
    let scale = 0;
    let diff = 0;
    let moved = 0;
    for (let i = 0; i < params.length; i++) {
      scale = Math.max(scale, Math.abs(b.params[i]!));
      diff = Math.max(diff, Math.abs(a.params[i]! - b.params[i]!));
      moved = Math.max(moved, Math.abs(b.params[i]! - params[i]!));
    }
    const rel = diff / scale;
    if (rel > worst.diff) worst = { diff: rel, where: name };
    expect(moved, 'training moved the weights').toBeGreaterThan(1e-3);
    expect(rel, `max weight difference ${diff} at weight scale ${scale}`).toBeLessThan(TOL);
    expect(Math.abs(a.lossSum - b.lossSum) / Math.abs(b.lossSum)).toBeLessThan(TOL);
    expect(a.state[0]).toBe(STEPS);
    expect(b.state[0]).toBe(STEPS);
  });
});

if (!native) describe('native vs TypeScript engine', () => skippedOnThisRun('the two engines compared', 'native'));
