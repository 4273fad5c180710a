// Runs one training job in this process with the public API: the data prepared as `blasnet train`
// prepares it, the model built (or loaded), compiled and fitted, scored, and kept where the job says.
// Workers call this inside their sandboxed child processes; runJob() is also the local reference.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineInfo } from '../engine';
import { BlasnetError } from '../errors';
import type { ModelArtifacts } from '../io';
import { formatBytes } from '../limits';
import { callbacks, type CallbackHooks } from '../model/callbacks';
import { layers, type Layer } from '../model/layers';
import { optimizers } from '../model/optimizers';
import { fromArtifacts, loadModel } from '../model/saving';
import { sequential, type Sequential } from '../model/sequential';
import { setSeed } from '../random';
import { resolveJob, type JobLayer, type ResolvedJob } from './description';
import { prepareData, type PreparedData } from './data';
import type { CliMetadata } from '../model/metadata';

/** What a job reports after each epoch (job.updateProgress). */
export interface JobProgress {
  /** 1-based. */
  epoch: number;
  epochs: number;
  logs: Record<string, number>;
  /** On a worker: the machine and the process that run the job. */
  host?: string;
  pid?: number;
}

/** A model carried inside a job's result: the tfjs artifacts with the weights in base64. */
export type InlineModel = Omit<ModelArtifacts, 'weightData'> & { weightData: string };

export interface JobResult {
  name: string | null;
  engine: string;
  /** BLAS threads the job ran with. */
  threads: number;
  task: 'classification' | 'regression';
  label: string;
  features: string[];
  classes: (string | number)[] | null;
  /** Rows trained and validated on; rows whose label was missing are left out. */
  rows: { train: number; validation: number; droppedForMissingLabel: number };
  parameters: number;
  /** Epochs run (fewer than fit.epochs after early stopping). */
  epochs: number;
  stoppedEarly: boolean;
  /** Per-epoch values, as History.history. */
  history: Record<string, number[]>;
  /** The last epoch's logs. */
  final: Record<string, number>;
  /** Loss and metrics of the kept model (the best weights with early stopping) on each part of the data. */
  scores: { train: Record<string, number>; validation: Record<string, number> | null };
  /** Where the model is: a folder (result.dir), and/or the model itself (result.return). */
  model: { dir?: string; inline?: InlineModel };
  durationMs: number;
}

export interface RunJobOptions {
  /** Called after every epoch, and once more for the last one when a cancellation stops the job there; may return a promise (awaited before the next epoch). */
  onEpoch?: (progress: JobProgress) => void | Promise<void>;
  /** Aborting stops the job at the next epoch with ERR_CANCELLED. */
  signal?: AbortSignal;
  /** Where a job with result.dir writes its model (default <dir>/local/<time>); workers use <dir>/<queue>/<job id>. */
  resultPath?: string;
  /** Relative paths in a description that is not yet resolved are taken from here (default: the working directory). */
  baseDir?: string;
}

/** Largest model (weights, and optimizer state if kept) a job returns inline; larger ones need result.dir. */
export const MAX_INLINE_BYTES = 4 * 1024 * 1024;

function buildLayer(spec: JobLayer, i: number, first: { inputShape: number[] } | object): Layer {
  const name = { name: `hidden_${i + 1}` };
  const where = `job.model.layers[${i}]`;
  try {
    switch (spec.type) {
      case 'dense': return layers.dense({ units: spec.units, activation: (spec.activation ?? 'linear') as 'relu', useBias: spec.useBias ?? true, ...name, ...first });
      case 'dropout': return layers.dropout({ rate: spec.rate, ...name, ...first });
      case 'batchNormalization': return layers.batchNormalization({ ...name, ...first });
      case 'layerNormalization': return layers.layerNormalization({ ...name, ...first });
      case 'activation': return layers.activation({ activation: spec.activation as 'relu', ...name, ...first });
      case 'leakyReLU': return layers.leakyReLU({ ...(spec.alpha === undefined ? {} : { alpha: spec.alpha }), ...name, ...first });
    }
  } catch (err) {
    if (err instanceof BlasnetError) throw new BlasnetError(err.code, `${where}: ${err.message}`);
    throw err;
  }
}

