// A job's table, read and prepared as `blasnet train` prepares it: the rows shuffled once from the seed
// (so a file sorted by class still validates on every class), the classes one-hot encoded, the features
// standardized by a scaler learned on the training rows. A model trained further keeps its own columns,
// classes and scaler.
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { data, BlasnetError, type Sequential } from '../index';
import { checkMemory, defaultMemoryLimit, formatBytes } from '../limits';
import { CliError } from '../cli/errors';
import { guessTask, rng } from '../cli/commands';
import { TableReader } from '../cli/table';
import type { CliMeta, Task } from '../cli/model-info';
import type { MinMaxScaler, StandardScaler } from '../data';
import type { ResolvedJob } from './description';

type Scaler = StandardScaler | MinMaxScaler;

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

/** Thrown errors are BlasnetErrors: ERR_IO for what may pass (a network error, a 5xx), else the job's fault. */
async function openSource(source: string): Promise<Readable> {
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (err) {
      throw new BlasnetError('ERR_IO', `Cannot fetch job.data.source ${source}: ${(err as Error).message}`, { cause: err });
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new BlasnetError(res.status >= 500 || res.status === 429 ? 'ERR_IO' : 'ERR_INVALID_ARG',
        `Cannot fetch job.data.source ${source}: HTTP ${res.status}`);
    }
    const limit = defaultMemoryLimit();
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      await res.body.cancel();
      throw new BlasnetError('ERR_LIMIT', `job.data.source ${source} is ${formatBytes(declared)}, more than the memory limit of ${formatBytes(limit)}`);
    }
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
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
  return fs.createReadStream(source, { highWaterMark: 256 * 1024 });
}

/** The CLI metadata a model saved by `blasnet train` or by a job carries (features, task, classes). */
export function cliMeta(model: Sequential): CliMeta | null {
  const m = model.userDefinedMetadata?.blasnetCli as Partial<CliMeta> | undefined;
  if (!m || (m.task !== 'classification' && m.task !== 'regression') || typeof m.label !== 'string' || !Array.isArray(m.features)) return null;
  return m as CliMeta;
}

async function readAll(job: ResolvedJob, features: string[] | null, signal?: AbortSignal):
  Promise<{ x: Float32Array; y: Float32Array; rows: number; cols: number; columns: string[] }> {
  const src = job.data.source;
  const input = await openSource(src);
  const reader = new TableReader(input, src, { features, label: job.data.label, delimiter: job.data.delimiter }, job.data.format);
  const parts: { x: Float32Array; y: Float32Array; rows: number }[] = [];
  let rows = 0, cols = 0;
  try {
    for await (const b of reader.batches(8192)) {
      signal?.throwIfAborted();
      cols = b.cols;
      rows += b.rows;
      // The rows, their shuffled copy and the scaled copy live at once.
      checkMemory(3 * rows * cols * 4, `the rows of job.data.source ${src}`);
      parts.push({ x: b.x, y: b.y!, rows: b.rows });
    }
  } catch (err) {
    input.destroy();
    if (err instanceof CliError) {
      const io = /: cannot read: /.test(err.message) && /^https?:/i.test(src);
      throw new BlasnetError(io ? 'ERR_IO' : 'ERR_FORMAT', err.message);
    }
    throw err;
  }
  if (rows === 0) throw new BlasnetError('ERR_FORMAT', `job.data.source ${src}: no data rows`);
  const x = new Float32Array(rows * cols);
  const y = new Float32Array(rows);
  let r = 0;
  for (const p of parts) { x.set(p.x, r * cols); y.set(p.y, r); r += p.rows; }
  return { x, y, rows, cols, columns: reader.columns };
}

/** Reads and prepares the job's table; `base` is the model being trained further, if any. */
export async function prepareData(job: ResolvedJob, base: Sequential | null, signal?: AbortSignal): Promise<PreparedData> {
  const meta = base ? cliMeta(base) : null;
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

  const rnd = rng(job.seed);
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
