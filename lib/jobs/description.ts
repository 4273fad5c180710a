// A training job as JSON: what to read, what to build, how to train it and where the result goes.
// Validated field by field, so that a bad job is refused with an error naming the field (job.fit.epochs)
// before it reaches a queue, and again by the worker that runs it (a job may come from any producer).
import * as path from 'node:path';
import { BlasnetError, invalidArg } from '../errors';
import { layers } from '../model/layers';
import type { Task } from '../model/metadata';
import { intInRange as int } from '../validate';

/** A job's task: the one `blasnet train` knows. */
export type JobTask = Task;

/** One hidden layer of `model.layers`; the output layer follows from the task, as in `blasnet train`. */
export type JobLayer =
  | { type: 'dense'; units: number; activation?: string; useBias?: boolean }
  | { type: 'dropout'; rate: number }
  | { type: 'batchNormalization' }
  | { type: 'layerNormalization' }
  | { type: 'activation'; activation: string }
  | { type: 'leakyReLU'; alpha?: number };

export interface JobDescription {
  /** Shown in job lists and tune tables. */
  name?: string;
  data: {
    /** A CSV or JSON Lines file every worker can read (a shared folder), or an http(s) URL. */
    source: string;
    /** The column to predict. */
    label: string;
    /** Default: from the file name, else from the first character. */
    format?: 'csv' | 'jsonl';
    /** CSV only; default: detected from the first lines. */
    delimiter?: string;
    /** CSV only; false: the first line is data, columns are named '0', '1', ... and the label by its index. Default true. */
    header?: boolean;
    /** Cells that mean "no value" (default NA, N/A, n/a, NaN, nan, null, NULL, ?); an empty cell always does. */
    missing?: string[];
    /** The decimal separator, '.' (default) or ','. */
    decimal?: '.' | ',';
    /** Columns read as categories even when they hold numbers (train's --categorical). */
    categorical?: string[];
    /** Columns that must hold numbers (train's --numeric). */
    numeric?: string[];
    /** Most categories one-hot encoded per text column, the rarer ones grouped (train's --max-categories; default 50). */
    maxCategories?: number;
    /** Default: classification for text and yes/no labels and for at most 20 distinct integers. */
    task?: JobTask;
  };
  model?: {
    /** Hidden layer widths (train's --hidden); default [64, 32]. */
    hidden?: number[];
    /** Activation of the hidden layers (train's --activation); default relu. */
    activation?: string;
    /** Hidden layers one by one, instead of hidden + activation. */
    layers?: JobLayer[];
    /** A saved model (directory, model.json or its URL) to train further, with its preprocessor (or scaler) and classes. */
    from?: string;
  };
  compile?: {
    /** sgd, adam, adamw, rmsprop or adagrad; default adam (a saved model compiled with its optimizer keeps it). */
    optimizer?: string;
    learningRate?: number;
    /** Default: categoricalCrossentropy for classification, meanSquaredError for regression. */
    loss?: string;
    /** Default: ['accuracy'] for classification, ['mae'] for regression. */
    metrics?: string[];
  };
  fit?: {
    /** Default 50. */
    epochs?: number;
    /** Default 32. */
    batchSize?: number;
    /** Fraction of rows held out (after a seeded shuffle of the rows); default 0. */
    validationSplit?: number;
    /** Stop after this many epochs without improvement of val_loss (or loss) and keep the best weights. */
    earlyStopping?: number;
    /** Shuffle the training rows every epoch; default true. */
    shuffle?: boolean;
  };
  /** Weights, row shuffle and batch order; default 42. */
  seed?: number;
  result?: {
    /** A folder shared by the workers: the model goes to <dir>/<queue>/<job id>/ with history.json and result.json. */
    dir?: string;
    /** Return the model with the job's result (default when no dir is given; small models only). */
    return?: boolean;
    /** Also keep the optimizer's state, so the model can be trained further exactly. */
    includeOptimizer?: boolean;
  };
}

/** A validated job with every default filled in. */
export interface ResolvedJob {
  name: string | null;
  data: {
    source: string; label: string; format: 'csv' | 'jsonl' | null; delimiter: string | null; header: boolean; missing: string[] | null;
    decimal: '.' | ','; categorical: string[]; numeric: string[]; maxCategories: number | null; task: JobTask | null;
  };
  model: { layers: JobLayer[] | null; hidden: number[]; activation: string; from: string | null };
  compile: { optimizer: string | null; learningRate: number | null; loss: string | null; metrics: string[] | null };
  fit: { epochs: number; batchSize: number; validationSplit: number; earlyStopping: number | null; shuffle: boolean };
  seed: number;
  result: { dir: string | null; return: boolean; includeOptimizer: boolean };
}

