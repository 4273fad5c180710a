// trainTestSplit and oneHot (scikit-learn / tfjs semantics).
import { BlasnetError, invalidArg } from '../errors';
import type { Matrix } from '../engine/types';
import { matrixTensor, type Tensor2D } from '../tensor';
import { localRandom, random } from '../random';
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

function classOf(y: Matrix, r: number): number {
  if (y.cols === 1) return y.data[r]!;
  let best = 0;
  for (let j = 1; j < y.cols; j++) if (y.data[r * y.cols + j]! > y.data[r * y.cols + best]!) best = j;
  return best;
}

function shuffleArr(a: number[], rnd: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = a[i]!; a[i] = a[j]!; a[j] = t;
  }
}

export interface TableSplit {
  train: Table;
  test: Table;
  /** Rows of the original table in each part. */
  trainIndex: Int32Array;
  testIndex: Int32Array;
}

/**
 * Splits a Table into train and test tables (stratify: by its label column, every class keeping a
 * training row), or x and y into train and test parts (copies: the parts are new tensors; labels keep
 * their width, 1 for 1-D).
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
  const n = X.rows;
  const ts = options.testSize ?? 0.25;
  let nTest: number;
  if (typeof ts === 'number' && ts > 0 && ts < 1) nTest = Math.ceil(n * ts);
  else if (typeof ts === 'number' && Number.isInteger(ts) && ts >= 1 && ts < n) nTest = ts;
  else throw invalidArg('testSize', `a fraction in (0, 1) or a row count in [1, ${n - 1}]`, ts);
  if (nTest >= n) throw invalidArg('testSize', 'a size that leaves training rows', ts);
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw invalidArg('shuffle', 'a boolean', shuffle);
  if (options.seed !== undefined && (typeof options.seed !== 'number' || !Number.isFinite(options.seed))) {
    throw invalidArg('seed', 'a finite number', options.seed);
  }
  const rnd = localRandom(options.seed ?? Math.floor(random() * 4294967296));
  let trainIdx: number[], testIdx: number[];
  if (options.stratify) {
    if (!shuffle) throw new BlasnetError('ERR_INVALID_ARG', 'stratify needs shuffle: true (as scikit-learn)');
    const groups = new Map<number, number[]>();
    for (let r = 0; r < n; r++) { const c = classOf(Y, r); (groups.get(c) ?? groups.set(c, []).get(c)!).push(r); }
    trainIdx = []; testIdx = [];
    // Largest-remainder allocation of the test rows across classes.
    const keys = [...groups.keys()].sort((a, b) => a - b);
    const exact = keys.map((k) => (groups.get(k)!.length * nTest) / n);
    const alloc = exact.map(Math.floor);
    let left = nTest - alloc.reduce((a, b) => a + b, 0);
    const byRem = keys.map((_, i) => i).sort((a, b) => (exact[b]! - alloc[b]!) - (exact[a]! - alloc[a]!));
    for (const i of byRem) { if (left <= 0) break; alloc[i]!++; left--; }
    keys.forEach((k, i) => {
      const g = groups.get(k)!;
      shuffleArr(g, rnd);
      testIdx.push(...g.slice(0, alloc[i]));
      trainIdx.push(...g.slice(alloc[i]));
    });
    shuffleArr(trainIdx, rnd);
    shuffleArr(testIdx, rnd);
  } else {
    const idx = Array.from({ length: n }, (_, i) => i);
    if (shuffle) shuffleArr(idx, rnd);
    // scikit-learn puts the test rows first in the permutation; without shuffle the last rows are the test part.
    if (shuffle) { testIdx = idx.slice(0, nTest); trainIdx = idx.slice(nTest); }
    else { trainIdx = idx.slice(0, n - nTest); testIdx = idx.slice(n - nTest); }
  }
  const t = (m: Matrix): Tensor2D => matrixTensor(m.data, [m.rows, m.cols]);
  return {
    xTrain: t(gatherRows(X, trainIdx)), xTest: t(gatherRows(X, testIdx)),
    yTrain: t(gatherRows(Y, trainIdx)), yTest: t(gatherRows(Y, testIdx)),
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
