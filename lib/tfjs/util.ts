// tf.util: the helpers layers programs call (assert, shuffle, shapes and sizes), with tfjs's behaviour.
import { BlasnetError, invalidArg } from '../errors';
import { computeStrides, sizeFromShape } from '../tensor/types';

type ArrayLikeMutable<T> = { length: number; [i: number]: T };

/** Throws when expr is false; msg is a function (as tfjs) or a string. */
export function assert(expr: boolean, msg: (() => string) | string): asserts expr {
  if (!expr) throw new BlasnetError('ERR_INVALID_ARG', typeof msg === 'function' ? msg() : msg);
}

/** Shuffles in place with Math.random, as tfjs's util.shuffle (Fisher-Yates from the end). */
export function shuffle<T>(array: ArrayLikeMutable<T>): void {
  if (array === null || typeof array !== 'object' || typeof array.length !== 'number') {
    throw invalidArg('util.shuffle(array)', 'an array or a typed array', array);
  }
  let counter = array.length;
  while (counter > 0) {
    const index = (Math.random() * counter) | 0;
    counter--;
    const t = array[counter]!;
    array[counter] = array[index]!;
    array[index] = t;
  }
}

/** Shuffles two arrays of the same length with the same permutation. */
export function shuffleCombo<T, U>(array: ArrayLikeMutable<T>, array2: ArrayLikeMutable<U>): void {
  if (array.length !== array2.length) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `Array sizes must match to be shuffled together. First array length was ${array.length}. Second array length was ${array2.length}`);
  }
  let counter = array.length;
  while (counter > 0) {
    const index = (Math.random() * counter) | 0;
    counter--;
    const t = array[counter]!; array[counter] = array[index]!; array[index] = t;
    const u = array2[counter]!; array2[counter] = array2[index]!; array2[index] = u;
  }
}

/** 0..n-1 shuffled (a Uint32Array). */
export function createShuffledIndices(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  shuffle(out);
  return out;
}

export function arraysEqual(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a === b) return true;
  if (a == null || b == null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Flattens nested arrays (and typed arrays inside them) into one array. */
export function flatten(arr: unknown, result: unknown[] = [], skipTypedArray = false): unknown[] {
  if (Array.isArray(arr) || (ArrayBuffer.isView(arr) && !skipTypedArray)) {
    const a = arr as ArrayLike<unknown>;
    for (let i = 0; i < a.length; ++i) flatten(a[i], result, skipTypedArray);
  } else {
    result.push(arr);
  }
  return result;
}

export function clamp(min: number, x: number, max: number): number {
  return Math.max(min, Math.min(x, max));
}

export function now(): number {
  return performance.now();
}

export function isTypedArray(a: unknown): boolean {
  return a instanceof Float32Array || a instanceof Int32Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray;
}

export function isScalarShape(shape: number[]): boolean { return shape.length === 0; }

export function toNestedArray(shape: number[], a: ArrayLike<number>): unknown {
  if (shape.length === 0) return a[0];
  const size = sizeFromShape(shape);
  if (size === 0) return [];
  if (size !== a.length) throw new BlasnetError('ERR_SHAPE_MISMATCH', `[${shape}] does not match the input size ${a.length}.`);
  const build = (off: number, axis: number): unknown => {
    const n = shape[axis]!;
    if (axis === shape.length - 1) return Array.from({ length: n }, (_, i) => a[off + i]);
    const step = sizeFromShape(shape.slice(axis + 1));
    return Array.from({ length: n }, (_, i) => build(off + i * step, axis + 1));
  };
  return build(0, 0);
}

export const util = {
  assert, shuffle, shuffleCombo, createShuffledIndices, arraysEqual, flatten, clamp, now, isTypedArray, isScalarShape,
  sizeFromShape, computeStrides, toNestedArray,
};
