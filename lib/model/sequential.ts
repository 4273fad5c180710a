// The Sequential model: layers in order, built from the first input width, compiled with a loss, an
// optimizer and metrics. The weights live in the engine's net; the methods here check their arguments
// and hand the work to the free functions of fit.ts, inputs.ts, weights.ts, serialize.ts and summary.ts.
import { BlasnetError, invalidArg } from '../errors';
import { getEngine } from '../engine';
import { layerOutputDim, paramLayout } from '../engine/layout';
import type { Net, NetSpec, ParamSlot } from '../engine/types';
import type { ModelDescription } from '../io/description';
import { descriptionToArtifacts, writeArtifacts, type IOHandler, type ModelArtifacts, type SaveResult } from '../io';
import { Tensor, Tensor2D } from '../tensor';
import { scalerFromJSON, type MinMaxScaler, type StandardScaler } from '../data/scalers';
import { orDefault, positiveInt, positiveNumber } from '../validate';
import { RandomStream, randomUint32, rowOrder } from '../random';
import { CallQueue } from './calls';
import { notCompiled, resolveCompileArgs, type CompileArgs, type Compiled } from './compile';
import { runFit, type FitArgs, type FitTarget, History } from './fit';
import { allocate, checkFeatures, checkOutputs, featureMatrix, labelMatrix, rowWeights } from './inputs';
import { InputLayer, Layer, type LayerOwner } from './layers';
import { epochMetrics } from './metrics';
import { makeOptimizer, type Optimizer } from './optimizers';
import {
  compileArgsOf, describeModel, layersFromDescription, saveDescribeOptions, savedShuffleState, weightCountMismatch,
  type DescribeOptions,
} from './serialize';
import { summaryTable } from './summary';
import type { TrainableModel } from './callbacks';
import { drawAllParams, drawParams, optimizerStateFrom, slotTensors, writeSlots } from './weights';

export type { CompileArgs } from './compile';
export { History, type FitArgs } from './fit';

export interface SequentialArgs {
  layers?: (Layer | InputLayer)[];
  name?: string;
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

export interface SaveOptions {
  /** Also save the compile config and the optimizer's state, so training resumes exactly (default false). */
  includeOptimizer?: boolean;
  /** A fitted data scaler (data.standardScaler() / minMaxScaler()) saved in userDefinedMetadata.scaler. */
  scaler?: { toJSON(): unknown };
}

let modelCounter = 0;

/** Resets default model names (tests). */
export function resetModelNames(): void { modelCounter = 0; }

function busy(what: string): BlasnetError {
  return new BlasnetError('ERR_BUSY', what);
}

export class Sequential implements LayerOwner, TrainableModel {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set true (e.g. from a callback) to end fit after the current epoch (or batch, with batch hooks). */
  stopTraining = false;
  /** userDefinedMetadata read with the model (e.g. {scaler}); written again by save(). */
  userDefinedMetadata: Record<string, unknown> | null = null;
  private inputDim: number | null = null;
  /** Width declared by an inputLayer added before any other layer. */
  private pendingInputDim: number | null = null;
  /** The weights while no net exists (before the first call, after compile()). */
  private params: Float32Array | null = null;
  private net: Net | null = null;
  private compiled: Compiled | null = null;
  private learningRate = 0;
  /** Optimizer state to load into the next net (a model rebuilt with includeOptimizer). */
  private pendingOptimizerState: Float32Array | null = null;
  private fitting = false;
  private readonly calls = new CallQueue();
  private disposedFlag = false;
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
    if (this.fitting) throw busy('Cannot add a layer while the model is fitting');
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
    if (this.fitting) throw busy('Cannot remove a layer while the model is fitting');
    const layer = this.layers[this.layers.length - 1];
    if (!layer) throw new BlasnetError('ERR_INVALID_ARG', 'There are no layers to pop');
    if (this.inputDim !== null) {
      const keep = this.layers.length - 1;
      const size = this.slots().filter((s) => s.layer < keep).reduce((n, s) => n + s.size, 0);
      const old = this.currentParams();
      this.dropNet();
      this.params = old.slice(0, size);
    }
    layer.owner = null;
    layer.inputDim = null;
    this.layers.pop();
    if (this.layers.length === 0) { this.inputDim = null; this.params = null; }
  }

