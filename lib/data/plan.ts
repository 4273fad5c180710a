// Which rows of a table train, validate and test, as `blasnet train` chooses them: rows without a label
// left out (or an error), a test part (stratified by class), then a validation part of the rest; and
// prepareTraining, which does all of it and fits the preprocessor on the training rows only, so a job or
// a script prepares a table exactly as the command line does.
import { BlasnetError } from '../errors';
import { classCodes, splitIndices } from './folds';
import { fitLabel } from './preprocess/label';
import { preprocessor, type Preprocessor, type PreprocessorOptions } from './preprocess/preprocessor';
import { oneHot } from './split';
import { cellPlace, MISSING } from './table/columns';
import { float32Text } from './table/number';
import type { Table } from './table/table';

export type Task = 'classification' | 'regression';

export interface RowPlan {
  task: Task;
  labelName: string;
  classes: (string | number)[];
  /** Rows with a label. */
  labelled: Int32Array;
  /** Rows left out for want of a label. */
  dropped: number;
  /** Rows to train (and validate) on: the labelled ones less the test part. */
  rest: Int32Array;
  test: Int32Array | null;
}

/** How an option is called where the caller took it ('--test-split' on the command line), and the error a bad one gives. */
export interface OptionNames {
  testSplit: string;
  validationSplit: string;
  missingLabel: string;
  /** An option that cannot work on this table (a split leaving no rows); default ERR_INVALID_ARG. */
  badOption?: (message: string) => Error;
}

const API_NAMES: OptionNames = { testSplit: 'testSplit', validationSplit: 'validationSplit', missingLabel: "missingLabel 'drop'" };

/** rows[i] for each i of idx. */
export function pick(rows: Int32Array, idx: Int32Array): Int32Array {
  return Int32Array.from(idx, (i) => rows[i]!);
}

/** Class codes of the given rows of a table's label. */
export function subCodes(codes: Int32Array, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (r) => codes[r]!);
}

function splitFraction(n: number, fraction: number, seed: number, codes: Int32Array | null, name: string, names: OptionNames): { train: Int32Array; test: Int32Array } {
  if (Math.ceil(n * fraction) >= n) {
    const message = `${name} ${fraction} leaves no training rows out of ${n}`;
    throw names.badOption ? names.badOption(message) : new BlasnetError('ERR_INVALID_ARG', message);
  }
  return splitIndices(n, fraction, { seed, classes: codes });
}

export function planRows(table: Table, o: { task?: Task | 'auto'; missingLabel: 'drop' | 'error'; testSplit?: number; seed: number }, names: OptionNames = API_NAMES): RowPlan {
  const col = table.label;
  if (!col) throw new BlasnetError('ERR_INVALID_ARG', `${table.source}: no label column`);
  const labelled: number[] = [];
  for (let r = 0; r < table.rows; r++) {
    const missing = col.kind === 'number' ? col.values[r] !== col.values[r] : col.codes[r] === MISSING;
    if (!missing) labelled.push(r);
    else if (o.missingLabel === 'error') {
      throw new BlasnetError('ERR_FORMAT', `${table.source}: ${cellPlace({ keys: table.keyed, headerless: table.headerless }, table.line(r), col.position, col.name)}: ` +
        `the label is missing (${names.missingLabel} leaves such rows out)`);
    }
  }
  if (labelled.length < 2) throw new BlasnetError('ERR_INVALID_ARG', `${table.source}: ${labelled.length} row${labelled.length === 1 ? '' : 's'} with a label (${col.name}): too few to train on`);
  const rows = Int32Array.from(labelled);
  const step = fitLabel(col, rows, o.task ?? 'auto', table.source);
  const plan: RowPlan = {
    task: step.task, labelName: col.name, classes: step.classes, labelled: rows, dropped: table.rows - rows.length, rest: rows, test: null,
  };
  if (o.testSplit) {
    const codes = step.task === 'classification' ? subCodes(classCodes(table), rows) : null;
    const f = splitFraction(rows.length, o.testSplit, o.seed, codes, names.testSplit, names);
    plan.rest = pick(rows, f.train);
    plan.test = pick(rows, f.test);
  }
  return plan;
}

/** A validation part of `rows` (stratified by class when asked), the rest for training. */
export function holdOut(table: Table, rows: Int32Array, fraction: number, seed: number, stratify: boolean, name: string, names: OptionNames = API_NAMES): { train: Int32Array; test: Int32Array } {
  const codes = stratify ? subCodes(classCodes(table), rows) : null;
  const f = splitFraction(rows.length, fraction, seed + 1, codes, name, names);
  return { train: pick(rows, f.train), test: pick(rows, f.test) };
}

