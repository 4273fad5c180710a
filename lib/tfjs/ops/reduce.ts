// Reductions with tfjs's dtypes and NaN rules: sum/prod of int32 or bool give int32, mean and moments
// float32, min/max keep the dtype and propagate NaN, argMax/argMin give int32 (first index on ties).
// Composite ops (mean, moments, norm, softmax) follow tfjs's own decomposition, intermediates in float32.
import { BlasnetError, invalidArg } from '../../errors';
import { convertToTensor, requireFloat } from '../convert';
import { Tensor } from '../../tensor';
import type { TensorLike } from '../../tensor/types';
import { makeArray, normAxis, parseAxes } from '../../tensor/types';
import { reduce } from './kernels';
import { abs, add, div, exp, sqrt, square, sub, log } from './elementwise';
import { cast, reshape } from './shape';
import { op } from './op';

type Arg = Tensor | TensorLike;
type Axis = number | number[] | null | undefined;

const sumType = (t: Tensor) => (t.dtype === 'float32' ? 'float32' : 'int32');

export const sum = op('sum', <T extends Tensor>(x: Arg, axis: Axis = null, keepDims = false): T => {
  const t = convertToTensor(x, 'x', 'sum');
  return reduce(t, parseAxes(axis, t.rank, 'sum'), keepDims, sumType(t), () => 0, (a, v) => a + v, false) as T;
});

export const prod = op('prod', <T extends Tensor>(x: Arg, axis: Axis = null, keepDims = false): T => {
  const t = convertToTensor(x, 'x', 'prod');
  return reduce(t, parseAxes(axis, t.rank, 'prod'), keepDims, sumType(t), () => 1, (a, v) => a * v, false) as T;
});

export const max = op('max', <T extends Tensor>(x: Arg, axis: Axis = null, keepDims = false): T => {
  const t = convertToTensor(x, 'x', 'max');
  return reduce(t, parseAxes(axis, t.rank, 'max'), keepDims, t.dtype, (f) => f,
    (a, v) => (Number.isNaN(v) || v > a ? v : a), true) as T;
});

export const min = op('min', <T extends Tensor>(x: Arg, axis: Axis = null, keepDims = false): T => {
  const t = convertToTensor(x, 'x', 'min');
  return reduce(t, parseAxes(axis, t.rank, 'min'), keepDims, t.dtype, (f) => f,
    (a, v) => (Number.isNaN(v) || v < a ? v : a), true) as T;
});

/** tfjs divides every element by the count, then sums (so an empty mean is 0). */
export const mean = op('mean', <T extends Tensor>(x: Arg, axis: Axis = null, keepDims = false): T => {
  const t = convertToTensor(x, 'x', 'mean');
  const axes = parseAxes(axis, t.rank, 'mean');
  const count = axes.reduce((n, a) => n * t.shape[a]!, 1);
  const scaled = div(cast(t, 'float32'), count);
  return reduce(scaled, axes, keepDims, 'float32', () => 0, (a, v) => a + v, false) as T;
});

function argReduce(name: string, better: (v: number, best: number) => boolean) {
  return op(name, <T extends Tensor>(x: Arg, axis = 0): T => {
    const t = convertToTensor(x, 'x', name);
    const ax = normAxis(axis, t.rank, name);
    let best = 0;
    return reduce(t, [ax], false, 'int32', (f) => { best = f; return 0; },
      (a, v, r) => { if (better(v, best)) { best = v; return r; } return a; }, true) as T;
  });
}
export const argMax = argReduce('argMax', (v, b) => v > b);
export const argMin = argReduce('argMin', (v, b) => v < b);

export const any = op('any', <T extends Tensor>(x: Arg, axis: Axis = null, keepDims = false): T => {
  const t = convertToTensor(x, 'x', 'any', 'bool');
  return reduce(t, parseAxes(axis, t.rank, 'any'), keepDims, 'bool', () => 0, (a, v) => (a || v ? 1 : 0), false) as T;
});

export const all = op('all', <T extends Tensor>(x: Arg, axis: Axis = null, keepDims = false): T => {
  const t = convertToTensor(x, 'x', 'all', 'bool');
  return reduce(t, parseAxes(axis, t.rank, 'all'), keepDims, 'bool', () => 1, (a, v) => (a && v ? 1 : 0), false) as T;
});

/** The shape of a reduction result with the reduced axes kept as 1. */
function keepDimsShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

export const moments = op('moments', (x: Arg, axis: Axis = null, keepDims = false): { mean: Tensor; variance: Tensor } => {
  const t = cast(convertToTensor(x, 'x', 'moments'), 'float32');
  const axes = parseAxes(axis, t.rank, 'moments');
  const m = mean(t, axes, keepDims);
  const centered = sub(t, reshape(m, keepDimsShape(t.shape, axes)));
  return { mean: m, variance: mean(square(centered), axes, keepDims) };
});

