// One conformance check for a layer configuration, as Keras's run_layer_test: the layer in a model, its
// output shape, its weights (names, shapes, count, trainable ones), its config and a saved model round
// trip giving the same predictions, one training step that moves exactly the trainable weights and,
// on the native run, the two engines agreeing on predict and on that step.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';
import { jsEngine } from '../../lib/engine/js';
import type { Engine, Matrix } from '../../lib/engine/types';
import { deserializeLayer, layers, type Layer } from '../../lib/model/layers';
import { resolveCompileArgs } from '../../lib/model/compile';
import { fromArtifacts, loadLayersModel } from '../../lib/model/saving';
import { sequential, type Sequential } from '../../lib/model/sequential';
import { netSpec } from '../../lib/model/structure';
import { nativeOrSkip } from './engines';
import { randomArray } from './spec';

type Factory = keyof Omit<typeof layers, 'inputLayer'>;

export interface LayerCase {
  /** The layers.* factory and its options (without the input shape, which the case gives). */
  factory: Factory;
  args?: Record<string, unknown>;
  /** The row shape the model takes ([features], or N-D for a flatten); default [4]. */
  inputShape?: number[];
  /** Declare the input with a layers.inputLayer before the layer instead of the layer's own inputShape. */
  viaInputLayer?: boolean;
  outputDim: number;
  /** Each weight's slot name and shape, in order ([] for layers without weights). */
  weights: [string, number[]][];
  /** How many of them the optimizer updates (default all; moving statistics and a frozen layer's are not). */
  trainableCount?: number;
  /** The class name tfjs gives the layer. */
  className: string;
}

export interface LayerReport {
  /** max |native - js| over predict and over the weights after one step; null off the native run. */
  engineDiff: number | null;
}

const ROWS = 6;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Weights with values no initializer gives (so that a lost or reordered weight shows); variances positive. */
function distinctWeights(shapes: [string, number[]][]): Float32Array[] {
  return shapes.map(([name, shape], k) => {
    const v = randomArray(shape.reduce((a, b) => a * b, 1), 100 + k, 0.8);
    return name === 'moving_variance' ? v.map((x) => 0.5 + Math.abs(x)) : v;
  });
}

function build(c: LayerCase): { model: Sequential; layer: Layer; inputDim: number } {
  const shape = c.inputShape ?? [4];
  const layer = c.viaInputLayer
    ? (layers[c.factory] as (a: unknown) => Layer)({ ...c.args })
    : (layers[c.factory] as (a: unknown) => Layer)({ ...c.args, inputShape: shape });
  const model = sequential({ layers: c.viaInputLayer ? [layers.inputLayer({ inputShape: shape }), layer] : [layer] });
  return { model, layer, inputDim: shape.reduce((a, b) => a * b, 1) };
}

/** One step of plain SGD on mean squared error, on a net of `engine` built from the model's layers and weights. */
async function stepOn(engine: Engine, model: Sequential, inputDim: number, x: Matrix, y: Matrix): Promise<{ predicted: Float32Array; after: Float32Array }> {
  const compiled = resolveCompileArgs({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const params = new Float32Array(model.countParams());
  let off = 0;
  for (const w of model.getWeights()) { params.set(w.dataSync(), off); off += w.size; }
  const net = engine.createNet(netSpec(model.layers, inputDim, compiled, 0.1), params);
  try {
    const predicted = net.predictSync(x);
    await net.trainBatches({ x, y, order: Uint32Array.from({ length: x.rows }, (_, i) => i), batchSize: x.rows, sampleWeight: null, predictionsOut: null });
    return { predicted, after: net.getParams() };
  } finally {
    net.dispose();
  }
}

/** Runs every check on one layer configuration; throws (through expect) at the first that fails. */
export async function checkLayerConformance(c: LayerCase): Promise<LayerReport> {
  const { model, layer, inputDim } = build(c);
  const x: Matrix = { data: randomArray(ROWS * inputDim, 7, 2), rows: ROWS, cols: inputDim };
  const y: Matrix = { data: randomArray(ROWS * c.outputDim, 11), rows: ROWS, cols: c.outputDim };
  const xRows = Array.from({ length: ROWS }, (_, i) => Array.from(x.data.subarray(i * inputDim, (i + 1) * inputDim)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-layer-'));
  try {
    // Shape and weights.
    expect(layer.getClassName()).toBe(c.className);
    expect(model.inputShape).toEqual([null, inputDim]);
    expect(model.outputShape).toEqual([null, c.outputDim]);
    expect(layer.outputDim(inputDim)).toBe(c.outputDim);
    const described = model.toDescription().weights;
    expect(described.map((w) => [w.name, w.shape])).toEqual(c.weights.map(([n, s]) => [`${layer.name}/${n}`, s]));
    expect(layer.getWeights().map((w) => w.shape)).toEqual(c.weights.map(([, s]) => s));
    const count = c.weights.reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
    expect(model.countParams()).toBe(count);
    expect(layer.countParams()).toBe(count);
    expect(model.getWeights(true).length).toBe(c.trainableCount ?? c.weights.length);
    const values = distinctWeights(c.weights);
    if (values.length > 0) layer.setWeights(values);
    layer.getWeights().forEach((w, k) => expect(Array.from(w.dataSync())).toEqual(Array.from(values[k]!)));

    // Predict: finite, the right shape, the same for the same rows.
    const out = model.predict(xRows);
    expect(out.shape).toEqual([ROWS, c.outputDim]);
    const before = out.dataSync();
    expect(Array.from(before).every(Number.isFinite)).toBe(true);
    expect(Array.from(model.predict(xRows).dataSync())).toEqual(Array.from(before));

    // Config round trip: a layer rebuilt from getConfig() gives the same config.
    const config = layer.getConfig();
    expect(deserializeLayer(layer.getClassName(), JSON.parse(JSON.stringify(config))).getConfig()).toEqual(config);

    // Saved and loaded (folder and in-memory artifacts): same architecture, weights and predictions.
    await model.save(dir);
    for (const copy of [await loadLayersModel(dir), fromArtifacts(model.toArtifacts())]) {
      try {
        expect(copy.getConfig()).toEqual(model.getConfig());
        expect(copy.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
        expect(maxDiff(copy.predict(xRows).dataSync(), before)).toBe(0);
      } finally {
        copy.dispose();
      }
    }

    // One training step on this run's engine moves every weight of a trainable layer (moving statistics
    // too: they follow the batch), and none of a frozen one (which runs in inference mode).
    const frozen = c.args?.trainable === false;
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const start = model.getWeights().map((w) => Array.from(w.dataSync()));
    const yRows = Array.from({ length: ROWS }, (_, i) => Array.from(y.data.subarray(i * c.outputDim, (i + 1) * c.outputDim)));
    await model.trainOnBatch(xRows, yRows);
    model.getWeights().forEach((w, k) => {
      const moved = Array.from(w.dataSync()).some((v, i) => v !== start[k]![i]);
      expect(moved, `${c.weights[k]![0]} changed by a training step`).toBe(!frozen);
    });
    model.setWeights(start.map((w) => Float32Array.from(w)));

    // Native vs TypeScript on the same weights: predict and the step.
    const native = nativeOrSkip();
    if (!native) return { engineDiff: null };
    const [a, b] = [await stepOn(native.engine, model, inputDim, x, y), await stepOn(jsEngine, model, inputDim, x, y)];
    const d = Math.max(maxDiff(a.predicted, b.predicted), maxDiff(a.after, b.after));
    expect(d, 'max |native - js|').toBeLessThanOrEqual(1e-5);
    return { engineDiff: d };
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
