// Hyper-parameter search on the job queue: one job per trial (a grid, or random draws), all submitted at
// once so every worker takes part, followed to the end, ranked on the validation rows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlasnetError, invalidArg } from '../errors';
import { RandomStream } from '../random';
import { intInRange, orDefault } from '../validate';
import { resolveJob, toDescription, type JobDescription } from './description';
import { submitJobs, waitForJob, type JobQueue, type SubmitOptions } from './client';
import { modelFromResult, writeFileAtomic, type JobProgress } from './run';
import type { WorkerJobResult } from './processor';

/** A random parameter: log-uniform, uniform, or a uniform integer, in [min, max]. */
export type Distribution = { log: [number, number] } | { uniform: [number, number] } | { int: [number, number] };

export interface TuneOptions {
  /** Values to try per parameter: every combination, or (with trials) random ones. */
  grid?: Record<string, unknown[]>;
  /** Distributions (or value lists) to draw from; needs trials. */
  random?: Record<string, Distribution | unknown[]>;
  /** Random search: this many trials. Without it, the whole grid. */
  trials?: number;
  /** Seed of the random draws (default 1); each trial trains with the job's own seed. */
  seed?: number;
  /** Also run the job as written, as trial 0. */
  baseline?: boolean;
  /** The validation score to rank on: val_accuracy for classifiers and val_loss for regressors by default. */
  objective?: string;
  submit?: SubmitOptions;
  /** Called whenever a trial changes (state, epoch, result). */
  onUpdate?: (trials: readonly Trial[]) => void;
}

export interface Trial {
  /** 0 is the baseline (when asked for), then 1, 2, ... */
  index: number;
  params: Record<string, unknown>;
  job: JobDescription;
  jobId: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  progress: JobProgress | null;
  /** The objective on the validation rows (of the kept weights), once completed. */
  score: number | null;
  result: WorkerJobResult | null;
  error: string | null;
}

export interface TuneResult {
  objective: string;
  /** Whether larger scores are better. */
  maximize: boolean;
  trials: Trial[];
  /** The best completed trial (the first of equals), or null when none completed. */
  best: Trial | null;
  notes: string[];
}

export const MAX_TRIALS = 10_000;

/** Short names for the fields searched most; any other field by its path (fit.batchSize, model.layers.1.rate). */
export const PARAMETER_ALIASES: Record<string, string> = {
  units: 'every hidden layer width (model.hidden or the dense layers of model.layers)',
  hidden: 'model.hidden',
  activation: 'the hidden layers\' activation',
  dropout: 'the rate of every dropout layer',
  learningRate: 'compile.learningRate',
  optimizer: 'compile.optimizer',
  loss: 'compile.loss',
  epochs: 'fit.epochs',
  batchSize: 'fit.batchSize',
  validationSplit: 'fit.validationSplit',
  earlyStopping: 'fit.earlyStopping',
  seed: 'seed',
};

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The description with one parameter set (errors name the parameter). */
export function applyParameter(job: JobDescription, name: string, value: unknown): JobDescription {
  const j = clone(job);
  const model = (j.model ??= {});
  const denseLayers = (): { units: number; activation?: string }[] => (model.layers ?? []).filter((l) => l.type === 'dense') as { units: number }[];
  switch (name) {
    case 'units':
      if (model.from) throw new BlasnetError('ERR_INVALID_ARG', 'Parameter units: the job trains a saved model (model.from), whose layers are fixed');
      if (model.layers) { for (const l of denseLayers()) l.units = value as number; } else model.hidden = (model.hidden ?? [64, 32]).map(() => value as number);
      return j;
    case 'activation':
      if (model.layers) { for (const l of denseLayers()) l.activation = value as string; } else model.activation = value as string;
      return j;
    case 'dropout': {
      const drops = (model.layers ?? []).filter((l) => l.type === 'dropout') as { rate: number }[];
      if (drops.length === 0) throw new BlasnetError('ERR_INVALID_ARG', 'Parameter dropout: the job has no dropout layer in model.layers');
      for (const l of drops) l.rate = value as number;
      return j;
    }
    case 'hidden': model.hidden = value as number[]; return j;
    case 'learningRate': case 'optimizer': case 'loss':
      (j.compile ??= {})[name] = value as never; return j;
    case 'epochs': case 'batchSize': case 'validationSplit': case 'earlyStopping':
      (j.fit ??= {})[name] = value as never; return j;
    case 'seed': j.seed = value as number; return j;
    default: {
      const parts = name.split('.');
      if (parts.length < 2 || !['data', 'model', 'compile', 'fit', 'result'].includes(parts[0]!) || parts.some((p) => p === '' || p === '__proto__')) {
        throw new BlasnetError('ERR_INVALID_ARG', `Unknown parameter ${JSON.stringify(name)}; expected one of ${Object.keys(PARAMETER_ALIASES).join(', ')}, or a field path such as fit.batchSize`);
      }
      let o = j as unknown as Record<string, unknown>;
      for (const p of parts.slice(0, -1)) {
        if (o[p] === undefined) o[p] = {};
        if (o[p] === null || typeof o[p] !== 'object') throw new BlasnetError('ERR_INVALID_ARG', `Parameter ${name}: ${p} is not an object in the job`);
        o = o[p] as Record<string, unknown>;
      }
      o[parts[parts.length - 1]!] = value;
      return j;
    }
  }
}

