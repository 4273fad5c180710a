// tfjs-layers' loss and metric functions on tensors: one value per sample (the last axis reduced),
// computed as tfjs computes them (epsilon 1e-7 clipping, the same decompositions).
import { BlasnetError } from '../errors';
import { convertToTensor } from './convert';
import * as E from './ops/elementwise';
import * as R from './ops/reduce';
import * as S from './ops/shape';
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
  const xf = S.cast(x, 'float32');
  const squareSum = R.sum(E.square(xf), axis, true);
  return E.div(xf, E.sqrt(E.maximum(squareSum, fill(squareSum.shape, EPSILON))));
}

export const meanSquaredError = pair('meanSquaredError', (t, p) => R.mean(E.square(E.sub(p, t)), -1));
export const meanAbsoluteError = pair('meanAbsoluteError', (t, p) => R.mean(E.abs(E.sub(p, t)), -1));
export const meanAbsolutePercentageError = pair('meanAbsolutePercentageError', (t, p) =>
  E.mul(100, R.mean(E.abs(E.div(E.sub(t, p), E.clipByValue(E.abs(t), EPSILON, Number.MAX_VALUE))), -1)));
export const meanSquaredLogarithmicError = pair('meanSquaredLogarithmicError', (t, p) => {
  const a = E.log(E.add(1, E.clipByValue(p, EPSILON, Number.MAX_VALUE)));
  const b = E.log(E.add(1, E.clipByValue(t, EPSILON, Number.MAX_VALUE)));
  return R.mean(E.square(E.sub(a, b)), -1);
});
export const hinge = pair('hinge', (t, p) => R.mean(E.maximum(0, E.sub(1, E.mul(t, p))), -1));
export const squaredHinge = pair('squaredHinge', (t, p) => R.mean(E.square(E.maximum(0, E.sub(1, E.mul(t, p)))), -1));
export const logcosh = pair('logcosh', (t, p) => {
  const d = E.sub(p, t);
  return R.mean(E.sub(E.add(d, E.softplus(E.mul(-2, d))), Math.log(2)), -1);
});
export const cosineProximity = pair('cosineProximity', (t, p) => E.neg(R.sum(E.mul(l2Normalize(t, -1), l2Normalize(p, -1)), -1)));
export const kullbackLeiblerDivergence = pair('kullbackLeiblerDivergence', (t, p) =>
  R.sum(E.mul(t, E.log(E.div(E.clipByValue(t, EPSILON, 1), E.clipByValue(p, EPSILON, 1)))), -1));
export const poisson = pair('poisson', (t, p) => R.mean(E.sub(p, E.mul(t, E.log(E.add(EPSILON, p)))), -1));

export function sigmoidCrossEntropyWithLogits(labels: Tensor, logits: Tensor): Tensor {
  if (labels.shape.length !== logits.shape.length || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `logits and labels must have the same shape, but got shapes ${JSON.stringify(labels.shape)} and ${JSON.stringify(logits.shape)}`);
  }
  return E.add(E.sub(E.relu(logits), E.mul(logits, labels)), E.log1p(E.exp(E.neg(E.abs(logits)))));
}

export const binaryCrossentropy = pair('binaryCrossentropy', (t, p) => {
  const y = E.clipByValue(p, EPSILON, 1 - EPSILON);
  return R.mean(sigmoidCrossEntropyWithLogits(t, E.log(E.div(y, E.sub(1, y)))), -1);
});

function categoricalCe(t: Tensor, p: Tensor, fromLogits: boolean): Tensor {
  const last = p.rank - 1;
  const normalized = fromLogits ? R.softmax(p) : E.div(p, R.sum(p, last, true));
  const clipped = E.clipByValue(normalized, EPSILON, 1 - EPSILON);
  return E.neg(R.sum(E.mul(S.cast(t, 'float32'), E.log(clipped)), last));
}

export const categoricalCrossentropy = pair('categoricalCrossentropy', (t, p) => categoricalCe(t, p, false));
export const sparseCategoricalCrossentropy = pair('sparseCategoricalCrossentropy', (t, p) => {
  const flat = S.cast(E.floor(S.flatten(S.cast(t, 'float32'))), 'int32');
  const clipped = E.clipByValue(p, EPSILON, 1 - EPSILON);
  const target = S.reshape(oneHot(flat, p.shape[p.rank - 1]!), p.shape);
  return categoricalCe(target, clipped, false);
});

export const binaryAccuracy = pair('binaryAccuracy', (t, p) =>
  R.mean(E.equal(t, S.cast(E.greater(p, E.mul(0.5, onesLike(p))), t.dtype)), -1));
export const categoricalAccuracy = pair('categoricalAccuracy', (t, p) =>
  S.cast(E.equal(R.argMax(t, -1), R.argMax(p, -1)), 'float32'));
export const sparseCategoricalAccuracy = pair('sparseCategoricalAccuracy', (t, p) => {
  const labels = t.rank === p.rank ? S.squeeze(t, [t.rank - 1]) : t;
  let pred = R.argMax(p, -1);
  if (pred.dtype !== labels.dtype) pred = S.cast(pred, labels.dtype);
  return S.cast(E.equal(labels, pred), 'float32');
});

/** Whether the true class is among the k largest predictions (Keras's top_k_categorical_accuracy). */
export function topKCategoricalAccuracyK(k: number): PairFn {
  return pair('topKCategoricalAccuracy', (t, p) => {
    const trueClass = t.rank === p.rank && t.shape[t.rank - 1]! > 1 ? R.argMax(t, -1) : S.cast(S.reshape(t, p.shape.slice(0, -1)), 'int32');
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
  return S.cast(R.sum(E.logicalAnd(E.equal(t, tv), E.equal(p, pv))), 'float32');
}

/** tfjs's precision: true positives / predicted positives, with predictions that are exactly 0 or 1. */
export const precision = pair('precision', (t, p) => {
  const tp = countWhere(t, p, 1, 1), fp = countWhere(t, p, 0, 1);
  const den = E.add(tp, fp);
  return S.cast(E.where(E.greater(den, 0), E.div(tp, den), 0), 'float32');
});
export const recall = pair('recall', (t, p) => {
  const tp = countWhere(t, p, 1, 1), fn = countWhere(t, p, 1, 0);
  const den = E.add(tp, fn);
  return S.cast(E.where(E.greater(den, 0), E.div(tp, den), 0), 'float32');
});
export const r2Score = pair('r2Score', (t, p) => {
  const residual = R.sum(E.square(E.sub(t, p)));
  const total = R.sum(E.square(E.sub(t, R.mean(t))));
  return E.sub(scalar(1), E.div(residual, total));
});