export const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
const TOP_KEYS = ['name', 'data', 'model', 'compile', 'fit', 'seed', 'result'];
const LAYER_KEYS: Record<JobLayer['type'], string[]> = {
  dense: ['units', 'activation', 'useBias'],
  dropout: ['rate'],
  batchNormalization: [],
  layerNormalization: [],
  activation: ['activation'],
  leakyReLU: ['alpha'],
};

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function section(v: unknown, where: string, keys: string[], required = false): Record<string, unknown> {
  if (v === undefined && !required) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidArg(where, 'an object', v);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) {
      throw new BlasnetError('ERR_INVALID_ARG', `Unknown option ${where}.${k}; expected one of: ${keys.join(', ')}`);
    }
  }
  return o;
}

function str(v: unknown, where: string, opts: { optional?: boolean; choices?: readonly string[] } = {}): string | null {
  if (v === undefined && opts.optional) return null;
  if (typeof v !== 'string' || v.trim() === '') throw invalidArg(where, opts.choices ? `one of ${opts.choices.join(', ')}` : 'a non-empty string', v);
  if (opts.choices && !opts.choices.includes(v)) throw invalidArg(where, `one of ${opts.choices.join(', ')}`, v);
  return v;
}


function strings(v: unknown, where: string, max: number): string[] {
  if (!Array.isArray(v) || v.length > max || !v.every((x) => typeof x === 'string' && x.length <= 1000)) {
    throw invalidArg(where, `an array of at most ${max} strings`, v);
  }
  return v as string[];
}

function bool(v: unknown, where: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw invalidArg(where, 'true or false', v);
  return v;
}

/** A path made absolute against baseDir (URLs unchanged): a worker may run in another directory. */
function location(v: unknown, where: string, baseDir: string): string {
  const s = str(v, where)!;
  if (s.includes('\0')) throw invalidArg(where, 'a path or an http(s) URL', v);
  if (isUrl(s)) return s;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !s.startsWith('file://')) throw invalidArg(where, 'a path or an http(s) URL', v);
  const p = s.startsWith('file://') ? s.slice('file://'.length) : s;
  return path.resolve(baseDir, p);
}

/** An activation name, checked by the library itself (its error lists the valid names). */
function activation(v: unknown, where: string): string {
  const name = str(v, where)!;
  try {
    layers.activation({ activation: name as 'relu', name: 'job_check' });
  } catch (err) {
    if (err instanceof BlasnetError) throw new BlasnetError('ERR_INVALID_ARG', `${where}: ${err.message}`);
    throw err;
  }
  return name;
}

function layer(v: unknown, where: string): JobLayer {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidArg(where, 'a layer object such as {"type": "dense", "units": 32}', v);
  const type = (v as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in LAYER_KEYS)) throw invalidArg(`${where}.type`, `one of ${Object.keys(LAYER_KEYS).join(', ')}`, type);
  const o = section(v, where, ['type', ...LAYER_KEYS[type as JobLayer['type']]]);
  switch (type as JobLayer['type']) {
    case 'dense': {
      const l: JobLayer = { type: 'dense', units: int(o.units, `${where}.units`, 1, 1 << 20) };
      if (o.activation !== undefined) l.activation = activation(o.activation, `${where}.activation`);
      if (o.useBias !== undefined) l.useBias = bool(o.useBias, `${where}.useBias`, true);
      return l;
    }
    case 'dropout':
      if (typeof o.rate !== 'number' || !(o.rate >= 0 && o.rate < 1)) throw invalidArg(`${where}.rate`, 'a number in [0, 1)', o.rate);
      return { type: 'dropout', rate: o.rate };
    case 'activation':
      return { type: 'activation', activation: activation(o.activation, `${where}.activation`) };
    case 'leakyReLU': {
      if (o.alpha !== undefined && (typeof o.alpha !== 'number' || !Number.isFinite(o.alpha) || o.alpha < 0)) {
        throw invalidArg(`${where}.alpha`, 'a number >= 0', o.alpha);
      }
      return o.alpha === undefined ? { type: 'leakyReLU' } : { type: 'leakyReLU', alpha: o.alpha as number };
    }
    default:
      return { type: type as 'batchNormalization' | 'layerNormalization' };
  }
}

/**
 * Checks a job description and fills in the defaults. Relative paths are made absolute against
 * `baseDir` (default: the working directory; `blasnet submit` passes the job file's folder).
 * Loss and metric names are checked when the job is built (on the worker).
 */
