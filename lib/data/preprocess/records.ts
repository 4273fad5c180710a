// Raw records as a client has them (objects by column name, or columns of values) through a fitted
// preprocessor into the engines' rows, and a model's outputs back as class names with probabilities.
// The library entry for servers, job runners and model.predictRecords().
import { BlasnetError, describe, invalidArg } from '../../errors';
import { checkMemory } from '../../limits';
import { tableFromRecords } from '../csv';
import type { ColumnSpec } from '../table/options';
import type { Table } from '../table/table';

/** Rows form [{column: value, ...}, ...] or columnar form {column: [value, ...], ...}. */
export type RecordsInput = readonly unknown[] | Readonly<Record<string, readonly unknown[]>>;

export interface RecordRows {
  /** rows x width features, row-major, as model.predictAsync({data: x, shape: [rows, width]}) takes them. */
  x: Float32Array;
  rows: number;
  width: number;
  /** Per column, values never seen in training (encoded as all zeros, or imputed for booleans). */
  unknown: Record<string, number>;
}

/** One record's prediction: a classifier's class and its probability by class name, or a regressor's value(s). */
export type RecordAnswer =
  | { class: string | number; probabilities: Record<string, number> }
  | { value: number }
  | { values: number[] };

/** What this file needs of a fitted Preprocessor (the class imports this file). */
interface Fitted {
  inputColumns(options?: { label?: boolean }): ColumnSpec[];
  transform(table: Table, rows?: null, options?: { out?: Float32Array }): { x: { dataSync(): Float32Array }; unknown: Record<string, number> };
  readonly outputWidth: number;
  readonly classes: (string | number)[] | null;
}

export interface RecordsOptions {
  /** At most this many records (default: no count limit; memory is checked against the limit either way). */
  maxRows?: number;
  /** Write x into this buffer (at least rows x width values) instead of allocating one. */
  out?: Float32Array;
  /** Names the records in errors (default "records"). */
  source?: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** True for what recordsToRows takes in rows form: a non-empty array of plain objects. */
export function isRecordArray(v: unknown): v is readonly Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && isPlainObject(v[0]);
}

/** Columnar records as rows, reading only the columns the preprocessor uses (others are ignored). */
function columnsToRows(columns: Readonly<Record<string, unknown>>, names: readonly string[], source: string): Record<string, unknown>[] {
  let n = -1, first = '';
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(columns, name)) continue;
    const col = columns[name];
    if (!Array.isArray(col)) throw invalidArg(`${source}.${name}`, 'an array of values (columnar records)', col);
    if (n === -1) { n = col.length; first = name; } else if (col.length !== n) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${n} values in ${source}.${name} (as in ${source}.${first}) but received ${col.length}`);
    }
  }
  if (n === -1) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected ${source} to hold at least one of the model's columns (${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''}) but it has none`);
  }
  const rows: Record<string, unknown>[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const rec: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const name of names) if (Object.prototype.hasOwnProperty.call(columns, name)) rec[name] = (columns[name] as unknown[])[r];
    rows[r] = rec;
  }
  return rows;
}

/**
 * Records -> the rows a model takes: each through the preprocessor as the training rows were (absent
 * fields and null are missing and imputed; keys the preprocessor does not use are ignored; a category
 * never seen in training encodes as zeros and is counted in `unknown`). A bad value is an ERR_INVALID_ARG
 * naming the record (0-based, as in the array) and the key.
 */