  /** The output width of layer i (null before the model is built). */
  private outputDimOf(i: number): number | null {
    if (this.inputDim === null) return null;
    let d = this.inputDim;
    for (let k = 0; k <= i; k++) d = layerOutputDim(this.layers[k]!.toSpec(d));
    return d;
  }

  /** Draws every layer's weights for the given input width (Keras builds on first use). */
  private build(inputDim: number): void {
    this.inputDim = inputDim;
    this.params = drawAllParams(this.layers, inputDim);
  }

  get built(): boolean { return this.inputDim !== null; }

  /** [null, features] of the input, once known. */
  get inputShape(): [null, number] | null { return this.inputDim === null ? null : [null, this.inputDim]; }
  get outputShape(): [null, number] | null {
    const d = this.outputDimOf(this.layers.length - 1);
    return d === null ? null : [null, d];
  }

  private specFor(inputDim: number): NetSpec {
    const layers = [];
    let d = inputDim;
    for (const l of this.layers) {
      const spec = l.toSpec(d);
      layers.push(spec);
      d = layerOutputDim(spec);
    }
    const c = this.compiled;
    return {
      inputDim, layers,
      loss: c ? c.loss.spec : { id: 'meanSquaredError', fromLogits: false, delta: 1 },
      optimizer: c ? { ...c.optimizer.spec, learningRate: this.learningRate } : makeOptimizer('sgd', undefined).spec,
    };
  }

  private slots(): ParamSlot[] {
    return this.inputDim === null ? [] : paramLayout(this.specFor(this.inputDim));
  }

  private layerNames(): string[] { return this.layers.map((l) => l.name); }

  // ------------------------------------------------------------------------------------ the engine net

  /** The engine net, created on first use from the current weights. */
  private ensureNet(): Net {
    this.checkAlive();
    if (this.net) return this.net;
    if (this.inputDim === null || !this.params) throw new BlasnetError('ERR_INVALID_ARG', 'The model is not built yet');
    let net: Net;
    try {
      net = getEngine().createNet(this.specFor(this.inputDim), this.params);
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
    this.calls.checkIdle('Reading the weights');
    if (this.net) return this.net.getParams();
    return this.params ?? new Float32Array(0);
  }

  /** Drops the net (keeping its weights), e.g. when the architecture or the compile config changes. */
  private dropNet(): void {
    if (!this.net) return;
    this.calls.checkIdle('Changing the model');
    this.params = this.net.getParams();
    this.net.dispose();
    this.net = null;
  }

  /** Runs `f` after the calls already queued on this model (at once inside this model's fit). */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    return this.calls.exclusive(f, () => this.checkAlive());
  }

  /** One asynchronous engine call; synchronous net access is refused while it runs. */
  private engineCall<T>(f: (net: Net) => Promise<T>): Promise<T> {
    this.checkAlive();
    const net = this.ensureNet();
    return this.calls.computeWith(() => f(net));
  }

  // ------------------------------------------------------------------------------------ compile

  compile(args: CompileArgs): void {
    this.checkAlive();
    if (this.fitting) throw busy('Cannot compile while the model is fitting');
    const compiled = resolveCompileArgs(args);
    if (this.net) this.dropNet();
    this.compiled = compiled;
    this.learningRate = compiled.optimizer.spec.learningRate;
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
    this.learningRate = positiveNumber(lr, 'learning rate');
    this.net?.setLearningRate(lr);
  }

  // ------------------------------------------------------------------------------------ inputs

  private prepareX(x: unknown, arg: string): ReturnType<typeof featureMatrix> {
    const m = featureMatrix(x, arg);
    if (this.layers.length === 0) throw new BlasnetError('ERR_INVALID_ARG', 'The model has no layers: add layers before using it');
    if (this.inputDim === null) this.build(m.cols);
    return checkFeatures(m, this.inputDim!, arg);
  }

