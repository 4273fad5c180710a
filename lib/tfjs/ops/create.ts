// Tensor creation with tfjs's names, argument forms and checks.
import { BlasnetError, invalidArg } from '../../errors';
import { convertToTensor, inferShape, makeTensor } from '../convert';
import { gaussStream, uniformStream } from '../random';
import { Tensor } from '../../tensor';
import type { Scalar, Tensor1D, Tensor2D, Tensor3D, Tensor4D } from '../../tensor';
import type { DataType, TensorLike } from '../../tensor/types';
import { checkDtype, checkShape, makeArray, sizeFromShape } from '../../tensor/types';
import { op } from './op';

export function tensor<T extends Tensor = Tensor>(values: TensorLike, shape?: number[], dtype?: DataType): T {
  return makeTensor(values, shape, dtype, 'tensor') as T;
}

export function scalar(value: number | boolean, dtype?: DataType): Scalar {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new BlasnetError('ERR_INVALID_ARG', 'Error creating a new Scalar: value must be a primitive (number|boolean)');
  }
  return makeTensor(value, [], dtype, 'scalar') as Scalar;
}

function ranked(fn: string, rank: number) {
  return (values: TensorLike, shape?: number[], dtype?: DataType): Tensor => {
    if (shape !== undefined && shape !== null && (!Array.isArray(shape) || shape.length !== rank)) {
      throw invalidArg(`${fn}() shape`, `${rank} numbers`, shape);
    }
    const inferred = inferShape(values);
    if (inferred.length !== 1 && inferred.length !== rank) {
      throw invalidArg(`${fn}() values`, `a ${rank}-D nested array or a flat array / typed array with a shape`, values);
    }
    if (inferred.length === 1 && rank !== 1 && (shape === undefined || shape === null)) {
      throw new BlasnetError('ERR_INVALID_ARG', `${fn}() requires shape to be provided when \`values\` are a flat/TypedArray`);
    }
    return makeTensor(values, shape, dtype, fn);
  };
}

const t1 = ranked('tensor1d', 1), t2 = ranked('tensor2d', 2), t3 = ranked('tensor3d', 3), t4 = ranked('tensor4d', 4);
export function tensor1d(values: TensorLike, dtype?: DataType): Tensor1D { return t1(values, undefined, dtype) as Tensor1D; }
export function tensor2d(values: TensorLike, shape?: [number, number], dtype?: DataType): Tensor2D { return t2(values, shape, dtype) as Tensor2D; }
export function tensor3d(values: TensorLike, shape?: [number, number, number], dtype?: DataType): Tensor3D { return t3(values, shape, dtype) as Tensor3D; }
export function tensor4d(values: TensorLike, shape?: [number, number, number, number], dtype?: DataType): Tensor4D {
  return t4(values, shape, dtype) as Tensor4D;
}
const t5 = ranked('tensor5d', 5), t6 = ranked('tensor6d', 6);
export function tensor5d(values: TensorLike, shape?: [number, number, number, number, number], dtype?: DataType): Tensor {
  return t5(values, shape, dtype);
}
export function tensor6d(values: TensorLike, shape?: [number, number, number, number, number, number], dtype?: DataType): Tensor {
  return t6(values, shape, dtype);
}

export function fill<T extends Tensor = Tensor>(shape: number[], value: number, dtype?: DataType): T {
  const s = checkShape(shape, 'fill');
  const dt = dtype === undefined ? (typeof value === 'boolean' ? 'bool' : 'float32') : checkDtype(dtype, 'fill');
  if (typeof value !== 'number' && typeof value !== 'boolean') throw invalidArg('fill value', 'a number', value);
  const out = makeArray(dt, sizeFromShape(s));
  out.fill(Number(value));
  return new Tensor(out, s, dt) as T;
}

export function zeros<T extends Tensor = Tensor>(shape: number[], dtype: DataType = 'float32'): T {
  const s = checkShape(shape, 'zeros');
  const dt = checkDtype(dtype, 'zeros');
  return new Tensor(makeArray(dt, sizeFromShape(s)), s, dt) as T;
}

export function ones<T extends Tensor = Tensor>(shape: number[], dtype: DataType = 'float32'): T {
  return fill(checkShape(shape, 'ones'), 1, checkDtype(dtype, 'ones'));
}

export const zerosLike = op('zerosLike', <T extends Tensor>(x: T | TensorLike): T => {
  const t = convertToTensor(x, 'x', 'zerosLike');
  return zeros(t.shape, t.dtype);
});

export const onesLike = op('onesLike', <T extends Tensor>(x: T | TensorLike): T => {
  const t = convertToTensor(x, 'x', 'onesLike');
  return ones(t.shape, t.dtype);
});

