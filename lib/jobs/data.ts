// A job's table, read and prepared as `blasnet train` prepares it: the library's table reader (CSV or
// JSON Lines, text and yes/no columns, missing cells), the labelled rows shuffled once from the seed (so a
// file sorted by class still validates on every class), and a data.preprocessor() fitted on the training
// rows (imputation, one-hot categories, scaling, string labels), saved with the model. A model trained
// further keeps its own preprocessor, or (models saved before preprocessors) its numeric columns and scaler.
import * as fs from 'node:fs';
import { data, type MinMaxScaler, type NumberColumn, type Preprocessor, type ReadCsvOptions, type StandardScaler, type Table } from '../data';
import { BlasnetError } from '../errors';
import { defaultMemoryLimit, formatBytes } from '../limits';
import { cliMetadataOf, type CliMetadata, type Task } from '../model/metadata';
import type { Sequential } from '../model/sequential';
import { RandomStream } from '../random';
import type { ResolvedJob } from './description';

type Scaler = StandardScaler | MinMaxScaler;

export interface PreparedData {
  /** The model's inputs, rows x cols, in the shuffled row order. */
  x: { data: Float32Array; shape: [number, number] };
  /** One-hot classes or the values, in the same order. */
  y: { data: Float32Array; shape: [number, number] };
  rows: number;
  /** The first rows train, the last (rows - trainRows) validate. */
  trainRows: number;
  /** The table's columns the model reads (before encoding). */
  features: string[];
  task: Task;
  classes: (string | number)[] | null;
  /** What turns rows into x; null for a base model saved with a scaler only. */
  preprocessor: Preprocessor | null;
  scaler: Scaler | null;
  /** Rows left out because their label was missing. */
  droppedRows: number;
}

const FETCH_TIMEOUT_MS = 120_000;

/** An http(s) source's bytes, within the memory limit; ERR_IO for what may pass (a network error, a 5xx), else the job's fault. */
async function fetchSource(source: string, signal?: AbortSignal): Promise<Buffer> {
  const limit = defaultMemoryLimit();
  const tooBig = (n: number): BlasnetError =>
    new BlasnetError('ERR_LIMIT', `job.data.source ${source} is ${formatBytes(n)}, more than the memory limit of ${formatBytes(limit)}`);
  let res: Response;
  try {
    res = await fetch(source, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) : AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    throw new BlasnetError('ERR_IO', `Cannot fetch job.data.source ${source}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new BlasnetError(res.status >= 500 || res.status === 429 ? 'ERR_IO' : 'ERR_INVALID_ARG', `Cannot fetch job.data.source ${source}: HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) { await res.body.cancel(); throw tooBig(declared); }
  const chunks: Uint8Array[] = [];
  let got = 0;
  try {
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
      got += c.byteLength;
      if (got > limit) { await res.body.cancel().catch(() => undefined); throw tooBig(got); }
      chunks.push(c);
    }
  } catch (err) {
    if (err instanceof BlasnetError) throw err;
    throw new BlasnetError('ERR_IO', `Cannot fetch job.data.source ${source}: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.concat(chunks, got);
}

/** The reader's options from job.data (train's table flags). */
function readOptions(job: ResolvedJob): ReadCsvOptions {
  const d = job.data;
  const o: ReadCsvOptions = { label: d.header ? d.label : Number(d.label), header: d.header, decimal: d.decimal };
  if (d.format) o.format = d.format;
  if (d.delimiter !== null) o.delimiter = d.delimiter;
  if (d.missing) o.missing = d.missing;
  const types: Record<string, 'number' | 'category'> = {};
  for (const c of d.categorical) types[c] = 'category';
  for (const c of d.numeric) types[c] = 'number';
  if (Object.keys(types).length) o.types = types;
  return o;
}

/** The whole table (training needs every row); a file is streamed, a URL read within the memory limit. */
async function readJobTable(job: ResolvedJob, signal?: AbortSignal): Promise<Table> {
  const src = job.data.source;
  const options = readOptions(job);
  if (/^https?:\/\//i.test(src)) return data.parseCsv(await fetchSource(src, signal), options, src);
  let st: fs.Stats;
  try {
    st = fs.statSync(src);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new BlasnetError('ERR_INVALID_ARG', `job.data.source ${src}: no such file`);
    throw new BlasnetError('ERR_IO', `job.data.source ${src}: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isFile()) throw new BlasnetError('ERR_INVALID_ARG', `job.data.source ${src}: not a file`);
  return data.readCsv(src, options);
}

/** The rows whose label is present, shuffled from the seed as blasnet train shuffles. */
function labelledRows(table: Table, label: string, seed: number): Int32Array {
  const col = table.column(label);
  const keep: number[] = [];
  for (let r = 0; r < table.rows; r++) {
    if (col.kind === 'number' ? !Number.isNaN(col.values[r]) : col.codes[r] !== -1) keep.push(r);
  }
  const rnd = RandomStream.fromState(seed).next;
  for (let i = keep.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); const s = keep[i]!; keep[i] = keep[j]!; keep[j] = s; }
  return Int32Array.from(keep);
}

function yOf(labels: Float32Array, classes: number): PreparedData['y'] {
  const n = labels.length;
  return classes ? { data: data.oneHot(labels, classes).dataSync(), shape: [n, classes] } : { data: labels, shape: [n, 1] };
}

