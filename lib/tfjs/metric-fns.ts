// tfjs-layers' loss and metric functions on tensors: one value per sample (the last axis reduced),
// computed as tfjs computes them (epsilon 1e-7 clipping, the same decompositions).
import { BlasnetError } from '../errors';
import { convertToTensor } from './convert';
import * as elementwise from './ops/elementwise';
import * as reductions from './ops/reduce';
import * as shapes from './ops/shape';
import { fill, oneHot, onesLike, scalar } from './ops/create';
import { op } from './ops/op';
import { Tensor } from '../tensor';
import type { TensorLike } from '../tensor/types';

export const EPSILON = 1e-7;
type Arg = Tensor | TensorLike;
type PairFn = (yTrue: Arg, yPred: Arg) => Tensor;

function pair(name: string, f: (yTrue: Tensor, yPred: Tensor) => Tensor): PairFn {
  return op(name, (yTrue: Arg, yPred: Arg) => f(convertToTensor(yTrue, 'yTrue', name), convertToTensor(yPred, 'yPred', name)));
}

function l2Normalize(x: Tensor, axis: number): Tensor {
  const xf = shapes.cast(x, 'float32');
  const squareSum = reductions.sum(elementwise.square(xf), axis, true);
  return elementwise.div(xf, elementwise.sqrt(elementwise.maximum(squareSum, fill(squareSum.shape, EPSILON))));
}

export const meanSquaredError = pair('meanSquaredError', (t, p) => reductions.mean(elementwise.square(elementwise.sub(p, t)), -1));
export const meanAbsoluteError = pair('meanAbsoluteError', (t, p) => reductions.mean(elementwise.abs(elementwise.sub(p, t)), -1));
export const meanAbsolutePercentageError = pair('meanAbsolutePercentageError', (t, p) =>
  elementwise.mul(100, reductions.mean(elementwise.abs(elementwise.div(elementwise.sub(t, p), elementwise.clipByValue(elementwise.abs(t), EPSILON, Number.MAX_VALUE))), -1)));
export const meanSquaredLogarithmicError = pair('meanSquaredLogarithmicError', (t, p) => {
  const a = elementwise.log(elementwise.add(1, elementwise.clipByValue(p, EPSILON, Number.MAX_VALUE)));
  const b = elementwise.log(elementwise.add(1, elementwise.clipByValue(t, EPSILON, Number.MAX_VALUE)));
  return reductions.mean(elementwise.square(elementwise.sub(a, b)), -1);
});
export const hinge = pair('hinge', (t, p) => reductions.mean(elementwise.maximum(0, elementwise.sub(1, elementwise.mul(t, p))), -1));
export const squaredHinge = pair('squaredHinge', (t, p) => reductions.mean(elementwise.square(elementwise.maximum(0, elementwise.sub(1, elementwise.mul(t, p)))), -1));
export const logcosh = pair('logcosh', (t, p) => {
  const d = elementwise.sub(p, t);
  return reductions.mean(elementwise.sub(elementwise.add(d, elementwise.softplus(elementwise.mul(-2, d))), Math.log(2)), -1);
});
export const cosineProximity = pair('cosineProximity', (t, p) => elementwise.neg(reductions.sum(elementwise.mul(l2Normalize(t, -1), l2Normalize(p, -1)), -1)));
export const kullbackLeiblerDivergence = pair('kullbackLeiblerDivergence', (t, p) =>
  reductions.sum(elementwise.mul(t, elementwise.log(elementwise.div(elementwise.clipByValue(t, EPSILON, 1), elementwise.clipByValue(p, EPSILON, 1)))), -1));
export const poisson = pair('poisson', (t, p) => reductions.mean(elementwise.sub(p, elementwise.mul(t, elementwise.log(elementwise.add(EPSILON, p)))), -1));

export function sigmoidCrossEntropyWithLogits(labels: Tensor, logits: Tensor): Tensor {
  if (labels.shape.length !== logits.shape.length || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `logits and labels must have the same shape, but got shapes ${JSON.stringify(labels.shape)} and ${JSON.stringify(logits.shape)}`);
  }
  return elementwise.add(elementwise.sub(elementwise.relu(logits), elementwise.mul(logits, labels)), elementwise.log1p(elementwise.exp(elementwise.neg(elementwise.abs(logits)))));
}