function checkDistribution(name: string, d: unknown): Distribution | unknown[] {
  if (Array.isArray(d)) {
    if (d.length === 0) throw invalidArg(`parameter ${name}`, 'at least one value', d);
    return d;
  }
  const kind = d && typeof d === 'object' ? Object.keys(d)[0] : undefined;
  const range = kind ? (d as Record<string, unknown>)[kind] : undefined;
  if (!kind || !['log', 'uniform', 'int'].includes(kind) || Object.keys(d as object).length !== 1 || !Array.isArray(range) || range.length !== 2 ||
    !range.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(range[0] <= range[1]) || (kind === 'log' && !(range[0] > 0)) ||
    (kind === 'int' && !range.every(Number.isInteger))) {
    throw invalidArg(`parameter ${name}`, 'a list of values, or {log: [min > 0, max]}, {uniform: [min, max]} or {int: [min, max]}', d);
  }
  return d as Distribution;
}

function draw(d: Distribution | unknown[], rnd: () => number): unknown {
  if (Array.isArray(d)) return d[Math.floor(rnd() * d.length)];
  if ('log' in d) { const [a, b] = d.log; return Number(Math.exp(Math.log(a) + rnd() * (Math.log(b) - Math.log(a))).toPrecision(4)); }
  if ('uniform' in d) { const [a, b] = d.uniform; return Number((a + rnd() * (b - a)).toPrecision(4)); }
  const [a, b] = d.int;
  return a + Math.floor(rnd() * (b - a + 1));
}

/** The parameter sets of a search: the grid's combinations, or `trials` random draws. */
export function trialParameters(options: Pick<TuneOptions, 'grid' | 'random' | 'trials' | 'seed'>): Record<string, unknown>[] {
  const grid = Object.entries(options.grid ?? {}).map(([k, v]) => [k, checkDistribution(k, v)] as const);
  const random = Object.entries(options.random ?? {}).map(([k, v]) => [k, checkDistribution(k, v)] as const);
  for (const [k, v] of grid) if (!Array.isArray(v)) throw invalidArg(`grid parameter ${k}`, 'a list of values', v);
  const names = [...grid, ...random].map(([k]) => k);
  if (new Set(names).size !== names.length) throw new BlasnetError('ERR_INVALID_ARG', `A parameter is given twice: ${names.join(', ')}`);
  if (names.length === 0) throw new BlasnetError('ERR_INVALID_ARG', 'Expected at least one parameter to search (grid or random)');
  const trials = options.trials;
  if (trials !== undefined) intInRange(trials, 'trials', 1, MAX_TRIALS);
  if (random.length > 0 && trials === undefined) throw new BlasnetError('ERR_INVALID_ARG', 'Random parameters need a number of trials (trials / --trials)');
  const size = grid.reduce((n, [, v]) => n * (v as unknown[]).length, 1);
  const combos = (): Record<string, unknown>[] => {
    let out: Record<string, unknown>[] = [{}];
    for (const [k, vs] of grid) out = out.flatMap((o) => (vs as unknown[]).map((v) => ({ ...o, [k]: v })));
    return out;
  };
  // The draws' generator keeps 32 bits of state: a larger seed would repeat a smaller one's draws.
  const rnd = RandomStream.fromState(orDefault(options.seed, 1, (x) => intInRange(x, 'seed', 0, 0xffffffff))).next;
  if (trials === undefined) {
    if (size > MAX_TRIALS) throw new BlasnetError('ERR_LIMIT', `The grid has ${size} combinations, more than ${MAX_TRIALS}; sample it with trials`);
    return combos();
  }
  if (random.length === 0 && size <= MAX_TRIALS) {
    // Only lists: distinct combinations in a seeded random order (all of them when trials >= the grid).
    const all = combos();
    for (let i = all.length - 1; i > 0; i--) { const k = Math.floor(rnd() * (i + 1)); [all[i], all[k]] = [all[k]!, all[i]!]; }
    return all.slice(0, trials);
  }
  return Array.from({ length: trials }, () => Object.fromEntries([...grid, ...random].map(([k, d]) => [k, draw(d, rnd)])));
}

/** What a search ranks on unless told: val_accuracy for classifiers, val_loss for regressors. */
export function defaultObjective(result: Pick<WorkerJobResult, 'task'>): string {
  return result.task === 'classification' ? 'val_accuracy' : 'val_loss';
}

