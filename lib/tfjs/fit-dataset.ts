// model.fitDataset / model.evaluateDataset: training and evaluation streamed from a tf.data Dataset of
// {xs, ys} batches. Batches are copied into chunks of many batches (a few MB), and each chunk is one
// engine call (one fit epoch over the chunk, in the dataset's order), so the native engine still trains
// whole runs of batches per call; the next chunk is read while the engine trains the current one.
// Memory is bounded by two chunks and the dataset's own buffers, never by the data.
import { BlasnetError, describe, invalidArg } from '../errors';
import { History } from '../model/sequential';
import { aliasAccuracy } from '../model/metrics';
import { checkYieldEvery, type YieldEvery } from '../model/fit';
import type { CallbackHooks, Logs } from '../model/callbacks';
import { Progress } from '../model/progress';
import { Tensor } from '../tensor';
import { nonNegativeInt, orDefault, positiveInt as positiveIntOf } from '../validate';

/** What fitDataset needs of a dataset: tfjs's iterator() protocol. */
export interface DatasetLike {
  size?: number | null;
  iterator(): Promise<{ next(): Promise<{ value: unknown; done: boolean }> }>;
}

/** What fitDataset needs of a model: its public fit and evaluate calls. */
export interface DatasetModel {
  stopTraining: boolean;
  fit(x: unknown, y: unknown, args: Record<string, unknown>): Promise<{ history: Record<string, number[]> }>;
  evaluateAsync(x: unknown, y: unknown, args: Record<string, unknown>): Promise<Record<string, number>>;
}

export interface FitDatasetArgs {
  epochs?: number;
  batchesPerEpoch?: number;
  initialEpoch?: number;
  validationData?: DatasetLike | [unknown, unknown] | [unknown, unknown, unknown];
  validationBatches?: number;
  validationBatchSize?: number;
  callbacks?: CallbackHooks | CallbackHooks[];
  verbose?: 0 | 1 | 2;
  classWeight?: Record<number | string, number> | number[];
  yieldEvery?: YieldEvery;
}

const FIT_DATASET_KEYS = ['epochs', 'batchesPerEpoch', 'initialEpoch', 'validationData', 'validationBatches', 'validationBatchSize',
  'callbacks', 'verbose', 'classWeight', 'yieldEvery'];

/** A chunk holds at most this many bytes of x (and this many batches), so two of them stay small. */
const CHUNK_BYTES = 8 << 20;
const CHUNK_BATCHES = 512;

interface TensorLikeValue { shape: number[]; dataSync(): ArrayLike<number>; dispose?(): void; isDisposed?: boolean }

function isTensorLike(v: unknown): v is TensorLikeValue {
  return v !== null && typeof v === 'object' && typeof (v as TensorLikeValue).dataSync === 'function' && Array.isArray((v as TensorLikeValue).shape);
}

/** The xs and ys of one dataset element ({xs, ys} or [xs, ys]), with the batch size they share. */
function splitElement(v: unknown, where: string): { xs: TensorLikeValue; ys: TensorLikeValue; rows: number } {
  let xs: unknown, ys: unknown;
  if (Array.isArray(v) && v.length === 2) [xs, ys] = v;
  else if (v !== null && typeof v === 'object' && 'xs' in v && 'ys' in v) ({ xs, ys } = v as { xs: unknown; ys: unknown });
  else throw invalidArg(`the elements of ${where}`, '{xs, ys} or [xs, ys] batches of tensors (call dataset.batch(n))', v);
  for (const [name, t] of [['xs', xs], ['ys', ys]] as const) {
    if (!isTensorLike(t)) {
      const what = t !== null && typeof t === 'object' ? 'an object of named inputs or outputs (blasnet models have one of each)' : describe(t);
      throw new BlasnetError(t !== null && typeof t === 'object' ? 'ERR_UNSUPPORTED' : 'ERR_INVALID_ARG',
        `Expected a tensor for ${name} of the elements of ${where} but received ${what}`);
    }
    if (t.shape.length < 1) throw invalidArg(`${name} of the elements of ${where}`, 'a batch (a tensor of rank 1 or more)', t);
  }
  const x = xs as TensorLikeValue, y = ys as TensorLikeValue;
  if (x.shape[0] !== y.shape[0]) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `The xs and ys of a batch of ${where} have ${x.shape[0]} and ${y.shape[0]} rows`);
  }
  return { xs: x, ys: y, rows: x.shape[0]! };
}

