// Which models the server has and which version of each it serves. Sources are model folders
// (model.json inside), versioned model folders (integer subfolders, as TF Serving: the newest is served)
// and repositories (one subfolder per model). Names come from the folders only: a request names a model,
// the name is looked up here, and nothing from a URL ever reaches the file system. A new version is loaded,
// validated and warmed before it is swapped in; the old one finishes what it has queued, then is freed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlasnetError, describe } from '../errors';
import { loadModel } from '../model/saving';
import { Sequential } from '../model/sequential';
import type { Preprocessor } from '../data/preprocess/preprocessor';
import { Batcher, type BatcherOptions, type BatchStats } from './batcher';
import { describeModel, recordsSchema, type ModelInfo, type RecordsSchema } from './model-info';
import type { Logger } from './log';

/** What serve() takes as `models`: a folder (model, versioned model or repository), several, or names to folders or models. */
export type ModelsOption = string | string[] | Record<string, string | Sequential>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const VERSION = /^\d{1,15}$/;

interface Source {
  name: string;
  /** A model folder, or the folder of integer version subfolders. */
  dir: string | null;
  versioned: boolean;
  model: Sequential | null;
}

export interface ModelVersion {
  name: string;
  version: string;
  dir: string | null;
  model: Sequential;
  info: ModelInfo;
  /** The preprocessor saved with the model (raw records go through it), parsed once per version. */
  preprocessor: Preprocessor | null;
  /** What the metadata endpoints say of the raw records it takes (null without a preprocessor). */
  records: RecordsSchema | null;
  batcher: Batcher;
  loadedAt: Date;
}

export interface VersionFailure {
  version: string;
  error: string;
  signature: string;
}

export class ServedModel {
  current: ModelVersion | null = null;
  /** Versions that failed to load, by version (tried again when their files change). */
  readonly failures = new Map<string, VersionFailure>();
  constructor(readonly source: Source) {}
  get name(): string { return this.source.name; }
}

function isFile(p: string): boolean {
  try { return fs.statSync(p).isFile(); } catch { return false; }
}

function subdirs(dir: string): string[] {
  let entries: fs.Dirent[];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (err) {
    throw new BlasnetError('ERR_IO', `Cannot read the model folder ${dir}: ${(err as Error).message}`);
  }
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/** Integer version subfolders that hold a model.json, newest first. */
export function listVersions(dir: string): string[] {
  return subdirs(dir).filter((v) => VERSION.test(v) && isFile(path.join(dir, v, 'model.json')))
    .sort((a, b) => Number(b) - Number(a));
}

type Kind = 'model' | 'versioned' | 'repository';

function kindOf(dir: string): Kind {
  if (isFile(path.join(dir, 'model.json'))) return 'model';
  const subs = subdirs(dir);
  if (subs.some((s) => VERSION.test(s))) return 'versioned';
  if (subs.length > 0) return 'repository';
  throw new BlasnetError('ERR_IO', `${dir} is not a model folder (no model.json), a versioned model (no integer subfolders) or a model repository (no subfolders)`);
}

function checkName(name: string, where: string): string {
  if (!NAME.test(name)) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a model name of letters, digits, '_', '.' or '-' for ${where} but received ${describe(name)}`);
  }
  return name;
}

function dirSource(name: string, dir: string): Source {
  const kind = kindOf(dir);
  if (kind === 'repository') throw new BlasnetError('ERR_INVALID_ARG', `${dir} (model ${name}) is a repository of models, not one model`);
  return { name, dir, versioned: kind === 'versioned', model: null };
}

/** Models of a repository folder: every subfolder with a valid name that is a model or a versioned model. */
function repositorySources(root: string, log: Logger): Source[] {
  const out: Source[] = [];
  for (const sub of subdirs(root)) {
    if (!NAME.test(sub)) { log.warn('skipped a folder whose name is not a model name', { folder: path.join(root, sub) }); continue; }
    const dir = path.join(root, sub);
    if (isFile(path.join(dir, 'model.json'))) out.push({ name: sub, dir, versioned: false, model: null });
    else if (subdirs(dir).some((s) => VERSION.test(s))) out.push({ name: sub, dir, versioned: true, model: null });
    else if (subdirs(dir).length === 0) out.push({ name: sub, dir, versioned: true, model: null });
  }
  return out;
}

/** The sources and the repository roots (watched for new models) that `models` names. */
export function resolveSources(models: ModelsOption, log: Logger): { sources: Source[]; roots: string[] } {
  const sources: Source[] = [];
  const roots: string[] = [];
  const dirs = typeof models === 'string' ? [models] : Array.isArray(models) ? models : null;
  if (dirs) {
    if (dirs.length === 0) throw new BlasnetError('ERR_INVALID_ARG', 'Expected at least one model folder for models but received none');
    for (const d of dirs) {
      if (typeof d !== 'string' || d === '') throw new BlasnetError('ERR_INVALID_ARG', `Expected a folder path in models but received ${describe(d)}`);
      const dir = path.resolve(d);
      if (!fs.existsSync(dir)) throw new BlasnetError('ERR_IO', `No such model folder: ${d}`);
      const kind = kindOf(dir);
      if (kind === 'repository') { roots.push(dir); sources.push(...repositorySources(dir, log)); }
      else sources.push({ name: checkName(path.basename(dir), `the folder ${d}`), dir, versioned: kind === 'versioned', model: null });
    }
  } else if (models && typeof models === 'object') {
    for (const [name, v] of Object.entries(models)) {
      checkName(name, 'a key of models');
      if (v instanceof Sequential) sources.push({ name, dir: null, versioned: false, model: v });
      else if (typeof v === 'string' && v !== '') {
        if (!fs.existsSync(v)) throw new BlasnetError('ERR_IO', `No such model folder for model ${name}: ${v}`);
        sources.push(dirSource(name, path.resolve(v)));
      } else throw new BlasnetError('ERR_INVALID_ARG', `Expected a folder or a Sequential model for models.${name} but received ${describe(v)}`);
    }
  } else {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a folder, folders, or an object of names to folders or models for models but received ${describe(models)}`);
  }
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.name)) throw new BlasnetError('ERR_INVALID_ARG', `Two models are named ${s.name}: model names must be unique`);
    seen.add(s.name);
  }
  if (sources.length === 0) throw new BlasnetError('ERR_INVALID_ARG', 'No models found in the folders given');
  return { sources, roots };
}

