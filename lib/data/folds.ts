// Row splits for tables: a (stratified) train/test split and k-fold cross-validation, as row indices,
// so a Table, a label vector or a row count can be split the same way.
import { BlasnetError, invalidArg } from '../errors';
import { localRandom, random } from '../random';
import { MISSING } from './table/columns';
import { Table } from './table/table';

export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

export interface KFoldOptions {
  /** Folds (default 5). */
  k?: number;
  /** Shuffle the rows first (default true). */
  shuffle?: boolean;
  /** Seed of the split's own generator (default: drawn from the global seeded generator). */
  seed?: number;
  /** Keep class proportions in every fold (labels: a vector, or a Table's label column). */
  stratify?: boolean;
}

function shuffleInPlace(a: number[], rnd: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = a[i]!; a[i] = a[j]!; a[j] = t;
  }
}

function seeded(seed: unknown): () => number {
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) throw invalidArg('seed', 'a finite number', seed);
  return localRandom((seed as number | undefined) ?? Math.floor(random() * 4294967296));
}

/**
 * The class of each row as a small integer (-1: no label), from a label vector or a Table's label
 * column; classes numbered in sorted order.
 */
export function classCodes(labels: Table | ArrayLike<number | string>): Int32Array {
  if (labels instanceof Table) {
    const col = labels.label;
    if (!col) throw new BlasnetError('ERR_INVALID_ARG', `${labels.source}: stratify needs a label column (readCsv's label option)`);
    if (col.kind !== 'number') return Int32Array.from(col.codes, (k) => (k === MISSING || k < 0 ? -1 : k));
    return codesOf(Array.from(col.values, (v) => (v === v ? v : null)));
  }
  return codesOf(Array.from(labels as ArrayLike<number | string>));
}

function codesOf(values: (number | string | null)[]): Int32Array {
  const distinct = [...new Set(values.filter((v) => v !== null))].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
  const index = new Map(distinct.map((v, i) => [v, i]));
  return Int32Array.from(values, (v) => (v === null ? -1 : index.get(v)!));
}

/**
 * Test rows per class for a stratified split of nTest rows: largest remainders, at most count - 1 of a
 * class (every class keeps a training row), the rest given to classes with room.
 */
function allocate(counts: number[], nTest: number): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map((c) => (c * nTest) / n);
  const alloc = exact.map((e, i) => Math.min(Math.floor(e), Math.max(0, counts[i]! - 1)));
  let left = nTest - alloc.reduce((a, b) => a + b, 0);
  const order = counts.map((_, i) => i).sort((a, b) => (exact[b]! - alloc[b]!) - (exact[a]! - alloc[a]!) || a - b);
  while (left > 0) {
    let gave = false;
    for (const i of order) {
      if (left <= 0) break;
      if (alloc[i]! < counts[i]! - 1) { alloc[i]!++; left--; gave = true; }
    }
    if (!gave) break;
  }
  return alloc;
}

/** Row indices of a train/test split of n rows (stratified by class codes when given; -1 rows go to training). */
export function splitIndices(n: number, testSize: number, options: { shuffle?: boolean; seed?: number; classes?: Int32Array | null } = {}): Fold {
  let nTest: number;
  if (typeof testSize === 'number' && testSize > 0 && testSize < 1) nTest = Math.ceil(n * testSize);
  else if (typeof testSize === 'number' && Number.isInteger(testSize) && testSize >= 1 && testSize < n) nTest = testSize;
  else throw invalidArg('testSize', `a fraction in (0, 1) or a row count in [1, ${n - 1}]`, testSize);
  if (nTest >= n) throw invalidArg('testSize', `a size that leaves training rows (${n} rows in all)`, testSize);
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw invalidArg('shuffle', 'a boolean', shuffle);
  const rnd = seeded(options.seed);
  const classes = options.classes ?? null;
  if (!classes) {
    const idx = Array.from({ length: n }, (_, i) => i);
    if (shuffle) shuffleInPlace(idx, rnd);
    return shuffle
      ? { test: Int32Array.from(idx.slice(0, nTest)), train: Int32Array.from(idx.slice(nTest)) }
      : { train: Int32Array.from(idx.slice(0, n - nTest)), test: Int32Array.from(idx.slice(n - nTest)) };
  }
  if (!shuffle) throw new BlasnetError('ERR_INVALID_ARG', 'stratify needs shuffle: true (as scikit-learn)');
  const groups = new Map<number, number[]>();
  const unlabelled: number[] = [];
  for (let r = 0; r < n; r++) {
    const c = classes[r]!;
    if (c < 0) { unlabelled.push(r); continue; }
    let g = groups.get(c);
    if (!g) { g = []; groups.set(c, g); }
    g.push(r);
  }
  const keys = [...groups.keys()].sort((a, b) => a - b);
  const alloc = allocate(keys.map((k) => groups.get(k)!.length), Math.min(nTest, n - unlabelled.length - keys.length));
  const train: number[] = [...unlabelled], test: number[] = [];
  keys.forEach((k, i) => {
    const g = groups.get(k)!;
    shuffleInPlace(g, rnd);
    test.push(...g.slice(0, alloc[i]));
    train.push(...g.slice(alloc[i]));
  });
  shuffleInPlace(train, rnd);
  shuffleInPlace(test, rnd);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/**
 * k folds of rows: each row is in one fold's test part. `input` is a row count, a label vector or a
 * Table (stratified by its label column with stratify: true).
 */
export function kFold(input: number | Table | ArrayLike<number | string>, options: KFoldOptions = {}): Fold[] {
  if (options === null || typeof options !== 'object') throw invalidArg('kFold options', 'an object', options);
  const n = typeof input === 'number' ? input : input instanceof Table ? input.rows : (input as ArrayLike<unknown>)?.length;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 2) throw invalidArg('kFold(input)', 'a row count >= 2, a label vector or a Table', input);
  const k = options.k ?? 5;
  if (!Number.isSafeInteger(k) || k < 2 || k > n) throw invalidArg('k', `an integer in [2, ${n}] (at most one fold per row)`, k);
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw invalidArg('shuffle', 'a boolean', shuffle);
  const rnd = seeded(options.seed);
  const foldOf = new Int32Array(n);
  if (options.stratify) {
    if (typeof input === 'number') throw invalidArg('stratify', 'labels to stratify by (a label vector or a Table)', input);
    const classes = classCodes(input);
    const groups = new Map<number, number[]>();
    for (let r = 0; r < n; r++) { const c = classes[r]!; let g = groups.get(c); if (!g) { g = []; groups.set(c, g); } g.push(r); }
    // Each class dealt round robin, continuing where the previous class stopped: folds differ by at most one row.
    let next = 0;
    for (const c of [...groups.keys()].sort((a, b) => a - b)) {
      const g = groups.get(c)!;
      if (shuffle) shuffleInPlace(g, rnd);
      for (const r of g) { foldOf[r] = next; next = (next + 1) % k; }
    }
  } else {
    const idx = Array.from({ length: n }, (_, i) => i);
    if (shuffle) shuffleInPlace(idx, rnd);
    // Contiguous parts of the (shuffled) order, the first n % k one row longer (as scikit-learn's KFold).
    let at = 0;
    for (let f = 0; f < k; f++) {
      const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
      for (let i = 0; i < size; i++) foldOf[idx[at++]!] = f;
    }
  }
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test: number[] = [], train: number[] = [];
    for (let r = 0; r < n; r++) (foldOf[r] === f ? test : train).push(r);
    folds.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return folds;
}