function buildModel(job: ResolvedJob, d: PreparedData): Sequential {
  const cols = d.x.shape[1];
  const specs: JobLayer[] = job.model.layers ??
    job.model.hidden.map((units) => ({ type: 'dense' as const, units, activation: job.model.activation }));
  const hidden = specs.map((s, i) => {
    try {
      return buildLayer(s, i, i === 0 ? { inputShape: [cols] } : {});
    } catch (err) {
      // The layer list may come from hidden + activation: name the field the user wrote.
      if (err instanceof BlasnetError && !job.model.layers) throw new BlasnetError(err.code, err.message.replace(/^job\.model\.layers\[\d+\]/, 'job.model.activation'));
      throw err;
    }
  });
  const out = d.task === 'classification' ? d.classes!.length : 1;
  return sequential({
    name: job.name ?? 'job',
    layers: [...hidden, layers.dense({
      units: out, activation: d.task === 'classification' ? 'softmax' : 'linear', name: 'output', ...(hidden.length === 0 ? { inputShape: [cols] } : {}),
    })],
  });
}

function compileModel(job: ResolvedJob, d: PreparedData, model: Sequential, loaded: boolean): void {
  const c = job.compile;
  if (loaded && model.isCompiled && c.optimizer === null && c.learningRate === null && c.loss === null && c.metrics === null) return;
  const name = c.optimizer ?? 'adam';
  const optimizer = c.learningRate === null ? name : optimizers[name as 'adam']({ learningRate: c.learningRate });
  const cls = d.task === 'classification';
  try {
    model.compile({
      optimizer,
      loss: c.loss ?? (cls ? 'categoricalCrossentropy' : 'meanSquaredError'),
      metrics: c.metrics ?? (cls ? ['accuracy'] : ['mae']),
    });
  } catch (err) {
    if (err instanceof BlasnetError) throw new BlasnetError(err.code, `job.compile: ${err.message}`);
    throw err;
  }
}

