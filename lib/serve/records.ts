// Raw records: objects by column name, as a client has them, go through what the model saved with it
// (its feature order and scaler) and come back as class labels with probabilities (classifiers) or values
// by the label's name (regressors). Rows form [{col: v, ...}, ...] and columnar form {col: [v, ...], ...}.
import { BlasnetError, describe } from '../errors';
import type { Sequential } from '../model/sequential';
import { HttpError } from './errors';
import { f32, tooManyRows } from './tensor-input';
import type { ModelInfo } from './model-info';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function features(info: ModelInfo, model: string): string[] {
  if (!info.features) {
    throw new HttpError(400, 'ERR_UNSUPPORTED',
      `Model ${model} was saved without feature names, so it cannot take records by column name; send rows of ${info.inputDim} numbers instead`);
  }
  return info.features;
}

function cell(v: unknown, where: string): number {
  if (typeof v === 'number') {
    if (v - v !== 0) throw new BlasnetError('ERR_NON_FINITE', `Expected a finite number at ${where} but received ${v}`);
    return v;
  }
  if (v === undefined) throw new BlasnetError('ERR_INVALID_ARG', `Expected a number at ${where} but the column is missing`);
  throw new BlasnetError('ERR_INVALID_ARG', `Expected a number at ${where} but received ${describe(v)}`);
}

/** Records in rows form as the model's input (features picked by name; other keys ignored), before scaling. */
export function recordRows(records: unknown[], info: ModelInfo, model: string, where: string, maxRows: number): { x: Float32Array; rows: number } {
  const cols = features(info, model);
  if (records.length > maxRows) throw tooManyRows(records.length, maxRows);
  const d = cols.length;
  const x = new Float32Array(records.length * d);
  records.forEach((rec, r) => {
    if (!isRecord(rec)) throw new BlasnetError('ERR_INVALID_ARG', `Expected an object of columns at ${where}[${r}] but received ${describe(rec)}`);
    for (let j = 0; j < d; j++) x[r * d + j] = cell(rec[cols[j]!], `${where}[${r}].${cols[j]}`);
  });
  return { x, rows: records.length };
}

/** Records in columnar form ({column: [values]}) as the model's input, before scaling. */
export function recordColumns(columns: Record<string, unknown>, info: ModelInfo, model: string, where: string, maxRows: number): { x: Float32Array; rows: number } {
  const cols = features(info, model);
  const first = columns[cols[0]!];
  if (!Array.isArray(first) || first.length === 0) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a non-empty array for ${where}.${cols[0]} but received ${describe(first)}`);
  }
  const n = first.length;
  if (n > maxRows) throw tooManyRows(n, maxRows);
  const d = cols.length;
  const x = new Float32Array(n * d);
  for (let j = 0; j < d; j++) {
    const col = columns[cols[j]!];
    if (!Array.isArray(col) || col.length !== n) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected an array of ${n} values for ${where}.${cols[j]} (as ${cols[0]}) but received ${describe(col)}`);
    }
    for (let r = 0; r < n; r++) x[r * d + j] = cell(col[r], `${where}.${cols[j]}[${r}]`);
  }
  return { x, rows: n };
}

/** Applies the scaler saved with the model, in place of x's values. */
export function preprocess(model: Sequential, x: Float32Array, rows: number): Float32Array {
  const scaler = model.getScaler();
  if (!scaler) return x;
  return scaler.transform({ data: x, shape: [rows, x.length / rows] }).dataSync<'float32'>();
}

/** Per row: {"class", "probabilities": {label: p}} for classifiers, {label: value} for one-output regressors. */
export function recordAnswers(out: Float32Array, info: ModelInfo): string[] {
  const k = info.outputDim;
  const rows = out.length / k;
  const binary = k === 1 && info.outputActivation === 'sigmoid';
  const classifier = binary || info.outputActivation === 'softmax';
  const answers: string[] = [];
  if (!classifier) {
    const key = JSON.stringify(info.label ?? 'prediction');
    for (let r = 0; r < rows; r++) {
      answers.push(k === 1 ? `{${key}:${f32(out[r]!)}}` : `{"values":[${Array.from(out.subarray(r * k, r * k + k), f32).join(',')}]}`);
    }
    return answers;
  }
  const classes = info.classes ?? (binary ? [0, 1] : Array.from({ length: k }, (_, i) => i));
  const keys = classes.map((c) => JSON.stringify(String(c)));
  const values = classes.map((c) => JSON.stringify(c));
  for (let r = 0; r < rows; r++) {
    const p = binary ? [1 - out[r]!, out[r]!] : Array.from(out.subarray(r * k, r * k + k));
    let best = 0;
    for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
    answers.push(`{"class":${values[best]},"probabilities":{${p.map((v, j) => `${keys[j]}:${f32(Math.fround(v))}`).join(',')}}}`);
  }
  return answers;
}
