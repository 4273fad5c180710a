// Shape ops. reshape, flatten, expandDims, squeeze, clone and a same-dtype cast share the input's
// buffer (as in tfjs: one more tensor, no new data buffer); the others copy.
import { BlasnetError, invalidArg } from '../../errors';
import { convertToTensor } from '../convert';
import { Tensor } from '../../tensor';
import type { DataType, TensorLike } from '../../tensor/types';
import { broadcastShapes, checkDtype, fullStrides, makeArray, normAxis, sizeFromShape } from '../../tensor/types';
import { broadcastValues, gatherStrided } from './kernels';
import { op } from './op';

type Arg = Tensor | TensorLike;

function inferReshape(shape: unknown, size: number): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) {
    throw invalidArg('reshape shape', 'an array of integers (-1 for one inferred axis)', shape);
  }
  const s = [...shape] as number[];
  const free = s.indexOf(-1);
  if (free !== s.lastIndexOf(-1)) throw invalidArg('reshape shape', 'at most one -1', shape);
  if (free >= 0) {
    const rest = s.reduce((n, d) => (d === -1 ? n : n * d), 1);
    if (rest === 0 || size % rest !== 0) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `The implicit shape can't be a fractional number. Got ${size} / ${rest}`);
    }
    s[free] = size / rest;
  }
  if (sizeFromShape(s) !== size) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `Size(${size}) must match the product of shape ${s.join(',')}`);
  }
  return s;
}

export const reshape = op('reshape', <T extends Tensor>(x: Arg, shape: number[]): T => {
  const t = convertToTensor(x, 'x', 'reshape');
  return new Tensor(t.dataId, inferReshape(shape, t.size), t.dtype) as T;
});

export const flatten = op('flatten', (x: Arg): Tensor => {
  const t = convertToTensor(x, 'x', 'flatten');
  return new Tensor(t.dataId, [t.size], t.dtype);
});

export const clone = op('clone', <T extends Tensor>(x: T | TensorLike): T => {
  const t = convertToTensor(x, 'x', 'clone');
  return new Tensor(t.dataId, t.shape, t.dtype) as T;
});

export const expandDims = op('expandDims', <T extends Tensor>(x: Arg, axis = 0): T => {
  const t = convertToTensor(x, 'x', 'expandDims');
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -(t.rank + 1) || axis > t.rank) {
    throw invalidArg('expandDims axis', `an integer in [${-(t.rank + 1)}, ${t.rank}]`, axis);
  }
  const ax = axis < 0 ? axis + t.rank + 1 : axis;
  const shape = [...t.shape];
  shape.splice(ax, 0, 1);
  return new Tensor(t.dataId, shape, t.dtype) as T;
});

export const squeeze = op('squeeze', <T extends Tensor>(x: Arg, axis?: number[]): T => {
  const t = convertToTensor(x, 'x', 'squeeze');
  const axes = axis === undefined || axis === null ? null : (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(a, t.rank, 'squeeze'));
  const shape: number[] = [];
  t.shape.forEach((d, i) => {
    if (axes === null ? d === 1 : axes.includes(i)) {
      if (d !== 1) throw new BlasnetError('ERR_SHAPE_MISMATCH', `Can't squeeze axis ${i} since its dim '${d}' is not 1`);
      return;
    }
    shape.push(d);
  });
  return new Tensor(t.dataId, shape, t.dtype) as T;
});

export const cast = op('cast', <T extends Tensor>(x: T | TensorLike, dtype: DataType): T => {
  const t = convertToTensor(x, 'x', 'cast');
  const dt = checkDtype(dtype, 'cast');
  // Casting to a wider type keeps the buffer, as tfjs does (int32 or bool to float32, bool to int32).
  const lossless = dt === t.dtype || dt === 'float32' || (dt === 'int32' && t.dtype === 'bool');
  if (lossless) return new Tensor(t.dataId, t.shape, dt) as T;
  const v = t.dataSync();
  const out = makeArray(dt, v.length);
  if (dt === 'bool') for (let i = 0; i < v.length; i++) out[i] = v[i] !== 0 ? 1 : 0;
  else out.set(v);
  return new Tensor(out, t.shape, dt) as T;
});