/** Rows whose class is one the preprocessor learned (a class absent from the training rows cannot be scored). */
export function knownLabelRows(pre: Preprocessor, table: Table, rows: Int32Array): { rows: Int32Array; skipped: number } {
  const classes = pre.classes;
  const col = pre.label ? table.column(pre.label) : null;
  if (!classes || !col) return { rows, skipped: 0 };
  const known = new Set(classes.map(String));
  const keep = Array.from(rows).filter((r) => {
    if (col.kind === 'number') return known.has(float32Text(col.values[r]!));
    const k = col.codes[r]!;
    return k >= 0 && known.has(col.categories[k]!);
  });
  return { rows: Int32Array.from(keep), skipped: rows.length - keep.length };
}

export interface PrepareOptions {
  /** The label column (default: the table's label column). */
  label?: string;
  task?: Task | 'auto';
  /** Rows without a label: left out (default) or an error naming the first. */
  missingLabel?: 'drop' | 'error';
  /** Categories kept per text column before "(other)" (default 50). */
  maxCategories?: number;
  /** Rows held out for a test score, stratified by class (0: none). */
  testSplit?: number;
  /** Of the remaining rows, those held out for validation (0: none). */
  validationSplit?: number;
  /** Seeds the splits (as blasnet train's --seed; default 42). */
  seed?: number;
}

/** Features and labels of some rows: x rows x inputs; y one-hot per class (classification) or the values. */
export interface PreparedPart {
  x: { data: Float32Array; shape: [number, number] };
  y: { data: Float32Array; shape: [number, number] };
  /** The table rows, in order. */
  rows: Int32Array;
}

export interface PreparedTraining {
  preprocessor: Preprocessor;
  task: Task;
  label: string;
  /** Class names in output order (classification), else null. */
  classes: (string | number)[] | null;
  train: PreparedPart;
  validation: PreparedPart | null;
  /** Test rows whose class the training rows have (others are counted in testSkipped). */
  test: PreparedPart | null;
  testSkipped: number;
  /** Rows left out for want of a label. */
  dropped: number;
}

function checkFraction(v: unknown, name: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new BlasnetError('ERR_INVALID_ARG', `Expected a fraction in [0, 1) for ${name} but received ${String(v)}`);
  return v;
}

/** pre.transform on some rows, with one-hot classes: what fit and evaluate take. */
export function encodeRows(pre: Preprocessor, table: Table, rows: Int32Array): PreparedPart {
  const r = pre.transform(table, rows);
  const n = r.x.shape[0];
  const k = pre.classes?.length;
  const y = k ? { data: oneHot(r.y!, k).dataSync(), shape: [n, k] as [number, number] } : { data: r.y!.dataSync(), shape: [n, 1] as [number, number] };
  return { x: { data: r.x.dataSync(), shape: [n, r.x.shape[1]] }, y, rows: r.rowIndex ?? rows };
}

/**
 * A table ready to train on as `blasnet train file --label L [--test-split f] [--validation-split v]
 * [--seed s] [--max-categories k]` prepares it: the same rows in each part, the preprocessor fitted on
 * the training rows only (save it with the model: model.save(dir, { preprocessor })).
 */
export function prepareTraining(table: Table, options: PrepareOptions = {}): PreparedTraining {
  const o = options ?? {};
  const t = o.label !== undefined ? table.withLabel(o.label) : table;
  const testSplit = checkFraction(o.testSplit, 'testSplit');
  const validationSplit = checkFraction(o.validationSplit, 'validationSplit');
  const seed = o.seed ?? 42;
  if (!Number.isSafeInteger(seed)) throw new BlasnetError('ERR_INVALID_ARG', `Expected an integer for seed but received ${String(seed)}`);
  if (o.missingLabel !== undefined && o.missingLabel !== 'drop' && o.missingLabel !== 'error') {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected "drop" or "error" for missingLabel but received ${String(o.missingLabel)}`);
  }
  const plan = planRows(t, { task: o.task, missingLabel: o.missingLabel ?? 'drop', testSplit, seed });
  const stratify = plan.task === 'classification';
  const val = validationSplit > 0 ? holdOut(t, plan.rest, validationSplit, seed, stratify, 'validationSplit') : null;
  const trainRows = val ? val.train : plan.rest;
  const preOptions: PreprocessorOptions = {
    label: plan.labelName, task: plan.task, missingLabel: 'drop', ...(o.maxCategories ? { categorical: { maxCategories: o.maxCategories } } : {}),
  };
  const pre = preprocessor(preOptions).fit(t, trainRows);
  const known = plan.test ? knownLabelRows(pre, t, plan.test) : null;
  return {
    preprocessor: pre, task: plan.task, label: plan.labelName, classes: pre.classes,
    train: encodeRows(pre, t, trainRows),
    validation: val ? encodeRows(pre, t, knownLabelRows(pre, t, val.test).rows) : null,
    test: known ? encodeRows(pre, t, known.rows) : null,
    testSkipped: known?.skipped ?? 0,
    dropped: plan.dropped,
  };
}
