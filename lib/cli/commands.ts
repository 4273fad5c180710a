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
import { CliError, usageError } from './errors';
import { openModel, probabilities, f32, type CliMeta, type LoadedModel, type Task } from './model-info';
import { historySvg } from './plot';
import { TableReader, openInput, readTable, type TableFormat } from './table';

export type Print = (line: string) => void;

export interface TrainOptions {
  label: string;
  task?: Task;
  hidden: number[];
  activation: string;
  epochs: number;
  batchSize: number;
  optimizer: string;
  learningRate?: number;
  validationSplit: number;
  earlyStopping?: number;
  seed: number;
  out: string;
  plot?: string;
  /** fit's verbose: 1 progress bar (a line per epoch without a TTY), 0 silent. */
  fitVerbose: 0 | 1 | 2;
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

export async function train(file: string, o: TrainOptions, print: Print): Promise<{ history: Record<string, number[]>; model: Sequential }> {
  const table = await readTable(file, { features: null, label: o.label });
  const { rows, cols } = table;
  const yRaw = table.y!;
  const task: Task = o.task ?? guessTask(yRaw);
  if (o.validationSplit > 0 && Math.floor(rows * o.validationSplit) < 1) {
    throw usageError(`--validation-split ${o.validationSplit} leaves no validation rows out of ${rows}`);
  }
  // Rows are shuffled once (seeded) before the validation split: a CSV sorted by class would otherwise
  // validate on one class only (Keras takes the last rows as they are).
  const rnd = rng(o.seed);
  const perm = Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); const t = perm[i]!; perm[i] = perm[j]!; perm[j] = t; }
  const x = new Float32Array(rows * cols);
  const yv = new Float32Array(rows);
  perm.forEach((src, dst) => { x.set(table.x.subarray(src * cols, src * cols + cols), dst * cols); yv[dst] = yRaw[src]!; });

  let classes: number[] | undefined;
  let y: { data: Float32Array; shape: [number, number] };
  if (task === 'classification') {
    classes = [...new Set(yv)].sort((a, b) => a - b);
    if (classes.length < 2) throw new CliError(`${file}: column ${o.label} has a single value (${classes[0]}); classification needs at least two classes`);
    if (classes.length > 1000) throw new CliError(`${file}: column ${o.label} has ${classes.length} distinct values; use --task regression`);
    const index = new Map(classes.map((c, i) => [c, i]));
    const oh = data.oneHot(Array.from(yv, (v) => index.get(v)!), classes.length);
    y = { data: oh.dataSync<'float32'>(), shape: [rows, classes.length] };
  } else {
    y = { data: yv, shape: [rows, 1] };
  }

  // The scaler learns from the training rows only (the validation rows are the last ones).
  const nTrain = rows - Math.floor(rows * o.validationSplit);
  const scaler = data.standardScaler().fit({ data: x.subarray(0, nTrain * cols), shape: [nTrain, cols] });
  const xs = scaler.transform({ data: x, shape: [rows, cols] });

  setSeed(o.seed);
  const units = task === 'classification' ? classes!.length : 1;
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
  print(`Training a ${task} model on ${rows} rows x ${cols} features of ${file} (label ${o.label}${classes ? `, ${classes.length} classes` : ''}); ` +
    `layers ${[cols, ...o.hidden, units].join('-')}, engine ${engineInfo().engine}`);

  const cbs: CallbackHooks[] = [];
  if (o.earlyStopping !== undefined) {
    cbs.push(callbacks.earlyStopping({ monitor: o.validationSplit > 0 ? 'val_loss' : 'loss', patience: o.earlyStopping, restoreBestWeights: true }));
  }
  const t0 = Date.now();
  const history = await asUsage(() => model.fit(xs, y, {
    epochs: o.epochs, batchSize: o.batchSize, validationSplit: o.validationSplit > 0 ? o.validationSplit : undefined,
    verbose: o.fitVerbose, callbacks: cbs,
  }));
  const secs = (Date.now() - t0) / 1000;
  const h = history.history;
  const ran = history.epoch.length;
  print(`Trained ${ran} epoch${ran === 1 ? '' : 's'} in ${secs < 10 ? secs.toFixed(2) : secs.toFixed(1)} s${ran < o.epochs ? ' (early stopping' + (o.earlyStopping !== undefined ? ', best weights restored)' : ')') : ''}`);
  // What the saved model scores (with early stopping the best weights were restored), on each part.
  const nVal = rows - nTrain;
  const part = (from: number, to: number): [{ data: Float32Array; shape: [number, number] }, { data: Float32Array; shape: [number, number] }] => {
    const w = y.shape[1];
    return [{ data: xs.dataSync<'float32'>().subarray(from * cols, to * cols), shape: [to - from, cols] }, { data: y.data.subarray(from * w, to * w), shape: [to - from, w] }];
  };
  const [xt, yt] = part(0, nTrain);
  print(`Training rows (${nTrain}): ${formatLogs(await model.evaluateAsync(xt, yt, { batchSize: 1024 }))}`);
  if (nVal > 0) {
    const [xv, yvv] = part(nTrain, rows);
    print(`Validation rows (${nVal}): ${formatLogs(await model.evaluateAsync(xv, yvv, { batchSize: 1024 }))}`);
  }

  const meta: CliMeta = { task, label: o.label, features: table.columns, ...(classes ? { classes } : {}) };
  model.userDefinedMetadata = { ...(model.userDefinedMetadata ?? {}), blasnetCli: meta };
  try {
    await model.save(o.out, { scaler });
  } catch (err) {
    if (err instanceof BlasnetError) throw new CliError(`cannot save the model to ${o.out}: ${err.message}`);
    throw err;
  }
  print(`Saved the model to ${o.out}/ (model.json + weights.bin, TensorFlow.js layers-model format, with the scaler)`);
  if (o.plot) {
    writeText(o.plot, historySvg(h, `blasnet train ${path.basename(file)}: ${task}`));
    print(`Wrote the training chart to ${o.plot}`);
  }
  return { history: h, model };
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