/** Writes a file so that readers see the old content or the new, never a part. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function toInline(a: ModelArtifacts): InlineModel {
  const w = a.weightData;
  const bytes = Array.isArray(w) ? Buffer.concat(w.map((b) => new Uint8Array(b))) : Buffer.from(w);
  return { ...a, weightData: bytes.toString('base64') };
}

/** The model a job's result holds or points to. */
export async function modelFromResult(result: Pick<JobResult, 'model'>): Promise<Sequential> {
  const m = result.model as { dir?: unknown; inline?: InlineModel };
  if (m?.inline && typeof m.inline.weightData === 'string') {
    const bytes = Buffer.from(m.inline.weightData, 'base64');
    return fromArtifacts({ ...m.inline, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  if (typeof m?.dir === 'string') return loadModel(m.dir);
  throw new BlasnetError('ERR_FORMAT', 'The job result holds no model (expected model.dir or model.inline)');
}

/**
 * Runs a job description here (validated first) and resolves to its result and the trained model.
 * Deterministic for a given description, engine and seed: a worker gives the same weights.
 */
export async function runJob(description: unknown, options: RunJobOptions = {}): Promise<{ result: JobResult; model: Sequential }> {
  const t0 = Date.now();
  const job = resolveJob(description, { baseDir: options.baseDir });
  const signal = options.signal;
  const cancelled = (where: string): BlasnetError => new BlasnetError('ERR_CANCELLED', `The job was cancelled ${where}`);
  if (signal?.aborted) throw cancelled('before it started');

  let base: Sequential | null = null;
  if (job.model.from) {
    try {
      base = await loadModel(job.model.from);
    } catch (err) {
      if (err instanceof BlasnetError && err.code !== 'ERR_IO') throw new BlasnetError(err.code, `job.model.from ${job.model.from}: ${err.message}`);
      throw err;
    }
  }
  let d: PreparedData;
  try {
    d = await prepareData(job, base, signal);
  } catch (err) {
    if (signal?.aborted) throw cancelled('while reading its data');
    throw err;
  }
  setSeed(job.seed);
  const model = base ?? buildModel(job, d);
  compileModel(job, d, model, base !== null);

  const weightBytes = model.countParams() * 4 * (job.result.includeOptimizer ? 3 : 1);
  if (!job.result.dir && weightBytes > MAX_INLINE_BYTES) {
    throw new BlasnetError('ERR_LIMIT', `The model's ${model.countParams()} parameters take ${formatBytes(weightBytes)}, more than the ` +
      `${formatBytes(MAX_INLINE_BYTES)} a job returns with its result; set job.result.dir to a shared folder`);
  }

  const epochs = job.fit.epochs;
  let stoppedBy: 'cancel' | null = null;
  const hooks: CallbackHooks[] = [];
  if (job.fit.earlyStopping !== null) {
    hooks.push(callbacks.earlyStopping({ monitor: d.trainRows < d.rows ? 'val_loss' : 'loss', patience: job.fit.earlyStopping, restoreBestWeights: true }));
  }
  hooks.push({
    onEpochEnd: async (epoch, logs) => {
      const progress = { epoch: epoch + 1, epochs, logs: { ...(logs ?? {}) } };
      await options.onEpoch?.(progress);
      // One event-loop turn, so that a cancellation sent meanwhile (an IPC message) is seen now.
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) {
        stoppedBy = 'cancel';
        model.stopTraining = true;
        // A reporter that skipped this epoch (it reports at intervals) sees the cancellation now: the last
        // progress a status shows is the epoch the job stopped after.
        await options.onEpoch?.(progress);
      }
    },
  });
  const split = d.trainRows < d.rows ? d.rows - d.trainRows : 0;
  const history = await model.fit(d.x, d.y, {
    epochs, batchSize: job.fit.batchSize, shuffle: job.fit.shuffle,
    ...(split > 0 ? { validationSplit: job.fit.validationSplit } : {}), verbose: 0, callbacks: hooks,
  });
  const ran = history.epoch.length;
  if (stoppedBy === 'cancel') throw cancelled(`after epoch ${ran} of ${epochs}`);

  const cols = d.x.shape[1], w = d.y.shape[1];
  const part = (from: number, to: number) => [
    { data: d.x.data.subarray(from * cols, to * cols), shape: [to - from, cols] as [number, number] },
    { data: d.y.data.subarray(from * w, to * w), shape: [to - from, w] as [number, number] },
  ] as const;
  const [xt, yt] = part(0, d.trainRows);
  const train = await model.evaluateAsync(xt, yt, { batchSize: 1024 });
  let validation: Record<string, number> | null = null;
  if (split > 0) {
    const [xv, yv] = part(d.trainRows, d.rows);
    validation = await model.evaluateAsync(xv, yv, { batchSize: 1024 });
  }

  const meta: CliMetadata = { task: d.task, label: job.data.label, features: d.features, ...(d.classes ? { classes: d.classes } : {}) };
  // The preprocessor goes with the model returned here too (getPreprocessor), as a loaded one carries it.
  model.userDefinedMetadata = { ...(model.userDefinedMetadata ?? {}), blasnetCli: meta, ...(d.preprocessor ? { preprocessor: d.preprocessor.toJSON() } : {}) };
  const saveOpts = { ...(d.preprocessor ? { preprocessor: d.preprocessor } : d.scaler ? { scaler: d.scaler } : {}), includeOptimizer: job.result.includeOptimizer };
  const h = history.history;
  const result: JobResult = {
    name: job.name,
    engine: engineInfo().engine,
    threads: engineInfo().threads,
    task: d.task,
    label: job.data.label,
    features: d.features,
    classes: d.classes,
    rows: { train: d.trainRows, validation: split, droppedForMissingLabel: d.droppedRows },
    parameters: model.countParams(),
    epochs: ran,
    stoppedEarly: ran < epochs,
    history: h,
    final: Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v[v.length - 1]!])),
    scores: { train, validation },
    model: {},
    durationMs: 0,
  };
  if (job.result.dir) {
    const dir = options.resultPath ?? path.join(job.result.dir, 'local', `${Date.now()}-${process.pid}-${os.hostname()}`);
    try {
      fs.mkdirSync(dir, { recursive: true });
      await model.save(dir, saveOpts);
      writeFileAtomic(path.join(dir, 'history.json'), JSON.stringify({ epoch: history.epoch, history: h, params: history.params }) + '\n');
      result.model = { dir };
      result.durationMs = Date.now() - t0;
      writeFileAtomic(path.join(dir, 'result.json'), JSON.stringify(result, null, 1) + '\n');
    } catch (err) {
      throw new BlasnetError('ERR_IO', `Cannot write the job's model to ${dir}: ${(err as Error).message}`, { cause: err });
    }
    if (job.result.return) result.model.inline = toInline(model.toArtifacts(saveOpts));
  } else {
    result.model = { inline: toInline(model.toArtifacts(saveOpts)) };
  }
  result.durationMs = Date.now() - t0;
  return { result, model };
}