export const transpose = op('transpose', <T extends Tensor>(x: T | TensorLike, perm?: number[]): T => {
  const t = convertToTensor(x, 'x', 'transpose');
  if (t.rank < 2 && perm === undefined) return new Tensor(t.dataId, t.shape, t.dtype) as T;
  const p = perm ?? t.shape.map((_, i) => t.rank - 1 - i);
  if (!Array.isArray(p) || p.length !== t.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw invalidArg('transpose perm', `a permutation of [0..${t.rank - 1}]`, perm);
  }
  const shape = p.map((a) => t.shape[a]!);
  const src = fullStrides(t.shape);
  const steps = p.map((a) => src[a]!);
  const v = t.dataSync();
  const out = makeArray(t.dtype, v.length);
  gatherStrided(v, 0, steps, shape, out);
  return new Tensor(out, shape, t.dtype) as T;
});

/** Copies the box [begin, begin + size) of t. */
function sliceValues(t: Tensor, begin: number[], size: number[]): Tensor {
  const strides = fullStrides(t.shape);
  const out = makeArray(t.dtype, sizeFromShape(size));
  gatherStrided(t.dataSync(), begin.reduce((acc, b, i) => acc + b * strides[i]!, 0), strides, size, out);
  return new Tensor(out, size, t.dtype);
}

export const slice = op('slice', <T extends Tensor>(x: T | TensorLike, begin: number | number[], size?: number | number[]): T => {
  const t = convertToTensor(x, 'x', 'slice');
  const b = typeof begin === 'number' ? [begin, ...new Array<number>(t.rank - 1).fill(0)] : [...begin];
  while (b.length < t.rank) b.push(0);
  const s = size === undefined || size === null ? new Array<number>(t.rank).fill(-1)
    : typeof size === 'number' ? [size, ...new Array<number>(t.rank - 1).fill(-1)] : [...size];
  while (s.length < t.rank) s.push(-1);
  if (b.length !== t.rank || s.length !== t.rank) throw invalidArg('slice begin', `at most ${t.rank} values (the rank)`, begin);
  for (let i = 0; i < t.rank; i++) {
    const d = t.shape[i]!;
    if (!Number.isInteger(b[i]) || b[i]! < 0 || b[i]! > d) throw invalidArg(`slice begin[${i}]`, `an integer in [0, ${d}]`, b[i]);
    if (s[i] === -1) s[i] = d - b[i]!;
    if (!Number.isInteger(s[i]) || s[i]! < 0 || b[i]! + s[i]! > d) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `slice: begin [${b.join(',')}] + size [${s.join(',')}] exceeds the shape [${t.shape.join(',')}] along axis ${i}`);
    }
  }
  return sliceValues(t, b, s) as T;
});

export const gather = op('gather', <T extends Tensor>(x: T | TensorLike, indices: Arg, axis = 0, batchDims = 0): T => {
  const t = convertToTensor(x, 'x', 'gather');
  const ind = convertToTensor(indices, 'indices', 'gather', 'int32');
  if (ind.dtype !== 'int32') {
    throw new BlasnetError('ERR_INVALID_ARG', `Argument 'indices' passed to 'gather' must be int32 tensor, but got ${ind.dtype} tensor`);
  }
  const ax = normAxis(axis, t.rank, 'gather');
  if (!Number.isInteger(batchDims) || batchDims < 0 || batchDims > ax || batchDims > ind.rank) {
    throw invalidArg('gather batchDims', `an integer in [0, min(axis, indices rank)]`, batchDims);
  }
  for (let i = 0; i < batchDims; i++) {
    if (t.shape[i] !== ind.shape[i]) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `gather: x.shape[${i}]: ${t.shape[i]} should be equal to indices.shape[${i}]: ${ind.shape[i]}`);
    }
  }
  const batch = sizeFromShape(t.shape.slice(0, batchDims));
  const outer = sizeFromShape(t.shape.slice(batchDims, ax));
  const dim = t.shape[ax]!;
  const inner = sizeFromShape(t.shape.slice(ax + 1));
  const iv = ind.dataSync();
  const perBatch = batch > 0 ? iv.length / batch : 0;
  const v = t.dataSync();
  const shape = [...t.shape.slice(0, ax), ...ind.shape.slice(batchDims), ...t.shape.slice(ax + 1)];
  const out = makeArray(t.dtype, sizeFromShape(shape));
  let o = 0;
  for (let bi = 0; bi < batch; bi++) {
    for (let oi = 0; oi < outer; oi++) {
      for (let k = 0; k < perBatch; k++) {
        const j = iv[bi * perBatch + k]!;
        if (j < 0 || j >= dim) throw invalidArg('gather indices', `values in [0, ${dim - 1}]`, j);
        const from = ((bi * outer + oi) * dim + j) * inner;
        for (let e = 0; e < inner; e++) out[o++] = v[from + e]!;
      }
    }
  }
  return new Tensor(out, shape, t.dtype) as T;
});

