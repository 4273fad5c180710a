// gatherND, whereAsync and booleanMaskAsync: elements or slices picked by index tuples or by a bool mask,
// with tfjs's shapes and dtypes (the async two return promises, as tfjs's do, computed at once here).
import { BlasnetError } from '../../errors';
import { convertToTensor } from '../convert';
import { Tensor } from '../../tensor';
import type { TensorLike } from '../../tensor/types';
import { fullStrides, makeArray, normAxis, sizeFromShape } from '../../tensor/types';
import { op } from './op';

type Arg = Tensor | TensorLike;

function requireDtype(t: Tensor, dtype: 'int32' | 'bool', arg: string, fn: string): void {
  if (t.dtype !== dtype) throw new BlasnetError('ERR_INVALID_ARG', `Argument '${arg}' passed to '${fn}' must be ${dtype} tensor, but got ${t.dtype} tensor`);
}

/** Slices of x at the index tuples on the last axis of indices: shape indices.shape[:-1] + x.shape[K:]. */
export const gatherND = op('gatherND', (x: Arg, indices: Arg): Tensor => {
  const t = convertToTensor(x, 'x', 'gatherND');
  const ind = convertToTensor(indices, 'indices', 'gatherND', 'int32');
  requireDtype(ind, 'int32', 'indices', 'gatherND');
  if (ind.rank < 1) throw new BlasnetError('ERR_INVALID_ARG', 'tf.gatherND() expects the indices to be rank 1 or higher, but the rank was 0.');
  const k = ind.shape[ind.rank - 1]!;
  if (k > t.rank) {
    throw new BlasnetError('ERR_INVALID_ARG', `index innermost dimension length must be <= tensor rank; saw: ${k} vs. ${t.rank}`);
  }
  const tuples = sizeFromShape(ind.shape.slice(0, -1));
  const sliceShape = t.shape.slice(k);
  const sliceSize = sizeFromShape(sliceShape);
  const strides = fullStrides(t.shape);
  const iv = ind.dataSync(), v = t.dataSync();
  const out = makeArray(t.dtype, tuples * sliceSize);
  for (let q = 0; q < tuples; q++) {
    let from = 0;
    for (let j = 0; j < k; j++) {
      const i = iv[q * k + j]!;
      if (i < 0 || i >= t.shape[j]!) {
        throw new BlasnetError('ERR_INVALID_ARG', `Invalid indices: ${Array.from(iv.subarray(q * k, q * k + k)).join(',')} does not index into ${t.shape.join(',')}`);
      }
      from += i * strides[j]!;
    }
    out.set(v.subarray(from, from + sliceSize), q * sliceSize);
  }
  return new Tensor(out, [...ind.shape.slice(0, -1), ...sliceShape], t.dtype);
});

/** The coordinates of the true elements, row-major: an int32 [count, rank] tensor. */
function whereIndices(condition: Arg): Tensor {
  const c = convertToTensor(condition, 'condition', 'whereAsync', 'bool');
  requireDtype(c, 'bool', 'condition', 'whereAsync');
  const v = c.dataSync();
  const strides = fullStrides(c.shape);
  let count = 0;
  for (let i = 0; i < v.length; i++) if (v[i]) count++;
  const out = new Int32Array(count * c.rank);
  let o = 0;
  for (let i = 0; i < v.length; i++) {
    if (!v[i]) continue;
    let rest = i;
    for (let d = 0; d < c.rank; d++) { out[o++] = Math.floor(rest / strides[d]!); rest %= strides[d]!; }
  }
  return new Tensor(out, [count, c.rank], 'int32');
}

const whereOp = op('whereAsync', whereIndices);
export async function whereAsync(condition: Arg): Promise<Tensor> { return whereOp(condition); }

/** The slices of tensor (from `axis` on) where mask, which covers mask.rank axes from `axis`, is true. */
function booleanMask(tensor: Arg, mask: Arg, axis: number | null | undefined): Tensor {
  const t = convertToTensor(tensor, 'tensor', 'boolMask');
  const m = convertToTensor(mask, 'mask', 'boolMask', 'bool');
  requireDtype(m, 'bool', 'mask', 'boolMask');
  const ax = axis === undefined || axis === null ? 0 : normAxis(axis, t.rank, 'booleanMaskAsync');
  if (m.rank === 0) throw new BlasnetError('ERR_INVALID_ARG', 'mask cannot be scalar');
  const covered = t.shape.slice(ax, ax + m.rank);
  if (covered.length !== m.rank || covered.some((d, i) => d !== m.shape[i])) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `mask's shape must match the first K dimensions of tensor's shape, Shapes ${m.shape.join(',')} and ${covered.join(',')} must match`);
  }
  const outer = sizeFromShape(t.shape.slice(0, ax)), span = sizeFromShape(covered), inner = sizeFromShape(t.shape.slice(ax + m.rank));
  const maskValues = m.dataSync(), v = t.dataSync();
  const picked: number[] = [];
  for (let i = 0; i < span; i++) if (maskValues[i]) picked.push(i);
  const out = makeArray(t.dtype, outer * picked.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const i of picked) {
      const from = (a * span + i) * inner;
      out.set(v.subarray(from, from + inner), o);
      o += inner;
    }
  }
  return new Tensor(out, [...t.shape.slice(0, ax), picked.length, ...t.shape.slice(ax + m.rank)], t.dtype);
}

const booleanMaskOp = op('booleanMaskAsync', booleanMask);
export async function booleanMaskAsync(tensor: Arg, mask: Arg, axis?: number): Promise<Tensor> { return booleanMaskOp(tensor, mask, axis); }
