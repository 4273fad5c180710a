// A job's table, read and prepared as `blasnet train` prepares it: the rows shuffled once from the seed
// (so a file sorted by class still validates on every class), the classes one-hot encoded, the features
// standardized by a scaler learned on the training rows. A model trained further keeps its own columns,
// classes and scaler.
import * as fs from 'node:fs';
import { data, type MinMaxScaler, type StandardScaler } from '../data';
import { BlasnetError } from '../errors';
import { checkMemory, defaultMemoryLimit, formatBytes } from '../limits';
import type { Sequential } from '../model/sequential';
import { RandomStream } from '../random';
import type { ResolvedJob } from './description';

type Scaler = StandardScaler | MinMaxScaler;
export type Task = 'classification' | 'regression';

/** What `blasnet train` keeps with a model (userDefinedMetadata.blasnetCli); a job's model carries it too. */
export interface ModelMeta {
  task: Task;
  label: string;
  features: string[];
  classes?: number[];
}

export interface PreparedData {
  /** Standardized features, rows x cols, in the shuffled row order. */
  x: { data: Float32Array; shape: [number, number] };
  /** One-hot classes or the values, in the same order. */
  y: { data: Float32Array; shape: [number, number] };
  rows: number;
  /** The first rows train, the last (rows - trainRows) validate. */
  trainRows: number;
  features: string[];
  task: Task;
  classes: number[] | null;
  scaler: Scaler;
}

const FETCH_TIMEOUT_MS = 120_000;

/** Classification when every label is an integer and there are at most 20 distinct values (as blasnet train). */
function guessTask(y: Float32Array): Task {
  const seen = new Set<number>();
  for (const v of y) {
    if (!Number.isInteger(v)) return 'regression';
    seen.add(v);
    if (seen.size > 20) return 'regression';
  }
  return 'classification';
}

/** The source's bytes; thrown errors are BlasnetErrors, ERR_IO for what may pass (a network error, a 5xx), else the job's fault. */
async function readSource(source: string, signal?: AbortSignal): Promise<Buffer> {
  const limit = defaultMemoryLimit();
  const tooBig = (n: number): BlasnetError =>
    new BlasnetError('ERR_LIMIT', `job.data.source ${source} is ${formatBytes(n)}, more than the memory limit of ${formatBytes(limit)}`);
  if (/^https?:\/\//i.test(source)) {
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
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new BlasnetError('ERR_INVALID_ARG', `job.data.source ${source}: no such file`);
    throw new BlasnetError('ERR_IO', `job.data.source ${source}: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isFile()) throw new BlasnetError('ERR_INVALID_ARG', `job.data.source ${source}: not a file`);
  if (st.size > limit) throw tooBig(st.size);
  try {
    return fs.readFileSync(source);
  } catch (err) {
    throw new BlasnetError('ERR_IO', `job.data.source ${source}: ${(err as Error).message}`, { cause: err });
  }
}

/** The metadata a model saved by `blasnet train` or by a job carries (features, task, classes). */
export function modelMeta(model: Sequential): ModelMeta | null {
  const m = model.userDefinedMetadata?.blasnetCli as Partial<ModelMeta> | undefined;
  if (!m || (m.task !== 'classification' && m.task !== 'regression') || typeof m.label !== 'string' || !Array.isArray(m.features)) return null;
  return m as ModelMeta;
}

interface Raw { x: Float32Array; y: Float32Array; rows: number; cols: number; columns: string[] }

/** JSON Lines of objects by column name, numbers only. */
function parseJsonl(text: string, label: string, source: string): Raw {
  let columns: string[] | null = null;
  const xs: number[] = [], ys: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: unknown;
    try { rec = JSON.parse(line); } catch (err) { throw new BlasnetError('ERR_FORMAT', `${source}: line ${i + 1}: not valid JSON: ${(err as Error).message}`); }
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new BlasnetError('ERR_FORMAT', `${source}: line ${i + 1}: expected an object {"column": value}`);
    const o = rec as Record<string, unknown>;
    columns ??= Object.keys(o).filter((k) => k !== label);
    const num = (k: string): number => {
      const v = o[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new BlasnetError('ERR_FORMAT', `${source}: line ${i + 1}, key ${JSON.stringify(k)}: expected a number but found ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
      return v;
    };
    if (!(label in o)) throw new BlasnetError('ERR_FORMAT', `${source}: line ${i + 1}: no label column named ${JSON.stringify(label)}; the columns are: ${Object.keys(o).join(', ')}`);
    for (const k of columns) xs.push(num(k));
    ys.push(num(label));
  });
  if (!columns || ys.length === 0) throw new BlasnetError('ERR_FORMAT', `${source}: no data rows`);
  const cols = (columns as string[]).length;
  return { x: Float32Array.from(xs), y: Float32Array.from(ys), rows: ys.length, cols, columns };
}

