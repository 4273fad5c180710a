// The tfjs type vocabulary (dtypes, ranks, tensor-like inputs) and shape arithmetic shared by the ops.
import { BlasnetError, invalidArg } from '../errors';

export type DataType = 'float32' | 'int32' | 'bool';
export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** tfjs's Rank enum: the string values are what tfjs uses, so `tf.Rank.R2` reads the same. */
export enum Rank { R0 = 'R0', R1 = 'R1', R2 = 'R2', R3 = 'R3', R4 = 'R4', R5 = 'R5', R6 = 'R6' }

export interface ShapeMap {
  R0: number[]; R1: [number]; R2: [number, number]; R3: [number, number, number];
  R4: [number, number, number, number]; R5: [number, number, number, number, number];
  R6: [number, number, number, number, number, number];
}
export interface ArrayMap {
  R0: number; R1: number[]; R2: number[][]; R3: number[][][]; R4: number[][][][]; R5: number[][][][][];
  R6: number[][][][][][];
}
export interface DataTypeMap { float32: Float32Array; int32: Int32Array; bool: Uint8Array }

export type ScalarLike = number | boolean;
export interface RecursiveArray<T> { [index: number]: T | RecursiveArray<T> }
export type TensorLike = TypedArray | ScalarLike | RecursiveArray<ScalarLike | TypedArray>;

export const DTYPES: readonly DataType[] = ['float32', 'int32', 'bool'];

export function checkDtype(dtype: unknown, fn: string): DataType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  if (dtype === 'string' || dtype === 'complex64') {
    throw new BlasnetError('ERR_UNSUPPORTED', `${fn}: dtype '${dtype}' is not supported by blasnet (float32, int32 and bool are)`);
  }
  throw invalidArg(`${fn} dtype`, "'float32', 'int32' or 'bool'", dtype);
}

export function sizeFromShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function computeStrides(shape: readonly number[]): number[] {
  const rank = shape.length;
  if (rank < 2) return [];
  const strides = new Array<number>(rank - 1);
  strides[rank - 2] = shape[rank - 1]!;
  for (let i = rank - 3; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

/** Row-major strides including the last axis (1), for index arithmetic. */
export function fullStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

export function checkShape(shape: unknown, fn: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw invalidArg(`${fn} shape`, 'an array of non-negative integers', shape);
  }
  return [...shape] as number[];
}

export function makeArray(dtype: DataType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'int32': return new Int32Array(n);
    case 'bool': return new Uint8Array(n);
  }
}

export function bytesPerElement(dtype: DataType): number {
  return dtype === 'bool' ? 1 : 4;
}

/** tfjs's upcast rule: bool < int32 < float32. */
export function upcastType(a: DataType, b: DataType): DataType {
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'int32' || b === 'int32') return 'int32';
  return 'bool';
}

/** Normalizes one axis (negative counts from the end) for a tensor of the given rank. */
export function normAxis(axis: unknown, rank: number, fn: string): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -Math.max(rank, 1) || axis >= Math.max(rank, 1)) {
    throw invalidArg(`${fn} axis`, `an integer in [${-Math.max(rank, 1)}, ${Math.max(rank, 1) - 1}]`, axis);
  }
  return axis < 0 ? axis + rank : axis;
}

/** An axis or list of axes (null/undefined: all), sorted and de-duplicated, as tfjs's parseAxisParam. */
export function parseAxes(axis: unknown, rank: number, fn: string): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const out = list.map((a) => normAxis(a, rank, fn));
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Numpy broadcasting of two shapes; the error names the op and both shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], fn: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `${fn}: operands could not be broadcast together with shapes [${a.join(',')}] and [${b.join(',')}]`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