export type NormOrd = number | 'euclidean' | 'fro';

function normOf(x: Tensor, ord: NormOrd, axis: number[] | null): Tensor {
  if (x.rank === 0) return abs(x);
  if (x.rank !== 1 && axis === null) return normOf(reshape(x, [-1]), ord, null);
  if (x.rank === 1 || (axis !== null && axis.length === 1)) {
    const ax = axis === null ? null : axis;
    if (ord === 1) return sum(abs(x), ax);
    if (ord === Infinity) return max(abs(x), ax);
    if (ord === -Infinity) return min(abs(x), ax);
    if (ord === 'euclidean' || ord === 2) {
      const s = sum(square(abs(x)), ax);
      requireFloat(s, 'x', 'sqrt');
      return sqrt(s);
    }
    throw invalidArg('norm ord', "1, 2, Infinity, -Infinity or 'euclidean' for a vector norm", ord);
  }
  if (axis !== null && axis.length === 2) {
    const [a0, a1] = axis as [number, number];
    if (ord === 1) return max(sum(abs(x), a0), a1 - 1);
    if (ord === Infinity) return max(sum(abs(x), a1), a0);
    if (ord === -Infinity) return min(sum(abs(x), a1), a0);
    if (ord === 'fro' || ord === 'euclidean') return sqrt(sum(square(x), axis));
    throw invalidArg('norm ord', "1, Infinity, -Infinity, 'fro' or 'euclidean' for a matrix norm", ord);
  }
  throw invalidArg('norm axis', 'null, one axis or two axes', axis);
}

export const norm = op('norm', <T extends Tensor>(x: Arg, ord: NormOrd = 'euclidean', axis: Axis = null, keepDims = false): T => {
  const t = convertToTensor(x, 'x', 'norm');
  const axes = axis === null || axis === undefined ? null : (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(a, t.rank, 'norm'));
  const n = normOf(t, ord, axes);
  if (!keepDims) return n as T;
  return reshape(n, keepDimsShape(t.shape, parseAxes(axes, t.rank, 'norm'))) as T;
});

export const topk = op('topk', <T extends Tensor>(x: T | TensorLike, k = 1, sorted = true): { values: T; indices: T } => {
  const t = convertToTensor(x, 'x', 'topk');
  if (t.rank === 0) throw new BlasnetError('ERR_INVALID_ARG', 'topk() expects the input to be of rank 1 or higher');
  const last = t.shape[t.rank - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > last) throw invalidArg('topk k', `an integer in [0, ${last}] (the last dimension)`, k);
  void sorted; // the order tfjs leaves undefined when sorted is false is the sorted one here
  const v = t.dataSync();
  const rows = last > 0 ? v.length / last : 0;
  const values = makeArray(t.dtype, rows * k), indices = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: last }, (_, i) => i);
    order.sort((a, b) => (v[r * last + b]! - v[r * last + a]!) || a - b);
    for (let i = 0; i < k; i++) { values[r * k + i] = v[r * last + order[i]!]!; indices[r * k + i] = order[i]!; }
  }
  const shape = [...t.shape.slice(0, -1), k];
  return { values: new Tensor(values, shape, t.dtype) as T, indices: new Tensor(indices, shape, 'int32') as T };
});

function softmaxParts(name: string, logits: Arg, dim: number): { shifted: Tensor; sumExp: Tensor; ax: number } {
  const t = convertToTensor(logits, 'logits', name);
  if (t.dtype !== 'float32') {
    throw new BlasnetError('ERR_INVALID_ARG', `Argument 'logits' passed to '${name}' must be float32 tensor, but got ${t.dtype} tensor`);
  }
  const ax = normAxis(dim, t.rank, name);
  const shifted = sub(t, max(t, [ax], true));
  return { shifted, sumExp: sum(exp(shifted), [ax], true), ax };
}

export const softmax = op('softmax', <T extends Tensor>(logits: T | TensorLike, dim = -1): T => {
  const { shifted, sumExp } = softmaxParts('softmax', logits, dim);
  return div(exp(shifted), sumExp) as T;
});

export const logSoftmax = op('logSoftmax', <T extends Tensor>(logits: T | TensorLike, axis = -1): T => {
  const { shifted, sumExp } = softmaxParts('logSoftmax', logits, axis);
  return sub(shifted, log(sumExp)) as T;
});

export const logSumExp = op('logSumExp', <T extends Tensor>(x: Arg, axis: Axis = null, keepDims = false): T => {
  const t = convertToTensor(x, 'x', 'logSumExp');
  const axes = parseAxes(axis, t.rank, 'logSumExp');
  const xMax = max(t, axes, true);
  const d = log(sum(exp(sub(t, xMax)), axes));
  const res = add(reshape(xMax, d.shape), d);
  return (keepDims ? reshape(res, keepDimsShape(t.shape, axes)) : res) as T;
});
