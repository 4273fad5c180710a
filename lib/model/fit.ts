// The fit loop: one engine call per epoch (one per batch only when a callback has batch hooks), seeded
// shuffling of an index order (never of the data), validation after each epoch, callbacks, progress,
// and the rule that weights are never handed back NaN or infinite.
import { BlasnetError, invalidArg } from '../errors';
import type { Matrix, Net } from '../engine/types';
import { allFinite, checkFiniteInTurns, sliceRows } from '../data/coerce';
import { nextTurn, pin } from '../engine/turns';
import { nonNegativeInt, oneOf, orDefault, positiveInt, rejectUnknownOptions, bool } from '../validate';
import { rowOrder, shuffleInPlace } from '../random';
import type { Compiled } from './compile';
import type { ModelTarget } from './target';
import { TerminateOnNaN, type CallbackHooks, type Logs, type TrainableModel } from './callbacks';
import { Progress } from './progress';
import { allocate, classWeightsPerRow, rowWeights } from './inputs';
import { aliasAccuracy, epochMetrics } from './metrics';

export interface FitArgs {
  /** Default 1. */
  epochs?: number;
  /** Default 32 (clamped to the number of training rows). */
  batchSize?: number;
  /** Shuffle the training rows before each epoch (seeded; default true). */
  shuffle?: boolean;
  /** Fraction of rows, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [x, y] or [x, y, sampleWeight] evaluated after each epoch. */
  validationData?: [unknown, unknown] | [unknown, unknown, unknown];
  /** Epoch to start counting from (resuming training). */
  initialEpoch?: number;
  /** Weight per class index (sparse or one-hot labels, or 0/1 for binary). Missing classes weigh 1. */
  classWeight?: Record<number | string, number> | number[];
  /** Weight per training row. */
  sampleWeight?: number[] | Float32Array;
  /** 0 silent, 1 progress bar (a line per epoch when not a TTY), 2 a line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  callbacks?: CallbackHooks | CallbackHooks[];
  /**
   * tfjs's yieldEvery, checked so that tfjs code runs unchanged; it changes nothing here, since each
   * epoch is one engine call that leaves the event loop free while it computes.
   */
  yieldEvery?: YieldEvery;
}

export class History {
  /** Per-epoch values: loss, metrics, val_loss, val_<metric>. */
  readonly history: Record<string, number[]> = {};
  /** Epoch indices run. */
  readonly epoch: number[] = [];
  params: Record<string, unknown> = {};
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    aliasAccuracy(this.history);
  }
}

/** What fit needs of the model it trains. */
export interface FitTarget extends ModelTarget {
  readonly compiled: Compiled;
  /** Handed to the callbacks; setting its stopTraining ends the fit. */
  readonly model: TrainableModel;
  /** The model's own shuffling stream. */
  readonly shuffleRandom: () => number;
}

/** tfjs's YieldEveryOptions: a mode or a number of milliseconds. */
export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number;

/** Checks a fit or fitDataset yieldEvery (tfjs's values), which the engines need no yielding for. */
export function checkYieldEvery(value: unknown): void {
  if (value === undefined || (typeof value === 'number' && Number.isFinite(value) && value >= 0)) return;
  oneOf(value, 'yieldEvery', ['auto', 'batch', 'epoch', 'never'] as const, '"auto", "batch", "epoch", "never" or a number of milliseconds >= 0');
}

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'initialEpoch', 'classWeight',
  'sampleWeight', 'verbose', 'callbacks', 'yieldEvery'];
const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

interface FitOptions {
  epochs: number;
  batchSize: number;
  initialEpoch: number;
  shuffle: boolean;
  verbose: 0 | 1 | 2;
  validationSplit: number;
  callbacks: CallbackHooks[];
}