export function resolveJob(input: unknown, options: { baseDir?: string } = {}): ResolvedJob {
  const baseDir = options.baseDir ?? process.cwd();
  const top = section(input, 'job', TOP_KEYS, true);
  const name = top.name === undefined ? null : str(top.name, 'job.name')!;
  if (name !== null && name.length > 200) throw invalidArg('job.name', 'a name of at most 200 characters', name);

  const d = section(top.data, 'job.data', ['source', 'label', 'format', 'delimiter', 'header', 'missing', 'decimal', 'categorical', 'numeric', 'maxCategories', 'task'], true);
  // A tab or a space is a delimiter too: not str(), which refuses blank strings.
  const delimiter = d.delimiter === undefined ? null : d.delimiter;
  if (delimiter !== null && (typeof delimiter !== 'string' || Buffer.byteLength(delimiter) !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r')) {
    throw invalidArg('job.data.delimiter', 'one single-byte character (not a quote or a line break)', d.delimiter);
  }
  const header = bool(d.header, 'job.data.header', true);
  const label = str(d.label, 'job.data.label')!;
  if (!header && !/^\d+$/.test(label)) throw invalidArg('job.data.label', 'a 0-based column index (job.data.header is false)', label);
  const categorical = d.categorical === undefined ? [] : strings(d.categorical, 'job.data.categorical', 10_000);
  const numeric = d.numeric === undefined ? [] : strings(d.numeric, 'job.data.numeric', 10_000);
  const both = categorical.find((c) => numeric.includes(c));
  if (both !== undefined) throw new BlasnetError('ERR_INVALID_ARG', `Expected column ${JSON.stringify(both)} in job.data.categorical or job.data.numeric but received it in both`);
  const data: ResolvedJob['data'] = {
    source: location(d.source, 'job.data.source', baseDir),
    label,
    format: str(d.format, 'job.data.format', { optional: true, choices: ['csv', 'jsonl'] }) as 'csv' | 'jsonl' | null,
    delimiter,
    header,
    missing: d.missing === undefined ? null : strings(d.missing, 'job.data.missing', 100),
    decimal: (str(d.decimal, 'job.data.decimal', { optional: true, choices: ['.', ','] }) ?? '.') as '.' | ',',
    categorical,
    numeric,
    maxCategories: d.maxCategories === undefined ? null : int(d.maxCategories, 'job.data.maxCategories', 1, 100_000),
    task: str(d.task, 'job.data.task', { optional: true, choices: ['classification', 'regression'] }) as JobTask | null,
  };

  const m = section(top.model, 'job.model', ['hidden', 'activation', 'layers', 'from']);
  if (m.layers !== undefined && (m.hidden !== undefined || m.activation !== undefined)) {
    throw new BlasnetError('ERR_INVALID_ARG', 'Expected either job.model.layers or job.model.hidden/activation but received both');
  }
  if (m.from !== undefined && (m.layers !== undefined || m.hidden !== undefined || m.activation !== undefined)) {
    throw new BlasnetError('ERR_INVALID_ARG', 'Expected either job.model.from (a saved model) or a layer list (job.model.layers or hidden) but received both');
  }
  let hidden = [64, 32];
  if (m.hidden !== undefined) {
    if (!Array.isArray(m.hidden) || m.hidden.length > 64) throw invalidArg('job.model.hidden', 'an array of layer widths such as [64, 32]', m.hidden);
    hidden = m.hidden.map((w, i) => int(w, `job.model.hidden[${i}]`, 1, 1 << 20));
  }
  let layerList: JobLayer[] | null = null;
  if (m.layers !== undefined) {
    if (!Array.isArray(m.layers) || m.layers.length > 256) throw invalidArg('job.model.layers', 'an array of at most 256 layer objects', m.layers);
    layerList = m.layers.map((l, i) => layer(l, `job.model.layers[${i}]`));
  }
  const model: ResolvedJob['model'] = {
    layers: layerList,
    hidden,
    activation: m.activation === undefined ? 'relu' : activation(m.activation, 'job.model.activation'),
    from: m.from === undefined ? null : location(m.from, 'job.model.from', baseDir),
  };

  const c = section(top.compile, 'job.compile', ['optimizer', 'learningRate', 'loss', 'metrics']);
  let metrics: string[] | null = null;
  if (c.metrics !== undefined) {
    if (!Array.isArray(c.metrics) || c.metrics.length > 16) throw invalidArg('job.compile.metrics', 'an array of metric names', c.metrics);
    metrics = c.metrics.map((n, i) => str(n, `job.compile.metrics[${i}]`)!);
  }
  if (c.learningRate !== undefined && (typeof c.learningRate !== 'number' || !(c.learningRate > 0) || !Number.isFinite(c.learningRate))) {
    throw invalidArg('job.compile.learningRate', 'a number > 0', c.learningRate);
  }
  const optimizer = c.optimizer === undefined ? null : str(c.optimizer, 'job.compile.optimizer')!.toLowerCase();
  if (optimizer !== null && !(OPTIMIZERS as readonly string[]).includes(optimizer)) {
    throw invalidArg('job.compile.optimizer', `one of ${OPTIMIZERS.join(', ')}`, c.optimizer);
  }
  const compile: ResolvedJob['compile'] = {
    optimizer,
    learningRate: (c.learningRate as number | undefined) ?? null,
    loss: c.loss === undefined ? null : str(c.loss, 'job.compile.loss')!,
    metrics,
  };

  const f = section(top.fit, 'job.fit', ['epochs', 'batchSize', 'validationSplit', 'earlyStopping', 'shuffle']);
  const split = f.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) throw invalidArg('job.fit.validationSplit', 'a number in [0, 1)', split);
  const fit: ResolvedJob['fit'] = {
    epochs: f.epochs === undefined ? 50 : int(f.epochs, 'job.fit.epochs', 1, 1_000_000),
    batchSize: f.batchSize === undefined ? 32 : int(f.batchSize, 'job.fit.batchSize', 1, 1 << 24),
    validationSplit: split,
    earlyStopping: f.earlyStopping === undefined ? null : int(f.earlyStopping, 'job.fit.earlyStopping', 1),
    shuffle: bool(f.shuffle, 'job.fit.shuffle', true),
  };

  const seed = top.seed === undefined ? 42 : int(top.seed, 'job.seed', 0, 0xffffffff);

  const r = section(top.result, 'job.result', ['dir', 'return', 'includeOptimizer']);
  const dir = r.dir === undefined ? null : location(r.dir, 'job.result.dir', baseDir);
  if (dir !== null && isUrl(dir)) throw invalidArg('job.result.dir', 'a folder path (shared by the workers)', r.dir);
  const result: ResolvedJob['result'] = {
    dir,
    return: bool(r.return, 'job.result.return', dir === null),
    includeOptimizer: bool(r.includeOptimizer, 'job.result.includeOptimizer', false),
  };
  if (!result.dir && !result.return) {
    throw new BlasnetError('ERR_INVALID_ARG', 'Expected job.result.dir (a shared folder) or job.result.return true, but the job keeps its model nowhere');
  }
  return { name, data, model, compile, fit, seed, result };
}