/** start, start + step, ... below stop (above it for a negative step); float32 steps accumulate as tfjs's do. */
export function range(start: number, stop: number, step = 1, dtype: 'float32' | 'int32' = 'float32'): Tensor1D {
  for (const [k, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArg(`range ${k}`, 'a finite number', v);
  }
  if (step === 0) throw new BlasnetError('ERR_INVALID_ARG', 'Cannot have a step of zero');
  const dt = checkDtype(dtype, 'range');
  if (start === stop || (start < stop && step < 0) || (stop < start && step > 1)) return new Tensor(makeArray(dt, 0), [0], dt) as Tensor1D;
  const n = Math.abs(Math.ceil((stop - start) / step));
  const out = makeArray(dt, n);
  const s = stop < start && step === 1 ? -1 : step;
  if (n > 0) out[0] = start;
  for (let i = 1; i < n; i++) out[i] = out[i - 1]! + s;
  return new Tensor(out, [n], dt) as Tensor1D;
}

export function linspace(start: number, stop: number, num: number): Tensor1D {
  if (!Number.isInteger(num) || num <= 0) throw invalidArg('linspace num', 'a positive integer', num);
  const out = new Float32Array(num);
  const step = (stop - start) / (num - 1);
  out[0] = start;
  for (let i = 1; i < num; i++) out[i] = out[i - 1]! + step;
  return new Tensor(out, [num], 'float32') as Tensor1D;
}

/** The identity matrix [numRows, numColumns], repeated over batchShape (of 1 to 3 axes) when given. */
export function eye(numRows: number, numColumns?: number, batchShape?: number[], dtype: DataType = 'float32'): Tensor2D {
  const cols = numColumns ?? numRows;
  for (const [name, v] of [['numRows', numRows], ['numColumns', cols]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw invalidArg(`eye ${name}`, 'an integer >= 0', v);
  }
  const batch = batchShape === undefined || batchShape === null ? [] : checkShape(batchShape, 'eye batch');
  if (batchShape !== undefined && batchShape !== null && (batch.length < 1 || batch.length > 3)) {
    throw new BlasnetError('ERR_INVALID_ARG', `eye() currently supports only 1D and 2D batchShapes, but received ${batch.length}D.`);
  }
  const t = zeros<Tensor2D>([...batch, numRows, cols], dtype);
  const v = t.dataSync();
  const per = numRows * cols;
  for (let b = 0; b < sizeFromShape(batch); b++) for (let i = 0; i < Math.min(numRows, cols); i++) v[b * per + i * cols + i] = 1;
  return t;
}

export const oneHot = op('oneHot', (indices: Tensor | TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DataType = 'int32'): Tensor => {
  const ind = convertToTensor(indices, 'indices', 'oneHot', 'int32');
  if (ind.dtype !== 'int32') {
    throw new BlasnetError('ERR_INVALID_ARG', `Argument 'indices' passed to 'oneHot' must be int32 tensor, but got ${ind.dtype} tensor`);
  }
  if (!Number.isInteger(depth) || depth < 2) throw invalidArg('oneHot depth', 'an integer >= 2', depth);
  const dt = checkDtype(dtype, 'oneHot');
  const iv = ind.dataSync();
  const out = makeArray(dt, iv.length * depth);
  out.fill(offValue);
  for (let i = 0; i < iv.length; i++) {
    const j = iv[i]!;
    if (j >= 0 && j < depth) out[i * depth + j] = onValue;
  }
  return new Tensor(out, [...ind.shape, depth], dt);
});

function sampled(shape: number[], dtype: DataType, fn: string, draw: () => number): Tensor {
  const s = checkShape(shape, fn);
  const dt = checkDtype(dtype, fn);
  if (dt === 'bool') throw invalidArg(`${fn} dtype`, "'float32' or 'int32'", dtype);
  const out = makeArray(dt, sizeFromShape(s));
  for (let i = 0; i < out.length; i++) out[i] = draw();
  return new Tensor(out, s, dt);
}

/** Uniform in [minval, maxval); the same numbers as tfjs for the same seed. */
export function randomUniform<T extends Tensor = Tensor>(shape: number[], minval = 0, maxval = 1, dtype: DataType = 'float32', seed?: number | string): T {
  return sampled(shape, dtype, 'randomUniform', uniformStream(minval, maxval, seed)) as T;
}

/** Normal(mean, stdDev); the same numbers as tfjs for the same seed. */
export function randomNormal<T extends Tensor = Tensor>(shape: number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): T {
  return sampled(shape, dtype, 'randomNormal', gaussStream(mean, stdDev, dtype === 'int32', false, seed)) as T;
}

export function truncatedNormal<T extends Tensor = Tensor>(shape: number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): T {
  return sampled(shape, dtype, 'truncatedNormal', gaussStream(mean, stdDev, dtype === 'int32', true, seed)) as T;
}

/** Normal(0, 1): randomNormal's numbers for the same seed. */
export function randomStandardNormal<T extends Tensor = Tensor>(shape: number[], dtype: 'float32' | 'int32' = 'float32', seed?: number): T {
  if ((dtype as DataType) === 'bool') throw invalidArg('randomStandardNormal dtype', "'float32' or 'int32'", dtype);
  return randomNormal<T>(shape, 0, 1, dtype, seed);
}

/** Integers uniform in [minval, maxval): randomUniform's int32 numbers for the same seed. */
export function randomUniformInt<T extends Tensor = Tensor>(shape: number[], minval: number, maxval: number, seed?: number | string): T {
  for (const [name, v] of [['minval', minval], ['maxval', maxval]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArg(`randomUniformInt ${name}`, 'a finite number', v);
  }
  return randomUniform<T>(shape, minval, maxval, 'int32', seed);
}
