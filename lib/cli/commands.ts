// The CLI's commands over the public library API: train, evaluate, predict, summary, info.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import {
  sequential, layers, setSeed, callbacks, optimizers, data, engineInfo, BlasnetError,
  type Sequential, type OptimizerName, type CallbackHooks,
} from '../index';
import { RandomStream } from '../random';
import { formatLogs } from '../model/progress';
import type { Preprocessor, PreprocessorOptions } from '../data/preprocess/preprocessor';
import type { ColumnSpec } from '../data/table/options';
import type { NumberColumn, Table } from '../data/table/table';
import type { Tensor2D } from '../tensor';
import { CliError, usageError } from './errors';
import { openModel, probabilities, f32, type LoadedModel, type Task } from './model-info';
import type { CliMetadata } from '../model/metadata';
import { historySvg } from './plot';
import { knownLabelRows } from '../data/plan';
import { crossValidate, dataReport, holdOut, planRows } from './splits';
import { labelArg, numericMatrix, readTrainingTable, tableBatches, type DataFlags, type TableFormat } from './table';

export type Print = (line: string) => void;

export interface TrainOptions {
  label: string;
  task?: Task;
  hidden: number[];
  activation: string;
  /** Undefined: up to AUTO_EPOCHS, stopping early on a validation part (see resolveSchedule). */
  epochs?: number;
  batchSize: number;
  optimizer: string;
  learningRate?: number;
  validationSplit?: number;
  earlyStopping?: number;
  seed: number;
  out: string;
  plot?: string;
  /** fit's verbose: 1 progress bar (a line per epoch without a TTY), 0 silent. */
  fitVerbose: 0 | 1 | 2;
  /** Rows held out (stratified for classes) and scored at the end. */
  testSplit?: number;
  /** k-fold cross-validation before the final fit. */
  cv?: number;
  /** Print the data report only. */
  explainData?: boolean;
  missingLabel?: 'drop' | 'error';
  maxCategories?: number;
  data: DataFlags;
}

/** Seeded generator for the CLI's row shuffle (mulberry32 started at the state seed). */
export function rng(seed: number): () => number {
  return RandomStream.fromState(seed).next;
}


/** Classification when every label is an integer and there are at most 20 distinct values. */
export function guessTask(y: Float32Array): Task {
  const seen = new Set<number>();
  for (const v of y) {
    if (!Number.isInteger(v)) return 'regression';
    seen.add(v);
    if (seen.size > 20) return 'regression';
  }
  return 'classification';
}

function makeOptimizer(name: string, learningRate: number | undefined): ReturnType<typeof optimizers.adam> | OptimizerName {
  const known = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
  const id = name.toLowerCase();
  if (!(known as readonly string[]).includes(id)) throw usageError(`unknown optimizer ${JSON.stringify(name)}; expected one of: ${known.join(', ')}`);
  if (learningRate === undefined) return id as OptimizerName;
  return optimizers[id as (typeof known)[number]]({ learningRate });
}

/** Rethrows the library's complaints about option values (an unknown activation) as usage errors. */
function asUsage<T>(fn: () => T): T {
  try { return fn(); } catch (err) {
    if (err instanceof BlasnetError && (err.code === 'ERR_UNKNOWN_NAME' || err.code === 'ERR_INVALID_ARG')) throw usageError(err.message);
    throw err;
  }
}

/** Without --epochs: up to this many, with early stopping on a validation part of the training rows. */
const AUTO_EPOCHS = 200;
const AUTO_PATIENCE = 10;
const AUTO_VALIDATION = 0.1;

/** Epochs, validation fraction and early-stopping patience from the flags (defaults: see AUTO_*). */
function resolveSchedule(o: TrainOptions): { epochs: number; validation: number; patience: number | undefined } {
  if (o.epochs === undefined) return { epochs: AUTO_EPOCHS, validation: o.validationSplit ?? AUTO_VALIDATION, patience: o.earlyStopping ?? AUTO_PATIENCE };
  return { epochs: o.epochs, validation: o.validationSplit ?? 0, patience: o.earlyStopping };
}

type XY = { x: Tensor2D; y: { data: Float32Array; shape: [number, number] } };

