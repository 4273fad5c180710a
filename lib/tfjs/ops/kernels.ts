// Loops over typed arrays that the ops share: element-wise maps with numpy broadcasting, and reductions
// over any set of axes (the reduced axes walked in row-major order, accumulated in doubles as tfjs's CPU backend does).
import type { DataType, TypedArray } from '../../tensor/types';
import { broadcastShapes, fullStrides, makeArray, sizeFromShape } from '../../tensor/types';
import { Tensor } from '../../tensor';

/** Strides of `shape` aligned to an output of rank `rank`, 0 along broadcast axes. */
function alignedStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const own = fullStrides(shape);
  const out = new Array<number>(rank).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const o = rank - shape.length + i;
    out[o] = shape[i] === 1 && outShape[o] !== 1 ? 0 : own[i]!;
  }
  return out;
}

/** out[i] = f(a[ia], b[ib]) over the broadcast shape. */
export function binaryMap(a: Tensor, b: Tensor, dtype: DataType, f: (x: number, y: number) => number, fn: string): Tensor {
  const outShape = broadcastShapes(a.shape, b.shape, fn);
  const n = sizeFromShape(outShape);
  const out = makeArray(dtype, n);
  const av = a.dataSync(), bv = b.dataSync();
  if (av.length === n && bv.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(av[i]!, bv[i]!);
  } else if (bv.length === 1 && av.length === n) {
    const y = bv[0]!;
    for (let i = 0; i < n; i++) out[i] = f(av[i]!, y);
  } else if (av.length === 1 && bv.length === n) {
    const x = av[0]!;
    for (let i = 0; i < n; i++) out[i] = f(x, bv[i]!);
  } else if (n > 0) {
    const as = alignedStrides(a.shape, outShape), bs = alignedStrides(b.shape, outShape);
    const rank = outShape.length;
    const idx = new Array<number>(rank).fill(0);
    let ia = 0, ib = 0;
    for (let o = 0; o < n; o++) {
      out[o] = f(av[ia]!, bv[ib]!);
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]!++; ia += as[d]!; ib += bs[d]!;
        if (idx[d]! < outShape[d]!) break;
        ia -= as[d]! * outShape[d]!; ib -= bs[d]! * outShape[d]!; idx[d] = 0;
      }
    }
  }
  return new Tensor(out, outShape, dtype);
}

/** Broadcasts a tensor's values to `outShape` (a copy in the output layout). */
export function broadcastValues(t: Tensor, outShape: readonly number[]): TypedArray {
  const n = sizeFromShape(outShape);
  const src = t.dataSync();
  if (src.length === n) return src;
  const out = makeArray(t.dtype, n);
  if (src.length === 1) { out.fill(src[0]!); return out; }
  gatherStrided(src, 0, alignedStrides(t.shape, outShape), outShape, out);
  return out;
}

/**
 * out[o] = src[start + i_0 steps[0] + ... + i_r steps[r]] for every index (i_0, ..., i_r) of `shape`,
 * in row-major order: a broadcast, a transpose or a (strided) slice, as the steps say.
 */
export function gatherStrided(src: TypedArray, start: number, steps: readonly number[], shape: readonly number[], out: TypedArray): void {
  const n = sizeFromShape(shape);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let s = start;
  for (let o = 0; o < n; o++) {
    out[o] = src[s]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++; s += steps[d]!;
      if (idx[d]! < shape[d]!) break;
      s -= steps[d]! * shape[d]!; idx[d] = 0;
    }
  }
}

export function unaryMap(x: Tensor, dtype: DataType, f: (v: number) => number): Tensor {
  const v = x.dataSync();
  const out = makeArray(dtype, v.length);
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]!);
  return new Tensor(out, x.shape, dtype);
}

export interface ReduceLayout {
  /** Shape without the reduced axes (or with them as 1 when keepDims). */
  outShape: number[];
  outSize: number;
  reduceSize: number;
  /** Source offset of every (outer, inner) pair: offsets[o * reduceSize + r]. */
  offsets: Int32Array;
}

/** For each output element, the source offsets of the elements it reduces, in row-major order of the reduced axes. */
export function reduceLayout(shape: readonly number[], axes: number[], keepDims: boolean): ReduceLayout {
  const strides = fullStrides(shape);
  const keptAxes = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outSize = sizeFromShape(keptAxes.map((i) => shape[i]!));
  const reduceSize = sizeFromShape(axes.map((i) => shape[i]!));
  const outer = offsetsOf(keptAxes, shape, strides);
  const inner = offsetsOf(axes, shape, strides);
  const offsets = new Int32Array(outSize * reduceSize);
  for (let o = 0; o < outSize; o++) for (let r = 0; r < reduceSize; r++) offsets[o * reduceSize + r] = outer[o]! + inner[r]!;
  const outShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : keptAxes.map((i) => shape[i]!);
  return { outShape, outSize, reduceSize, offsets };
}

function offsetsOf(axes: number[], shape: readonly number[], strides: number[]): Int32Array {
  const n = sizeFromShape(axes.map((i) => shape[i]!));
  const out = new Int32Array(n);
  const idx = new Array<number>(axes.length).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    out[k] = off;
    for (let d = axes.length - 1; d >= 0; d--) {
      const ax = axes[d]!;
      idx[d]!++; off += strides[ax]!;
      if (idx[d]! < shape[ax]!) break;
      off -= strides[ax]! * shape[ax]!; idx[d] = 0;
    }
  }
  return out;
}

/** Reduces with `step(acc, value, r)` from `init(firstValue)`; contiguous trailing axes skip the offset table. */
export function reduce(x: Tensor, axes: number[], keepDims: boolean, dtype: DataType,
  init: (first: number) => number, step: (acc: number, v: number, r: number) => number, fromFirst: boolean): Tensor {
  const v = x.dataSync();
  const trailing = axes.every((a, i) => a === x.rank - axes.length + i);
  const keptShape = x.shape.filter((_, i) => !axes.includes(i));
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : keptShape;
  const outSize = sizeFromShape(keptShape);
  const reduceSize = sizeFromShape(axes.map((i) => x.shape[i]!));
  const out = makeArray(dtype, outSize);
  const offsets = trailing ? null : reduceLayout(x.shape, axes, keepDims).offsets;
  for (let o = 0; o < outSize; o++) {
    const at = (r: number): number => (offsets ? v[offsets[o * reduceSize + r]!]! : v[o * reduceSize + r]!);
    let acc = init(reduceSize > 0 ? at(0) : NaN);
    for (let r = fromFirst ? 1 : 0; r < reduceSize; r++) acc = step(acc, at(r), r);
    out[o] = acc;
  }
  return new Tensor(out, outShape, dtype);
}
