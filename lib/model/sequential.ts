// The Sequential model: layers in order, built from the first input width, compiled with a loss, an
// optimizer and metrics. The weights live in the engine's net; the class keeps the state and hands the
// work to free functions: structure.ts, fit.ts, evaluate.ts, inputs.ts, weights.ts, serialize.ts,
// writing.ts, metadata.ts, records.ts and summary.ts.
import { BlasnetError } from '../errors';
import { paramLayout } from '../engine/layout';
import type { Net, NetSpec, ParamSlot } from '../engine/types';
import type { IOHandler, ModelArtifacts, SaveResult } from '../io';
import type { ModelDescription } from '../io/description';
import type { Scalar, Tensor, Tensor2D } from '../tensor';
import type { MinMaxScaler, StandardScaler } from '../data/scalers';
import type { Preprocessor } from '../data/preprocess/preprocessor';
import { predictRecords, recordInputs, SavedPreprocessor, type RecordAnswer, type RecordsInput } from './records';
import { preprocessorOf, scalerOf, withPreprocessor } from './metadata';
import { modelArtifacts, modelOnnx, writeModel, type SaveOptions } from './writing';
import { positiveNumber } from '../validate';
import { RandomStream, randomUint32 } from '../random';
import { busy, CallQueue } from './calls';
import { WeightStore } from './weight-store';
import { notCompiled, resolveCompileArgs, type CompileArgs, type Compiled } from './compile';
import { runFit, type FitArgs, type FitTarget, History } from './fit';
import { checkFeatures, featureMatrix, labelMatrix } from './inputs';
import { evaluate, evaluateNow, predict, predictNow, trainOnBatch, type EvaluateArgs, type PredictArgs } from './evaluate';
import type { ModelTarget } from './target';
import { InputLayer, Layer, type LayerOwner } from './layers';
import type { Optimizer } from './optimizers';
import {
  checkInputFits, checkLayerToAdd, checkSequentialArgs, defaultModelName, findLayer, inputLayerWidth, netSpec, outputDimAfter,
  type SequentialArgs,
} from './structure';
import {
  compileArgsOf, describeModel, descriptionWeights, layersFromDescription, savedOptimizerState, savedShuffleState, type DescribeOptions,
} from './serialize';
import { summaryTable } from './summary';
import type { TrainableModel } from './callbacks';
import { drawAllParams, paramsBefore, withLayerAppended } from './weights';