function fitOptions(args: FitArgs): FitOptions {
  if (args === null || typeof args !== 'object') throw invalidArg('fit options', 'an object', args);
  rejectUnknownOptions(args, FIT_KEYS, 'fit');
  checkYieldEvery(args.yieldEvery);
  const o: FitOptions = {
    epochs: orDefault(args.epochs, 1, (v) => nonNegativeInt(v, 'epochs')),
    batchSize: orDefault(args.batchSize, 32, (v) => positiveInt(v, 'batchSize')),
    initialEpoch: orDefault(args.initialEpoch, 0, (v) => nonNegativeInt(v, 'initialEpoch')),
    shuffle: orDefault(args.shuffle, true, (v) => bool(v, 'shuffle')),
    verbose: orDefault(args.verbose, 1, (v) => oneOf(v, 'verbose', [0, 1, 2] as const)),
    validationSplit: args.validationSplit ?? 0,
    callbacks: [],
  };
  const split = o.validationSplit;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) throw invalidArg('validationSplit', 'a number in [0, 1)', split);
  if (split > 0 && args.validationData !== undefined) {
    throw new BlasnetError('ERR_INVALID_ARG', 'Expected either validationSplit or validationData but received both');
  }
  // Array.from turns holes of a sparse array into undefined, so the check below sees them (forEach skips holes).
  o.callbacks = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? Array.from(args.callbacks) : [args.callbacks];
  o.callbacks.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') throw invalidArg(`callbacks[${i}]`, 'an object with hooks such as onEpochEnd', cb);
    for (const h of HOOKS) {
      if (cb[h] !== undefined && typeof cb[h] !== 'function') throw invalidArg(`callbacks[${i}].${h}`, 'a function', cb[h]);
    }
  });
  return o;
}

interface Part { x: Matrix; y: Matrix; weights: Float32Array | null }

/** The features and labels whose values are still to be checked, each with the name errors give it. */
type Unchecked = [Matrix, string][];

/**
 * The training rows and the validation rows (if any), with the weight of each row; the values of the
 * features and labels are left for the caller to check (`unchecked`).
 */
function fitData(t: FitTarget, xIn: unknown, yIn: unknown, args: FitArgs, split: number):
  { train: Part; validation: Part | null; unchecked: Unchecked } {
  const x = t.features(xIn, 'x', false);
  // classWeight reads the labels' values: then they are checked at once.
  const yNow = args.classWeight !== undefined;
  const y = t.labels(yIn, 'y', x.rows, yNow);
  const unchecked: Unchecked = yNow ? [[x, 'x']] : [[x, 'x'], [y, 'y']];
  let rowWeight: Float32Array | null = null;
  if (args.sampleWeight !== undefined) rowWeight = Float32Array.from(rowWeights(args.sampleWeight, 'sampleWeight', x.rows));
  // Validation rows are weighted by sampleWeight only: classWeight applies to training (as Keras).
  const sampleWeightOnly = rowWeight ? Float32Array.from(rowWeight) : null;
  if (args.classWeight !== undefined) {
    const cw = classWeightsPerRow(args.classWeight, y);
    if (rowWeight) for (let i = 0; i < cw.length; i++) rowWeight[i]! *= cw[i]!;
    else rowWeight = cw;
  }
  if (split > 0) {
    // The last rows, before any shuffling (Keras and tfjs).
    const at = Math.floor(x.rows * (1 - split));
    if (at === 0 || at === x.rows) {
      throw new BlasnetError('ERR_INVALID_ARG',
        `validationSplit ${split} of ${x.rows} rows leaves ${at === 0 ? 'no training' : 'no validation'} rows`);
    }
    return {
      train: { x: sliceRows(x, 0, at), y: sliceRows(y, 0, at), weights: rowWeight ? rowWeight.subarray(0, at) : null },
      validation: { x: sliceRows(x, at, x.rows), y: sliceRows(y, at, y.rows), weights: sampleWeightOnly ? sampleWeightOnly.subarray(at) : null },
      unchecked,
    };
  }
  const train = { x, y, weights: rowWeight };
  const vd = args.validationData;
  if (vd === undefined) return { train, validation: null, unchecked };
  if (!Array.isArray(vd) || vd.length < 2 || vd.length > 3) throw invalidArg('validationData', '[x, y] or [x, y, sampleWeight]', vd);
  const vx = t.features(vd[0], 'validationData x', false);
  const vy = t.labels(vd[1], 'validationData y', vx.rows, false);
  unchecked.push([vx, 'validationData x'], [vy, 'validationData y']);
  return {
    train, validation: { x: vx, y: vy, weights: vd[2] === undefined ? null : rowWeights(vd[2], 'validationData sampleWeight', vx.rows) },
    unchecked,
  };
}