  private prepareY(y: unknown, arg: string, rows: number): ReturnType<typeof labelMatrix> {
    return labelMatrix(y, arg, rows, this.outputDimOf(this.layers.length - 1)!, this.compiled!.loss.spec.id);
  }

  // ------------------------------------------------------------------------------------ fit, evaluate, predict

  async fit(x: unknown, y: unknown, args: FitArgs = {}): Promise<History> {
    this.checkAlive();
    if (this.fitting) throw busy('fit() was called while this model is already fitting; await the running fit first');
    if (!this.compiled) throw notCompiled('fit');
    this.fitting = true;
    try {
      return await this.exclusive(() => runFit(this.fitTarget(this.compiled!), x, y, args));
    } finally {
      this.fitting = false;
    }
  }

  private fitTarget(compiled: Compiled): FitTarget {
    return {
      model: this,
      compiled,
      shuffleRandom: this.rng.next,
      features: (x, arg) => this.prepareX(x, arg),
      labels: (y, arg, rows) => this.prepareY(y, arg, rows),
      outputDim: () => this.outputDimOf(this.layers.length - 1)!,
      net: () => this.ensureNet(),
      engineCall: (f) => this.engineCall(f),
    };
  }

  /** Loss and metrics on x, y. For now the same as evaluateAsync(). */
  async evaluate(x: unknown, y: unknown, args: EvaluateArgs = {}): Promise<Record<string, number>> {
    return this.evaluateAsync(x, y, args);
  }

  /** Loss and metrics on x, y, computed by the engine off the JavaScript thread where it can: the call for servers and jobs. */
  async evaluateAsync(x: unknown, y: unknown, args: EvaluateArgs = {}): Promise<Record<string, number>> {
    this.checkAlive();
    if (!this.compiled) throw notCompiled('evaluate');
    if (args === null || typeof args !== 'object') throw invalidArg('evaluate options', 'an object', args);
    const batchSize = orDefault(args.batchSize, 32, (v) => positiveInt(v, 'batchSize'));
    const c = this.compiled;
    const X = this.prepareX(x, 'x');
    const Y = this.prepareY(y, 'y', X.rows);
    const w = args.sampleWeight === undefined ? null : rowWeights(args.sampleWeight, 'sampleWeight', X.rows);
    const d = this.outputDimOf(this.layers.length - 1)!;
    const preds = c.metrics.length > 0 ? allocate(X.rows * d) : null;
    const r = await this.exclusive(() => this.engineCall((net) => net.evaluate(X, Y, Math.min(batchSize, X.rows), w, preds)));
    const out: Record<string, number> = { loss: r.lossSum / r.samples };
    if (preds) Object.assign(out, epochMetrics(c, { pred: preds, d, y: Y, order: null, rows: X.rows }));
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
    const batchSize = orDefault(args.batchSize, 32, (v) => positiveInt(v, 'batchSize'));
    const X = this.prepareX(x, 'x');
    const d = this.outputDimOf(this.layers.length - 1)!;
    const out = await this.exclusive(() => this.engineCall((net) => net.predict(X, Math.min(batchSize, X.rows))));
    checkOutputs(out, d);
    return new Tensor2D(out, [X.rows, d]);
  }

  /** Synchronous predict for small inputs (low-latency serving). Not allowed while a call is running. */
  predictSync(x: unknown): Tensor2D {
    this.checkAlive();
    this.calls.checkIdle('predictSync()');
    const X = this.prepareX(x, 'x');
    const net = this.ensureNet();
    const d = net.outputDim;
    const out = net.predictSync(X);
    checkOutputs(out, d);
    return new Tensor2D(out, [X.rows, d]);
  }

  /** predictSync under its tfjs name. */
  predictOnBatch(x: unknown): Tensor2D {
    return this.predictSync(x);
  }