/** Models saved with a scaler and numeric features only: their columns as they are, scaled by their scaler. */
function legacyNumeric(table: Table, base: Sequential, meta: CliMetadata | null, label: string, rows: Int32Array): { x: Float32Array; labels: Float32Array; features: string[] } {
  const features = meta?.features ?? table.names.filter((n) => n !== label);
  const cols = features.map((f) => {
    if (!table.has(f)) throw new BlasnetError('ERR_FORMAT', `${table.source}: no column ${JSON.stringify(f)} (a feature of job.model.from); the columns are: ${table.names.join(', ')}`);
    const c = table.column(f);
    if (c.kind !== 'number' || c.missing > 0) throw new BlasnetError('ERR_FORMAT', `${table.source}: column ${f} must hold numbers in every row (job.model.from was saved without a preprocessor)`);
    return (c as NumberColumn).values;
  });
  const lc = table.column(label);
  if (lc.kind !== 'number') throw new BlasnetError('ERR_FORMAT', `${table.source}: the label ${label} must be numeric (job.model.from was saved without a preprocessor)`);
  const w = cols.length;
  const x = new Float32Array(rows.length * w), labels = new Float32Array(rows.length);
  rows.forEach((r, i) => { for (let j = 0; j < w; j++) x[i * w + j] = cols[j]![r]!; labels[i] = lc.values[r]!; });
  const scaler = base.getScaler();
  return { x: scaler ? scaler.transform({ data: x, shape: [rows.length, w] }).dataSync() : x, labels, features };
}

/** Reads and prepares the job's table; `base` is the model being trained further, if any. */
export async function prepareData(job: ResolvedJob, base: Sequential | null, signal?: AbortSignal): Promise<PreparedData> {
  const table = await readJobTable(job, signal);
  signal?.throwIfAborted();
  const src = job.data.source;
  const label = table.labelColumn!;
  const order = labelledRows(table, label, job.seed);
  const rows = order.length;
  const droppedRows = table.rows - rows;
  if (rows === 0) throw new BlasnetError('ERR_FORMAT', `${src}: no rows with a label (${label})`);
  const validationRows = Math.floor(rows * job.fit.validationSplit);
  if (job.fit.validationSplit > 0 && validationRows < 1) {
    throw new BlasnetError('ERR_INVALID_ARG', `job.fit.validationSplit ${job.fit.validationSplit} leaves no validation rows out of ${rows}`);
  }
  const trainRows = rows - validationRows;
  const meta = base ? cliMetadataOf(base.userDefinedMetadata) : null;
  const basePre = base?.getPreprocessor() ?? null;
  if (basePre && basePre.label !== null && basePre.label !== label) {
    throw new BlasnetError('ERR_INVALID_ARG', `job.data.label is ${label} but job.model.from was trained on the label ${basePre.label}`);
  }

  let pre: Preprocessor | null = null;
  let x: Float32Array, labels: Float32Array, features: string[], task: Task, classes: (string | number)[] | null;
  if (base && !basePre) {
    const l = legacyNumeric(table, base, meta, label, order);
    ({ x, features } = l);
    task = meta?.task ?? job.data.task ?? (l.labels.every((v) => Number.isInteger(v)) && new Set(l.labels).size <= 20 ? 'classification' : 'regression');
    classes = task === 'classification' ? (meta?.classes ?? [...new Set(l.labels)].sort((a, b) => a - b)) : null;
    const index = new Map((classes ?? []).map((c, i) => [c, i]));
    labels = classes ? l.labels.map((v) => {
      const i = index.get(v);
      if (i === undefined) throw new BlasnetError('ERR_FORMAT', `${src}: label ${v} is not one of the classes of job.model.from (${classes!.join(', ')})`);
      return i;
    }) : l.labels;
  } else {
    const fitted = basePre ?? data.preprocessor({
      label, task: job.data.task ?? 'auto', missingLabel: 'drop',
      ...(job.data.maxCategories !== null ? { categorical: { maxCategories: job.data.maxCategories } } : {}),
    }).fit(table, order.subarray(0, trainRows));
    pre = fitted;
    // Rows with a label only: the preprocessor drops none, so x keeps the shuffled order.
    const r = fitted.transform(table, order);
    x = r.x.dataSync();
    labels = r.y!.dataSync();
    features = fitted.columnSteps.filter((st) => st.kind !== 'drop').map((st) => st.name);
    task = fitted.task ?? 'regression';
    classes = fitted.classes;
  }
  if (meta && job.data.task && job.data.task !== (basePre?.task ?? meta.task)) {
    throw new BlasnetError('ERR_INVALID_ARG', `job.data.task is ${job.data.task} but job.model.from is a ${meta.task} model`);
  }
  if (classes && classes.length < 2) throw new BlasnetError('ERR_INVALID_ARG', `job.data.label ${label}: a single class (${classes[0]}); classification needs at least two`);
  if (classes && classes.length > 1000) throw new BlasnetError('ERR_INVALID_ARG', `job.data.label ${label}: ${classes.length} distinct values; set job.data.task to "regression"`);
  const cols = x.length / rows;
  if (base && base.inputShape?.[1] !== cols) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `job.model.from takes ${base.inputShape?.[1]} features but job.data.source ${src} gives ${cols}`);
  }
  return {
    x: { data: x, shape: [rows, cols] }, y: yOf(labels, classes ? classes.length : 0), rows, trainRows, features, task, classes,
    preprocessor: pre, scaler: pre ? null : base?.getScaler() ?? null, droppedRows,
  };
}