/** The label column out of a table read whole: a missing one is the table's fault, named with the columns it has. */
function splitLabel(t: ReturnType<typeof data.parseCsv>, label: string, source: string): Raw {
  const at = t.columns.indexOf(label);
  if (at < 0) throw new BlasnetError('ERR_FORMAT', `${source}: no label column named ${JSON.stringify(label)}; the columns are: ${t.columns.join(', ')}`);
  const [rows, all] = t.x.shape as [number, number];
  const v = t.x.dataSync();
  const cols = all - 1;
  const x = new Float32Array(rows * cols), y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = v[r * all + at]!;
    x.set(v.subarray(r * all, r * all + at), r * cols);
    x.set(v.subarray(r * all + at + 1, (r + 1) * all), r * cols + at);
  }
  return { x, y, rows, cols, columns: t.columns.filter((_, i) => i !== at) };
}

async function readAll(job: ResolvedJob, features: string[] | null, signal?: AbortSignal): Promise<Raw> {
  const src = job.data.source;
  const bytes = await readSource(src, signal);
  // The text, the rows as floats, their shuffled copy and the scaled copy.
  checkMemory(bytes.length * 4, `job.data.source ${src}`);
  const text = bytes.toString('utf8');
  const jsonl = job.data.format === 'jsonl' || (job.data.format === null && (/\.(jsonl|ndjson|json)$/i.test(src) || /^\s*\{/.test(text.slice(0, 100))));
  let raw: Raw;
  if (jsonl) {
    raw = parseJsonl(text, job.data.label, src);
  } else {
    raw = splitLabel(data.parseCsv(text, { delimiter: job.data.delimiter }, src), job.data.label, src);
  }
  if (!features) return raw;
  // A model trained further reads its own columns, in its order.
  const at = features.map((f) => {
    const i = raw.columns.indexOf(f);
    if (i < 0) throw new BlasnetError('ERR_FORMAT', `job.data.source ${src}: no column ${JSON.stringify(f)} (a feature of job.model.from); the columns are: ${raw.columns.join(', ')}`);
    return i;
  });
  const x = new Float32Array(raw.rows * at.length);
  for (let r = 0; r < raw.rows; r++) at.forEach((c, j) => { x[r * at.length + j] = raw.x[r * raw.cols + c]!; });
  return { x, y: raw.y, rows: raw.rows, cols: at.length, columns: features };
}

/** Reads and prepares the job's table; `base` is the model being trained further, if any. */
export async function prepareData(job: ResolvedJob, base: Sequential | null, signal?: AbortSignal): Promise<PreparedData> {
  const meta = base ? modelMeta(base) : null;
  const src = job.data.source;
  const t = await readAll(job, meta ? meta.features : null, signal);
  const { rows, cols } = t;
  if (base) {
    const inputDim = base.inputShape?.[1];
    if (inputDim !== cols) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `job.model.from takes ${inputDim} features but job.data.source ${src} has ${cols} besides the label`);
    }
  }
  const task: Task = meta?.task ?? job.data.task ?? guessTask(t.y);
  if (meta && job.data.task && job.data.task !== meta.task) {
    throw new BlasnetError('ERR_INVALID_ARG', `job.data.task is ${job.data.task} but job.model.from is a ${meta.task} model`);
  }
  const validationRows = Math.floor(rows * job.fit.validationSplit);
  if (job.fit.validationSplit > 0 && validationRows < 1) {
    throw new BlasnetError('ERR_INVALID_ARG', `job.fit.validationSplit ${job.fit.validationSplit} leaves no validation rows out of ${rows}`);
  }
  const trainRows = rows - validationRows;

  // The same seeded row shuffle as blasnet train's.
  const rnd = RandomStream.fromState(job.seed).next;
  const perm = Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); const s = perm[i]!; perm[i] = perm[j]!; perm[j] = s; }
  const x = new Float32Array(rows * cols);
  const yv = new Float32Array(rows);
  perm.forEach((from, to) => { x.set(t.x.subarray(from * cols, from * cols + cols), to * cols); yv[to] = t.y[from]!; });

  let classes: number[] | null = null;
  let y: PreparedData['y'];
  if (task === 'classification') {
    classes = meta?.classes ?? [...new Set(yv)].sort((a, b) => a - b);
    if (classes.length < 2) throw new BlasnetError('ERR_INVALID_ARG', `job.data.label ${job.data.label}: a single class (${classes[0]}); classification needs at least two`);
    if (classes.length > 1000) throw new BlasnetError('ERR_INVALID_ARG', `job.data.label ${job.data.label}: ${classes.length} distinct values; set job.data.task to "regression"`);
    const index = new Map(classes.map((c, i) => [c, i]));
    const idx = Array.from(yv, (v) => {
      const i = index.get(v);
      if (i === undefined) throw new BlasnetError('ERR_INVALID_ARG', `job.data.source ${src}: label ${v} is not one of the classes of job.model.from (${classes!.join(', ')})`);
      return i;
    });
    y = { data: data.oneHot(idx, classes.length).dataSync(), shape: [rows, classes.length] };
  } else {
    y = { data: yv, shape: [rows, 1] };
  }

  const scaler: Scaler = base?.getScaler() ?? data.standardScaler().fit({ data: x.subarray(0, trainRows * cols), shape: [trainRows, cols] });
  const xs = scaler.transform({ data: x, shape: [rows, cols] });
  return { x: { data: xs.dataSync(), shape: [rows, cols] }, y, rows, trainRows, features: t.columns, task, classes, scaler };
}