  /**
   * One optimizer step on all rows of x as a single batch (tfjs's trainOnBatch). Resolves to the loss
   * (computed before the step), or [loss, ...metrics] when metrics were compiled.
   */
  async trainOnBatch(x: unknown, y: unknown): Promise<number | number[]> {
    this.checkAlive();
    if (!this.compiled) throw notCompiled('trainOnBatch');
    if (this.fitting) throw busy('trainOnBatch() cannot run while this model is fitting');
    const c = this.compiled;
    const X = this.prepareX(x, 'x');
    const Y = this.prepareY(y, 'y', X.rows);
    const d = this.outputDimOf(this.layers.length - 1)!;
    const preds = c.metrics.length > 0 ? allocate(X.rows * d) : null;
    const order = rowOrder(X.rows, false);
    const r = await this.exclusive(() => this.engineCall((net) => net.trainBatches({
      x: X, y: Y, order, batchSize: X.rows, sampleWeight: null, predictionsOut: preds,
    })));
    if (r.nonFiniteBatch >= 0) throw new BlasnetError('ERR_NAN_LOSS', 'Loss became NaN in trainOnBatch (the step was not applied)');
    const loss = r.lossSum / r.samples;
    if (!preds) return loss;
    return [loss, ...Object.values(epochMetrics(c, { pred: preds, d, y: Y, order: null, rows: X.rows }))];
  }

  // ------------------------------------------------------------------------------------ weights

  /** All weights as tensors, in layer order (kernel, bias, gamma, beta, moving_mean, moving_variance). */
  getWeights(trainableOnly = false): Tensor[] {
    this.checkAlive();
    const all = this.currentParams();
    return slotTensors(all, this.slots().filter((s) => !trainableOnly || s.trainable));
  }

  /** Sets all weights from what getWeights() returns, or Float32Arrays in the same order. */
  setWeights(weights: (Tensor | Float32Array | { dataSync(): Float32Array; shape: number[] })[]): void {
    this.checkAlive();
    this.writeWeights(this.slots(), weights, 'setWeights');
  }

  private writeWeights(slots: ParamSlot[], weights: unknown, fn: string): void {
    if (!Array.isArray(weights) || weights.length !== slots.length) {
      throw invalidArg(`${fn}(weights)`, `an array of ${slots.length} tensors`, weights);
    }
    this.calls.checkIdle(`${fn}()`);
    const all = this.currentParams();
    writeSlots(all, slots, weights, fn, this.layerNames());
    if (this.net) this.net.setParams(all);
    else this.params = all;
  }

  layerWeights(layer: Layer): Tensor[] {
    const idx = this.layers.indexOf(layer);
    return slotTensors(this.currentParams(), this.slots().filter((s) => s.layer === idx));
  }

  setLayerWeights(layer: Layer, weights: (Tensor | Float32Array)[]): void {
    this.checkAlive();
    const idx = this.layers.indexOf(layer);
    this.writeWeights(this.slots().filter((s) => s.layer === idx), weights, `${layer.name}.setWeights`);
  }

  layerTrainableChanged(layer: Layer, trainable: boolean): void {
    const idx = this.layers.indexOf(layer);
    if (!this.net || idx < 0) return;
    this.calls.checkIdle(`Setting ${layer.name}.trainable`);
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
    if (!l) throw invalidArg('getLayer', `a layer name or index (${this.layerNames().join(', ')})`, nameOrIndex);
    return l;
  }

  /** Flat optimizer state (iterations first); empty before the first training call. */
  getOptimizerState(): Float32Array {
    this.checkAlive();
    if (!this.compiled) throw notCompiled('getOptimizerState');
    return this.ensureNet().getOptimizerState();
  }

  /** tfjs-style config: the model name and each layer's {className, config}. */
  getConfig(): { name: string; layers: { className: string; config: Record<string, unknown> }[] } {
    return { name: this.name, layers: this.layers.map((l) => ({ className: l.getClassName(), config: l.getConfig() })) };
  }

