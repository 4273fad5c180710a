// Numbers from a parsed JSON body into one row-major Float32Array, checked as they are copied: the
// shape against the model's input, every value a finite number. The body parser (json-body.ts) hands
// tensor data over as Float32Arrays (flat, or one per row) already rounded to float32: a flat one is
// taken as it is. Errors name the JSON path of the bad value, with the library's codes
// (ERR_SHAPE_MISMATCH, ERR_INVALID_ARG, ERR_NON_FINITE).
import { allFinite } from '../data/coerce';
import { BlasnetError, describe } from '../errors';
import { HttpError } from './errors';

/** A JSON array as the body parser gives it: plain, or numbers read straight into float32. */
export function isList(v: unknown): v is unknown[] | Float32Array {
  return Array.isArray(v) || v instanceof Float32Array;
}

export function tooManyRows(rows: number, limit: number): HttpError {
  return new HttpError(413, 'ERR_LIMIT', `The request has ${rows} rows, more than the limit of ${limit} rows per request`);
}

function badValue(v: unknown, where: string): BlasnetError {
  if (typeof v === 'number') return new BlasnetError('ERR_NON_FINITE', `Expected a finite number at ${where} but received ${v}`);
  return new BlasnetError('ERR_INVALID_ARG', `Expected a number at ${where} but received ${describe(v)}`);
}

/** Values already float32 (from the body parser): a JSON number beyond float32's range is Infinity there. */
function checkFloat32(v: Float32Array, where: string): void {
  if (allFinite(v)) return;
  const i = v.findIndex((x) => x - x !== 0);
  throw new BlasnetError('ERR_NON_FINITE', `Expected a finite number (within float32's ±3.4e38) at ${where}[${i}] but received ${v[i]}`);
}

/** Copies one row (an array of d numbers, or a number when d is 1) into x at row r. */
function copyRow(row: unknown, d: number, x: Float32Array, r: number, where: string): void {
  if (typeof row === 'number' && d === 1) {
    if (!Number.isFinite(row)) throw badValue(row, where);
    x[r] = row;
    return;
  }
  if (!isList(row)) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected an array of ${d} numbers at ${where} but received ${describe(row)}`);
  }
  if (row.length !== d) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${d} values at ${where} (the model's input width) but received ${row.length}`);
  }
  const off = r * d;
  if (row instanceof Float32Array) {
    checkFloat32(row, where);
    x.set(row, off);
    return;
  }
  for (let j = 0; j < d; j++) {
    const v = row[j];
    // typeof + isFinite in one test: NaN and infinities fail v - v === 0.
    if (typeof v !== 'number' || v - v !== 0) throw badValue(v, `${where}[${j}]`);
    x[off + j] = v;
  }
}

/** A list of rows (each d numbers) as a Float32Array of rows x d. */
export function rowsToFloat32(rows: unknown, d: number, where: string, maxRows: number): { x: Float32Array; rows: number } {
  if (!isList(rows) || rows.length === 0) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a non-empty array of rows for ${where} but received ${describe(rows)}`);
  }
  if (rows.length > maxRows) throw tooManyRows(rows.length, maxRows);
  const n = rows.length;
  // A flat list of numbers is n rows of one feature.
  if (rows instanceof Float32Array) {
    if (d !== 1) throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected an array of ${d} numbers at ${where}[0] but received ${rows[0]}`);
    checkFloat32(rows, where);
    return { x: rows, rows: n };
  }
  const x = new Float32Array(n * d);
  for (let r = 0; r < n; r++) copyRow(rows[r], d, x, r, `${where}[${r}]`);
  return { x, rows: n };
}

/**
 * Tensor data of shape [rows, d], flat (row-major) or nested as rows, as the Open Inference Protocol
 * allows both.
 */
export function tensorToFloat32(data: unknown, rows: number, d: number, where: string): Float32Array {
  if (!isList(data)) throw new BlasnetError('ERR_INVALID_ARG', `Expected an array for ${where} but received ${describe(data)}`);
  if (data.length > 0 && isList(data[0])) {
    if (data.length !== rows) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${rows} rows in ${where} (as its shape says) but received ${data.length}`);
    }
    return rowsToFloat32(data, d, where, rows).x;
  }
  const n = rows * d;
  if (data.length !== n) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${n} values in ${where} (shape [${rows}, ${d}]) but received ${data.length}`);
  }
  if (data instanceof Float32Array) {
    checkFloat32(data, where);
    return data;
  }
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (typeof v !== 'number' || v - v !== 0) throw badValue(v, `${where}[${i}]`);
    x[i] = v;
  }
  return x;
}

/**
 * A float32 as the shortest decimal that reads back as the same float32, so a client sees 0.1 rather
 * than 0.10000000149011612.
 */
export function f32(v: number): string {
  if (v - v !== 0) return 'null';
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(+s) === v) return String(+s);
  }
  return String(+v.toPrecision(9));
}

/** JSON text of a rows x k matrix: [[...],[...]], or row-major [...] when flat. */
export function matrixJson(v: Float32Array, k: number, flat: boolean): string {
  const rows = v.length / k;
  let s = '[';
  for (let r = 0; r < rows; r++) {
    if (r > 0) s += ',';
    if (!flat) s += '[';
    for (let j = 0; j < k; j++) {
      if (j > 0) s += ',';
      s += f32(v[r * k + j]!);
    }
    if (!flat) s += ']';
  }
  return s + ']';
}