export type { CompileArgs } from './compile';
export { History, type FitArgs } from './fit';
export type { EvaluateArgs, PredictArgs } from './evaluate';
export type { SaveOptions } from './writing';
export { resetModelNames, type SequentialArgs } from './structure';

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
  private compiled: Compiled | null = null;
  private learningRate = 0;
  private fitting = false;
  private readonly calls = new CallQueue(() => this.name);
  private readonly weights = new WeightStore(this.calls, () => this.slots(), () => this.layerNames());
  private disposedFlag = false;
  private readonly savedPreprocessor = new SavedPreprocessor();
  /**
   * The model's own shuffling generator, seeded from the global one when the model is made: models
   * trained concurrently shuffle exactly as they would alone. Its state is saved with includeOptimizer.
   */
  private readonly rng = new RandomStream(randomUint32());

  constructor(args: SequentialArgs = {}) {
    const checked = checkSequentialArgs(args);
    this.name = checked.name ?? defaultModelName();
    for (const l of checked.layers) this.add(l);
  }

  /** Appends a layer; the first one needs inputShape unless the model is built from the first data. */
  add(layer: Layer | InputLayer): void {
    this.checkAlive();
    if (layer instanceof InputLayer) {
      this.pendingInputDim = inputLayerWidth(this.layers, layer, this.pendingInputDim);
      return;
    }
    checkLayerToAdd(this.layers, layer, this.pendingInputDim);
    if (this.fitting) throw busy('Cannot add a layer while the model is fitting');
    if (this.layers.length > 0) checkInputFits(layer, this.outputDimOf(this.layers.length - 1));
    layer.owner = this;
    this.layers.push(layer);
    if (this.layers.length === 1 && layer.declaredInputDim !== null) {
      this.build(layer.declaredInputDim);
    } else if (this.inputDim !== null) {
      this.weights.reset(withLayerAppended(this.weights.read(), layer, this.outputDimOf(this.layers.length - 2)!));
    }
  }

  /** Removes the last layer (Keras's pop()). */
  pop(): void {
    this.checkAlive();
    if (this.fitting) throw busy('Cannot remove a layer while the model is fitting');
    const layer = this.layers[this.layers.length - 1];
    if (!layer) throw new BlasnetError('ERR_INVALID_ARG', 'There are no layers to pop');
    if (this.inputDim !== null) this.weights.reset(paramsBefore(this.weights.read(), this.slots(), this.layers.length - 1));
    layer.owner = null;
    layer.inputDim = null;
    this.layers.pop();
    if (this.layers.length === 0) { this.inputDim = null; this.weights.reset(null); }
  }

  /** The output width of layer i (null before the model is built). */
  private outputDimOf(i: number): number | null { return this.inputDim === null ? null : outputDimAfter(this.layers, this.inputDim, i); }

  /** Draws every layer's weights for the given input width (Keras builds on first use). */
  private build(inputDim: number): void {
    this.inputDim = inputDim;
    this.weights.reset(drawAllParams(this.layers, inputDim));
  }

  get built(): boolean { return this.inputDim !== null; }

  /** [null, features] of the input, once known. */
  get inputShape(): [null, number] | null { return this.inputDim === null ? null : [null, this.inputDim]; }
  get outputShape(): [null, number] | null {
    const d = this.outputDimOf(this.layers.length - 1);
    return d === null ? null : [null, d];
  }

  private specFor(inputDim: number): NetSpec { return netSpec(this.layers, inputDim, this.compiled, this.learningRate); }

  private slots(): ParamSlot[] { return this.inputDim === null ? [] : paramLayout(this.specFor(this.inputDim)); }

  private layerNames(): string[] { return this.layers.map((l) => l.name); }

  /** The engine net, if one exists now. */
  private get net(): Net | null { return this.weights.currentNet; }

  /** The engine net, created on first use from the current weights. */
  private ensureNet(): Net {
    this.checkAlive();
    if (this.inputDim === null) throw new BlasnetError('ERR_INVALID_ARG', 'The model is not built yet');
    const inputDim = this.inputDim;
    return this.weights.netFor(() => this.specFor(inputDim));
  }

  /** Runs `f` after the calls already queued on this model (at once inside this model's fit). */
  private exclusive<T>(what: string, f: () => Promise<T>, runsUserCode = true): Promise<T> { return this.calls.exclusive(what, f, () => this.checkAlive(), runsUserCode); }

  /** One asynchronous engine call; synchronous net access is refused while it runs. */
  private engineCall<T>(f: (net: Net) => Promise<T>): Promise<T> {
    this.checkAlive();
    const net = this.ensureNet();
    return this.calls.computeWith(() => f(net));
  }

  compile(args: CompileArgs): void {
    this.checkAlive();
    if (this.fitting) throw busy('Cannot compile while the model is fitting');
    const compiled = resolveCompileArgs(args);
    this.weights.drop();
    this.compiled = compiled;
    this.learningRate = compiled.optimizer.spec.learningRate;
    this.weights.setPendingOptimizerState(null);
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

  async fit(x: unknown, y: unknown, args: FitArgs = {}): Promise<History> {
    this.checkAlive();
    if (this.fitting) throw busy('fit() was called while this model is already fitting; await the running fit first');
    if (!this.compiled) throw notCompiled('fit');
    this.fitting = true;
    try {
      const target = (): FitTarget => ({ ...this.target(), compiled: this.compiled!, model: this, shuffleRandom: this.rng.next });
      return await this.exclusive('fit()', () => runFit(target(), x, y, args));
    } finally {
      this.fitting = false;
    }
  }

  /** What the free functions that run the model see of it. */
  private target(): ModelTarget {
    return {
      compiled: this.compiled,
      features: (x, arg, values) => {
        const m = featureMatrix(x, arg);
        if (this.layers.length === 0) throw new BlasnetError('ERR_INVALID_ARG', 'The model has no layers: add layers before using it');
        if (this.inputDim === null) this.build(m.cols);
        return checkFeatures(m, this.inputDim!, arg, values);
      },
      labels: (y, arg, rows, values) => labelMatrix(y, arg, rows, this.outputDimOf(this.layers.length - 1)!, this.compiled!.loss.spec.id, values),
      outputDim: () => this.outputDimOf(this.layers.length - 1)!,
      net: () => this.ensureNet(),
      computing: (f) => this.calls.computeWith(f),
      engineCall: (f) => this.engineCall(f),
      exclusive: (what, f, runsUserCode) => this.exclusive(what, f, runsUserCode),
    };
  }

  /**
   * tfjs's evaluate: the loss as a scalar tensor, or [loss, ...metrics] when metrics were compiled,
   * computed on the calling thread (await works too). Servers and jobs use evaluateAsync().
   */
  evaluate(x: unknown, y: unknown, args: EvaluateArgs = {}): Scalar | Scalar[] {
    this.checkAlive();
    this.calls.checkIdle('evaluate() (synchronous: use evaluateAsync() to queue behind the running call)');
    return evaluateNow(this.target(), x, y, args);
  }

  /** Loss and metrics by name ({loss, acc ...}), computed by the engine off the JavaScript thread where it can: the call for servers and jobs. */
  async evaluateAsync(x: unknown, y: unknown, args: EvaluateArgs = {}): Promise<Record<string, number>> {
    this.checkAlive();
    return evaluate(this.target(), x, y, args);
  }

  /** x, or (an array of records by column name) the saved preprocessor's rows for them. */
  private inputsOf(x: unknown): unknown { return recordInputs(x, this.savedPreprocessor.of(this.userDefinedMetadata), this.name); }

  /**
   * tfjs's predict: the outputs as a [rows, units] tensor, computed on the calling thread (await works
   * too). Large inputs block the event loop as they do in tfjs-node: servers and jobs use predictAsync().
   */
  predict(x: unknown, args: PredictArgs = {}): Tensor2D {
    this.checkAlive();
    this.calls.checkIdle('predict() (synchronous: use predictAsync() to queue behind the running call)');
    return predictNow(this.target(), this.inputsOf(x), args);
  }

  /** Outputs for x, computed in batches by the engine off the JavaScript thread where it can: the call for servers and jobs. */
  async predictAsync(x: unknown, args: PredictArgs = {}): Promise<Tensor2D> {
    this.checkAlive();
    return predict(this.target(), this.inputsOf(x), args);
  }

  /**
   * Predictions for raw records (objects by column name, or {column: [values]}), through the
   * preprocessor saved with the model: per record {class, probabilities by class name} for a
   * classifier, {value} (or {values}) otherwise. The same numbers as the training pipeline's.
   */
  async predictRecords(records: RecordsInput, args: PredictArgs = {}): Promise<RecordAnswer[]> {
    this.checkAlive();
    return predictRecords(this.target(), this.savedPreprocessor.of(this.userDefinedMetadata), records, args, this.name);
  }

  /** The class of each output unit, by name, from the saved preprocessor (null: not a classifier, or none saved). */
  get classes(): (string | number)[] | null { return this.savedPreprocessor.of(this.userDefinedMetadata)?.classes ?? null; }

  /** predict() under the name it had before predict became synchronous. */
  predictSync(x: unknown): Tensor2D { return this.predict(x); }

  /** predict() under its tfjs name. */
  predictOnBatch(x: unknown): Tensor2D { return this.predict(x); }

  /**
   * One optimizer step on all rows of x as a single batch (tfjs's trainOnBatch). Resolves to the loss
   * (computed before the step), or [loss, ...metrics] when metrics were compiled.
   */
  async trainOnBatch(x: unknown, y: unknown): Promise<number | number[]> {
    this.checkAlive();
    if (this.fitting) throw busy('trainOnBatch() cannot run while this model is fitting');
    return trainOnBatch(this.target(), x, y);
  }

  /** All weights as tensors, in layer order (kernel, bias, gamma, beta, moving_mean, moving_variance). */
  getWeights(trainableOnly = false): Tensor[] {
    this.checkAlive();
    return this.weights.tensors((s) => !trainableOnly || s.trainable);
  }

  /** Sets all weights from what getWeights() returns, or Float32Arrays in the same order. */
  setWeights(weights: (Tensor | Float32Array | { dataSync(): Float32Array; shape: number[] })[]): void {
    this.checkAlive();
    this.weights.assign(() => true, weights, 'setWeights');
  }

  layerWeights(layer: Layer): Tensor[] { return this.weights.layerTensors(this.layers.indexOf(layer)); }

  setLayerWeights(layer: Layer, weights: (Tensor | Float32Array)[]): void {
    this.checkAlive();
    this.weights.assign((s) => s.layer === this.layers.indexOf(layer), weights, `${layer.name}.setWeights`);
  }

  layerTrainableChanged(layer: Layer, trainable: boolean): void {
    this.weights.setTrainable(this.layers.indexOf(layer), trainable, `Setting ${layer.name}.trainable`);
  }

  countParams(): number { return this.slots().reduce((n, s) => n + s.size, 0); }

  getLayer(nameOrIndex: string | number): Layer { return findLayer(this.layers, nameOrIndex); }

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

  /** The model as the io layer sees it (architecture, weights, optionally training config and state). */
  toDescription(options: DescribeOptions = {}): ModelDescription {
    this.checkAlive();
    if (this.inputDim === null) throw new BlasnetError('ERR_INVALID_ARG', 'The model is not built yet: give the first layer an inputShape');
    return describeModel({
      name: this.name, inputDim: this.inputDim, layers: this.layers, params: this.weights.read(), slots: this.slots(),
      spec: this.specFor(this.inputDim), compiled: this.compiled, learningRate: this.learningRate, shuffleState: this.rng.state,
      optimizerState: () => this.ensureNet().getOptimizerState(),
    }, options);
  }

  /** Rebuilds a model (and its compile config and optimizer state when present) from a description. */
  static fromDescription(desc: ModelDescription): Sequential {
    const model = new Sequential({ name: desc.name || undefined, layers: layersFromDescription(desc) });
    model.userDefinedMetadata = desc.userDefinedMetadata ?? null;
    const slots = model.slots();
    model.weights.assign(() => true, descriptionWeights(desc, slots.length), 'fromDescription');
    if (desc.training) {
      model.compile(compileArgsOf(desc.training));
      const shuffleState = savedShuffleState(desc.training);
      if (shuffleState !== null) model.rng.state = shuffleState;
      model.weights.setPendingOptimizerState(savedOptimizerState(desc, model.specFor(model.inputDim!), slots, model.layerNames()));
    }
    return model;
  }

  /** The data scaler saved with the model (save(path, {scaler})), or null. */
  getScaler(): StandardScaler | MinMaxScaler | null { return scalerOf(this.userDefinedMetadata); }

  /** The data preprocessor saved with the model (save(path, {preprocessor})), or null. */
  getPreprocessor(): Preprocessor | null { return preprocessorOf(this.userDefinedMetadata); }

  /** Keeps a fitted preprocessor with the model (in userDefinedMetadata: every later save() writes it); null removes it. */
  setPreprocessor(pre: Preprocessor | null): void { this.userDefinedMetadata = withPreprocessor(this.userDefinedMetadata, pre); }

  /**
   * The model as in-memory tfjs artifacts (model.json fields + one ArrayBuffer), to keep in a database
   * or send over the network; fromArtifacts() rebuilds it.
   */
  toArtifacts(options: SaveOptions = {}): ModelArtifacts {
    this.checkAlive();
    return modelArtifacts(this, options);
  }

  /**
   * Writes dir/model.json and its weights shard in the TensorFlow.js layers-model format into the
   * directory ('dir' or 'file://dir'), touching nothing else there; the pair is replaced atomically
   * (lib/io/save.ts); {includeOptimizer} adds the training config and optimizer state, {scaler}
   * a fitted data scaler. A tfjs IOHandler (tf.io.withSaveHandler, or any {save}) receives the artifacts
   * instead. A path ending in .onnx or .keras writes that format (.onnx: see toOnnx; .keras: Keras 3,
   * with the optimizer state by default). Runs after any call already queued on this model.
   */
  async save(target: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
    return this.exclusive('save()', () => writeModel(this, target, options));
  }

  /**
   * The model as the bytes of an ONNX file (opset 17): {inputName, outputName}; {foldScaler: true} puts
   * the saved scaler (or options.scaler) into the graph as Sub/Div.
   */
  toOnnx(options: SaveOptions = {}): Uint8Array {
    this.checkAlive();
    return modelOnnx(this, options);
  }

  /** Frees the engine's memory; the model cannot be used afterwards. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.weights.dispose();
  }

  get isDisposed(): boolean { return this.disposedFlag; }

  private checkAlive(): void {
    if (this.disposedFlag) throw new BlasnetError('ERR_DISPOSED', `Model ${this.name} was disposed`);
  }
}

/** Builds a Sequential model (tfjs's tf.sequential). */
export function sequential(args: SequentialArgs = {}): Sequential { return new Sequential(args); }