export async function train(file: string, o: TrainOptions, print: Print): Promise<{ history: Record<string, number[]>; model: Sequential }> {
  const table = await readTrainingTable(file, o.label, o.data);
  const plan = planRows(table, { task: o.task, missingLabel: o.missingLabel ?? 'drop', testSplit: o.testSplit, seed: o.seed });
  const { task, labelName } = plan;
  const options: PreprocessorOptions = {
    label: labelName, task, missingLabel: 'drop', ...(o.maxCategories ? { categorical: { maxCategories: o.maxCategories } } : {}),
  };
  for (const line of dataReport(table, plan, options)) print(line);
  if (o.explainData) return { history: {}, model: sequential() };
  const sched = resolveSchedule(o);
  const stratify = task === 'classification';

  /** Fits a preprocessor and a model on `rows` (a validation part held out of them for early stopping). */
  const fitOn = async (rows: Int32Array, verbose: 0 | 1 | 2, announce: boolean) => {
    // Without --epochs, a part too small to split (a class per row) trains without a validation part.
    let val = sched.validation > 0 ? holdOut(table, rows, sched.validation, o.seed, stratify, '--validation-split') : null;
    if (val && val.test.length === 0) {
      if (o.validationSplit !== undefined) throw usageError(`--validation-split ${o.validationSplit} leaves no validation rows out of ${rows.length}`);
      val = null;
    }
    const trainRows = val ? val.train : rows;
    const pre = data.preprocessor(options).fit(table, trainRows);
    const t = encode(pre, table, trainRows);
    const v = val ? encode(pre, table, val.test) : null;
    setSeed(o.seed);
    const units = pre.classes ? pre.classes.length : 1;
    const cols = pre.outputWidth;
    const model = asUsage(() => sequential({
      layers: [
        ...o.hidden.map((h, i) => layers.dense({ units: h, activation: o.activation as 'relu', ...(i === 0 ? { inputShape: [cols] } : {}) })),
        layers.dense({ units, activation: task === 'classification' ? 'softmax' : 'linear', ...(o.hidden.length === 0 ? { inputShape: [cols] } : {}) }),
      ],
    }));
    asUsage(() => model.compile({
      optimizer: makeOptimizer(o.optimizer, o.learningRate),
      loss: task === 'classification' ? 'categoricalCrossentropy' : 'meanSquaredError',
      metrics: task === 'classification' ? ['accuracy'] : ['mae'],
    }));
    const cbs: CallbackHooks[] = [];
    if (sched.patience !== undefined) {
      cbs.push(callbacks.earlyStopping({ monitor: v ? 'val_loss' : 'loss', patience: sched.patience, restoreBestWeights: true }));
    }
    if (announce) {
      print(`Training a ${task} model on ${rows.length} rows x ${cols} features of ${file} (label ${labelName}${pre.classes ? `, ${pre.classes.length} classes` : ''}); ` +
        `layers ${[cols, ...o.hidden, units].join('-')}, engine ${engineInfo().engine}`);
    }
    const history = await asUsage(() => model.fit(t.x, t.y, {
      epochs: sched.epochs, batchSize: o.batchSize, verbose, callbacks: cbs, ...(v ? { validationData: [v.x, v.y] as [Tensor2D, XY['y']] } : {}),
    }));
    return { model, pre, history, t, v, trainRows, valRows: val?.test ?? null };
  };

  if (o.cv) await crossValidate(table, plan.rest, o.cv, o.seed, stratify, async (trainRows, testRows) => {
    const f = await fitOn(trainRows, 0, false);
    const known = knownLabelRows(f.pre, table, testRows);
    const scores = await f.model.evaluateAsync(encode(f.pre, table, known.rows).x, encode(f.pre, table, known.rows).y, { batchSize: 1024 });
    f.model.dispose();
    return { scores, skipped: known.skipped };
  }, print);

  const t0 = Date.now();
  const { model, pre, history, t, v, valRows } = await fitOn(plan.rest, o.fitVerbose, true);
  const secs = (Date.now() - t0) / 1000;
  const h = history.history;
  const ran = history.epoch.length;
  print(`Trained ${ran} epoch${ran === 1 ? '' : 's'} in ${secs < 10 ? secs.toFixed(2) : secs.toFixed(1)} s${ran < sched.epochs ? ' (early stopping' + (sched.patience !== undefined ? ', best weights restored)' : ')') : ''}`);
  // What the saved model scores (with early stopping the best weights were restored), on each part.
  print(`Training rows (${t.x.shape[0]}): ${formatLogs(await model.evaluateAsync(t.x, t.y, { batchSize: 1024 }))}`);
  if (v && valRows) print(`Validation rows (${valRows.length}): ${formatLogs(await model.evaluateAsync(v.x, v.y, { batchSize: 1024 }))}`);
  if (plan.test) {
    const known = knownLabelRows(pre, table, plan.test);
    const e = encode(pre, table, known.rows);
    print(`Test rows (${known.rows.length}): ${formatLogs(await model.evaluateAsync(e.x, e.y, { batchSize: 1024 }))}` +
      (known.skipped ? ` (${known.skipped} row${known.skipped === 1 ? '' : 's'} of classes absent from the training rows left out)` : ''));
  }
  const meta: CliMetadata = { task, label: labelName, features: pre.columnSteps.filter((st) => st.kind !== 'drop').map((st) => st.name), ...(pre.classes ? { classes: pre.classes } : {}) };
  model.userDefinedMetadata = { ...(model.userDefinedMetadata ?? {}), blasnetCli: meta };
  try {
    await model.save(o.out, { preprocessor: pre });
  } catch (err) {
    if (err instanceof BlasnetError) throw new CliError(`cannot save the model to ${o.out}: ${err.message}`);
    throw err;
  }
  print(`Saved the model to ${o.out}/ (model.json + its weights file, TensorFlow.js layers-model format, with the preprocessor)`);
  if (o.plot) {
    writeText(o.plot, historySvg(h, `blasnet train ${path.basename(file)}: ${task}`));
    print(`Wrote the training chart to ${o.plot}`);
  }
  return { history: h, model };
}

