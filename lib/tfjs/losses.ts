// tf.losses: tfjs's reduced losses on tensors, and blasnet's loss objects, in one namespace. Each entry
// is called two ways: on tensors (labels, predictions, ...) it returns the loss tensor as tfjs does;
// without tensors (no argument or an options object) it returns blasnet's Loss for compile. The
// functions that name one of the engines' losses carry it (BUILTIN), so compile can take them as they are.
import { BlasnetError } from '../errors';
import { losses as blasnetLosses, type Loss } from '../model/losses';
import type { LossId } from '../engine/types';
import { convertToTensor } from './convert';
import * as metricFns from './metric-fns';
import * as elementwise from './ops/elementwise';
import * as reductions from './ops/reduce';
import * as shapes from './ops/shape';
import { ones, scalar } from './ops/create';
import { op } from './ops/op';
import { Tensor } from '../tensor';
import type { TensorLike } from '../tensor/types';

type Arg = Tensor | TensorLike;

/** tfjs's Reduction enum. */
export enum Reduction { NONE = 0, MEAN = 1, SUM = 2, SUM_BY_NONZERO_WEIGHTS = 3 }

/** What a function passed to compile stands for, when it names a loss or metric the engines compute. */
export { BUILTIN } from '../model/losses';
import { BUILTIN } from '../model/losses';
export interface BuiltinLoss { kind: 'loss'; id: LossId; fromLogits: boolean; delta: number; name: string }
export interface BuiltinMetric { kind: 'metric'; metric: string; name: string }
export type Builtin = BuiltinLoss | BuiltinMetric;

export function builtinOf(f: unknown): Builtin | undefined {
  return typeof f === 'function' ? (f as unknown as { [BUILTIN]?: Builtin })[BUILTIN] : undefined;
}