/** Many batches copied into one x and one y matrix. */
interface Chunk { x: { data: Float32Array; shape: [number, number] }; y: { data: Float32Array; shape: [number, number] }; rows: number; batches: number; batchSize: number; batchRows: number[] }

/** Reads batches from an iterator into chunks; stops at `maxBatches` when given. */
class ChunkReader {
  private batchesRead = 0;
  exhausted = false;
  private carried: { xs: TensorLikeValue; ys: TensorLikeValue; rows: number } | null = null;
  constructor(private readonly it: { next(): Promise<{ value: unknown; done: boolean }> }, private readonly where: string,
    private readonly maxBatchesPerChunk: number) {}

  /** The next chunk of at most `limit` batches, or null at the end of the data. */
  async read(limit: number): Promise<Chunk | null> {
    const parts: { xs: TensorLikeValue; ys: TensorLikeValue; rows: number }[] = [];
    let rows = 0, xCols = -1, yCols = -1, batchSize = 0;
    while (parts.length < Math.min(limit, this.maxBatchesPerChunk)) {
      let el = this.carried;
      this.carried = null;
      if (!el) {
        if (this.exhausted) break;
        const r = await this.it.next();
        if (r.done) { this.exhausted = true; break; }
        el = splitElement(r.value, this.where);
        this.batchesRead++;
      }
      const xc = el.rows ? el.xs.shape.slice(1).reduce((a, b) => a * b, 1) : 0;
      const yc = el.ys.shape.length === 1 ? 1 : el.ys.shape.slice(1).reduce((a, b) => a * b, 1);
      // A chunk is one engine call with one batch size: a batch of another size starts a new chunk
      // (only a smaller last batch may end one).
      if (parts.length > 0 && (xc !== xCols || yc !== yCols || el.rows > batchSize)) { this.carried = el; break; }
      if (parts.length === 0) { xCols = xc; yCols = yc; batchSize = el.rows; }
      parts.push(el);
      rows += el.rows;
      if (el.rows < batchSize || rows * xCols * 4 >= CHUNK_BYTES) break;
    }
    if (parts.length === 0) return null;
    const x = new Float32Array(rows * xCols), y = new Float32Array(rows * yCols);
    let r = 0;
    for (const p of parts) {
      x.set(p.xs.dataSync(), r * xCols);
      y.set(p.ys.dataSync(), r * yCols);
      r += p.rows;
      // As tfjs: the dataset's batch tensors are disposed once they are trained on.
      p.xs.dispose?.();
      p.ys.dispose?.();
    }
    return { x: { data: x, shape: [rows, xCols] }, y: { data: y, shape: [rows, yCols] }, rows, batches: parts.length, batchSize, batchRows: parts.map((p) => p.rows) };
  }
}

function optionalPositiveInt(v: unknown, name: string): number | undefined {
  return orDefault(v, undefined, (x) => positiveIntOf(x, name), true);
}

function isDataset(v: unknown): v is DatasetLike {
  return v !== null && typeof v === 'object' && typeof (v as DatasetLike).iterator === 'function';
}

/** Sums of row-weighted values, averaged at the end (the epoch's loss and metrics). */
class Averages {
  private readonly sums = new Map<string, number>();
  rows = 0;
  add(values: Record<string, number>, rows: number): void {
    for (const [k, v] of Object.entries(values)) this.sums.set(k, (this.sums.get(k) ?? 0) + v * rows);
    this.rows += rows;
  }
  result(prefix = ''): Logs {
    const out: Logs = {};
    for (const [k, s] of this.sums) out[prefix + k] = this.rows > 0 ? s / this.rows : NaN;
    return out;
  }
}

