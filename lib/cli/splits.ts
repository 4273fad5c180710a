// How `blasnet train` uses the rows of a table: rows without a label left out (or an error), a
// stratified test part (--test-split), a validation part for early stopping, k-fold cross-validation
// (--cv), and the data report printed before training.
import { classCodes, kFold } from '../data/folds';
import { holdOut as holdOutRows, pick, planRows as planTableRows, subCodes, type OptionNames, type RowPlan } from '../data/plan';
import { preprocessor, type PreprocessorOptions } from '../data/preprocess/preprocessor';
import { formatReport } from '../data/report';
import type { Table } from '../data/table/table';
import { CliError, usageError } from './errors';
import type { Task } from './model-info';

export type { RowPlan } from '../data/plan';

/** The command line's names for the options the row plan takes; a split that cannot work is a usage error. */
const CLI_NAMES: OptionNames = { testSplit: '--test-split', validationSplit: '--validation-split', missingLabel: '--missing-label drop', badOption: usageError };

export function planRows(table: Table, o: { task?: Task; missingLabel: 'drop' | 'error'; testSplit?: number; seed: number }): RowPlan {
  if (!table.label) throw new CliError(`${table.source}: no label column`);
  return planTableRows(table, o, CLI_NAMES);
}

/** A validation part of `rows` (stratified by class when asked), the rest for training. */
export function holdOut(table: Table, rows: Int32Array, fraction: number, seed: number, stratify: boolean, flag: string): { train: Int32Array; test: Int32Array } {
  return holdOutRows(table, rows, fraction, seed, stratify, flag, CLI_NAMES);
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
