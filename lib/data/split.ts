// trainTestSplit and oneHot (scikit-learn / tfjs semantics).
import { BlasnetError, invalidArg } from '../errors';
import type { Matrix } from '../engine/types';
import { matrixTensor, type Tensor2D } from '../tensor';
import { gatherRows, toLabels, toMatrix } from './coerce';
import { classCodes, splitIndices } from './folds';
import { Table } from './table/table';

export interface TrainTestSplitOptions {
  /** Fraction (0, 1) or a row count for the test part (default 0.25). */
  testSize?: number;
  /** Shuffle before splitting (default true). */
  shuffle?: boolean;
  /** Seed of this split's own generator (default: drawn from the global seeded generator). */
  seed?: number;
  /** Keep class proportions in both parts (labels: class indices or one-hot). */
  stratify?: boolean;
}

export interface TrainTestSplit {
  xTrain: Tensor2D;
  xTest: Tensor2D;
  yTrain: Tensor2D;
  yTest: Tensor2D;
}

/** The class of row r of y: its value (one column) or the index of its largest entry (one-hot). */
function classOf(y: Matrix, r: number): number {
  if (y.cols === 1) return y.data[r]!;
  let best = 0;
  for (let j = 1; j < y.cols; j++) if (y.data[r * y.cols + j]! > y.data[r * y.cols + best]!) best = j;
  return best;
}

export interface TableSplit {
  train: Table;
  test: Table;
  /** Rows of the original table in each part. */
  trainIndex: Int32Array;
  testIndex: Int32Array;
}

/**
 * Splits a Table into train and test tables, or x and y into train and test parts (copies: the parts
 * are new tensors; labels keep their width, 1 for 1-D). Both through folds.ts's splitIndices: stratify
 * (by the Table's label column, or y's class) keeps every class's proportion and a training row of it.
 */
export function trainTestSplit(table: Table, options?: TrainTestSplitOptions): TableSplit;
export function trainTestSplit(x: unknown, y: unknown, options?: TrainTestSplitOptions): TrainTestSplit;
export function trainTestSplit(x: unknown, y?: unknown, opts?: TrainTestSplitOptions): TrainTestSplit | TableSplit {
  if (x instanceof Table) {
    const o = (y ?? {}) as TrainTestSplitOptions;
    if (o === null || typeof o !== 'object') throw invalidArg('trainTestSplit options', 'an object', o);
    const f = splitIndices(x.rows, o.testSize ?? 0.25, { shuffle: o.shuffle, seed: o.seed, classes: o.stratify ? classCodes(x) : null });
    return { train: x.take(f.train), test: x.take(f.test), trainIndex: f.train, testIndex: f.test };
  }
  return splitMatrices(x, y, opts ?? {});
}

function splitMatrices(x: unknown, y: unknown, options: TrainTestSplitOptions): TrainTestSplit {
  if (options === null || typeof options !== 'object') throw invalidArg('trainTestSplit options', 'an object', options);
  const X = toMatrix(x, 'x');
  const Y = toLabels(y, 'y');
  if (X.rows !== Y.rows) throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected y with ${X.rows} rows (as x) but received ${Y.rows}`);
  const classes = options.stratify ? classCodes(Array.from({ length: Y.rows }, (_, r) => classOf(Y, r))) : null;
  const f = splitIndices(X.rows, options.testSize ?? 0.25, { shuffle: options.shuffle, seed: options.seed, classes });
  const t = (m: Matrix): Tensor2D => matrixTensor(m.data, [m.rows, m.cols]);
  return {
    xTrain: t(gatherRows(X, f.train)), xTest: t(gatherRows(X, f.test)),
    yTrain: t(gatherRows(Y, f.train)), yTest: t(gatherRows(Y, f.test)),
  };
}

/** One-hot encodes integer class labels in [0, numClasses). */
export function oneHot(labels: unknown, numClasses: number): Tensor2D {
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1) {
    throw invalidArg('numClasses', 'a positive integer', numClasses);
  }
  const y = toLabels(labels, 'labels');
  if (y.cols !== 1) throw invalidArg('labels', 'a 1-D array of class indices (or one column)', labels);
  if (y.rows * numClasses > 2 ** 32) {
    throw new BlasnetError('ERR_OUT_OF_MEMORY', `Cannot allocate ${y.rows} x ${numClasses} one-hot labels (numClasses ${numClasses})`);
  }
  const out = new Float32Array(y.rows * numClasses);
  for (let r = 0; r < y.rows; r++) {
    const c = y.data[r]!;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw invalidArg(`labels[${r}]`, `an integer class index in [0, ${numClasses - 1}]`, c);
    }
    out[r * numClasses + c] = 1;
  }
  return matrixTensor(out, [y.rows, numClasses]);
}