  /** Prints (with printFn, default console.log) and returns the Keras-style table. */
  summary(lineLength = 65, positions: number[] = [0.45, 0.85, 1], printFn: (s: string) => void = console.log): string {
    const text = summaryTable({ name: this.name, layers: this.layers, inputDim: this.inputDim, slots: this.slots() }, lineLength, positions);
    printFn(text);
    return text;
  }

  // ------------------------------------------------------------------------------------ description, saving

  /** The model as the io layer sees it (architecture, weights, optionally training config and state). */
  toDescription(options: DescribeOptions = {}): ModelDescription {
    this.checkAlive();
    if (this.inputDim === null) throw new BlasnetError('ERR_INVALID_ARG', 'The model is not built yet: give the first layer an inputShape');
    const inputDim = this.inputDim;
    return describeModel({
      name: this.name, inputDim, layers: this.layers, params: this.currentParams(), slots: this.slots(),
      spec: this.specFor(inputDim), compiled: this.compiled, learningRate: this.learningRate, shuffleState: this.rng.state,
      optimizerState: () => this.ensureNet().getOptimizerState(),
    }, options);
  }

  /** Rebuilds a model (and its compile config and optimizer state when present) from a description. */
  static fromDescription(desc: ModelDescription): Sequential {
    const model = new Sequential({ name: desc.name || undefined, layers: layersFromDescription(desc) });
    model.userDefinedMetadata = desc.userDefinedMetadata ?? null;
    const slots = model.slots();
    if (!Array.isArray(desc.weights) || desc.weights.length !== slots.length) throw weightCountMismatch(slots.length, desc.weights);
    model.writeWeights(slots, desc.weights.map((w) => ({ dataSync: () => w.data, shape: w.shape })), 'fromDescription');
    if (desc.training) {
      model.compile(compileArgsOf(desc.training));
      const shuffleState = savedShuffleState(desc.training);
      if (shuffleState !== null) model.rng.state = shuffleState;
      if (desc.optimizerWeights && desc.optimizerWeights.length > 0) {
        model.pendingOptimizerState = optimizerStateFrom(desc.optimizerWeights, model.specFor(model.inputDim!), slots, model.layerNames());
      }
    }
    return model;
  }

  /** The data scaler saved with the model (save(path, {scaler})), or null. */
  getScaler(): StandardScaler | MinMaxScaler | null {
    const j = this.userDefinedMetadata?.scaler;
    return j === undefined || j === null ? null : scalerFromJSON(j);
  }

  /**
   * The model as in-memory tfjs artifacts (model.json fields + one ArrayBuffer), to keep in a database
   * or send over the network; fromArtifacts() rebuilds it.
   */
  toArtifacts(options: SaveOptions = {}): ModelArtifacts {
    this.checkAlive();
    const describeOptions = saveDescribeOptions(options, this.userDefinedMetadata);
    return descriptionToArtifacts(this.toDescription(describeOptions), { includeOptimizer: describeOptions.includeOptimizer === true });
  }

  /**
   * Writes dir/model.json and dir/weights.bin in the TensorFlow.js layers-model format, atomically
   * ('dir' or 'file://dir'); {includeOptimizer} adds the training config and optimizer state, {scaler}
   * a fitted data scaler. A tfjs IOHandler (tf.io.withSaveHandler, or any {save}) receives the artifacts
   * instead. Runs after any call already queued on this model.
   */
  async save(target: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
    return this.exclusive(async () => writeArtifacts(this.toArtifacts(options), target));
  }

  // ------------------------------------------------------------------------------------ lifecycle

  /** Frees the engine's memory; the model cannot be used afterwards. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    const net = this.net;
    this.net = null;
    this.params = null;
    if (net) {
      // A running call keeps using the net: free it once the queue drains.
      if (this.calls.isComputing) this.calls.afterQueued(() => net.dispose());
      else net.dispose();
    }
  }

  get isDisposed(): boolean { return this.disposedFlag; }

  private checkAlive(): void {
    if (this.disposedFlag) throw new BlasnetError('ERR_DISPOSED', `Model ${this.name} was disposed`);
  }
}

/** Builds a Sequential model (tfjs's tf.sequential). */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
