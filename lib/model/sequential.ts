// The Sequential model: layers in order, compiled with a loss, an optimizer and metrics, trained by
// one engine call per epoch (per batch only when the user asks for batch hooks). The weights live in
// the engine's net; the model turns user input into matrices once and validates it before any call.
import { BlasnetError, describe, invalidArg } from '../errors';
import { getEngine } from '../engine';
import { paramLayout } from '../engine/layout';
import type { LayerSpec, Matrix, Net, NetSpec, ParamSlot } from '../engine/types';
import { Tensor, Tensor2D } from '../tensor';
import { allFinite, checkFinite, sliceRows, toLabels, toMatrix } from '../data/coerce';
import { scalerFromJSON, type MinMaxScaler, type StandardScaler } from '../data/scalers';
import type { ModelDescription, NamedTensor, TrainingDescription } from '../io/description';
import type { IOHandler, SaveResult } from '../io';
import type { ModelArtifacts } from '../io/format';
import { Dropout, InputLayer, Layer, deserializeLayer, type LayerOwner } from './layers';
import { getOptimizer, makeOptimizer, Optimizer } from './optimizers';
import { makeLoss, type Loss, type LossConfig } from './losses';
import type { LossName, OptimizerName } from './names';
import { getMetric, type CustomMetricFn, type Metric, type MetricName } from './metrics';
import { Callback, TerminateOnNaN, type CallbackHooks, type Logs, type TrainableModel } from './callbacks';
import { Progress } from './progress';
import { RandomStream, randomUint32, rowOrder, shuffleInPlace } from './random';
import { AsyncLocalStorage } from 'node:async_hooks';

/** The model whose fit the current async context runs inside (see Sequential.exclusive). */
const modelContext = new AsyncLocalStorage<Sequential>();

export interface SequentialArgs {
  layers?: (Layer | InputLayer)[];
  name?: string;
}

export interface CompileArgs {
  /** A name ('adam', 'sgd', ...) or optimizers.adam({learningRate}) ... */
  optimizer: OptimizerName | Optimizer | string;
  /** A name ('mse', 'categoricalCrossentropy', ...) or a losses.* object / {name, fromLogits, delta}. */
  loss: LossName | LossConfig | Loss | string;
  /** Names ('accuracy', 'mae', ...) or metrics.* objects. */
  metrics?: (MetricName | Metric | CustomMetricFn | string)[] | MetricName | string;
}

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
  /** Accepted for tfjs compatibility; ignored (engine calls already yield to the event loop). */
  yieldEvery?: unknown;
}

export interface EvaluateArgs {
  /** Default 32. */
  batchSize?: number;
  sampleWeight?: number[] | Float32Array;
  verbose?: 0 | 1;
}

export interface PredictArgs {
  /** Rows per engine batch (default 32); results do not depend on it. */
  batchSize?: number;
  verbose?: unknown;
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
  }
}

interface Compiled {
  loss: Loss;
  optimizer: Optimizer;
  metrics: Metric[];
  metricNames: string[];
}

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'initialEpoch', 'classWeight',
  'sampleWeight', 'verbose', 'callbacks', 'yieldEvery'];

let modelCounter = 0;

/** Resets default model names (tests). */
export function resetModelNames(): void { modelCounter = 0; }

function positiveInt(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalidArg(name, 'a positive integer', v);
  return v;
}

function nonNegInt(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalidArg(name, 'a non-negative integer', v);
  return v;
}

export class Sequential implements LayerOwner, TrainableModel {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set true (e.g. from a callback) to end fit after the current epoch (or batch, with batch hooks). */
  stopTraining = false;
  private inputDim: number | null = null;
  /** Width declared by an inputLayer added before any other layer. */
  private pendingInputDim: number | null = null;
  /** The weights while no net exists (before the first call, after compile()). */
  private params: Float32Array | null = null;
  private net: Net | null = null;
  private compiled: Compiled | null = null;
  private learningRate = 0;
  /** Optimizer state to load into the next net (fromDescription with includeOptimizer). */
  private pendingOptimizerState: Float32Array | null = null;
  private fitting = false;
  private inFlight = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private disposedFlag = false;
  /** userDefinedMetadata read with the model (e.g. {scaler}); written again by save(). */
  userDefinedMetadata: Record<string, unknown> | null = null;
  /**
   * The model's own shuffling generator, seeded from the global one when the model is made: models
   * trained concurrently shuffle exactly as they would alone. Its state is saved with includeOptimizer.
   */
  private readonly rng: RandomStream;

