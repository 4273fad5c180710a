// Running sums and products along one axis (cumsum, cumprod), constant padding (pad, pad1d..pad4d) and
// diag, with tfjs's dtype rules: scans of bool count as int32, padding and diag keep the dtype.
import { invalidArg } from '../../errors';
import { convertToTensor } from '../convert';
import { Tensor } from '../../tensor';
import type { TensorLike } from '../../tensor/types';
import { fullStrides, makeArray, normAxis, sizeFromShape, upcastType } from '../../tensor/types';
import { op } from './op';

type Arg = Tensor | TensorLike;

function scan(name: string, combine: (acc: number, v: number) => number, identity: number) {
  return op(name, <T extends Tensor>(x: T | TensorLike, axis = 0, exclusive = false, reverse = false): T => {
    const t = convertToTensor(x, 'x', name);
    const ax = normAxis(axis, t.rank, name);
    const dtype = upcastType(t.dtype, 'int32');
    const v = t.dataSync();
    const out = makeArray(dtype, v.length);
    const len = t.shape[ax] ?? 1, stride = fullStrides(t.shape)[ax] ?? 1;
    const outer = v.length / Math.max(1, len * stride);
    for (let o = 0; o < outer; o++) {
      for (let inner = 0; inner < stride; inner++) {
        const base = o * len * stride + inner;
        let acc = identity;
        for (let k = 0; k < len; k++) {
          const i = base + (reverse ? len - 1 - k : k) * stride;
          if (exclusive) { out[i] = acc; acc = combine(acc, v[i]!); } else { acc = combine(acc, v[i]!); out[i] = acc; }
        }
      }
    }
    return new Tensor(out, [...t.shape], dtype) as T;
  });
}

export const cumsum = scan('cumsum', (a, v) => a + v, 0);
export const cumprod = scan('cumprod', (a, v) => a * v, 1);

/** Pads each axis with `paddings[axis] = [before, after]` copies of constantValue. */
export const pad = op('pad', <T extends Tensor>(x: T | TensorLike, paddings: Array<[number, number]>, constantValue = 0): T => {
  const t = convertToTensor(x, 'x', 'pad');
  if (t.rank === 0) throw invalidArg('pad x', 'a tensor of rank 1 or more (a scalar has nothing to pad)', 'a scalar');
  if (!Array.isArray(paddings) || paddings.length !== t.rank
    || !paddings.every((p) => Array.isArray(p) && p.length === 2 && p.every((n) => Number.isInteger(n) && n >= 0))) {
    throw invalidArg('pad paddings', `${t.rank} pairs [before, after] of non-negative integers`, paddings);
  }
  if (typeof constantValue !== 'number') throw invalidArg('pad constantValue', 'a number', constantValue);
  const shape = t.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
  const out = makeArray(t.dtype, sizeFromShape(shape));
  out.fill(constantValue);
  const v = t.dataSync();
  const dst = fullStrides(shape);
  const idx = new Array<number>(t.rank).fill(0);
  for (let s = 0; s < v.length; s++) {
    let o = 0;
    for (let d = 0; d < t.rank; d++) o += (idx[d]! + paddings[d]![0]) * dst[d]!;
    out[o] = v[s]!;
    for (let d = t.rank - 1; d >= 0; d--) { if (++idx[d]! < t.shape[d]!) break; idx[d] = 0; }
  }
  return new Tensor(out, shape, t.dtype) as T;
});

function padRank(name: string, rank: number) {
  return op(name, <T extends Tensor>(x: Arg, paddings: unknown, constantValue = 0): T => {
    const p = rank === 1 ? [paddings] : paddings;
    if (!Array.isArray(p) || p.length !== rank) throw invalidArg(`${name} paddings`, `${rank} pairs [before, after]`, paddings);
    return pad(x, p as Array<[number, number]>, constantValue) as T;
  });
}
export const pad1d = padRank('pad1d', 1);
export const pad2d = padRank('pad2d', 2);
export const pad3d = padRank('pad3d', 3);
export const pad4d = padRank('pad4d', 4);

/** A tensor of shape [...x.shape, ...x.shape] holding x on its diagonal, zeros elsewhere. */
export const diag = op('diag', <T extends Tensor>(x: T | TensorLike): T => {
  const t = convertToTensor(x, 'x', 'diag');
  const v = t.dataSync();
  const n = v.length;
  if (n * n > 1 << 28) throw invalidArg('diag x', 'at most 16384 values (the result has the square of that)', `${n} values`);
  const out = makeArray(t.dtype, n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = v[i]!;
  return new Tensor(out, [...t.shape, ...t.shape], t.dtype) as T;
});