/** Calls one hook on every callback, in order, awaiting each. */
async function callHook(cbs: CallbackHooks[], hook: (typeof HOOKS)[number], ...args: unknown[]): Promise<void> {
  for (const cb of cbs) {
    const h = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
    if (h) await h.apply(cb, args);
  }
}

export async function runFit(t: FitTarget, xIn: unknown, yIn: unknown, args: FitArgs): Promise<History> {
  const o = fitOptions(args);
  const { train, validation, unchecked } = fitData(t, xIn, yIn, args, o.validationSplit);
  // The event loop gets a turn between the costly steps of the start: the check of the features'
  // values (a slice per turn), the engine net's creation, and the first epoch. Meanwhile the model is
  // busy, as while the engine computes, and the data stays attached, as the engines keep it.
  pin(train.x.data, train.y.data, train.weights, validation?.x.data, validation?.y.data, validation?.weights);
  await t.computing(async () => {
    for (const [m, arg] of unchecked) await checkFiniteInTurns(m, arg);
    await nextTurn();
    t.net();
    await nextTurn();
  });
  const c = t.compiled;
  const rows = train.x.rows;
  const batchSize = Math.min(o.batchSize, rows);
  const steps = Math.ceil(rows / batchSize);
  const d = t.outputDim();
  const preds = c.metrics.length > 0 ? allocate(rows * d) : null;
  const valPreds = c.metrics.length > 0 && validation ? allocate(validation.x.rows * d) : null;
  const cbs = o.callbacks;
  const batchHooks = cbs.some((cb) => typeof cb.onBatchBegin === 'function' || typeof cb.onBatchEnd === 'function');
  const terminateOnNaN = cbs.some((cb) => cb instanceof TerminateOnNaN);
  const progress = new Progress(o.verbose, o.epochs, steps);
  const history = new History();
  history.params = {
    epochs: o.epochs, initialEpoch: o.initialEpoch, samples: rows, steps, batchSize, verbose: o.verbose, doValidation: validation !== null,
    metrics: ['loss', ...c.metricNames, ...(validation ? ['val_loss', ...c.metricNames.map((n) => `val_${n}`)] : [])],
  };
  for (const cb of cbs) cb.setModel?.(t.model);
  t.model.stopTraining = false;
  // Each epoch starts from a copy of 0..rows-1: a loop in this rarely optimized function took 1-4 ms of 60,000 rows.
  const identity = rowOrder(rows, false);
  const order = identity.slice();

  await callHook(cbs, 'onTrainBegin', {});
  for (let epoch = o.initialEpoch; epoch < o.epochs && !t.model.stopTraining; epoch++) {
    await callHook(cbs, 'onEpochBegin', epoch, {});
    progress.epochBegin(epoch);
    order.set(identity);
    if (o.shuffle) shuffleInPlace(order, t.shuffleRandom);
    // A snapshot to fall back on if a step blows the weights up (copies of P floats: cheap next to an epoch).
    const startParams = t.net().getParams();
    const startState = t.net().getOptimizerState();
    const run = batchHooks
      ? await trainBatchByBatch(t, train, order, batchSize, steps, preds, d, cbs, progress)
      : await trainWholeEpoch(t, train, order, batchSize, preds, progress);
    if (run.nonFiniteBatch >= 0) {
      const where = restoreIfInfinite(t.net(), startParams, startState, epoch);
      if (!terminateOnNaN) {
        throw new BlasnetError('ERR_NAN_LOSS',
          `Loss became NaN at epoch ${epoch + 1}, batch ${run.nonFiniteBatch + 1} (${where}); ` +
          'lower the learning rate, scale the inputs, or add gradient clipping (clipnorm)');
      }
      t.model.stopTraining = true;
      const logs: Logs = { loss: NaN };
      history.record(epoch, logs);
      progress.epochEnd(epoch, logs);
      await callHook(cbs, 'onEpochEnd', epoch, logs);
      break;
    }
    // The loss can stay finite while weights are not: relu maps a NaN pre-activation to 0, so NaN
    // inputs (a shared buffer written during fit) or overflowing gradients can leave NaN kernels
    // behind finite losses and outputs. Never hand those back silently.
    const net = t.net();
    if (!allFinite(net.getParams())) {
      net.setParams(startParams);
      net.setOptimizerState(startState);
      throw new BlasnetError('ERR_NAN_LOSS',
        `The weights became NaN or infinite during epoch ${epoch + 1} while the loss stayed finite (the weights were restored ` +
        `to those at the start of epoch ${epoch + 1}); check that the training data is not changed during fit, lower the ` +
        'learning rate, or add gradient clipping (clipnorm)');
    }
    const logs: Logs = { loss: run.samples > 0 ? run.lossSum / run.samples : NaN };
    if (preds && run.samples > 0) Object.assign(logs, epochMetrics(c, { pred: preds, d, y: train.y, order, rows: run.samples }));
    if (validation) {
      const v = validation;
      const r = await t.engineCall((n) => n.evaluate(v.x, v.y, Math.min(batchSize, v.x.rows), v.weights, valPreds));
      logs.val_loss = r.lossSum / r.samples;
      if (valPreds) {
        for (const [k, val] of Object.entries(epochMetrics(c, { pred: valPreds, d, y: v.y, order: null, rows: v.x.rows }))) logs[`val_${k}`] = val;
      }
    }
    aliasAccuracy(logs);
    history.record(epoch, logs);
    progress.epochEnd(epoch, logs);
    await callHook(cbs, 'onEpochEnd', epoch, logs);
  }
  await callHook(cbs, 'onTrainEnd', {});
  return history;
}