export const binaryCrossentropy = pair('binaryCrossentropy', (t, p) => {
  const y = elementwise.clipByValue(p, EPSILON, 1 - EPSILON);
  return reductions.mean(sigmoidCrossEntropyWithLogits(t, elementwise.log(elementwise.div(y, elementwise.sub(1, y)))), -1);
});

function categoricalCe(t: Tensor, p: Tensor, fromLogits: boolean): Tensor {
  const last = p.rank - 1;
  const normalized = fromLogits ? reductions.softmax(p) : elementwise.div(p, reductions.sum(p, last, true));
  const clipped = elementwise.clipByValue(normalized, EPSILON, 1 - EPSILON);
  return elementwise.neg(reductions.sum(elementwise.mul(shapes.cast(t, 'float32'), elementwise.log(clipped)), last));
}

export const categoricalCrossentropy = pair('categoricalCrossentropy', (t, p) => categoricalCe(t, p, false));
export const sparseCategoricalCrossentropy = pair('sparseCategoricalCrossentropy', (t, p) => {
  const flat = shapes.cast(elementwise.floor(shapes.flatten(shapes.cast(t, 'float32'))), 'int32');
  const clipped = elementwise.clipByValue(p, EPSILON, 1 - EPSILON);
  const target = shapes.reshape(oneHot(flat, p.shape[p.rank - 1]!), p.shape);
  return categoricalCe(target, clipped, false);
});

export const binaryAccuracy = pair('binaryAccuracy', (t, p) =>
  reductions.mean(elementwise.equal(t, shapes.cast(elementwise.greater(p, elementwise.mul(0.5, onesLike(p))), t.dtype)), -1));
export const categoricalAccuracy = pair('categoricalAccuracy', (t, p) =>
  shapes.cast(elementwise.equal(reductions.argMax(t, -1), reductions.argMax(p, -1)), 'float32'));
export const sparseCategoricalAccuracy = pair('sparseCategoricalAccuracy', (t, p) => {
  const labels = t.rank === p.rank ? shapes.squeeze(t, [t.rank - 1]) : t;
  let pred = reductions.argMax(p, -1);
  if (pred.dtype !== labels.dtype) pred = shapes.cast(pred, labels.dtype);
  return shapes.cast(elementwise.equal(labels, pred), 'float32');
});

/** Whether the true class is among the k largest predictions (Keras's top_k_categorical_accuracy). */
export function topKCategoricalAccuracyK(k: number): PairFn {
  return pair('topKCategoricalAccuracy', (t, p) => {
    const trueClass = t.rank === p.rank && t.shape[t.rank - 1]! > 1 ? reductions.argMax(t, -1) : shapes.cast(shapes.reshape(t, p.shape.slice(0, -1)), 'int32');
    const pv = p.dataSync(), tv = trueClass.dataSync();
    const d = p.shape[p.rank - 1]!;
    const out = new Float32Array(tv.length);
    for (let r = 0; r < tv.length; r++) {
      const target = pv[r * d + tv[r]!]!;
      let above = 0;
      for (let j = 0; j < d; j++) if (pv[r * d + j]! > target) above++;
      out[r] = above < k ? 1 : 0;
    }
    return new Tensor(out, p.shape.slice(0, -1), 'float32');
  });
}

function countWhere(t: Tensor, p: Tensor, tv: number, pv: number): Tensor {
  return shapes.cast(reductions.sum(elementwise.logicalAnd(elementwise.equal(t, tv), elementwise.equal(p, pv))), 'float32');
}

/** tfjs's precision: true positives / predicted positives, with predictions that are exactly 0 or 1. */
export const precision = pair('precision', (t, p) => {
  const tp = countWhere(t, p, 1, 1), fp = countWhere(t, p, 0, 1);
  const den = elementwise.add(tp, fp);
  return shapes.cast(elementwise.where(elementwise.greater(den, 0), elementwise.div(tp, den), 0), 'float32');
});
export const recall = pair('recall', (t, p) => {
  const tp = countWhere(t, p, 1, 1), fn = countWhere(t, p, 1, 0);
  const den = elementwise.add(tp, fn);
  return shapes.cast(elementwise.where(elementwise.greater(den, 0), elementwise.div(tp, den), 0), 'float32');
});
export const r2Score = pair('r2Score', (t, p) => {
  const residual = reductions.sum(elementwise.square(elementwise.sub(t, p)));
  const total = reductions.sum(elementwise.square(elementwise.sub(t, reductions.mean(t))));
  return elementwise.sub(scalar(1), elementwise.div(residual, total));
});