export const concat = op('concat', <T extends Tensor>(tensors: Array<T | TensorLike>, axis = 0): T => {
  if (!Array.isArray(tensors) || tensors.length === 0) throw invalidArg('concat tensors', 'a non-empty array of tensors', tensors);
  const ts = tensors.map((x, i) => convertToTensor(x, `tensors[${i}]`, 'concat'));
  const first = ts[0]!;
  if (first.rank === 0) throw new BlasnetError('ERR_INVALID_ARG', 'concat: scalars cannot be concatenated (use stack)');
  const ax = normAxis(axis, first.rank, 'concat');
  ts.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d, k) => k !== ax && d !== first.shape[k])) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `concat: tensors[${i}] has shape [${t.shape.join(',')}], which does not match [${first.shape.join(',')}] outside axis ${ax}`);
    }
  });
  const shape = [...first.shape];
  shape[ax] = ts.reduce((n, t) => n + t.shape[ax]!, 0);
  // As tfjs: empty tensors are dropped, and a single one left is returned as a clone.
  const nonEmpty = ts.filter((t) => t.size > 0);
  if (nonEmpty.length === 1) return new Tensor(nonEmpty[0]!.dataId, shape, nonEmpty[0]!.dtype) as T;
  const outer = sizeFromShape(first.shape.slice(0, ax));
  const out = makeArray(first.dtype, sizeFromShape(shape));
  let o = 0;
  for (let r = 0; r < outer; r++) {
    for (const t of nonEmpty) {
      const block = t.size / Math.max(outer, 1);
      const v = t.dataSync();
      for (let e = 0; e < block; e++) out[o++] = v[r * block + e]!;
    }
  }
  return new Tensor(out, shape, first.dtype) as T;
});

export const stack = op('stack', <T extends Tensor>(tensors: Array<Tensor | TensorLike>, axis = 0): T => {
  if (!Array.isArray(tensors) || tensors.length === 0) throw invalidArg('stack tensors', 'a non-empty array of tensors', tensors);
  const ts = tensors.map((x, i) => convertToTensor(x, `tensors[${i}]`, 'stack'));
  const first = ts[0]!;
  ts.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d, k) => d !== first.shape[k])) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `All tensors passed to stack must have matching shapes (tensors[${i}] is [${t.shape.join(',')}], tensors[0] [${first.shape.join(',')}])`);
    }
    if (t.dtype !== first.dtype) throw new BlasnetError('ERR_INVALID_ARG', 'All tensors passed to stack must have matching dtypes');
  });
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -(first.rank + 1) || axis > first.rank) {
    throw invalidArg('stack axis', `an integer in [${-(first.rank + 1)}, ${first.rank}]`, axis);
  }
  const ax = axis < 0 ? axis + first.rank + 1 : axis;
  return concat(ts.map((t) => expandDims(t, ax)), ax) as T;
});