  constructor(args: SequentialArgs = {}) {
    this.rng = new RandomStream(randomUint32());
    if (args === null || typeof args !== 'object') throw invalidArg('sequential options', 'an object', args);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw invalidArg('sequential name', 'a non-empty string', args.name);
    }
    this.name = args.name ?? `sequential_${++modelCounter}`;
    if (args.layers !== undefined) {
      if (!Array.isArray(args.layers)) throw invalidArg('sequential layers', 'an array of layers', args.layers);
      for (const l of args.layers) this.add(l);
    }
  }

  // ------------------------------------------------------------------------------------ structure

  /** Appends a layer; the first one needs inputShape unless the model is built from the first data. */
  add(layer: Layer | InputLayer): void {
    this.checkAlive();
    if (layer instanceof InputLayer) {
      if (this.layers.length > 0 || this.pendingInputDim !== null) {
        throw new BlasnetError('ERR_INVALID_ARG', 'An inputLayer can only be the first layer of a sequential model');
      }
      this.pendingInputDim = layer.inputDim;
      return;
    }
    if (!(layer instanceof Layer)) throw invalidArg('add(layer)', 'a layer from layers.*', layer);
    if (this.layers.length === 0 && this.pendingInputDim !== null) {
      if (layer.declaredInputDim !== null && layer.declaredInputDim !== this.pendingInputDim) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH',
          `Layer ${layer.name} declares inputShape [${layer.declaredInputDim}] but the inputLayer declares [${this.pendingInputDim}]`);
      }
      layer.declaredInputDim = this.pendingInputDim;
    }
    if (layer.owner) throw new BlasnetError('ERR_INVALID_ARG', `Layer ${layer.name} already belongs to a model`);
    if (this.layers.some((l) => l.name === layer.name)) {
      throw new BlasnetError('ERR_INVALID_ARG', `Expected unique layer names but received a second layer named "${layer.name}"`);
    }
    if (this.fitting) throw new BlasnetError('ERR_BUSY', 'Cannot add a layer while the model is fitting');
    const prevDim = this.layers.length === 0 ? layer.declaredInputDim : this.outputDimOf(this.layers.length - 1);
    if (this.layers.length > 0 && layer.declaredInputDim !== null && prevDim !== null && layer.declaredInputDim !== prevDim) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Layer ${layer.name} declares inputShape [${layer.declaredInputDim}] but the previous layer outputs ${prevDim} features`);
    }
    layer.owner = this;
    this.layers.push(layer);
    if (this.layers.length === 1 && layer.declaredInputDim !== null) {
      this.build(layer.declaredInputDim);
    } else if (this.inputDim !== null) {
      // Extend the built model: draw the new layer's weights, keep the others.
      const old = this.currentParams();
      this.dropNet();
      const dim = this.outputDimOf(this.layers.length - 2)!;
      const fresh = drawParams(layer, dim);
      const all = new Float32Array(old.length + fresh.length);
      all.set(old);
      all.set(fresh, old.length);
      layer.inputDim = dim;
      this.params = all;
    }
  }

  /** Removes the last layer (Keras's pop()). */
  pop(): void {
    this.checkAlive();
    if (this.fitting) throw new BlasnetError('ERR_BUSY', 'Cannot remove a layer while the model is fitting');
    const layer = this.layers[this.layers.length - 1];
    if (!layer) throw new BlasnetError('ERR_INVALID_ARG', 'There are no layers to pop');
    if (this.inputDim !== null) {
      const keep = this.layers.length - 1;
      const slots = paramLayout(this.specFor(this.inputDim)).filter((s) => s.layer < keep);
      const size = slots.reduce((n, s) => n + s.size, 0);
      const old = this.currentParams();
      this.dropNet();
      this.params = old.slice(0, size);
    }
    layer.owner = null;
    layer.inputDim = null;
    this.layers.pop();
    if (this.layers.length === 0) { this.inputDim = null; this.params = null; }
  }

  private outputDimOf(i: number): number | null {
    if (this.inputDim === null) return null;
    let d = this.inputDim;
    for (let k = 0; k <= i; k++) d = this.layers[k]!.outputDim(d);
    return d;
  }

  /** Draws every layer's weights for the given input width (Keras builds on first use). */
  private build(inputDim: number): void {
    this.inputDim = inputDim;
    const parts: Float32Array[] = [];
    let d = inputDim;
    for (const l of this.layers) {
      l.inputDim = d;
      parts.push(drawParams(l, d));
      d = l.outputDim(d);
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const params = allocate(total);
    let off = 0;
    for (const p of parts) { params.set(p, off); off += p.length; }
    this.params = params;
  }

  private ensureBuilt(cols: number): void {
    if (this.layers.length === 0) throw new BlasnetError('ERR_INVALID_ARG', 'The model has no layers: add layers before using it');
    if (this.inputDim === null) this.build(cols);
  }

  get built(): boolean { return this.inputDim !== null; }

  /** [null, features] of the input, once known. */
  get inputShape(): [null, number] | null { return this.inputDim === null ? null : [null, this.inputDim]; }
  get outputShape(): [null, number] | null {
    const d = this.outputDimOf(this.layers.length - 1);
    return d === null ? null : [null, d];
  }

  private specFor(inputDim: number): NetSpec {
    const layerSpecs: LayerSpec[] = [];
    let d = inputDim;
    for (const l of this.layers) {
      layerSpecs.push(l.toSpec(d));
      d = l.outputDim(d);
    }
    const c = this.compiled;
    const optimizer = c ? { ...c.optimizer.spec, learningRate: this.learningRate } : makeOptimizer('sgd', undefined).spec;
    return {
      inputDim, layers: layerSpecs,
      loss: c ? c.loss.spec : { id: 'meanSquaredError', fromLogits: false, delta: 1 },
      optimizer,
    };
  }

  /** The engine net, created on first use from the current weights. */
  private ensureNet(): Net {
    this.checkAlive();
    if (this.net) return this.net;
    if (this.inputDim === null || !this.params) throw new BlasnetError('ERR_INVALID_ARG', 'The model is not built yet');
    const spec = this.specFor(this.inputDim);
    let net: Net;
    try {
      net = getEngine().createNet(spec, this.params);
    } catch (err) {
      if (err instanceof RangeError) {
        throw new BlasnetError('ERR_OUT_OF_MEMORY', `Cannot allocate the network (${this.params.length} parameters)`, { cause: err });
      }
      throw err;
    }
    if (this.pendingOptimizerState) {
      net.setOptimizerState(this.pendingOptimizerState);
      this.pendingOptimizerState = null;
    }
    this.net = net;
    this.params = null;
    return net;
  }

  private currentParams(): Float32Array {
    this.checkIdle('Reading the weights');
    if (this.net) return this.net.getParams();
    return this.params ?? new Float32Array(0);
  }

  /** Drops the net (keeping its weights), e.g. when the architecture or the compile config changes. */
  private dropNet(): void {
    if (!this.net) return;
    this.checkIdle('Changing the model');
    this.params = this.net.getParams();
    this.net.dispose();
    this.net = null;
  }

  private slots(): ParamSlot[] {
    if (this.inputDim === null) return [];
    return paramLayout(this.specFor(this.inputDim));
  }

  // -------------------------------------------------------------------------------------- compile

  compile(args: CompileArgs): void {
    this.checkAlive();
    if (this.fitting) throw new BlasnetError('ERR_BUSY', 'Cannot compile while the model is fitting');
    if (args === null || typeof args !== 'object') throw invalidArg('compile options', 'an object', args);
    for (const k of Object.keys(args)) {
      if (!['optimizer', 'loss', 'metrics'].includes(k)) {
        throw new BlasnetError('ERR_INVALID_ARG', `Unknown option ${JSON.stringify(k)} for compile; expected one of: optimizer, loss, metrics`);
      }
    }
    if (args.optimizer === undefined) throw invalidArg('compile optimizer', 'an optimizer name or object', undefined);
    if (args.loss === undefined) throw invalidArg('compile loss', 'a loss name or object', undefined);
    if (Array.isArray(args.loss)) throw invalidArg('compile loss', 'one loss (a single-output model)', args.loss);
    const optimizer = getOptimizer(args.optimizer);
    const loss = makeLoss(args.loss);
    const list = args.metrics === undefined ? [] : Array.isArray(args.metrics) ? args.metrics : [args.metrics];
    const metrics = list.map(getMetric);
    const names = metrics.map((m) => m.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new BlasnetError('ERR_INVALID_ARG', `Metric "${dup}" is listed twice in compile metrics`);
    if (this.net) this.dropNet();
    this.compiled = { loss, optimizer, metrics, metricNames: names };
    this.learningRate = optimizer.spec.learningRate;
    this.pendingOptimizerState = null;
  }

  get isCompiled(): boolean { return this.compiled !== null; }

  /** The compiled optimizer (null before compile). */
  get optimizer(): Optimizer | null { return this.compiled?.optimizer ?? null; }

  /** The initial rate of the schedule (or the constant rate) the engine uses now. */
  getLearningRate(): number {
    if (!this.compiled) throw notCompiled('getLearningRate');
    return this.learningRate;
  }

  setLearningRate(lr: number): void {
    if (!this.compiled) throw notCompiled('setLearningRate');
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) throw invalidArg('learning rate', 'a finite number > 0', lr);
    this.learningRate = lr;
    this.net?.setLearningRate(lr);
  }

  // -------------------------------------------------------------------------------------- engine calls

  /**
   * Serializes calls on one model: fit, evaluate, predict and save run one after another. Calls made
   * from inside a running fit (its callbacks) belong to it and run at once instead of queueing
   * behind it (which would deadlock).
   */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    if (modelContext.getStore() === this) return f();
    const p = this.queue.then(() => {
      this.checkAlive();
      return modelContext.run(this, f);
    });
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** One asynchronous engine call; synchronous net access is refused while it runs. */
  private async engineCall<T>(f: (net: Net) => Promise<T>): Promise<T> {
    this.checkAlive();
    const net = this.ensureNet();
    this.inFlight++;
    try {
      return await f(net);
    } finally {
      this.inFlight--;
    }
  }

  private checkIdle(fn: string): void {
    if (this.inFlight > 0) {
      throw new BlasnetError('ERR_BUSY',
        `${fn} cannot run while this model's engine is computing (fit, evaluate or predict); await it, or call it from a callback`);
    }
  }

  // -------------------------------------------------------------------------------------- data checks

  private prepareX(x: unknown, arg: string): Matrix {
    const m = toMatrix(x, arg);
    if (m.rows === 0) throw invalidArg(arg, 'at least one row', x);
    if (m.cols === 0) throw invalidArg(arg, 'at least one column', x);
    this.ensureBuilt(m.cols);
    if (m.cols !== this.inputDim) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Expected ${arg} with ${this.inputDim} features (columns), as the model's input shape, but received ${m.cols}`);
    }
    checkFinite(m, arg);
    return m;
  }

  private prepareY(y: unknown, arg: string, rows: number): Matrix {
    const c = this.compiled!;
    const m = toLabels(y, arg);
    if (m.rows !== rows) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${arg} with ${rows} rows (as x) but received ${m.rows}`);
    }
    checkFinite(m, arg);
    const d = this.outputDimOf(this.layers.length - 1)!;
    if (c.loss.spec.id === 'sparseCategoricalCrossentropy') {
      if (m.cols !== 1) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH',
          `Expected ${arg} as class indices (1 column) for sparseCategoricalCrossentropy but received ${m.cols} columns`);
      }
      for (let i = 0; i < m.rows; i++) {
        const v = m.data[i]!;
        if (!Number.isInteger(v) || v < 0 || v >= d) {
          throw new BlasnetError('ERR_INVALID_ARG',
            `Expected an integer class index in [0, ${d - 1}] for ${arg} at row ${i} but received ${describe(v)}`);
        }
      }
    } else if (m.cols !== d) {
      const hint = m.cols === 1 && d > 1
        ? ' (class indices need the sparseCategoricalCrossentropy loss, or one-hot labels: data.oneHot(labels, numClasses))' : '';
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Expected ${arg} with ${d} columns (the output layer's units) but received ${m.cols}${hint}`);
    }
    return m;
  }

  private weightsArg(w: unknown, arg: string, rows: number): Float32Array {
    const m = toLabels(w, arg);
    if (m.cols !== 1 || m.rows !== rows) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${arg} with one weight per row (${rows}) but received shape [${m.rows}, ${m.cols}]`);
    }
    for (let i = 0; i < m.rows; i++) {
      const v = m.data[i]!;
      if (!(v >= 0) || !Number.isFinite(v)) throw invalidArg(`${arg}[${i}]`, 'a finite number >= 0', v);
    }
    return m.data;
  }

  /** Class index of each row (sparse label, argmax of one-hot, or rounded 0/1). */
  private classOf(y: Matrix, r: number): number {
    if (y.cols === 1) return Math.round(y.data[r]!);
    let best = 0;
    for (let j = 1; j < y.cols; j++) if (y.data[r * y.cols + j]! > y.data[r * y.cols + best]!) best = j;
    return best;
  }

  private classWeights(cw: unknown, y: Matrix): Float32Array {
    let table: Map<number, number>;
    if (Array.isArray(cw)) {
      table = new Map(Array.from(cw, (v, i): [number, number] => [i, v as number])); // holes become undefined (rejected below)
    } else if (cw && typeof cw === 'object') {
      table = new Map(Object.entries(cw as Record<string, unknown>).map(([k, v]) => {
        const idx = Number(k);
        if (!Number.isInteger(idx) || idx < 0) throw invalidArg('classWeight key', 'a class index', k);
        return [idx, v as number];
      }));
    } else {
      throw invalidArg('classWeight', 'an object {classIndex: weight} or an array', cw);
    }
    for (const [k, v] of table) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidArg(`classWeight[${k}]`, 'a finite number >= 0', v);
    }
    const out = new Float32Array(y.rows);
    for (let r = 0; r < y.rows; r++) out[r] = table.get(this.classOf(y, r)) ?? 1;
    return out;
  }

  // -------------------------------------------------------------------------------------- fit

  async fit(x: unknown, y: unknown, args: FitArgs = {}): Promise<History> {
    this.checkAlive();
    if (this.fitting) {
      throw new BlasnetError('ERR_BUSY', 'fit() was called while this model is already fitting; await the running fit first');
    }
    if (!this.compiled) throw notCompiled('fit');
    this.fitting = true;
    try {
      return await this.exclusive(() => this.fitLoop(x, y, args));
    } finally {
      this.fitting = false;
    }
  }

  private async fitLoop(xIn: unknown, yIn: unknown, args: FitArgs): Promise<History> {
    if (args === null || typeof args !== 'object') throw invalidArg('fit options', 'an object', args);
    for (const k of Object.keys(args)) {
      if (!FIT_KEYS.includes(k)) {
        throw new BlasnetError('ERR_INVALID_ARG', `Unknown option ${JSON.stringify(k)} for fit; expected one of: ${FIT_KEYS.join(', ')}`);
      }
    }
    const epochs = nonNegInt(args.epochs, 'epochs', 1);
    const batchSizeArg = positiveInt(args.batchSize, 'batchSize', 32);
    const initialEpoch = nonNegInt(args.initialEpoch, 'initialEpoch', 0);
    const shuffle = args.shuffle ?? true;
    if (typeof shuffle !== 'boolean') throw invalidArg('shuffle', 'a boolean', shuffle);
    const verbose = args.verbose ?? 1;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw invalidArg('verbose', '0, 1 or 2', verbose);
    const split = args.validationSplit ?? 0;
    if (typeof split !== 'number' || !(split >= 0 && split < 1)) throw invalidArg('validationSplit', 'a number in [0, 1)', split);
    if (split > 0 && args.validationData !== undefined) {
      throw new BlasnetError('ERR_INVALID_ARG', 'Expected either validationSplit or validationData but received both');
    }
    // Array.from turns holes of a sparse array into undefined, so the check below sees them (forEach skips holes).
    const cbList: CallbackHooks[] = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? Array.from(args.callbacks) : [args.callbacks];
    cbList.forEach((cb, i) => {
      if (cb === null || typeof cb !== 'object') throw invalidArg(`callbacks[${i}]`, 'an object with hooks such as onEpochEnd', cb);
      for (const h of ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const) {
        if (cb[h] !== undefined && typeof cb[h] !== 'function') throw invalidArg(`callbacks[${i}].${h}`, 'a function', cb[h]);
      }
    });

    const c = this.compiled!;
    const X = this.prepareX(xIn, 'x');
    const Y = this.prepareY(yIn, 'y', X.rows);
    let rowWeight: Float32Array | null = null;
    if (args.sampleWeight !== undefined) rowWeight = Float32Array.from(this.weightsArg(args.sampleWeight, 'sampleWeight', X.rows));
    // Validation rows are weighted by sampleWeight only: classWeight applies to training (as Keras).
    const sampleOnly = rowWeight ? Float32Array.from(rowWeight) : null;
    if (args.classWeight !== undefined) {
      const cw = this.classWeights(args.classWeight, Y);
      if (rowWeight) for (let i = 0; i < cw.length; i++) rowWeight[i]! *= cw[i]!;
      else rowWeight = cw;
    }

    // validationSplit: the last rows, before any shuffling (Keras and tfjs).
    let trainX = X, trainY = Y, trainW = rowWeight;
    let valX: Matrix | null = null, valY: Matrix | null = null, valW: Float32Array | null = null;
    if (split > 0) {
      const at = Math.floor(X.rows * (1 - split));
      if (at === 0 || at === X.rows) {
        throw new BlasnetError('ERR_INVALID_ARG',
          `validationSplit ${split} of ${X.rows} rows leaves ${at === 0 ? 'no training' : 'no validation'} rows`);
      }
      trainX = sliceRows(X, 0, at); trainY = sliceRows(Y, 0, at);
      valX = sliceRows(X, at, X.rows); valY = sliceRows(Y, at, Y.rows);
      if (rowWeight) trainW = rowWeight.subarray(0, at);
      if (sampleOnly) valW = sampleOnly.subarray(at);
    } else if (args.validationData !== undefined) {
      const vd = args.validationData;
      if (!Array.isArray(vd) || vd.length < 2 || vd.length > 3) {
        throw invalidArg('validationData', '[x, y] or [x, y, sampleWeight]', vd);
      }
      valX = this.prepareX(vd[0], 'validationData x');
      valY = this.prepareY(vd[1], 'validationData y', valX.rows);
      if (vd[2] !== undefined) valW = this.weightsArg(vd[2], 'validationData sampleWeight', valX.rows);
    }

    const rows = trainX.rows;
    const batchSize = Math.min(batchSizeArg, rows);
    const steps = Math.ceil(rows / batchSize);
    const d = this.outputDimOf(this.layers.length - 1)!;
    const needPreds = c.metrics.length > 0;
    const preds = needPreds ? allocate(rows * d) : null;
    const valPreds = needPreds && valX ? allocate(valX.rows * d) : null;
    const batchHooks = cbList.some((cb) => typeof cb.onBatchBegin === 'function' || typeof cb.onBatchEnd === 'function');
    const terminateOnNaN = cbList.some((cb) => cb instanceof TerminateOnNaN);
    const progress = new Progress(verbose, epochs, steps);
    const history = new History();
    history.params = {
      epochs, initialEpoch, samples: rows, steps, batchSize, verbose, doValidation: valX !== null,
      metrics: ['loss', ...c.metricNames, ...(valX ? ['val_loss', ...c.metricNames.map((n) => `val_${n}`)] : [])],
    };
    for (const cb of cbList) cb.setModel?.(this);
    this.stopTraining = false;
    const order = rowOrder(rows, false);
    const call = async (fn: keyof CallbackHooks, ...a: unknown[]): Promise<void> => {
      for (const cb of cbList) {
        const h = cb[fn] as ((...args: unknown[]) => unknown) | undefined;
        if (h) await h.apply(cb, a);
      }
    };

    await call('onTrainBegin', {});
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      await call('onEpochBegin', epoch, {});
      progress.epochBegin(epoch);
      for (let i = 0; i < rows; i++) order[i] = i;
      if (shuffle) shuffleInPlace(order, this.rng.next);
      let lossSum = 0, samples = 0;
      let nanAt = -1;
      // Snapshot to fall back on if a step blows the weights up (copies of P floats: cheap next to an epoch).
      const netNow = this.ensureNet();
      const startParams = netNow.getParams();
      const startState = netNow.getOptimizerState();
      const onProgress = (b: number, ls: number, s: number): void => progress.update(b, ls, s);
      if (!batchHooks) {
        const r = await this.engineCall((net) => net.trainBatches({
          x: trainX, y: trainY, order, batchSize, sampleWeight: trainW, predictionsOut: preds, onProgress,
        }));
        lossSum = r.lossSum; samples = r.samples;
        if (r.nonFiniteBatch >= 0) nanAt = r.nonFiniteBatch;
      } else {
        for (let b = 0; b < steps; b++) {
          const start = b * batchSize, end = Math.min(rows, start + batchSize);
          await call('onBatchBegin', b, { batch: b, size: end - start });
          const r = await this.engineCall((net) => net.trainBatches({
            x: trainX, y: trainY, order: order.subarray(start, end), batchSize, sampleWeight: trainW,
            predictionsOut: preds ? preds.subarray(start * d, end * d) : null,
          }));
          if (r.nonFiniteBatch >= 0) { nanAt = b; break; }
          lossSum += r.lossSum; samples += r.samples;
          progress.update(b + 1, lossSum, samples);
          await call('onBatchEnd', b, { batch: b, size: end - start, loss: r.lossSum / r.samples });
          if (this.stopTraining) break;
        }
      }
      if (nanAt >= 0) {
        let where = 'the weights are those after the last finite step';
        const net = this.ensureNet();
        if (!allFinite(net.getParams())) {
          // The last finite step produced Inf weights: go back to the start of this epoch.
          net.setParams(startParams);
          net.setOptimizerState(startState);
          where = `the weights were restored to those at the start of epoch ${epoch + 1}, as the last finite step made them infinite`;
        }
        if (!terminateOnNaN) {
          throw new BlasnetError('ERR_NAN_LOSS',
            `Loss became NaN at epoch ${epoch + 1}, batch ${nanAt + 1} (${where}); ` +
            'lower the learning rate, scale the inputs, or add gradient clipping (clipnorm)');
        }
        this.stopTraining = true;
        const logs: Logs = { loss: NaN };
        history.record(epoch, logs);
        progress.epochEnd(epoch, logs);
        await call('onEpochEnd', epoch, logs);
        break;
      }
      // The loss can stay finite while weights are not: relu maps a NaN pre-activation to 0, so NaN
      // inputs (a shared buffer written during fit) or overflowing gradients can leave NaN kernels
      // behind finite losses and outputs. Never hand those back silently.
      const netAfter = this.ensureNet();
      if (!allFinite(netAfter.getParams())) {
        netAfter.setParams(startParams);
        netAfter.setOptimizerState(startState);
        throw new BlasnetError('ERR_NAN_LOSS',
          `The weights became NaN or infinite during epoch ${epoch + 1} while the loss stayed finite (the weights were restored ` +
          `to those at the start of epoch ${epoch + 1}); check that the training data is not changed during fit, lower the ` +
          'learning rate, or add gradient clipping (clipnorm)');
      }
      const logs: Logs = { loss: samples > 0 ? lossSum / samples : NaN };
      const seen = samples;
      if (preds && seen > 0) {
        const m = { pred: preds, d, y: trainY, order, rows: seen, loss: c.loss.spec.id, fromLogits: c.loss.spec.fromLogits };
        for (const metric of c.metrics) logs[metric.name] = metric.compute(m);
      }
      if (valX && valY) {
        const vx = valX, vy = valY, vw = valW;
        const r = await this.engineCall((net) => net.evaluate(vx, vy, Math.min(batchSize, vx.rows), vw, valPreds));
        logs.val_loss = r.lossSum / r.samples;
        if (valPreds) {
          const m = { pred: valPreds, d, y: vy, order: null, rows: vx.rows, loss: c.loss.spec.id, fromLogits: c.loss.spec.fromLogits };
          for (const metric of c.metrics) logs[`val_${metric.name}`] = metric.compute(m);
        }
      }
      history.record(epoch, logs);
      progress.epochEnd(epoch, logs);
      await call('onEpochEnd', epoch, logs);
    }
    await call('onTrainEnd', {});
    return history;
  }

  // -------------------------------------------------------------------------------------- evaluate / predict

  /** Loss and metrics on x, y. For now the same as evaluateAsync(). */
  async evaluate(x: unknown, y: unknown, args: EvaluateArgs = {}): Promise<Record<string, number>> {
    return this.evaluateAsync(x, y, args);
  }

  /** Loss and metrics on x, y, computed by the engine off the JavaScript thread where it can: the call for servers and jobs. */
  async evaluateAsync(x: unknown, y: unknown, args: EvaluateArgs = {}): Promise<Record<string, number>> {
    this.checkAlive();
    if (!this.compiled) throw notCompiled('evaluate');
    if (args === null || typeof args !== 'object') throw invalidArg('evaluate options', 'an object', args);
    const batchSize = positiveInt(args.batchSize, 'batchSize', 32);
    const c = this.compiled;
    const X = this.prepareX(x, 'x');
    const Y = this.prepareY(y, 'y', X.rows);
    const w = args.sampleWeight === undefined ? null : this.weightsArg(args.sampleWeight, 'sampleWeight', X.rows);
    const d = this.outputDimOf(this.layers.length - 1)!;
    const preds = c.metrics.length > 0 ? allocate(X.rows * d) : null;
    const r = await this.exclusive(() => this.engineCall((net) => net.evaluate(X, Y, Math.min(batchSize, X.rows), w, preds)));
    const out: Record<string, number> = { loss: r.lossSum / r.samples };
    if (preds) {
      const m = { pred: preds, d, y: Y, order: null, rows: X.rows, loss: c.loss.spec.id, fromLogits: c.loss.spec.fromLogits };
      for (const metric of c.metrics) out[metric.name] = metric.compute(m);
    }
    return out;
  }

  /** Outputs for x. For now the same as predictAsync(). */
  async predict(x: unknown, args: PredictArgs = {}): Promise<Tensor2D> {
    return this.predictAsync(x, args);
  }

  /** Outputs for x, computed in batches by the engine off the JavaScript thread where it can: the call for servers and jobs. */
  async predictAsync(x: unknown, args: PredictArgs = {}): Promise<Tensor2D> {
    this.checkAlive();
    if (args === null || typeof args !== 'object') throw invalidArg('predict options', 'an object', args);
    const batchSize = positiveInt(args.batchSize, 'batchSize', 32);
    const X = this.prepareX(x, 'x');
    const d = this.outputDimOf(this.layers.length - 1)!;
    const out = await this.exclusive(() => this.engineCall((net) => net.predict(X, Math.min(batchSize, X.rows))));
    checkOutputs(out, d);
    return new Tensor2D(out, [X.rows, d]);
  }

  /** Synchronous predict for small inputs (low-latency serving). Not allowed while a call is running. */
  predictSync(x: unknown): Tensor2D {
    this.checkAlive();
    this.checkIdle('predictSync()');
    const X = this.prepareX(x, 'x');
    const net = this.ensureNet();
    const d = net.outputDim;
    const out = net.predictSync(X);
    checkOutputs(out, d);
    return new Tensor2D(out, [X.rows, d]);
  }

  /**
   * One optimizer step on all rows of x as a single batch (tfjs's trainOnBatch). Resolves to the loss
   * (computed before the step), or [loss, ...metrics] when metrics were compiled.
   */
  async trainOnBatch(x: unknown, y: unknown): Promise<number | number[]> {
    this.checkAlive();
    if (!this.compiled) throw notCompiled('trainOnBatch');
    if (this.fitting) throw new BlasnetError('ERR_BUSY', 'trainOnBatch() cannot run while this model is fitting');
    const c = this.compiled;
    const X = this.prepareX(x, 'x');
    const Y = this.prepareY(y, 'y', X.rows);
    const d = this.outputDimOf(this.layers.length - 1)!;
    const preds = c.metrics.length > 0 ? allocate(X.rows * d) : null;
    const order = rowOrder(X.rows, false);
    const r = await this.exclusive(() => this.engineCall((net) => net.trainBatches({
      x: X, y: Y, order, batchSize: X.rows, sampleWeight: null, predictionsOut: preds,
    })));
    if (r.nonFiniteBatch >= 0) {
      throw new BlasnetError('ERR_NAN_LOSS', 'Loss became NaN in trainOnBatch (the step was not applied)');
    }
    const loss = r.lossSum / r.samples;
    if (!preds) return loss;
    const m = { pred: preds, d, y: Y, order: null, rows: X.rows, loss: c.loss.spec.id, fromLogits: c.loss.spec.fromLogits };
    return [loss, ...c.metrics.map((metric) => metric.compute(m))];
  }

  /** predictSync under its tfjs name. */
  predictOnBatch(x: unknown): Tensor2D {
    return this.predictSync(x);
  }

  /** tfjs-style config: the model name and each layer's {className, config}. */
  getConfig(): { name: string; layers: { className: string; config: Record<string, unknown> }[] } {
    return { name: this.name, layers: this.layers.map((l) => ({ className: l.getClassName(), config: l.getConfig() })) };
  }

  // -------------------------------------------------------------------------------------- weights

  /** All weights as tensors, in layer order (kernel, bias, gamma, beta, moving_mean, moving_variance). */
  getWeights(trainableOnly = false): Tensor[] {
    this.checkAlive();
    const all = this.currentParams();
    return this.slots().filter((s) => !trainableOnly || s.trainable)
      .map((s) => new Tensor(all.slice(s.offset, s.offset + s.size), [...s.shape]));
  }

  /** Sets all weights from what getWeights() returns, or Float32Arrays in the same order. */
  setWeights(weights: (Tensor | Float32Array | { dataSync(): Float32Array; shape: number[] })[]): void {
    this.checkAlive();
    const slots = this.slots();
    this.writeSlots(slots, weights, 'setWeights');
  }

  private writeSlots(slots: ParamSlot[], weights: unknown, fn: string): void {
    if (!Array.isArray(weights) || weights.length !== slots.length) {
      throw invalidArg(`${fn}(weights)`, `an array of ${slots.length} tensors`, weights);
    }
    this.checkIdle(`${fn}()`);
    const all = this.currentParams();
    slots.forEach((s, i) => {
      const w = weights[i] as unknown;
      let data: Float32Array;
      const name = `${this.layers[s.layer]!.name}/${s.name}`;
      if (w instanceof Float32Array) {
        data = w;
      } else if (w && typeof w === 'object' && typeof (w as Tensor).dataSync === 'function') {
        const shape = (w as Tensor).shape;
        if (!Array.isArray(shape) || shape.length !== s.shape.length || shape.some((v, k) => v !== s.shape[k])) {
          throw new BlasnetError('ERR_SHAPE_MISMATCH',
            `Expected shape [${s.shape.join(', ')}] for weight ${i} (${name}) but received [${String(shape)}]`);
        }
        data = (w as Tensor).dataSync();
      } else {
        throw invalidArg(`${fn} weight ${i} (${name})`, 'a tensor or a Float32Array', w);
      }
      if (data.length !== s.size) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH',
          `Expected ${s.size} values for weight ${i} (${name}, shape [${s.shape.join(', ')}]) but received ${data.length}`);
      }
      for (let k = 0; k < data.length; k++) {
        if (!Number.isFinite(data[k]!)) {
          throw new BlasnetError('ERR_NON_FINITE', `Expected finite values for weight ${i} (${name}) but received ${data[k]} at index ${k}`);
        }
      }
      all.set(data, s.offset);
    });
    if (this.net) this.net.setParams(all);
    else this.params = all;
  }

  layerWeights(layer: Layer): Tensor[] {
    const idx = this.layers.indexOf(layer);
    const all = this.currentParams();
    return this.slots().filter((s) => s.layer === idx).map((s) => new Tensor(all.slice(s.offset, s.offset + s.size), [...s.shape]));
  }

  setLayerWeights(layer: Layer, weights: (Tensor | Float32Array)[]): void {
    this.checkAlive();
    const idx = this.layers.indexOf(layer);
    this.writeSlots(this.slots().filter((s) => s.layer === idx), weights, `${layer.name}.setWeights`);
  }

  layerTrainableChanged(layer: Layer, trainable: boolean): void {
    const idx = this.layers.indexOf(layer);
    if (!this.net || idx < 0) return;
    this.checkIdle(`Setting ${layer.name}.trainable`);
    const kind = this.net.spec.layers[idx]?.kind;
    if (kind === 'dense' || kind === 'batchNormalization' || kind === 'layerNormalization') {
      this.net.setTrainable(idx, trainable);
    }
  }

  countParams(): number {
    return this.slots().reduce((n, s) => n + s.size, 0);
  }

  getLayer(nameOrIndex: string | number): Layer {
    const l = typeof nameOrIndex === 'number' ? this.layers[nameOrIndex] : this.layers.find((x) => x.name === nameOrIndex);
    if (!l) throw invalidArg('getLayer', `a layer name or index (${this.layers.map((x) => x.name).join(', ')})`, nameOrIndex);
    return l;
  }

  /** Flat optimizer state (iterations first); empty before the first training call. */
  getOptimizerState(): Float32Array {
    this.checkAlive();
    if (!this.compiled) throw notCompiled('getOptimizerState');
    return this.ensureNet().getOptimizerState();
  }

  // -------------------------------------------------------------------------------------- summary

  /** Prints (with printFn, default console.log) and returns the Keras-style table. */
  summary(lineLength = 65, positions: number[] = [0.45, 0.85, 1], printFn: (s: string) => void = console.log): string {
    const cols = positions.map((p) => Math.floor(p <= 1 ? p * lineLength : p));
    const row = (cells: string[]): string => {
      let line = '';
      cells.forEach((c, i) => {
        line += c;
        const end = cols[i] ?? lineLength;
        line = line.length < end ? line.padEnd(end) : line.slice(0, Math.max(0, end - 1)) + ' ';
      });
      return line.trimEnd();
    };
    const lines: string[] = [];
    lines.push(`Model: "${this.name}"`);
    lines.push('_'.repeat(lineLength));
    lines.push(row(['Layer (type)', 'Output shape', 'Param #']));
    lines.push('='.repeat(lineLength));
    const slots = this.slots();
    let d = this.inputDim;
    this.layers.forEach((l, i) => {
      if (d !== null) d = l.outputDim(d);
      const n = slots.filter((s) => s.layer === i).reduce((a, s) => a + s.size, 0);
      lines.push(row([`${l.name} (${l.getClassName()})`, d === null ? '?' : `[null,${d}]`, String(n)]));
      lines.push(i === this.layers.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
    });
    if (this.layers.length === 0) lines.push('='.repeat(lineLength));
    const total = slots.reduce((a, s) => a + s.size, 0);
    const trainable = slots.filter((s) => s.trainable).reduce((a, s) => a + s.size, 0);
    lines.push(`Total params: ${total}`);
    lines.push(`Trainable params: ${trainable}`);
    lines.push(`Non-trainable params: ${total - trainable}`);
    lines.push('_'.repeat(lineLength));
    const text = lines.join('\n');
    printFn(text);
    return text;
  }

  // -------------------------------------------------------------------------------------- description

  /** The model as the io layer sees it (architecture, weights, optionally training config and state). */
  toDescription(options: { includeOptimizer?: boolean; userDefinedMetadata?: Record<string, unknown> | null } = {}): ModelDescription {
    this.checkAlive();
    if (this.inputDim === null) throw new BlasnetError('ERR_INVALID_ARG', 'The model is not built yet: give the first layer an inputShape');
    const all = this.currentParams();
    const slots = this.slots();
    const weights: NamedTensor[] = slots.map((s) => ({
      name: `${this.layers[s.layer]!.name}/${s.name}`, shape: [...s.shape], data: all.slice(s.offset, s.offset + s.size),
    }));
    const layersDesc = this.layers.map((l, i) => {
      const config = l.getConfig();
      if (i === 0) config.batchInputShape = [null, this.inputDim];
      return { className: l.getClassName(), config };
    });
    const c = this.compiled;
    const training: TrainingDescription | null = c ? {
      loss: c.loss.serializedName,
      metrics: [...c.metricNames],
      optimizerConfig: { className: c.optimizer.getClassName(), config: { ...c.optimizer.getConfig(), ...(c.optimizer.schedule ? {} : { learningRate: this.learningRate }) } },
    } : null;
    if (training && c && (c.loss.spec.fromLogits || c.loss.spec.id === 'huber')) {
      training.lossConfig = { fromLogits: c.loss.spec.fromLogits, delta: c.loss.spec.delta };
    }
    const optimizerWeights: NamedTensor[] = [];
    if (options.includeOptimizer && training) training.shuffleSeed = this.rng.state;
    if (options.includeOptimizer && c) {
      const state = this.ensureNet().getOptimizerState();
      optimizerWeights.push({ name: 'iter', shape: [], data: state.slice(0, 1) });
      const names = optimizerSlotNamesFor(c.optimizer);
      const P = all.length;
      names.forEach((slotName, k) => {
        for (const s of slots) {
          const off = 1 + k * P + s.offset;
          optimizerWeights.push({
            name: `${this.layers[s.layer]!.name}/${s.name}/${slotName}`, shape: [...s.shape], data: state.slice(off, off + s.size),
          });
        }
      });
    }
    let metadata = options.userDefinedMetadata ?? null;
    const dropouts = this.layers.filter((l): l is Dropout => l instanceof Dropout);
    if (options.includeOptimizer && c && dropouts.length > 0) {
      // Drawn dropout seeds are training state (tfjs's config keeps seed null): saved with the optimizer
      // state so that training resumes with the same masks.
      metadata = { ...(metadata ?? {}), dropoutSeeds: Object.fromEntries(dropouts.map((l) => [l.name, l.seed])) };
    }
    return {
      name: this.name, inputDim: this.inputDim, layers: layersDesc, weights,
      training: training ?? null, optimizerWeights, userDefinedMetadata: metadata,
    };
  }

  /** Rebuilds a model (and its compile config and optimizer state when present) from a description. */
  static fromDescription(desc: ModelDescription): Sequential {
    if (!desc || typeof desc !== 'object' || !Array.isArray(desc.layers)) throw invalidArg('model description', 'a ModelDescription', desc);
    if (!Number.isInteger(desc.inputDim) || desc.inputDim < 1) throw invalidArg('model description inputDim', 'a positive integer', desc.inputDim);
    const layersList = desc.layers.map((l, i) => {
      const cfg = { ...(l.config ?? {}) };
      if (i > 0) { delete cfg.batchInputShape; delete cfg.batch_input_shape; delete cfg.inputShape; delete cfg.batchShape; }
      else { delete cfg.inputShape; delete cfg.batchShape; delete cfg.batch_input_shape; cfg.batchInputShape = [null, desc.inputDim]; }
      return deserializeLayer(l.className, cfg);
    });
    const model = new Sequential({ name: desc.name || undefined, layers: layersList });
    model.userDefinedMetadata = desc.userDefinedMetadata ?? null;
    const seeds = desc.userDefinedMetadata?.dropoutSeeds;
    if (seeds && typeof seeds === 'object') {
      for (const l of model.layers) {
        const v = (seeds as Record<string, unknown>)[l.name];
        if (l instanceof Dropout && typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) l.seed = v;
      }
    }
    const slots = model.slots();
    if (!Array.isArray(desc.weights) || desc.weights.length !== slots.length) {
      throw new BlasnetError('ERR_FORMAT', `Expected ${slots.length} weight tensors for this architecture but received ${Array.isArray(desc.weights) ? desc.weights.length : describe(desc.weights)}`);
    }
    model.writeSlots(slots, desc.weights.map((w) => ({ dataSync: () => w.data, shape: w.shape })), 'fromDescription');
    if (desc.training) {
      const t = desc.training;
      const lossCfg = t.lossConfig;
      const loss = lossCfg ? { name: t.loss, ...lossCfg } : t.loss;
      model.compile({ optimizer: t.optimizerConfig as never, loss: loss as never, metrics: t.metrics ?? [] });
      if (typeof t.shuffleSeed === 'number' && Number.isInteger(t.shuffleSeed) && t.shuffleSeed >= 0 && t.shuffleSeed < 2 ** 32) {
        model.rng.state = t.shuffleSeed;
      }
      if (desc.optimizerWeights && desc.optimizerWeights.length > 0) {
        model.pendingOptimizerState = model.assembleOptimizerState(desc.optimizerWeights);
      }
    }
    return model;
  }

  private assembleOptimizerState(tensors: NamedTensor[]): Float32Array {
    const c = this.compiled!;
    const slots = this.slots();
    const P = slots.reduce((n, s) => n + s.size, 0);
    const names = optimizerSlotNamesFor(c.optimizer);
    const state = new Float32Array(1 + names.length * P);
    if (c.optimizer.spec.id === 'adagrad') state.fill(c.optimizer.spec.initialAccumulatorValue, 1);
    const byName = new Map(tensors.map((t) => [t.name, t]));
    const iter = byName.get('iter') ?? tensors.find((t) => /(^|\/)iter(ations)?$/.test(t.name));
    if (!iter || iter.data.length !== 1) throw new BlasnetError('ERR_FORMAT', 'The optimizer state has no "iter" entry');
    state[0] = iter.data[0]!;
    names.forEach((slotName, k) => {
      for (const s of slots) {
        const key = `${this.layers[s.layer]!.name}/${s.name}/${slotName}`;
        const t = byName.get(key);
        if (!t) throw new BlasnetError('ERR_FORMAT', `The optimizer state has no entry "${key}"`);
        if (t.data.length !== s.size) {
          throw new BlasnetError('ERR_FORMAT', `Expected ${s.size} values for optimizer entry "${key}" but received ${t.data.length}`);
        }
        state.set(t.data, 1 + k * P + s.offset);
      }
    });
    return state;
  }

  /** The data scaler saved with the model (save(path, {scaler})), or null. */
  getScaler(): StandardScaler | MinMaxScaler | null {
    const j = this.userDefinedMetadata?.scaler;
    return j === undefined || j === null ? null : scalerFromJSON(j);
  }

  // -------------------------------------------------------------------------------------- lifecycle

  /** Frees the engine's memory; the model cannot be used afterwards. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    const net = this.net;
    this.net = null;
    this.params = null;
    if (net) {
      // A running call keeps using the net: free it once the queue drains.
      if (this.inFlight > 0) void this.queue.then(() => net.dispose());
      else net.dispose();
    }
  }

  get isDisposed(): boolean { return this.disposedFlag; }

  private checkAlive(): void {
    if (this.disposedFlag) throw new BlasnetError('ERR_DISPOSED', `Model ${this.name} was disposed`);
  }

  /**
   * The model as in-memory tfjs artifacts (model.json fields + one ArrayBuffer), to keep in a database
   * or send over the network; fromArtifacts() rebuilds it.
   */
  toArtifacts(options: { includeOptimizer?: boolean; scaler?: { toJSON(): unknown } } = {}): ModelArtifacts {
    this.checkAlive();
    if (!artifactsHook) throw new BlasnetError('ERR_IO', 'Artifacts are not available (lib/io is not loaded: import from the package entry)');
    return artifactsHook(this, options);
  }

  /**
   * The model as the bytes of an ONNX file (opset 17): {inputName, outputName}, {foldScaler: true} to put
   * the saved scaler into the graph, {scaler} to use another one.
   */
  toOnnx(options: { inputName?: string; outputName?: string; foldScaler?: boolean; scaler?: { toJSON(): unknown } } = {}): Uint8Array {
    this.checkAlive();
    if (!onnxHook) throw new BlasnetError('ERR_IO', 'ONNX export is not available (lib/io is not loaded: import from the package entry)');
    return onnxHook(this, options);
  }

  /**
   * Writes dir/model.json and dir/weights.bin in the TensorFlow.js layers-model format, atomically
   * ('dir' or 'file://dir'); {includeOptimizer} adds the training config and optimizer state, {scaler}
   * a fitted data scaler. A tfjs IOHandler (tf.io.withSaveHandler, or any {save}) receives the artifacts
   * instead. A path ending in .onnx writes an ONNX file (see toOnnx). Runs after any call already
   * queued on this model.
   */
  async save(target: string | IOHandler, options: { includeOptimizer?: boolean; scaler?: { toJSON(): unknown }; foldScaler?: boolean; inputName?: string; outputName?: string } = {}): Promise<SaveResult> {
    if (!saveHook) throw new BlasnetError('ERR_IO', 'Saving is not available (lib/io is not loaded: import from the package entry)');
    const hook = saveHook;
    return this.exclusive(async () => hook(this, target, options));
  }
}

type OnnxHook = (m: Sequential, options: Record<string, unknown>) => Uint8Array;
let onnxHook: OnnxHook | null = null;
/** lib/io registers the ONNX writer here (lib/model does not import lib/io). */
export function setOnnxHook(h: OnnxHook): void { onnxHook = h; }

type SaveHook = (m: Sequential, target: string | IOHandler, options: { includeOptimizer?: boolean; scaler?: { toJSON(): unknown }; foldScaler?: boolean }) => Promise<SaveResult>;
let saveHook: SaveHook | null = null;
export function setSaveHook(h: SaveHook): void { saveHook = h; }
type ArtifactsHook = (m: Sequential, options: { includeOptimizer?: boolean; scaler?: { toJSON(): unknown } }) => ModelArtifacts;
let artifactsHook: ArtifactsHook | null = null;
/** lib/index.ts registers lib/io's toArtifacts here (lib/model does not import lib/io). */
export function setArtifactsHook(h: ArtifactsHook): void { artifactsHook = h; }

function optimizerSlotNamesFor(opt: Optimizer): string[] {
  const s = opt.spec;
  switch (s.id) {
    case 'sgd': return s.momentum > 0 ? ['momentum'] : [];
    case 'adam':
    case 'adamw': return s.amsgrad ? ['m', 'v', 'vhat'] : ['m', 'v'];
    case 'rmsprop': return ['velocity', ...(s.momentum > 0 ? ['momentum'] : []), ...(s.centered ? ['average_gradient'] : [])];
    case 'adagrad': return ['accumulator'];
  }
}

/**
 * Outputs are never handed back NaN or infinite: finite inputs (checked) through finite weights can
 * still overflow float32 once training has diverged (e.g. weights near 1e38 after a huge learning rate).
 */
function checkOutputs(out: Float32Array, d: number): void {
  let acc = 0;
  for (let i = 0; i < out.length; i++) acc += out[i]! * 0;
  if (acc === 0) return;
  const i = out.findIndex((v) => !Number.isFinite(v));
  throw new BlasnetError('ERR_NON_FINITE',
    `Expected finite outputs from predict but received ${describe(out[i])} at row ${Math.floor(i / d)}, column ${i % d}: ` +
    'the weights are too large for float32 (training diverged); retrain with a lower learning rate or gradient clipping');
}

function notCompiled(fn: string): BlasnetError {
  return new BlasnetError('ERR_NOT_COMPILED',
    `${fn}() needs a compiled model: call model.compile({optimizer, loss}) first`);
}

function allocate(n: number): Float32Array {
  try {
    return new Float32Array(n);
  } catch (err) {
    throw new BlasnetError('ERR_OUT_OF_MEMORY', `Cannot allocate ${n} float32 values`, { cause: err });
  }
}

function drawParams(layer: Layer, inputDim: number): Float32Array {
  const inits = layer.paramInits(inputDim);
  const total = inits.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  if (total > 2 ** 30) {
    throw new BlasnetError('ERR_OUT_OF_MEMORY', `Layer ${layer.name} would need ${total} parameters (more than 2^30)`);
  }
  const out = allocate(total);
  let off = 0;
  for (const p of inits) {
    const v = p.init.sample(p.shape);
    out.set(v, off);
    off += v.length;
  }
  return out;
}

/** Builds a Sequential model (tfjs's tf.sequential). */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
