// What fit, evaluate and predict accept, checked before any engine call: features of the model's input
// width, labels that fit the output layer and the loss, per-row weights; and the outputs' check.
import { BlasnetError, describe, invalidArg } from '../errors';
import type { LossId, Matrix } from '../engine/types';
import { checkFinite, toLabels, toMatrix } from '../data/coerce';

/** x as a matrix with at least one row and one column (its width is checked by checkFeatures). */
export function featureMatrix(x: unknown, arg: string): Matrix {
  const m = toMatrix(x, arg);
  if (m.rows === 0) throw invalidArg(arg, 'at least one row', x);
  if (m.cols === 0) throw invalidArg(arg, 'at least one column', x);
  return m;
}

/** x has the model's input width and (unless the caller checks them itself) only finite values. */
export function checkFeatures(m: Matrix, inputDim: number, arg: string, values = true): Matrix {
  if (m.cols !== inputDim) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `Expected ${arg} with ${inputDim} features (columns), as the model's input shape, but received ${m.cols}`);
  }
  if (values) checkFinite(m, arg);
  return m;
}

/**
 * Labels for `rows` rows of x: class indices for the sparse loss, else one column per output unit.
 * values false: the caller checks that one-column-per-unit labels are finite (class indices are always
 * checked here).
 */
export function labelMatrix(y: unknown, arg: string, rows: number, outputDim: number, loss: LossId, values = true): Matrix {
  const m = toLabels(y, arg);
  if (m.rows !== rows) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${arg} with ${rows} rows (as x) but received ${m.rows}`);
  }
  if (values || loss === 'sparseCategoricalCrossentropy') checkFinite(m, arg);
  const d = outputDim;
  if (loss === 'sparseCategoricalCrossentropy') {
    if (m.cols !== 1) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Expected ${arg} as class indices (1 column) for sparseCategoricalCrossentropy but received ${m.cols} columns`);
    }
    for (let i = 0; i < m.rows; i++) {
      const v = m.data[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= d) {
        throw new BlasnetError('ERR_INVALID_ARG',
          `Expected an integer class index in [0, ${d - 1}] for ${arg} at row ${i} but received ${describe(v)}`);
      }
    }
  } else if (m.cols !== d) {
    const hint = m.cols === 1 && d > 1
      ? ' (class indices need the sparseCategoricalCrossentropy loss, or one-hot labels: data.oneHot(labels, numClasses))' : '';
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `Expected ${arg} with ${d} columns (the output layer's units) but received ${m.cols}${hint}`);
  }
  return m;
}

/** One finite, non-negative weight per row. */
export function rowWeights(w: unknown, arg: string, rows: number): Float32Array {
  const m = toLabels(w, arg);
  if (m.cols !== 1 || m.rows !== rows) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${arg} with one weight per row (${rows}) but received shape [${m.rows}, ${m.cols}]`);
  }
  for (let i = 0; i < m.rows; i++) {
    const v = m.data[i]!;
    if (!(v >= 0) || !Number.isFinite(v)) throw invalidArg(`${arg}[${i}]`, 'a finite number >= 0', v);
  }
  return m.data;
}

/** Class index of a label row (sparse label, argmax of one-hot, or rounded 0/1). */
function classOf(y: Matrix, r: number): number {
  if (y.cols === 1) return Math.round(y.data[r]!);
  let best = 0;
  for (let j = 1; j < y.cols; j++) if (y.data[r * y.cols + j]! > y.data[r * y.cols + best]!) best = j;
  return best;
}

/** fit's classWeight ({classIndex: weight} or an array) as one weight per row of y; missing classes weigh 1. */
export function classWeightsPerRow(cw: unknown, y: Matrix): Float32Array {
  let table: Map<number, number>;
  if (Array.isArray(cw)) {
    table = new Map(Array.from(cw, (v, i): [number, number] => [i, v as number])); // holes become undefined (rejected below)
  } else if (cw && typeof cw === 'object') {
    table = new Map(Object.entries(cw as Record<string, unknown>).map(([k, v]) => {
      const idx = Number(k);
      if (!Number.isInteger(idx) || idx < 0) throw invalidArg('classWeight key', 'a class index', k);
      return [idx, v as number];
    }));
  } else {
    throw invalidArg('classWeight', 'an object {classIndex: weight} or an array', cw);
  }
  for (const [k, v] of table) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidArg(`classWeight[${k}]`, 'a finite number >= 0', v);
  }
  const out = new Float32Array(y.rows);
  for (let r = 0; r < y.rows; r++) out[r] = table.get(classOf(y, r)) ?? 1;
  return out;
}

/**
 * Outputs are never handed back NaN or infinite: finite inputs (checked) through finite weights can
 * still overflow float32 once training has diverged (e.g. weights near 1e38 after a huge learning rate).
 */
export function checkOutputs(out: Float32Array, d: number): void {
  let acc = 0;
  for (let i = 0; i < out.length; i++) acc += out[i]! * 0;
  if (acc === 0) return;
  const i = out.findIndex((v) => !Number.isFinite(v));
  throw new BlasnetError('ERR_NON_FINITE',
    `Expected finite outputs from predict but received ${describe(out[i])} at row ${Math.floor(i / d)}, column ${i % d}: ` +
    'the weights are too large for float32 (training diverged); retrain with a lower learning rate or gradient clipping');
}

/** A zeroed float32 buffer; an allocation that cannot be satisfied is ERR_OUT_OF_MEMORY, not a RangeError. */
export function allocate(n: number): Float32Array {
  try {
    return new Float32Array(n);
  } catch (err) {
    throw new BlasnetError('ERR_OUT_OF_MEMORY', `Cannot allocate ${n} float32 values`, { cause: err });
  }
}