function isMaximized(objective: string): boolean {
  return /accuracy|auc|precision|recall|r2/i.test(objective);
}

/** The objective's value in a result: the kept model's validation score (the objective without "val_"). */
export function trialScore(result: WorkerJobResult, objective: string): number | null {
  const key = objective.replace(/^val_/, '');
  const v = objective.startsWith('val_') ? result.scores.validation?.[key] : result.scores.train[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Submits one job per trial, follows them all and ranks the completed ones. */
export async function tune(q: JobQueue, description: unknown, options: TuneOptions = {}): Promise<TuneResult> {
  const notes: string[] = [];
  const base = toDescription(resolveJob(description, { baseDir: options.submit?.baseDir }));
  const sets = trialParameters(options);
  const searched = new Set([...Object.keys(options.grid ?? {}), ...Object.keys(options.random ?? {})]);
  if (!base.fit?.validationSplit && !searched.has('validationSplit') && !searched.has('fit.validationSplit')) {
    base.fit = { ...base.fit, validationSplit: 0.2 };
    notes.push('the job holds out no validation rows: each trial holds out 20% (fit.validationSplit 0.2) to be ranked on');
  }
  const params = options.baseline ? [{}, ...sets] : sets;
  const jobs = params.map((p, i) => {
    let j = base;
    for (const [k, v] of Object.entries(p)) j = applyParameter(j, k, v);
    const index = options.baseline ? i : i + 1;
    j.name = `${base.name ?? 'tune'} #${index}`;
    try {
      return toDescription(resolveJob(j));
    } catch (err) {
      if (err instanceof BlasnetError) throw new BlasnetError(err.code, `Trial ${index} (${JSON.stringify(p)}): ${err.message}`);
      throw err;
    }
  });
  const ids = await submitJobs(q, jobs, { ...options.submit, baseDir: undefined });
  const trials: Trial[] = jobs.map((job, i) => ({
    index: options.baseline ? i : i + 1, params: params[i]!, job, jobId: ids[i]!, state: 'waiting', progress: null, score: null, result: null, error: null,
  }));
  const update = (): void => { try { options.onUpdate?.(trials); } catch { /* a display's fault is not the search's */ } };
  update();
  let objective = options.objective ?? null;
  const byId = new Map(trials.map((t) => [t.jobId, t]));
  const ev = await q.queueEvents();
  const onActive = ({ jobId }: { jobId: string }): void => {
    const t = byId.get(jobId);
    if (t && t.state === 'waiting') { t.state = 'active'; update(); }
  };
  ev.on('active', onActive);
  try {
    await Promise.all(trials.map(async (t) => {
      try {
        t.result = await waitForJob(q, t.jobId, {
          onProgress: (p) => { t.progress = p; if (t.state === 'waiting') t.state = 'active'; update(); },
        });
        objective ??= defaultObjective(t.result);
        t.state = 'completed';
        t.score = trialScore(t.result, objective);
      } catch (err) {
        t.state = 'failed';
        t.error = (err as Error).message;
      }
      update();
    }));
  } finally {
    ev.off('active', onActive);
  }
  objective ??= 'val_loss';
  const maximize = isMaximized(objective);
  for (const t of trials) if (t.result) t.score = trialScore(t.result, objective);
  let best: Trial | null = null;
  for (const t of trials) {
    if (t.score === null) continue;
    if (!best || (maximize ? t.score > best.score! : t.score < best.score!)) best = t;
  }
  if (trials.some((t) => t.result && t.score === null)) notes.push(`some results have no ${objective}; those trials are not ranked`);
  return { objective, maximize, trials, best, notes };
}

/** Writes the best trial's model to dir (loadable, with its preprocessor) and dir/tune.json (every trial and the best job). */
export async function saveTuneResult(result: TuneResult, dir: string): Promise<void> {
  if (!result.best?.result) throw new BlasnetError('ERR_INVALID_ARG', 'No trial completed: there is no model to save');
  const model = await modelFromResult(result.best.result);
  await model.save(dir);
  model.dispose();
  const summary = {
    objective: result.objective, maximize: result.maximize, notes: result.notes,
    best: { index: result.best.index, jobId: result.best.jobId, params: result.best.params, score: result.best.score, job: result.best.job },
    trials: result.trials.map((t) => ({
      index: t.index, jobId: t.jobId, params: t.params, state: t.state, score: t.score, error: t.error,
      epochs: t.result?.epochs ?? null, final: t.result?.final ?? null, scores: t.result?.scores ?? null,
    })),
  };
  writeFileAtomic(path.join(dir, 'tune.json'), JSON.stringify(summary, null, 1) + '\n');
  fs.accessSync(path.join(dir, 'model.json'));
}