async function evaluateChunks(model: DatasetModel, ds: DatasetLike, batches: number | undefined, where: string): Promise<Logs> {
  const reader = new ChunkReader(await ds.iterator(), where, CHUNK_BATCHES);
  const avg = new Averages();
  let left = batches ?? Infinity;
  for (let chunk = await reader.read(left); chunk; chunk = left > 0 ? await reader.read(left) : null) {
    left -= chunk.batches;
    avg.add(await model.evaluateAsync(chunk.x, chunk.y, { batchSize: chunk.batchSize }), chunk.rows);
  }
  if (avg.rows === 0) throw new BlasnetError('ERR_INVALID_ARG', `${where} yielded no batches`);
  return avg.result();
}

/** The loss and metrics over a dataset of {xs, ys} batches, as scalars (loss first), as tfjs's evaluateDataset. */
export async function evaluateDataset(model: DatasetModel, dataset: unknown, args: { batches?: number; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
  if (!isDataset(dataset)) throw invalidArg('evaluateDataset(dataset)', 'a tf.data Dataset', dataset);
  if (args === null || typeof args !== 'object') throw invalidArg('evaluateDataset options', 'an object', args);
  const logs = await evaluateChunks(model, dataset, optionalPositiveInt(args.batches, 'batches'), 'evaluateDataset(dataset)');
  const scalars = Object.values(logs).map((v) => new Tensor(new Float32Array([v]), []));
  return scalars.length === 1 ? scalars[0]! : scalars;
}

function checkCallbacks(cbs: unknown): CallbackHooks[] {
  const list = cbs === undefined ? [] : Array.isArray(cbs) ? Array.from(cbs) : [cbs];
  list.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') throw invalidArg(`callbacks[${i}]`, 'an object with hooks such as onEpochEnd', cb);
  });
  return list as CallbackHooks[];
}

