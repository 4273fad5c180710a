// stridedSlice and unique with tfjs's semantics (those of TensorFlow's StridedSlice and Unique kernels):
// the masks of stridedSlice expand an ellipsis, add axes and drop indexed ones; unique keys elements
// (or slices along an axis) by their printed values, so NaN matches NaN and -0 matches 0.
import { BlasnetError, invalidArg } from '../../errors';
import { convertToTensor } from '../convert';
import { Tensor } from '../../tensor';
import type { TensorLike } from '../../tensor/types';
import { fullStrides, makeArray, normAxis, sizeFromShape } from '../../tensor/types';
import { gatherStrided } from './kernels';
import { op } from './op';

type Arg = Tensor | TensorLike;

function intList(v: unknown, name: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x))) throw invalidArg(`stridedSlice ${name}`, 'an array of integers', v);
  return v as number[];
}

function mask(v: unknown, name: string): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0x7fffffff) throw invalidArg(`stridedSlice ${name}`, 'a bit mask (an integer >= 0)', v);
  return v as number;
}

/** One axis of the input as the slice walks it (an indexed axis has size 1 and no place in the result). */
interface DenseAxis { begin: number; stride: number; size: number }

/** The per-axis walk of x and the result's shape, from tfjs's sparse begin/end/strides and masks. */
function denseSlice(shape: readonly number[], begin: number[], end: number[], strides: number[],
  masks: { begin: number; end: number; ellipsis: number; newAxis: number; shrink: number }): { axes: DenseAxis[]; outShape: number[] } {
  if ((masks.ellipsis & (masks.ellipsis - 1)) !== 0) throw new BlasnetError('ERR_INVALID_ARG', 'Multiple ellipses in slice is not allowed.');
  const bit = (m: number, i: number): boolean => Math.floor(m / 2 ** i) % 2 === 1;
  // Without an ellipsis among the entries, one stands after them: the axes they leave out are taken whole.
  const given = begin.length;
  const implicitAt = Array.from({ length: given }, (_, i) => bit(masks.ellipsis, i)).some(Boolean) ? -1 : given;
  const n = implicitAt === -1 ? given : given + 1;
  const isEllipsis = (i: number): boolean => i === implicitAt || (i < given && bit(masks.ellipsis, i));
  const rank = shape.length;
  const axes: DenseAxis[] = [];
  const outShape: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isEllipsis(i)) {
      // The ellipsis covers every axis the entries after it (new axes aside) do not name.
      let after = 0;
      for (let j = i + 1; j < n; j++) if (!bit(masks.newAxis, j)) after++;
      const upTo = Math.min(rank - after, rank);
      while (axes.length < upTo) {
        const d = shape[axes.length]!;
        axes.push({ begin: 0, stride: 1, size: d });
        outShape.push(d);
      }
      continue;
    }
    if (bit(masks.newAxis, i)) { outShape.push(1); continue; }
    const a = axes.length;
    if (a === rank) {
      throw new BlasnetError('ERR_INVALID_ARG', `Index out of range using input dim ${a}; input has only ${rank} dims, ${rank}.`);
    }
    const d = shape[a]!, stride = strides[i]!;
    if (stride === 0) throw new BlasnetError('ERR_INVALID_ARG', `strides[${a}] must be non-zero`);
    if (bit(masks.shrink, i)) {
      if (stride < 0) throw new BlasnetError('ERR_INVALID_ARG', 'only stride 1 allowed on non-range indexing.');
      const at = begin[i]! < 0 ? d + begin[i]! : begin[i]!;
      if (at < 0 || at >= d) throw new BlasnetError('ERR_INVALID_ARG', `slice index ${at} of dimension ${a} out of bounds.`);
      axes.push({ begin: at, stride: 1, size: 1 });
      continue;
    }
    // Masked ends take the whole axis in the stride's direction; others count from the end when negative, clamped.
    const lo = stride > 0 ? 0 : -1, hi = stride > 0 ? d : d - 1;
    const place = (x: number, masked: boolean, isEnd: boolean): number => {
      if (masked) return (stride > 0) === isEnd ? hi : lo;
      const fwd = x < 0 ? d + x : x;
      return fwd < lo ? lo : fwd > hi ? hi : fwd;
    };
    const b = place(begin[i]!, bit(masks.begin, i), false), e = place(end[i]!, bit(masks.end, i), true);
    const span = e - b;
    const size = span === 0 || (span < 0) !== (stride < 0) ? 0 : Math.ceil(span / stride);
    axes.push({ begin: b, stride, size });
    outShape.push(size);
  }
  return { axes, outShape };
}

