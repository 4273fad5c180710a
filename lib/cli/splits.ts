// How `blasnet train` uses the rows of a table: rows without a label left out (or an error), a
// stratified test part (--test-split), a validation part for early stopping, k-fold cross-validation
// (--cv), and the data report printed before training.
import { BlasnetError } from '../errors';
import { classCodes, kFold, splitIndices } from '../data/folds';
import { fitLabel } from '../data/preprocess/label';
import { preprocessor, type Preprocessor, type PreprocessorOptions } from '../data/preprocess/preprocessor';
import { formatReport } from '../data/report';
import { cellPlace, MISSING } from '../data/table/columns';
import { float32Text } from '../data/table/number';
import type { Table } from '../data/table/table';
import { CliError, usageError } from './errors';
import type { Task } from './model-info';

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

function pick(rows: Int32Array, idx: Int32Array): Int32Array {
  return Int32Array.from(idx, (i) => rows[i]!);
}

function subCodes(codes: Int32Array, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (r) => codes[r]!);
}

export function planRows(table: Table, o: { task?: Task; missingLabel: 'drop' | 'error'; testSplit?: number; seed: number }): RowPlan {
  const col = table.label;
  if (!col) throw new CliError(`${table.source}: no label column`);
  const labelled: number[] = [];
  for (let r = 0; r < table.rows; r++) {
    const missing = col.kind === 'number' ? col.values[r] !== col.values[r] : col.codes[r] === MISSING;
    if (!missing) labelled.push(r);
    else if (o.missingLabel === 'error') {
      throw new BlasnetError('ERR_FORMAT', `${table.source}: ${cellPlace({ keys: table.keyed, headerless: table.headerless }, table.line(r), col.position, col.name)}: ` +
        'the label is missing (--missing-label drop leaves such rows out)');
    }
  }
  if (labelled.length < 2) throw new CliError(`${table.source}: ${labelled.length} row${labelled.length === 1 ? '' : 's'} with a label (${col.name}): too few to train on`);
  const rows = Int32Array.from(labelled);
  const step = fitLabel(col, rows, o.task ?? 'auto', table.source);
  const plan: RowPlan = {
    task: step.task, labelName: col.name, classes: step.classes, labelled: rows, dropped: table.rows - rows.length, rest: rows, test: null,
  };
  if (o.testSplit) {
    const codes = step.task === 'classification' ? subCodes(classCodes(table), rows) : null;
    const f = splitFraction(rows.length, o.testSplit, o.seed, codes, '--test-split');
    plan.rest = pick(rows, f.train);
    plan.test = pick(rows, f.test);
  }
  return plan;
}

function splitFraction(n: number, fraction: number, seed: number, codes: Int32Array | null, flag: string): { train: Int32Array; test: Int32Array } {
  if (Math.ceil(n * fraction) >= n) throw usageError(`${flag} ${fraction} leaves no training rows out of ${n}`);
  return splitIndices(n, fraction, { seed, classes: codes });
}

/** A validation part of `rows` (stratified by class when asked), the rest for training. */
export function holdOut(table: Table, rows: Int32Array, fraction: number, seed: number, stratify: boolean, flag: string): { train: Int32Array; test: Int32Array } {
  const codes = stratify ? subCodes(classCodes(table), rows) : null;
  const f = splitFraction(rows.length, fraction, seed + 1, codes, flag);
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

/** k-fold cross-validation of `fitScore` over `rows`; prints each fold and the mean and spread of each metric. */
export async function crossValidate(table: Table, rows: Int32Array, k: number, seed: number, stratify: boolean,
  fitScore: (train: Int32Array, test: Int32Array) => Promise<{ scores: Record<string, number>; skipped: number }>,
  print: (line: string) => void): Promise<Record<string, { mean: number; std: number }>> {
  if (k > rows.length) throw usageError(`--cv ${k}: more folds than the ${rows.length} training rows`);
  const folds = kFold(stratify ? subCodes(classCodes(table), rows) : rows.length, { k, seed: seed + 2, stratify });
  const all: Record<string, number>[] = [];
  for (let f = 0; f < folds.length; f++) {
    const fold = folds[f]!;
    const res = await fitScore(pick(rows, fold.train), pick(rows, fold.test));
    all.push(res.scores);
    print(`Fold ${f + 1}/${k} (${fold.test.length} rows): ${Object.entries(res.scores).map(([m, v]) => `${m}: ${v.toFixed(4)}`).join(' - ')}` +
      (res.skipped ? ` (${res.skipped} row${res.skipped === 1 ? '' : 's'} of classes absent from the fold's training rows left out)` : ''));
  }
  const out: Record<string, { mean: number; std: number }> = {};
  for (const m of Object.keys(all[0] ?? {})) {
    const v = all.map((s) => s[m]!);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) * (b - mean), 0) / v.length);
    out[m] = { mean, std };
  }
  print(`Cross-validation, ${k} folds: ${Object.entries(out).map(([m, s]) => `${m} ${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}`).join(' - ')} (mean ± standard deviation over the folds)`);
  return out;
}

/** The report `train` prints: the columns, what the preprocessor does with each, the rows used. */
export function dataReport(table: Table, plan: RowPlan, options: PreprocessorOptions): string[] {
  const pre = preprocessor(options).fit(table, plan.rest);
  const how = table.keyed ? 'JSON Lines' : `delimiter ${table.delimiter === '\t' ? 'tab' : JSON.stringify(table.delimiter)}${table.headerless ? ', no header' : ''}`;
  const lines = formatReport(table, {
    rows: plan.labelled, preprocessor: pre,
    title: `Data: ${table.source}: ${table.rows.toLocaleString('en-US')} rows, ${table.allColumns.length.toLocaleString('en-US')} columns (${how})`,
  });
  if (plan.dropped) lines.push(`  ${plan.dropped} row${plan.dropped === 1 ? '' : 's'} without a label (${plan.labelName}) left out`);
  const k = plan.classes.length;
  lines.push(`  Task: ${plan.task}${plan.task === 'classification' ? ` (${k} classes)` : ''}; ${pre.outputWidth} model inputs after encoding` +
    `${plan.test ? `; ${plan.test.length} rows held out for the test score${plan.task === 'classification' ? ' (stratified)' : ''}` : ''}`);
  return lines;
}