export const split = op('split', <T extends Tensor>(x: T | TensorLike, numOrSizeSplits: number | number[], axis = 0): T[] => {
  const t = convertToTensor(x, 'x', 'split');
  const ax = normAxis(axis, t.rank, 'split');
  const dim = t.shape[ax]!;
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    if (!Number.isInteger(numOrSizeSplits) || numOrSizeSplits < 1 || dim % numOrSizeSplits !== 0) {
      throw invalidArg('split numOrSizeSplits', `a number of splits that evenly divides ${dim}`, numOrSizeSplits);
    }
    sizes = new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits);
  } else if (Array.isArray(numOrSizeSplits)) {
    sizes = [...numOrSizeSplits];
    const free = sizes.filter((s) => s === -1).length;
    if (free > 1 || sizes.some((s) => !Number.isInteger(s) || s < -1)) throw invalidArg('split sizes', 'non-negative integers, one -1 at most', numOrSizeSplits);
    const known = sizes.reduce((n, s) => (s === -1 ? n : n + s), 0);
    if (free === 1) sizes[sizes.indexOf(-1)] = dim - known;
    if (sizes.reduce((n, s) => n + s, 0) !== dim || sizes.some((s) => s < 0)) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `The sum of sizes must match the size of the axis dimension (${dim}): [${numOrSizeSplits.join(',')}]`);
    }
  } else {
    throw invalidArg('split numOrSizeSplits', 'a number or an array of sizes', numOrSizeSplits);
  }
  const begin = new Array<number>(t.rank).fill(0);
  return sizes.map((s) => {
    const size = [...t.shape];
    size[ax] = s;
    const part = sliceValues(t, [...begin], size) as T;
    begin[ax]! += s;
    return part;
  });
});

export const unstack = op('unstack', <T extends Tensor>(x: T | TensorLike, axis = 0): Tensor[] => {
  const t = convertToTensor(x, 'x', 'unstack');
  const ax = normAxis(axis, t.rank, 'unstack');
  return split(t, t.shape[ax]!, ax).map((p) => squeeze(p, [ax]));
});

export const tile = op('tile', <T extends Tensor>(x: T | TensorLike, reps: number[]): T => {
  const t = convertToTensor(x, 'x', 'tile');
  if (!Array.isArray(reps) || reps.length !== t.rank || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
    throw invalidArg('tile reps', `${t.rank} non-negative integers (one per axis)`, reps);
  }
  const shape = t.shape.map((d, i) => d * reps[i]!);
  const strides = fullStrides(t.shape);
  const v = t.dataSync();
  const out = makeArray(t.dtype, sizeFromShape(shape));
  const idx = new Array<number>(t.rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let d = 0; d < t.rank; d++) s += (idx[d]! % t.shape[d]!) * strides[d]!;
    out[o] = v[s]!;
    for (let d = t.rank - 1; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
  }
  return new Tensor(out, shape, t.dtype) as T;
});

export const broadcastTo = op('broadcastTo', <T extends Tensor>(x: Arg, shape: number[]): T => {
  const t = convertToTensor(x, 'x', 'broadcastTo');
  const target = broadcastShapes(t.shape, shape, 'broadcastTo');
  if (target.length !== shape.length || target.some((d, i) => d !== shape[i])) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `broadcastTo: cannot broadcast [${t.shape.join(',')}] to [${shape.join(',')}]`);
  }
  return new Tensor(broadcastValues(t, target).slice(), target, t.dtype) as T;
});

export const reverse = op('reverse', <T extends Tensor>(x: T | TensorLike, axis?: number | number[]): T => {
  const t = convertToTensor(x, 'x', 'reverse');
  const axes = axis === undefined ? t.shape.map((_, i) => i) : (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(a, t.rank, 'reverse'));
  const strides = fullStrides(t.shape);
  const v = t.dataSync();
  const out = makeArray(t.dtype, v.length);
  const idx = new Array<number>(t.rank).fill(0);
  for (let o = 0; o < v.length; o++) {
    let s = 0;
    for (let d = 0; d < t.rank; d++) s += (axes.includes(d) ? t.shape[d]! - 1 - idx[d]! : idx[d]!) * strides[d]!;
    out[o] = v[s]!;
    for (let d = t.rank - 1; d >= 0; d--) { if (++idx[d]! < t.shape[d]!) break; idx[d] = 0; }
  }
  return new Tensor(out, t.shape, t.dtype) as T;
});