export const computeWeightedLoss = op('computeWeightedLoss',
  (losses: Arg, weights?: Arg | null, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor => {
    const l = convertToTensor(losses, 'losses', 'computeWeightedLoss');
    const w = weights === undefined || weights === null ? null : convertToTensor(weights, 'weights', 'computeWeightedLoss');
    const weighted = w ? elementwise.mul(l, w) : l;
    switch (reduction) {
      case Reduction.NONE: return weighted;
      case Reduction.SUM: return reductions.sum(weighted);
      case Reduction.MEAN: {
        if (!w) return reductions.mean(weighted);
        const result = elementwise.div(reductions.sum(weighted), reductions.sum(w));
        const factor = l.size / w.size;
        return factor > 1 ? elementwise.div(result, scalar(factor)) : result;
      }
      case Reduction.SUM_BY_NONZERO_WEIGHTS: {
        if (!w) return elementwise.div(reductions.sum(weighted), scalar(l.size));
        const nonZero = shapes.cast(reductions.sum(elementwise.notEqual(elementwise.mul(w, ones(l.shape)), scalar(0))), 'float32');
        return elementwise.div(reductions.sum(weighted), nonZero);
      }
    }
    throw new BlasnetError('ERR_INVALID_ARG', `Unknown reduction: ${String(reduction)}`);
  });

function sameShape(a: Tensor, b: Tensor, fn: string): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Error in ${fn}: Shapes ${a.shape} and ${b.shape} must match`);
  }
}

function tensorLoss(name: string, f: (l: Tensor, p: Tensor, rest: unknown[]) => Tensor, weightsAt = 2, reductionAt = 3) {
  return op(name, (labels: Arg, predictions: Arg, ...rest: unknown[]): Tensor => {
    const l = convertToTensor(labels, 'labels', name), p = convertToTensor(predictions, 'predictions', name);
    sameShape(l, p, name);
    const weights = rest[weightsAt - 2] as Arg | undefined;
    const reduction = (rest[reductionAt - 2] as Reduction | undefined) ?? Reduction.SUM_BY_NONZERO_WEIGHTS;
    return computeWeightedLoss(f(l, p, rest), weights, reduction);
  });
}

export const absoluteDifference = tensorLoss('absoluteDifference', (l, p) => elementwise.abs(elementwise.sub(l, p)));
export const meanSquaredError = tensorLoss('meanSquaredError', (l, p) => elementwise.squaredDifference(l, p));
export const hingeLoss = tensorLoss('hingeLoss', (l, p) => elementwise.relu(elementwise.sub(1, elementwise.mul(elementwise.sub(elementwise.mul(2, l), 1), p))));
export const huberLoss = tensorLoss('huberLoss', (l, p, rest) => {
  const delta = (rest[1] as number | undefined) ?? 1;
  const error = elementwise.abs(elementwise.sub(l, p));
  const quadratic = elementwise.minimum(error, scalar(delta));
  return elementwise.add(elementwise.mul(0.5, elementwise.square(quadratic)), elementwise.mul(delta, elementwise.sub(error, quadratic)));
}, 2, 4);
export const logLoss = tensorLoss('logLoss', (l, p, rest) => {
  const eps = (rest[1] as number | undefined) ?? 1e-7;
  return elementwise.sub(elementwise.neg(elementwise.mul(l, elementwise.log(elementwise.add(p, eps)))), elementwise.mul(elementwise.sub(1, l), elementwise.log(elementwise.add(elementwise.sub(1, p), eps))));
}, 2, 4);
export const sigmoidCrossEntropy = tensorLoss('sigmoidCrossEntropy', (l, p, rest) => {
  const smoothing = (rest[1] as number | undefined) ?? 0;
  const labels = smoothing > 0 ? elementwise.add(elementwise.mul(l, 1 - smoothing), 0.5 * smoothing) : l;
  return metricFns.sigmoidCrossEntropyWithLogits(labels, p);
}, 2, 4);
export const softmaxCrossEntropy = tensorLoss('softmaxCrossEntropy', (l, p, rest) => {
  const smoothing = (rest[1] as number | undefined) ?? 0;
  const labels = smoothing > 0 ? elementwise.add(elementwise.mul(l, 1 - smoothing), smoothing / l.shape[1]!) : l;
  const last = p.rank - 1;
  return reductions.sum(elementwise.neg(elementwise.mul(elementwise.sub(shapes.cast(p, 'float32'), reductions.logSumExp(p, [last], true)), labels)), [last]);
}, 2, 4);
export const cosineDistance = op('cosineDistance', (labels: Arg, predictions: Arg, axis: number, weights?: Arg, reduction?: Reduction): Tensor => {
  const l = convertToTensor(labels, 'labels', 'cosineDistance'), p = convertToTensor(predictions, 'predictions', 'cosineDistance');
  sameShape(l, p, 'cosineDistance');
  return computeWeightedLoss(elementwise.sub(scalar(1), reductions.sum(elementwise.mul(l, p), axis, true)), weights, reduction ?? Reduction.SUM_BY_NONZERO_WEIGHTS);
});

/** The batch mean of a per-sample function (blasnet's loss names called on tensors). */
function meanOf(name: string, f: (t: Arg, p: Arg) => Tensor) {
  return op(name, (yTrue: Arg, yPred: Arg): Tensor => reductions.mean(f(yTrue, yPred)));
}

function isTensorArg(v: unknown): boolean {
  return v instanceof Tensor || Array.isArray(v) || ArrayBuffer.isView(v) || typeof v === 'number' ||
    (v !== null && typeof v === 'object' && typeof (v as { dataSync?: unknown }).dataSync === 'function');
}

/** One entry of the namespace: tensors in, tensor out; no tensors in, blasnet's Loss out. */
function dual<T extends (...a: never[]) => Tensor, O>(name: string, onTensors: T, factory: ((o?: O) => Loss) | null, builtin: Omit<BuiltinLoss, 'kind' | 'name'> | null) {
  const f = function (...args: unknown[]): Tensor | Loss {
    if (args.length > 0 && isTensorArg(args[0])) return (onTensors as unknown as (...a: unknown[]) => Tensor)(...args);
    if (factory) return factory(args[0] as O);
    throw new BlasnetError('ERR_INVALID_ARG', `tf.losses.${name}(labels, predictions, ...) takes tensors: call it on tensors, or pass the function itself to compile`);
  };
  Object.defineProperty(f, 'name', { value: name });
  if (builtin) Object.defineProperty(f, BUILTIN, { value: { kind: 'loss', name, ...builtin } satisfies BuiltinLoss });
  return f as unknown as T & ((options?: O) => Loss);
}

const mse = { id: 'meanSquaredError', fromLogits: false, delta: 1 } as const;
const mae = { id: 'meanAbsoluteError', fromLogits: false, delta: 1 } as const;

export const losses = {
  absoluteDifference: dual('absoluteDifference', absoluteDifference, null, mae),
  computeWeightedLoss: dual('computeWeightedLoss', computeWeightedLoss, null, null),
  cosineDistance: dual('cosineDistance', cosineDistance, null, null),
  hingeLoss: dual('hingeLoss', hingeLoss, null, null),
  huberLoss: dual('huberLoss', huberLoss, null, { id: 'huber', fromLogits: false, delta: 1 }),
  logLoss: dual('logLoss', logLoss, null, { id: 'binaryCrossentropy', fromLogits: false, delta: 1 }),
  meanSquaredError: dual('meanSquaredError', meanSquaredError, blasnetLosses.meanSquaredError, mse),
  sigmoidCrossEntropy: dual('sigmoidCrossEntropy', sigmoidCrossEntropy, null, { id: 'binaryCrossentropy', fromLogits: true, delta: 1 }),
  softmaxCrossEntropy: dual('softmaxCrossEntropy', softmaxCrossEntropy, null, { id: 'categoricalCrossentropy', fromLogits: true, delta: 1 }),
  meanAbsoluteError: dual('meanAbsoluteError', absoluteDifference, blasnetLosses.meanAbsoluteError, mae),
  huber: dual('huber', huberLoss, blasnetLosses.huber, { id: 'huber', fromLogits: false, delta: 1 }),
  binaryCrossentropy: dual('binaryCrossentropy', meanOf('binaryCrossentropy', metricFns.binaryCrossentropy), blasnetLosses.binaryCrossentropy,
    { id: 'binaryCrossentropy', fromLogits: false, delta: 1 }),
  categoricalCrossentropy: dual('categoricalCrossentropy', meanOf('categoricalCrossentropy', metricFns.categoricalCrossentropy),
    blasnetLosses.categoricalCrossentropy, { id: 'categoricalCrossentropy', fromLogits: false, delta: 1 }),
  sparseCategoricalCrossentropy: dual('sparseCategoricalCrossentropy', meanOf('sparseCategoricalCrossentropy', metricFns.sparseCategoricalCrossentropy),
    blasnetLosses.sparseCategoricalCrossentropy, { id: 'sparseCategoricalCrossentropy', fromLogits: false, delta: 1 }),
};
