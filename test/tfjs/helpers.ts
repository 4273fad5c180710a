// Runs one script against real @tensorflow/tfjs and against blasnet's tfjs namespace and compares what
// comes out: tensors by dtype, shape and values (within 1e-6, relative above 1), anything else as is,
// and the change in memory() counts, so every op must also make as many tensors and buffers as tfjs's.
import { expect } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as ours from '../../lib/index';
import { BlasnetError } from '../../lib/errors';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TF = any;
export const realTf: TF = real;
export const oursTf: TF = ours;

export const TOLERANCE = 1e-6;

type Plain = { tensor: true; dtype: string; shape: number[]; values: number[] } | Plain[] | { [k: string]: Plain } | unknown;

function isTensor(v: unknown): v is { dtype: string; shape: number[]; dataSync(): ArrayLike<number> } {
  return v !== null && typeof v === 'object' && typeof (v as { dataSync?: unknown }).dataSync === 'function' && Array.isArray((v as { shape?: unknown }).shape);
}

/** Tensors become {dtype, shape, values}; arrays and objects are walked. */
export function plain(v: unknown): Plain {
  if (isTensor(v)) return { tensor: true, dtype: v.dtype, shape: [...v.shape], values: Array.from(v.dataSync()) };
  if (Array.isArray(v)) return v.map(plain);
  if (ArrayBuffer.isView(v)) return { typed: (v as object).constructor.name, values: Array.from(v as unknown as ArrayLike<number>) };
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(b)) return Number.isNaN(a);
  if (!Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(b));
}

/** Asserts deep equality with numeric tolerance; `where` names the place in messages. */
export function expectClose(actual: Plain, expected: Plain, where: string): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${where}: an array`).toBe(true);
    expect((actual as Plain[]).length, `${where}: length`).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as Plain[])[i], e, `${where}[${i}]`));
    return;
  }
  if (typeof expected === 'number') {
    expect(typeof actual, `${where}: a number`).toBe('number');
    expect(close(actual as number, expected), `${where}: ${String(actual)} vs tfjs ${expected}`).toBe(true);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    const e = expected as Record<string, Plain>, a = actual as Record<string, Plain>;
    expect(a !== null && typeof a === 'object', `${where}: an object`).toBe(true);
    expect(Object.keys(a).sort(), `${where}: keys`).toEqual(Object.keys(e).sort());
    if (e.tensor === true) {
      expect(a.dtype, `${where}: dtype`).toBe(e.dtype);
      expect(a.shape, `${where}: shape`).toEqual(e.shape);
    }
    for (const k of Object.keys(e)) expectClose(a[k], e[k], `${where}.${k}`);
    return;
  }
  expect(actual, where).toEqual(expected);
}

export interface Outcome { result?: Plain; error?: unknown; tensors: number; buffers: number; bytes: number }

/** Runs a script, returning its result (or error) and the memory() deltas it left. */
export function run(tf: TF, script: (tf: TF) => unknown): Outcome {
  const before = tf.memory();
  let result: Plain | undefined, error: unknown;
  try {
    result = plain(script(tf));
  } catch (err) {
    error = err;
  }
  const after = tf.memory();
  return { result, error, tensors: after.numTensors - before.numTensors, buffers: after.numDataBuffers - before.numDataBuffers, bytes: after.numBytes - before.numBytes };
}

/** The script gives tfjs's values and memory counts on blasnet; where tfjs throws, blasnet throws a BlasnetError. */
export function conform(name: string, script: (tf: TF) => unknown, opts: { memory?: boolean } = {}): void {
  const theirs = run(realTf, script);
  const mine = run(oursTf, script);
  if (theirs.error !== undefined) {
    expect(mine.error, `${name}: tfjs throws (${String((theirs.error as Error).message).slice(0, 80)}), so must blasnet`).toBeInstanceOf(BlasnetError);
    return;
  }
  if (mine.error !== undefined) throw mine.error;
  expectClose(mine.result, theirs.result, name);
  if (opts.memory !== false) {
    expect({ tensors: mine.tensors, buffers: mine.buffers, bytes: mine.bytes }, `${name}: memory() change`)
      .toEqual({ tensors: theirs.tensors, buffers: theirs.buffers, bytes: theirs.bytes });
  }
}

/** Deterministic values in [-2, 2) (no tfjs random involved). */
export function vals(n: number, seed = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return Math.round(((s / 2147483647) * 4 - 2) * 1000) / 1000;
  });
}