interface EpochRun { lossSum: number; samples: number; nonFiniteBatch: number }

/** The whole epoch in one engine call. */
async function trainWholeEpoch(t: FitTarget, train: Part, order: Uint32Array, batchSize: number,
  preds: Float32Array | null, progress: Progress): Promise<EpochRun> {
  const onProgress = (b: number, lossSum: number, samples: number): void => progress.update(b, lossSum, samples);
  const r = await t.engineCall((net) => net.trainBatches({
    x: train.x, y: train.y, order, batchSize, sampleWeight: train.weights, predictionsOut: preds, onProgress,
  }));
  return { lossSum: r.lossSum, samples: r.samples, nonFiniteBatch: r.nonFiniteBatch };
}

/** One engine call per batch, between the callbacks' batch hooks. */
async function trainBatchByBatch(t: FitTarget, train: Part, order: Uint32Array, batchSize: number, steps: number,
  preds: Float32Array | null, d: number, cbs: CallbackHooks[], progress: Progress): Promise<EpochRun> {
  const rows = train.x.rows;
  let lossSum = 0, samples = 0;
  for (let b = 0; b < steps; b++) {
    const start = b * batchSize, end = Math.min(rows, start + batchSize);
    await callHook(cbs, 'onBatchBegin', b, { batch: b, size: end - start });
    const r = await t.engineCall((net) => net.trainBatches({
      x: train.x, y: train.y, order: order.subarray(start, end), batchSize, sampleWeight: train.weights,
      predictionsOut: preds ? preds.subarray(start * d, end * d) : null,
    }));
    if (r.nonFiniteBatch >= 0) return { lossSum, samples, nonFiniteBatch: b };
    lossSum += r.lossSum; samples += r.samples;
    progress.update(b + 1, lossSum, samples);
    await callHook(cbs, 'onBatchEnd', b, { batch: b, size: end - start, loss: r.lossSum / r.samples });
    if (t.model.stopTraining) break;
  }
  return { lossSum, samples, nonFiniteBatch: -1 };
}

/** After a non-finite loss: the weights stay those after the last finite step, unless that step made them infinite. */
function restoreIfInfinite(net: Net, startParams: Float32Array, startState: Float32Array, epoch: number): string {
  if (allFinite(net.getParams())) return 'the weights are those after the last finite step';
  net.setParams(startParams);
  net.setOptimizerState(startState);
  return `the weights were restored to those at the start of epoch ${epoch + 1}, as the last finite step made them infinite`;
}