/** x and y (one-hot for classes) of some rows, as fit and evaluate take them. */
function encode(pre: Preprocessor, table: Table, rows: Int32Array): XY {
  const r = pre.transform(table, rows);
  const n = r.x.shape[0];
  const k = pre.classes?.length;
  const y = k ? { data: data.oneHot(r.y!, k).dataSync(), shape: [n, k] as [number, number] } : { data: r.y!.dataSync(), shape: [n, 1] as [number, number] };
  return { x: r.x, y };
}

function writeText(file: string, text: string): void {
  try { fs.writeFileSync(file, text); } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

function classIndexMap(m: LoadedModel): (v: number) => number {
  const idx = new Map(m.classes!.map((c, i) => [c, i]));
  return (v) => {
    const i = idx.get(v);
    if (i === undefined) throw new Error(`label ${v} is not one of the model's classes (${m.classes!.join(', ')})`);
    return i;
  };
}

/** Compiles a loaded model for evaluation with the loss and metrics of its task. */
function compileFor(m: LoadedModel): void {
  if (m.task === 'classification') {
    m.model.compile({ optimizer: 'adam', loss: m.binarySigmoid ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  } else {
    m.model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mae'] });
  }
}

/** A batch as the model's inputs: the saved preprocessor, or (older models) numeric columns and the scaler. */
function modelInputs(m: LoadedModel, b: Table, unknown: Map<string, number>, out?: Float32Array): { x: { data: Float32Array; shape: [number, number] }; y: Float32Array | null; dropped: number } {
  if (m.preprocessor) {
    const r = m.preprocessor.transform(b, null, out ? { out } : {});
    for (const [k, n] of Object.entries(r.unknown)) unknown.set(k, (unknown.get(k) ?? 0) + n);
    return { x: { data: r.x.dataSync(), shape: [r.x.shape[0], r.x.shape[1]] }, y: r.y ? r.y.dataSync() : null, dropped: r.dropped };
  }
  const names = m.meta?.features ?? b.columns;
  if (names.length !== m.inputDim) {
    throw new CliError(`${b.source}: the model takes ${m.inputDim} features but the file has ${names.length} column${names.length === 1 ? '' : 's'}${b.labelColumn ? ' besides the label' : ''}`);
  }
  const raw = { data: numericMatrix(b, names), shape: [b.rows, names.length] as [number, number] };
  const scaler = m.model.getScaler();
  const x = scaler ? scaler.transform(raw) : null;
  return { x: x ? { data: x.dataSync(), shape: raw.shape } : raw, y: null, dropped: 0 };
}

/** What a model needs from each row: its preprocessor's columns, or (older models) numeric features without missing values. */
function schemaOf(m: LoadedModel): ColumnSpec[] | null {
  if (m.preprocessor) return m.preprocessor.inputColumns({ label: false });
  return m.meta ? m.meta.features.map((f) => ({ name: f, kind: 'number' as const, allowMissing: false })) : null;
}

function unknownNote(unknown: Map<string, number>): string | null {
  if (unknown.size === 0) return null;
  const total = [...unknown.values()].reduce((a, b) => a + b, 0);
  const parts = [...unknown].slice(0, 10).map(([k, n]) => `${k}: ${n}`).join(', ');
  return `note: ${total} value${total === 1 ? '' : 's'} not seen in training (${parts}${unknown.size > 10 ? ', ...' : ''}) encoded as all zeros (booleans: imputed)`;
}

/** Metrics on a labelled file, read in batches (row-weighted means of loss, accuracy, mae). */
export async function evaluate(dir: string, file: string, o: { label?: string; batchSize: number; data: DataFlags }, print: Print, warn: Print = print): Promise<Record<string, number>> {
  const m = await openModel(dir);
  if (m.outputDim !== 1 && m.task === 'regression') throw new CliError(`${dir}: the model has ${m.outputDim} outputs; evaluate supports one label column`);
  const label = o.label ?? m.preprocessor?.label ?? m.meta?.label;
  if (!label) throw usageError(`${dir}: the model does not name its label column: pass --label <column>`);
  if (m.preprocessor && m.preprocessor.label && label !== m.preprocessor.label) {
    throw usageError(`${dir}: the model was trained on the label ${JSON.stringify(m.preprocessor.label)}, not ${JSON.stringify(label)}`);
  }
  compileFor(m);
  const schema = m.preprocessor ? m.preprocessor.inputColumns({ label: true }).map((c) => (c.name === label ? { ...c, optional: false } : c)) : schemaOf(m);
  const legacyLabel = m.preprocessor ? null : { name: label, map: m.task === 'classification' ? classIndexMap(m) : (v: number) => v };
  const { batches } = tableBatches(file, schema && legacyLabel ? [...schema, { name: label, kind: 'number', allowMissing: false }] : schema, o.data, Math.max(o.batchSize, 1),
    { label: o.data.header === false ? String(labelArg(label, false)) : label });
  const sums: Record<string, number> = {};
  const unknown = new Map<string, number>();
  let rows = 0, dropped = 0;
  for await (const b of batches) {
    const inp = modelInputs(m, b, unknown);
    let y = inp.y;
    if (legacyLabel) {
      const col = b.column(b.labelColumn ?? label) as NumberColumn;
      y = new Float32Array(b.rows);
      for (let r = 0; r < b.rows; r++) {
        try { y[r] = legacyLabel.map(col.values[r]!); } catch (err) {
          throw new CliError(`${b.source}: line ${b.line(r)}, column ${col.position} (${col.name}): ${(err as Error).message}`);
        }
      }
    }
    dropped += inp.dropped;
    const n = inp.x.shape[0];
    if (n === 0) continue;
    const s = await m.model.evaluateAsync(inp.x, { data: y!, shape: [n, 1] }, { batchSize: 1024 });
    for (const [k, v] of Object.entries(s)) sums[k] = (sums[k] ?? 0) + v * n;
    rows += n;
  }
  if (rows === 0) throw new CliError(`${file === '-' ? 'stdin' : file}: no rows with a label (${label}) to evaluate on`);
  const scores: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) scores[k] = v / rows;
  print(`${formatLogs(scores)} (${rows} rows of ${file}${dropped ? `; ${dropped} without a label left out` : ''})`);
  const note = unknownNote(unknown);
  if (note) warn(note);
  return scores;
}

async function write(out: Writable, s: string): Promise<void> {
  if (!out.write(s)) await once(out, 'drain');
}

/** A CSV cell: quoted when it holds a delimiter, a quote or a line break. */
function csvCell(v: string | number): string {
  const t = String(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/**
 * Streams predictions: reads `batchSize` rows, applies the saved preprocessor (or scaler), predicts,
 * writes, and repeats, so the memory used does not grow with the file and the first lines come out at
 * once. Nothing is written before the first batch has been read and predicted.
 */
export async function predict(dir: string, input: string, o: { batchSize: number; format?: TableFormat; data: DataFlags }, out: Writable,
  warn: Print = (l) => process.stderr.write(l + '\n')): Promise<number> {
  const m = await openModel(dir);
  const { batches, format: inFormat } = tableBatches(input, schemaOf(m), o.data, Math.max(1, o.batchSize));
  let headerDone = false;
  let n = 0;
  const classes = m.classes;
  const named = !!classes && classes.some((c) => typeof c === 'string');
  const outName = m.meta?.label ?? m.preprocessor?.label ?? 'prediction';
  const unknown = new Map<string, number>();
  // One buffer for every batch's inputs: the stream's memory stays flat.
  const buf = m.preprocessor ? new Float32Array(Math.max(1, o.batchSize) * m.preprocessor.outputWidth) : undefined;
  for await (const b of batches) {
    const format = o.format ?? inFormat() ?? 'csv';
    const x = modelInputs(m, b, unknown, buf).x;
    const pred = await m.model.predictAsync(x, { batchSize: Math.min(b.rows, 4096) });
    const v = pred.dataSync();
    const k = m.outputDim;
    let s = '';
    if (!headerDone) {
      headerDone = true;
      if (format === 'csv') {
        const head = classes ? ['class', ...classes.map((c) => `p_${c}`)] : m.outputDim === 1 ? [outName] : Array.from({ length: m.outputDim }, (_, i) => `y${i}`);
        s += head.map(csvCell).join(',') + '\n';
      }
    }
    for (let r = 0; r < b.rows; r++) {
      if (classes) {
        const p = probabilities(m, v, r);
        let best = 0;
        for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
        const cls = classes[best]!;
        if (format === 'csv') s += `${csvCell(cls)},${p.map(f32).join(',')}\n`;
        else if (named) s += `{"class":${JSON.stringify(cls)},"probabilities":{${p.map((q, j) => `${JSON.stringify(String(classes[j]))}:${f32(q)}`).join(',')}}}\n`;
        else s += `{"class":${cls},"probabilities":[${p.map(f32).join(',')}]}\n`;
      } else if (k === 1) {
        s += format === 'csv' ? `${f32(v[r]!)}\n` : `{${JSON.stringify(outName)}:${f32(v[r]!)}}\n`;
      } else {
        const row = Array.from(v.subarray(r * k, r * k + k), f32).join(',');
        s += format === 'csv' ? `${row}\n` : `{"values":[${row}]}\n`;
      }
    }
    pred.dispose();
    await write(out, s);
    n += b.rows;
  }
  const note = unknownNote(unknown);
  if (note) warn(note);
  return n;
}

export async function summary(dir: string, print: Print): Promise<void> {
  const m = await openModel(dir);
  m.model.summary(undefined, undefined, print);
  print(`Task: ${m.task}${m.meta ? '' : ' (guessed from the output activation: the model has no CLI metadata)'}`);
  if (m.meta) {
    const f = m.meta.features;
    print(`Label column: ${m.meta.label}`);
    print(`Features (${f.length}): ${f.length > 12 ? f.slice(0, 12).join(', ') + ', ...' : f.join(', ')}`);
  } else {
    print(`Inputs: ${m.inputDim} features`);
  }
  if (m.classes) print(`Classes (${m.classes.length}): ${m.classes.join(', ')}`);
  if (m.preprocessor) {
    const steps = m.preprocessor.columnSteps;
    const used = steps.filter((st) => st.kind !== 'drop');
    print(`Preprocessor: ${used.length} input column${used.length === 1 ? '' : 's'} -> ${m.preprocessor.outputWidth} model inputs ` +
      `(${['number', 'category', 'boolean'].map((k) => `${used.filter((st) => st.kind === k).length} ${k}`).join(', ')}${steps.length > used.length ? `, ${steps.length - used.length} left out` : ''}; applied by predict and evaluate)`);
    return;
  }
  const scaler = m.model.getScaler();
  print(`Scaler: ${scaler ? (scaler.toJSON().kind === 'standardScaler' ? 'standardScaler (applied by predict and evaluate)' : 'minMaxScaler (applied by predict and evaluate)') : 'none'}`);
}

export function info(print: Print, version: string): void {
  const e = engineInfo();
  print(`blasnet ${version}`);
  print(`engine:   ${e.engine}${e.engine === 'js' && e.nativeUnavailableReason ? ` (native unavailable: ${e.nativeUnavailableReason})` : ''}`);
  if (e.engine === 'native') {
    print(`OpenBLAS: ${e.blasConfig ?? 'unknown'}`);
    print(`core:     ${e.blasCore ?? 'unknown'}`);
  }
  print(`threads:  ${e.threads}`);
  print(`node:     ${process.version} (N-API ${process.versions.napi ?? '?'})`);
  print(`platform: ${process.platform} ${process.arch}, ${os.cpus().length} CPUs`);
}