/** What identifies a version folder's files: a rewrite (even one that failed before) is tried again. */
function signature(dir: string): string {
  try {
    return fs.readdirSync(dir).sort().map((f) => {
      const st = fs.statSync(path.join(dir, f));
      return `${f}:${st.size}:${st.mtimeMs}`;
    }).join('|');
  } catch { return ''; }
}

export interface RepositoryOptions {
  batcher: BatcherOptions;
  /** Rows of zeros predicted before a version is swapped in. */
  warmupRows: number;
  log: Logger;
  onBatch: (model: string, stats: BatchStats) => void;
  onVersion: (model: string, version: string, outcome: 'loaded' | 'failed') => void;
}

export class Repository {
  readonly models = new Map<string, ServedModel>();
  private pollTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private retiring = new Set<Promise<void>>();
  private closed = false;

  constructor(sources: Source[], private readonly roots: string[], private readonly options: RepositoryOptions) {
    for (const s of sources) this.models.set(s.name, new ServedModel(s));
  }

  /** Loads every model (the newest version that loads); rejects when one has no version that loads. */
  async start(): Promise<void> {
    const problems: string[] = [];
    for (const m of this.models.values()) {
      const why = await this.loadNewest(m, true);
      if (why) problems.push(why);
    }
    if (problems.length) {
      await this.close();
      throw new BlasnetError('ERR_FORMAT', problems.join('; '));
    }
  }

  /** True when every model serves a version. */
  get ready(): boolean {
    for (const m of this.models.values()) if (!m.current) return false;
    return this.models.size > 0;
  }

  private async loadNewest(m: ServedModel, initial: boolean): Promise<string | null> {
    const s = m.source;
    if (s.model) { await this.swap(m, await this.prepare(m, '1', null, s.model)); return null; }
    if (!s.versioned) {
      try { await this.swap(m, await this.prepare(m, '1', s.dir, null)); return null; } catch (err) {
        return `model ${m.name}: ${(err as Error).message}`;
      }
    }
    const versions = listVersions(s.dir!);
    if (versions.length === 0) return initial && this.roots.length === 0 ? `model ${m.name}: no version folders with a model.json in ${s.dir}` : null;
    const errors: string[] = [];
    for (const v of versions) {
      if (m.current && Number(v) <= Number(m.current.version)) break;
      const dir = path.join(s.dir!, v);
      const sig = signature(dir);
      const failed = m.failures.get(v);
      if (failed && failed.signature === sig) { if (!initial) break; errors.push(`version ${v}: ${failed.error}`); continue; }
      try {
        await this.swap(m, await this.prepare(m, v, dir, null));
        m.failures.delete(v);
        return null;
      } catch (err) {
        const error = (err as Error).message;
        m.failures.set(v, { version: v, error, signature: sig });
        this.options.onVersion(m.name, v, 'failed');
        this.options.log.error('model version failed to load; the version served before stays', {
          model: m.name, version: v, served: m.current?.version ?? null, error,
        });
        errors.push(`version ${v}: ${error}`);
        // On a reload the served version stays; at start the next older version is tried.
        if (!initial) return null;
      }
    }
    return m.current ? null : `model ${m.name}: no version loads (${errors.join('; ')})`;
  }