export function recordsToRows(pre: Fitted, records: RecordsInput, options: RecordsOptions = {}): RecordRows {
  const o = options ?? {};
  const source = o.source ?? 'records';
  if (typeof source !== 'string') throw invalidArg('options.source', 'a string', source);
  const schema = pre.inputColumns();
  let rows: readonly unknown[];
  if (Array.isArray(records)) rows = records;
  else if (isPlainObject(records)) rows = columnsToRows(records, schema.map((c) => c.name), source);
  else throw invalidArg(source, 'an array of records (objects by column name) or an object of columns', records);
  if (rows.length === 0) throw invalidArg(source, 'at least one record', records);
  if (o.maxRows !== undefined) {
    if (!Number.isSafeInteger(o.maxRows) || o.maxRows < 1) throw invalidArg('options.maxRows', 'a positive integer', o.maxRows);
    if (rows.length > o.maxRows) throw new BlasnetError('ERR_LIMIT', `Expected at most ${o.maxRows} records but received ${rows.length}`);
  }
  const width = pre.outputWidth;
  if (o.out !== undefined && !(o.out instanceof Float32Array)) throw invalidArg('options.out', 'a Float32Array', o.out);
  if (!o.out) checkMemory(rows.length * width * 4, `${rows.length} records of ${width} features`);
  let table: Table;
  try {
    table = tableFromRecords(rows, { schema });
  } catch (err) {
    throw inCode(err, source);
  }
  const t = pre.transform(table, null, o.out ? { out: o.out } : {});
  return { x: t.x.dataSync(), rows: rows.length, width, unknown: t.unknown };
}

/** The reader's "records: line 3, key ..." for records in code: "records[2], key ...", an argument error. */
function inCode(err: unknown, source: string): unknown {
  if (!(err instanceof BlasnetError) || err.code === 'ERR_LIMIT') return err;
  const m = /^records: line (\d+)(.*)$/s.exec(err.message);
  const message = m ? `${source}[${Number(m[1]) - 1}]${m[2]}` : err.message;
  return new BlasnetError('ERR_INVALID_ARG', message, { cause: err });
}

/**
 * A model's outputs (rows x outputDim, row-major) as answers: for a classifier, the most likely class
 * and every class's probability by name (a one-unit sigmoid output is the second class's probability);
 * otherwise the value (one output) or the values.
 */
export function recordAnswers(pre: Pick<Fitted, 'classes'>, outputs: Float32Array, outputDim: number): RecordAnswer[] {
  if (!(outputs instanceof Float32Array)) throw invalidArg('outputs', 'a Float32Array', outputs);
  if (!Number.isSafeInteger(outputDim) || outputDim < 1 || outputs.length % outputDim !== 0) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected outputs of rows x ${outputDim} values but received ${outputs.length} (${describe(outputDim)} outputs per row)`);
  }
  const rows = outputs.length / outputDim;
  const classes = pre.classes;
  const answers: RecordAnswer[] = new Array(rows);
  if (!classes) {
    for (let r = 0; r < rows; r++) {
      answers[r] = outputDim === 1 ? { value: outputs[r]! } : { values: Array.from(outputs.subarray(r * outputDim, (r + 1) * outputDim)) };
    }
    return answers;
  }
  const binary = outputDim === 1 && classes.length === 2;
  if (!binary && outputDim !== classes.length) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${classes.length} outputs per row (one per class: ${classes.slice(0, 10).join(', ')}) but received ${outputDim}`);
  }
  const keys = classes.map(String);
  const p = new Float64Array(classes.length);
  for (let r = 0; r < rows; r++) {
    if (binary) { p[1] = outputs[r]!; p[0] = 1 - p[1]; } else for (let j = 0; j < outputDim; j++) p[j] = outputs[r * outputDim + j]!;
    let best = 0;
    const probabilities: Record<string, number> = {};
    for (let j = 0; j < p.length; j++) {
      if (p[j]! > p[best]!) best = j;
      // A class named __proto__ is an own key (as JSON.parse makes it), not the object's prototype.
      if (keys[j] === '__proto__') Object.defineProperty(probabilities, '__proto__', { value: p[j]!, enumerable: true, writable: true, configurable: true });
      else probabilities[keys[j]!] = p[j]!;
    }
    answers[r] = { class: classes[best]!, probabilities };
  }
  return answers;
}