export const stridedSlice = op('stridedSlice', <T extends Tensor>(x: T | TensorLike, begin: number[], end: number[], strides?: number[],
  beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0): T => {
  const t = convertToTensor(x, 'x', 'stridedSlice');
  const b = intList(begin, 'begin'), e = intList(end, 'end');
  const s = strides === undefined || strides === null ? b.map(() => 1) : intList(strides, 'strides');
  if (e.length !== b.length || s.length !== b.length) {
    throw invalidArg('stridedSlice end and strides', `as many values as begin (${b.length})`, e.length !== b.length ? end : strides);
  }
  const { axes, outShape } = denseSlice(t.shape, b, e, s, {
    begin: mask(beginMask, 'beginMask'), end: mask(endMask, 'endMask'), ellipsis: mask(ellipsisMask, 'ellipsisMask'),
    newAxis: mask(newAxisMask, 'newAxisMask'), shrink: mask(shrinkAxisMask, 'shrinkAxisMask'),
  });
  // Taking every element in order is a reshape: the result shares the buffer, as in tfjs.
  if (axes.every((a, i) => a.begin === 0 && a.stride === 1 && a.size === t.shape[i])) return new Tensor(t.dataId, outShape, t.dtype) as T;
  const sizes = axes.map((a) => a.size);
  const n = sizeFromShape(sizes);
  const out = makeArray(t.dtype, n);
  const v = t.dataSync();
  const st = fullStrides(t.shape);
  const step = axes.map((a, i) => a.stride * st[i]!);
  gatherStrided(v, axes.reduce((acc, a, i) => acc + a.begin * st[i]!, 0), step, sizes, out);
  return new Tensor(out, outShape, t.dtype) as T;
});

/** The distinct elements (or slices along `axis`) in order of first appearance, and each one's index among them. */
export const unique = op('unique', <T extends Tensor>(x: T | TensorLike, axis = 0): { values: T; indices: Tensor } => {
  const t = convertToTensor(x, 'x', 'unique');
  if (t.rank === 0) throw new BlasnetError('ERR_INVALID_ARG', 'The input tensor must be at least 1D');
  const ax = normAxis(axis, t.rank, 'unique');
  const outer = sizeFromShape(t.shape.slice(0, ax)), dim = t.shape[ax]!, inner = sizeFromShape(t.shape.slice(ax + 1));
  const v = t.dataSync();
  const seen = new Map<string, number>();
  const firsts: number[] = [];
  const indices = new Int32Array(dim);
  const part = new Array<number>(outer * inner);
  for (let i = 0; i < dim; i++) {
    let k = 0;
    for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) part[k++] = v[(o * dim + i) * inner + j]!;
    const key = part.join(',');
    let at = seen.get(key);
    if (at === undefined) { at = firsts.length; seen.set(key, at); firsts.push(i); }
    indices[i] = at;
  }
  const u = firsts.length;
  const out = makeArray(t.dtype, outer * u * inner);
  for (let o = 0; o < outer; o++) {
    for (let q = 0; q < u; q++) {
      const from = (o * dim + firsts[q]!) * inner;
      out.set(v.subarray(from, from + inner), (o * u + q) * inner);
    }
  }
  const shape = [...t.shape];
  shape[ax] = u;
  return { values: new Tensor(out, shape, t.dtype) as T, indices: new Tensor(indices, [dim], 'int32') };
});
