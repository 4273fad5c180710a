// User input -> Matrix, once per call: number[][] (ragged rows and non-numbers rejected with their
// position), a Float32Array with a shape (used without a copy), {data, shape}, a Tensor2D, and 1-D
// label vectors. Non-finite values are reported by row and column.
import { BlasnetError, describe, invalidArg } from '../errors';
import type { Matrix } from '../engine/types';
import { inPieces } from '../engine/turns';
import { Tensor } from '../tensor';

export type MatrixLike =
  | number[][]
  | Tensor
  | { data: Float32Array | ArrayLike<number>; shape: [number, number] | number[] };

/** Labels: anything MatrixLike, or a 1-D vector of class indices / 0-1 values. */
export type LabelsLike = MatrixLike | number[] | Int32Array | Float32Array | Uint8Array | Float64Array;

function fromFlat(data: unknown, shape: unknown, arg: string, allow1d: boolean): Matrix {
  let rows: number, cols: number;
  // (Checked without a callback: this runs on every predictSync, the latency path.)
  if (Array.isArray(shape) && shape.length === 2 && Number.isInteger(shape[0]) && shape[0] >= 0 &&
    Number.isInteger(shape[1]) && shape[1] >= 0) {
    rows = shape[0] as number;
    cols = shape[1] as number;
  } else if (allow1d && Array.isArray(shape) && shape.length === 1 && Number.isInteger(shape[0]) && (shape[0] as number) >= 0) {
    rows = shape[0] as number;
    cols = 1;
  } else {
    throw invalidArg(`${arg}.shape`, allow1d ? '[rows, cols] or [rows]' : '[rows, cols]', shape);
  }
  let f32: Float32Array;
  if (data instanceof Float32Array) f32 = data;
  else if (Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView))) {
    if (typeof (data as ArrayLike<unknown>)[0] === 'bigint') throw invalidArg(`${arg}.data`, 'numbers', data);
    f32 = Float32Array.from(data as ArrayLike<number>);
  } else {
    throw invalidArg(`${arg}.data`, 'a Float32Array or an array of numbers', data);
  }
  if (f32.buffer.byteLength === 0 && rows * cols > 0) {
    throw invalidArg(`${arg}.data`, 'a Float32Array with a live buffer (it was detached or transferred)', data);
  }
  if (f32.length !== rows * cols) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `Expected ${rows * cols} values for ${arg} of shape [${rows}, ${cols}] but received ${f32.length}`);
  }
  return { data: f32, rows, cols };
}