/** tfjs's model.fitDataset(dataset, {epochs, batchesPerEpoch, validationData, callbacks, ...}). */
export async function fitDataset(model: DatasetModel, dataset: unknown, args: FitDatasetArgs = {}): Promise<History> {
  if (!isDataset(dataset)) throw invalidArg('fitDataset(dataset)', 'a tf.data Dataset', dataset);
  if (args === null || typeof args !== 'object') throw invalidArg('fitDataset options', 'an object', args);
  for (const k of Object.keys(args)) {
    if (!FIT_DATASET_KEYS.includes(k)) {
      throw new BlasnetError('ERR_INVALID_ARG', `Unknown option ${JSON.stringify(k)} for fitDataset; expected one of: ${FIT_DATASET_KEYS.join(', ')}`);
    }
  }
  const epochs = optionalPositiveInt(args.epochs, 'epochs');
  if (epochs === undefined) throw invalidArg('fitDataset epochs', 'a positive integer', args.epochs);
  const batchesPerEpoch = optionalPositiveInt(args.batchesPerEpoch, 'batchesPerEpoch');
  const initialEpoch = orDefault(args.initialEpoch, 0, (x) => nonNegativeInt(x, 'initialEpoch'), true);
  const verbose = args.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw invalidArg('verbose', '0, 1 or 2', verbose);
  checkYieldEvery(args.yieldEvery);
  const validationBatches = optionalPositiveInt(args.validationBatches, 'validationBatches');
  const validationBatchSize = optionalPositiveInt(args.validationBatchSize, 'validationBatchSize') ?? 32;
  const vd = args.validationData;
  if (vd !== undefined && !isDataset(vd) && !(Array.isArray(vd) && (vd.length === 2 || vd.length === 3))) {
    throw invalidArg('validationData', 'a Dataset of {xs, ys} batches or [x, y]', vd);
  }
  const cbs = checkCallbacks(args.callbacks);
  const batchHooks = cbs.some((cb) => typeof cb.onBatchBegin === 'function' || typeof cb.onBatchEnd === 'function');
  const call = async (fn: keyof CallbackHooks, ...a: unknown[]): Promise<void> => {
    for (const cb of cbs) {
      const h = cb[fn] as ((...x: unknown[]) => unknown) | undefined;
      if (typeof h === 'function') await h.apply(cb, a);
    }
  };
  const steps = batchesPerEpoch ?? (typeof dataset.size === 'number' && Number.isFinite(dataset.size) ? dataset.size : 0);
  const progress = new Progress(verbose, epochs, steps);
  const history = new History();
  history.params = { epochs, initialEpoch, steps, batchesPerEpoch: batchesPerEpoch ?? null, verbose, doValidation: vd !== undefined };
  for (const cb of cbs) cb.setModel?.(model as never);
  model.stopTraining = false;
  // With batchesPerEpoch the iterator runs on across epochs (tfjs); without, each epoch is one full pass.
  const where = 'fitDataset(dataset)';
  let reader: ChunkReader | null = batchesPerEpoch ? new ChunkReader(await dataset.iterator(), where, batchHooks ? 1 : CHUNK_BATCHES) : null;

  await call('onTrainBegin', {});
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await call('onEpochBegin', epoch, {});
    progress.epochBegin(epoch);
    if (!batchesPerEpoch) reader = new ChunkReader(await dataset.iterator(), where, batchHooks ? 1 : CHUNK_BATCHES);
    const avg = new Averages();
    let batch = 0, left = batchesPerEpoch ?? Infinity;
    let next = reader!.read(left);
    for (;;) {
      const chunk = await next;
      if (!chunk) break;
      left -= chunk.batches;
      if (batchHooks) await call('onBatchBegin', batch, { batch, size: chunk.rows });
      const training = model.fit(chunk.x, chunk.y, { epochs: 1, batchSize: chunk.batchSize, shuffle: false, verbose: 0, classWeight: args.classWeight });
      // Read the next chunk while the engine trains on this one.
      next = left > 0 && !batchHooks ? reader!.read(left) : Promise.resolve(null);
      const h = await training;
      const values = Object.fromEntries(Object.entries(h.history).map(([k, v]) => [k, v[0]!]));
      avg.add(values, chunk.rows);
      batch += chunk.batches;
      progress.update(batch, (values.loss ?? NaN) * avg.rows, avg.rows);
      if (batchHooks) {
        await call('onBatchEnd', batch - 1, { batch: batch - 1, size: chunk.rows, ...values });
        if (model.stopTraining) break;
        next = left > 0 ? reader!.read(left) : Promise.resolve(null);
      }
    }
    await next;
    if (avg.rows === 0) {
      if (batchesPerEpoch) {
        console.warn(`fitDataset: the dataset ran out of data after ${batch} batches of epoch ${epoch + 1}; training stops here (batchesPerEpoch is ${batchesPerEpoch})`);
        break;
      }
      throw new BlasnetError('ERR_INVALID_ARG', `${where} yielded no batches in epoch ${epoch + 1}`);
    }
    const logs = avg.result();
    if (vd !== undefined) {
      const val = isDataset(vd) ? await evaluateChunks(model, vd, validationBatches, 'validationData')
        : await model.evaluateAsync(vd[0], vd[1], { batchSize: validationBatchSize, ...(vd[2] === undefined ? {} : { sampleWeight: vd[2] }) });
      for (const [k, v] of Object.entries(val)) logs[`val_${k}`] = v;
    }
    aliasAccuracy(logs);
    history.record(epoch, logs);
    progress.epochEnd(epoch, logs);
    await call('onEpochEnd', epoch, logs);
    if (batchesPerEpoch && reader!.exhausted && left > 0) {
      console.warn(`fitDataset: the dataset ran out of data in epoch ${epoch + 1} after ${batch} of ${batchesPerEpoch} batches; training stops here`);
      break;
    }
  }
  await call('onTrainEnd', {});
  return history;
}