/** Metrics on a labelled file, read in batches (row-weighted means of loss, accuracy, mae). */
export async function evaluate(dir: string, file: string, label: string, batchSize: number, print: Print): Promise<Record<string, number>> {
  const m = await openModel(dir);
  if (m.outputDim !== 1 && m.task === 'regression') throw new CliError(`${dir}: the model has ${m.outputDim} outputs; evaluate supports one label column`);
  compileFor(m);
  const reader = new TableReader(openInput(file), file === '-' ? 'stdin' : file, {
    features: m.meta?.features ?? null, label, expectedFeatures: m.inputDim,
    ...(m.task === 'classification' ? { mapLabel: classIndexMap(m) } : {}),
  });
  const scaler = m.model.getScaler();
  const sums: Record<string, number> = {};
  let rows = 0;
  for await (const b of reader.batches(Math.max(batchSize, 1))) {
    const x = scaler ? scaler.transform({ data: b.x, shape: [b.rows, b.cols] }) : { data: b.x, shape: [b.rows, b.cols] as [number, number] };
    const s = await m.model.evaluateAsync(x, { data: b.y!, shape: [b.rows, 1] }, { batchSize: 1024 });
    for (const [k, v] of Object.entries(s)) sums[k] = (sums[k] ?? 0) + v * b.rows;
    rows += b.rows;
  }
  const scores: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) scores[k] = v / rows;
  print(`${formatLogs(scores)} (${rows} rows of ${file})`);
  return scores;
}

async function write(out: Writable, s: string): Promise<void> {
  if (!out.write(s)) await once(out, 'drain');
}

/**
 * Streams predictions: reads `batchSize` rows, applies the saved scaler, predicts, writes, and repeats, so
 * the memory used does not grow with the file and the first lines come out at once.
 */
export async function predict(dir: string, input: string, o: { batchSize: number; format?: TableFormat }, out: Writable): Promise<number> {
  const m = await openModel(dir);
  const source = input === '-' ? 'stdin' : input;
  const reader = new TableReader(openInput(input), source, { features: m.meta?.features ?? null, expectedFeatures: m.inputDim });
  const scaler = m.model.getScaler();
  let headerDone = false;
  let n = 0;
  const classes = m.classes;
  const outName = m.meta?.label ?? 'prediction';
  for await (const b of reader.batches(Math.max(1, o.batchSize))) {
    const format = o.format ?? reader.format ?? 'csv';
    if (!headerDone) {
      headerDone = true;
      if (format === 'csv') {
        const head = classes ? ['class', ...classes.map((c) => `p_${c}`)] : m.outputDim === 1 ? [outName] : Array.from({ length: m.outputDim }, (_, i) => `y${i}`);
        await write(out, head.join(',') + '\n');
      }
    }
    const xIn = { data: b.x, shape: [b.rows, b.cols] as [number, number] };
    const x = scaler ? scaler.transform(xIn) : xIn;
    const pred = await m.model.predictAsync(x, { batchSize: Math.min(b.rows, 4096) });
    const v = pred.dataSync<'float32'>();
    const k = m.outputDim;
    let s = '';
    for (let r = 0; r < b.rows; r++) {
      if (classes) {
        const p = probabilities(m, v, r);
        let best = 0;
        for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
        const cls = classes[best]!;
        s += format === 'csv'
          ? `${cls},${p.map(f32).join(',')}\n`
          : `{"class":${cls},"probabilities":[${p.map(f32).join(',')}]}\n`;
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