function fromRows(rowsIn: unknown[], arg: string): Matrix {
  const rows = rowsIn.length;
  const first = rowsIn[0];
  if (!Array.isArray(first) && !ArrayBuffer.isView(first)) throw invalidArg(`${arg}[0]`, 'an array of numbers (a row)', first);
  const cols = (first as ArrayLike<number>).length;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = rowsIn[r] as ArrayLike<unknown>;
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) throw invalidArg(`${arg}[${r}]`, 'an array of numbers (a row)', row);
    if (row.length !== cols) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Expected ${cols} values in row ${r} of ${arg} (as in row 0) but received ${row.length} (ragged rows)`);
    }
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      if (typeof v !== 'number') {
        throw invalidArg(`${arg}[${r}][${c}]`, 'a number', v);
      }
      out[r * cols + c] = v;
    }
  }
  return { data: out, rows, cols };
}

/** A blasnet tensor, or any object with tfjs's dataSync() and shape (tf.tensor2d(...), @tensorflow/tfjs tensors). */
function isTensorLike(v: unknown): v is Tensor {
  return v instanceof Tensor || (typeof v === 'object' && v !== null && typeof (v as Tensor).dataSync === 'function' && Array.isArray((v as Tensor).shape));
}

/** x (or 2-D labels) as a Matrix. */
export function toMatrix(x: unknown, arg = 'x'): Matrix {
  if (isTensorLike(x)) {
    if (x.isDisposed) throw invalidArg(arg, 'a tensor that is not disposed', x);
    // Rows of any shape ([n, 8, 8] for a flatten layer) are row-major: [n, 64] over the same values.
    const s = x.shape;
    const shape = s.length > 2 ? [s[0], s.slice(1).reduce((a, b) => a * b, 1)] : s;
    return fromFlat(x.dataSync(), shape, arg, false);
  }
  if (Array.isArray(x)) {
    if (x.length === 0) throw invalidArg(arg, 'at least one row', x);
    if (typeof x[0] === 'number') {
      throw invalidArg(arg, 'a 2-D array (rows of features); wrap a single sample as [[...]]', x);
    }
    return fromRows(x, arg);
  }
  if (x && typeof x === 'object' && !ArrayBuffer.isView(x) && 'data' in x && 'shape' in x) {
    return fromFlat((x as { data: unknown }).data, (x as { shape: unknown }).shape, arg, false);
  }
  if (ArrayBuffer.isView(x)) {
    throw invalidArg(arg, 'a typed array with a shape: tensor2d(values, [rows, cols]) or {data, shape}', x);
  }
  throw invalidArg(arg, 'number[][], a Tensor2D or {data: Float32Array, shape: [rows, cols]}', x);
}

/** Labels as a Matrix: 2-D like x, or a 1-D vector (one column). */
export function toLabels(y: unknown, arg = 'y'): Matrix {
  if (isTensorLike(y)) {
    if (y.isDisposed) throw invalidArg(arg, 'a tensor that is not disposed', y);
    return fromFlat(y.dataSync(), y.shape, arg, true);
  }
  if (Array.isArray(y)) {
    if (y.length === 0) throw invalidArg(arg, 'at least one row', y);
    if (typeof y[0] === 'number' || typeof y[0] === 'boolean') {
      const out = new Float32Array(y.length);
      for (let i = 0; i < y.length; i++) {
        const v = y[i];
        if (typeof v !== 'number' && typeof v !== 'boolean') throw invalidArg(`${arg}[${i}]`, 'a number', v);
        out[i] = Number(v);
      }
      return { data: out, rows: y.length, cols: 1 };
    }
    return fromRows(y, arg);
  }
  if (ArrayBuffer.isView(y) && !(y instanceof DataView)) {
    if (typeof (y as unknown as ArrayLike<unknown>)[0] === 'bigint') throw invalidArg(arg, 'numbers, not BigInts', y);
    const a = y as unknown as ArrayLike<number>;
    if (a.length === 0) throw invalidArg(arg, 'at least one row', y);
    const data = y instanceof Float32Array ? y : Float32Array.from(a);
    return { data, rows: a.length, cols: 1 };
  }
  if (y && typeof y === 'object' && 'data' in y && 'shape' in y) {
    return fromFlat((y as { data: unknown }).data, (y as { shape: unknown }).shape, arg, true);
  }
  throw invalidArg(arg, 'number[][], number[], a typed array, a Tensor2D or {data, shape}', y);
}

/**
 * True when every value is finite. v * 0 is 0 for finite v and NaN otherwise; four independent sums
 * make it ~5x faster than a test per element (60,000 x 784 values: ~20 ms instead of ~120 ms).
 * The length is read once: a `d.length` in the tail loop's test, never reached while the function was
 * interpreted (widths that are multiples of 4), had no type feedback, and optimized code deoptimized
 * there on every call, leaving the loop interpreted (25x slower in a server).
 */
export function allFinite(d: Float32Array): boolean {
  const n = d.length;
  const n4 = n - (n % 4);
  let a = 0, b = 0, c = 0, e = 0;
  let i = 0;
  for (; i < n4; i += 4) { a += d[i]! * 0; b += d[i + 1]! * 0; c += d[i + 2]! * 0; e += d[i + 3]! * 0; }
  for (; i < n; i++) a += d[i]! * 0;
  return a + b + c + e === 0;
}

/** Throws ERR_NON_FINITE naming the first NaN / Infinity by row and column. */
export function checkFinite(m: Matrix, arg: string): void {
  if (!allFinite(m.data)) throwFirstNonFinite(m, arg, 0);
}

// checkFiniteInTurns checks values a quarter of a millisecond's worth at a time, and at most about a
// millisecond's worth (or 2 ms) per event-loop turn.
const FINITE_PIECE = 1 << 18;
const FINITE_PER_TURN = 1 << 20;

/**
 * checkFinite over several event-loop turns: the 47 million values of a 60,000 x 784 x take ~20 ms,
 * which a fit must not hold the loop for.
 */
export async function checkFiniteInTurns(m: Matrix, arg: string): Promise<void> {
  const d = m.data;
  await inPieces(d.length, FINITE_PIECE, FINITE_PER_TURN, (from, to) => {
    if (!allFinite(d.subarray(from, to))) throwFirstNonFinite(m, arg, from);
  });
}

function throwFirstNonFinite(m: Matrix, arg: string, from: number): void {
  const d = m.data;
  for (let i = from; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) {
      const r = Math.floor(i / m.cols), c = i % m.cols;
      throw new BlasnetError('ERR_NON_FINITE', `Expected finite numbers in ${arg} but received ${describe(v)} at row ${r}, column ${c}`);
    }
  }
}

/** Rows [start, end) as a view (no copy). */
export function sliceRows(m: Matrix, start: number, end: number): Matrix {
  return { data: m.data.subarray(start * m.cols, end * m.cols), rows: end - start, cols: m.cols };
}

/** Gathers rows by index into a new matrix (used where a copy is unavoidable: trainTestSplit). */
export function gatherRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = new Float32Array(idx.length * m.cols);
  for (let i = 0; i < idx.length; i++) out.set(m.data.subarray(idx[i]! * m.cols, (idx[i]! + 1) * m.cols), i * m.cols);
  return { data: out, rows: idx.length, cols: m.cols };
}