/** The resolved job as a description again (what a queue stores: absolute paths, defaults explicit). */
export function toDescription(job: ResolvedJob): JobDescription {
  const d: JobDescription = {
    data: { source: job.data.source, label: job.data.label },
    model: job.model.from ? { from: job.model.from } : job.model.layers ? { layers: job.model.layers } : { hidden: job.model.hidden, activation: job.model.activation },
    compile: {},
    fit: { epochs: job.fit.epochs, batchSize: job.fit.batchSize, validationSplit: job.fit.validationSplit, shuffle: job.fit.shuffle },
    seed: job.seed,
    result: { return: job.result.return, includeOptimizer: job.result.includeOptimizer },
  };
  if (job.name !== null) d.name = job.name;
  if (job.data.format) d.data.format = job.data.format;
  if (job.data.delimiter !== null) d.data.delimiter = job.data.delimiter;
  if (!job.data.header) d.data.header = false;
  if (job.data.missing) d.data.missing = job.data.missing;
  if (job.data.decimal !== '.') d.data.decimal = job.data.decimal;
  if (job.data.categorical.length) d.data.categorical = job.data.categorical;
  if (job.data.numeric.length) d.data.numeric = job.data.numeric;
  if (job.data.maxCategories !== null) d.data.maxCategories = job.data.maxCategories;
  if (job.data.task) d.data.task = job.data.task;
  if (job.compile.optimizer !== null) d.compile!.optimizer = job.compile.optimizer;
  if (job.compile.learningRate !== null) d.compile!.learningRate = job.compile.learningRate;
  if (job.compile.loss !== null) d.compile!.loss = job.compile.loss;
  if (job.compile.metrics !== null) d.compile!.metrics = job.compile.metrics;
  if (job.fit.earlyStopping !== null) d.fit!.earlyStopping = job.fit.earlyStopping;
  if (job.result.dir !== null) d.result!.dir = job.result.dir;
  return d;
}

/** Parses job JSON text with an error that says where it is broken. */
export function parseJobJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BlasnetError('ERR_FORMAT', `${source}: not valid JSON: ${(err as Error).message}`);
  }
}