  /** Loads, checks and warms a version; it is not visible to requests until swap(). */
  private async prepare(m: ServedModel, version: string, dir: string | null, given: Sequential | null): Promise<ModelVersion> {
    const t0 = performance.now();
    const model = given ?? await loadModel(dir!);
    try {
      const info = describeModel(model, m.name);
      const preprocessor = model.getPreprocessor();
      if (preprocessor && preprocessor.outputWidth !== info.inputDim) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH', `its preprocessor gives ${preprocessor.outputWidth} features but the model takes ${info.inputDim}`);
      }
      const rows = Math.max(1, this.options.warmupRows);
      const out = (await model.predictAsync({ data: new Float32Array(rows * info.inputDim), shape: [rows, info.inputDim] }, { batchSize: rows })).dataSync();
      for (let i = 0; i < out.length; i++) {
        if (!Number.isFinite(out[i]!)) throw new BlasnetError('ERR_NON_FINITE', `the model gives ${out[i]} on an input of zeros`);
      }
      const predict = async (x: Float32Array, n: number): Promise<Float32Array> =>
        (await model.predictAsync({ data: x, shape: [n, info.inputDim] }, { batchSize: n })).dataSync<'float32'>();
      const label = `${m.name} (version ${version})`;
      const batcher = new Batcher(predict, info.inputDim, info.outputDim, this.options.batcher, label, (st) => this.options.onBatch(m.name, st));
      this.options.log.info('model version loaded and warmed', {
        model: m.name, version, dir, inputs: info.inputDim, outputs: info.outputDim, ms: Math.round(performance.now() - t0),
      });
      return { name: m.name, version, dir, model, info, preprocessor, records: preprocessor ? recordsSchema(preprocessor) : null, batcher, loadedAt: new Date() };
    } catch (err) {
      if (!given) model.dispose();
      throw err;
    }
  }

  private async swap(m: ServedModel, next: ModelVersion): Promise<void> {
    const old = m.current;
    m.current = next;
    this.options.onVersion(m.name, next.version, 'loaded');
    if (old) {
      this.options.log.info('model version swapped in', { model: m.name, version: next.version, previous: old.version });
      this.retire(old);
    }
  }

  /** The old version answers what it has queued, then its engine memory is freed. */
  private retire(v: ModelVersion): void {
    const done = v.batcher.idle().then(() => { if (!v.model.isDisposed && v.dir) v.model.dispose(); });
    this.retiring.add(done);
    void done.finally(() => this.retiring.delete(done));
  }

  /** Looks for new versions (and new models in repositories) once; overlapping calls share one pass. */
  reload(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.polling ??= this.pollOnce().finally(() => { this.polling = null; });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    for (const root of this.roots) {
      let found: Source[];
      try { found = repositorySources(root, this.options.log); } catch (err) {
        this.options.log.error('cannot read the model repository', { root, error: (err as Error).message });
        continue;
      }
      for (const s of found) {
        if (!this.models.has(s.name)) {
          this.models.set(s.name, new ServedModel(s));
          this.options.log.info('new model in the repository', { model: s.name, dir: s.dir });
        }
      }
    }
    for (const m of this.models.values()) {
      if (this.closed) return;
      if (!m.source.versioned) continue;
      try {
        await this.loadNewest(m, false);
      } catch (err) {
        this.options.log.error('cannot read the versions of a model', { model: m.name, error: (err as Error).message });
      }
    }
  }

  /** Polls for new versions every `ms` milliseconds (0: never). */
  watch(ms: number): void {
    if (ms <= 0 || this.pollTimer) return;
    this.pollTimer = setInterval(() => { void this.reload(); }, ms);
    this.pollTimer.unref();
  }

  /** Resolves when every batcher has finished what it has queued. */
  async drain(): Promise<void> {
    await Promise.all([...this.models.values()].map((m) => m.current?.batcher.idle()));
    await Promise.all([...this.retiring]);
  }

  /** Stops polling, drains, and frees the models it loaded (models handed in by the caller stay theirs). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (this.polling) await this.polling.catch(() => undefined);
    await this.drain();
    for (const m of this.models.values()) {
      if (m.current && m.current.dir && !m.current.model.isDisposed) m.current.model.dispose();
    }
  }
}
