// Layer objects users build models from. A layer validates its options in its constructor (Keras
// style), knows how to turn itself into the engine's LayerSpec and which parameter tensors it owns,
// and serializes to a tfjs getConfig()-style config. Weights live in the model's engine net.
import { BlasnetError, describe, invalidArg } from '../errors';
import type { ActivationId, ActivationSpec, LayerSpec } from '../engine/types';
import { Tensor } from '../tensor';
import { ACTIVATION_SERIALIZED, type ActivationName, resolveActivation, normalizeName } from './names';
import { getInitializer, serializeInitializer, type Initializer, type InitializerArg } from './initializers';
import { getConstraint, getRegularizer, type Constraint, type ConstraintArg, type Regularizer, type RegularizerArg } from './regularizers';
import { randomUint32 } from './random';

/** What a layer needs from the model that owns it (weights live in the model's engine net). */
export interface LayerOwner {
  layerWeights(layer: Layer): Tensor[];
  setLayerWeights(layer: Layer, weights: (Tensor | Float32Array)[]): void;
  layerTrainableChanged(layer: Layer, trainable: boolean): void;
}

/** A parameter tensor a layer owns, with the initializer its values are drawn from. */
export interface ParamInit {
  name: string;
  shape: number[];
  init: Initializer;
}

const nameCounters = new Map<string, number>();
const usedNames = new Set<string>();

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** tfjs default layer names: 'dense_Dense1', 'dropout_Dropout1', ... (a counter per class). */
function defaultName(className: string): string {
  const n = (nameCounters.get(className) ?? 0) + 1;
  nameCounters.set(className, n);
  return `${snake(className)}_${className}${n}`;
}

/** Resets the default-name counters (tests; tfjs has no public equivalent). */
export function resetLayerNames(): void {
  nameCounters.clear();
  usedNames.clear();
}

/** Options every layer accepts (tfjs LayerArgs). */
export interface LayerArgs {
  /** Feature count of the input, as [features]; only on the first layer. */
  inputShape?: number[];
  /** [batch (null), features]; an alternative to inputShape. */
  batchInputShape?: (number | null)[];
  /** tfjs: same as inputShape [inputDim]. */
  inputDim?: number;
  /** Ignored beyond validation: batch sizes are chosen per call. */
  batchSize?: number;
  name?: string;
  /** false freezes the layer's weights (default true). */
  trainable?: boolean;
  /** Only 'float32' is supported. */
  dtype?: 'float32';
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalidArg(name, 'a positive integer', v);
  return v;
}

function bool(v: unknown, name: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw invalidArg(name, 'a boolean', v);
  return v;
}

function numberIn(v: unknown, name: string, dflt: number, ok: (x: number) => boolean, expected: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw invalidArg(name, expected, v);
  return v;
}

function checkArgsObject(args: unknown, fn: string): Record<string, unknown> {
  if (args === undefined) return {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw invalidArg(`${fn} options`, 'an object', args);
  return args as Record<string, unknown>;
}

function rejectUnknown(args: Record<string, unknown>, allowed: string[], fn: string): void {
  for (const k of Object.keys(args)) {
    if (!allowed.includes(k) && args[k] !== undefined) {
      throw new BlasnetError('ERR_INVALID_ARG', `Unknown option ${JSON.stringify(k)} for ${fn}; expected one of: ${allowed.join(', ')}`);
    }
  }
}

const COMMON = ['inputShape', 'batchInputShape', 'inputDim', 'batchSize', 'name', 'trainable', 'dtype'];

export abstract class Layer {
  readonly name: string;
  /** Feature count declared by inputShape / batchInputShape / inputDim (or a preceding InputLayer), if any. */
  declaredInputDim: number | null;
  protected trainableFlag: boolean;
  /** Set when the layer joins a model. */
  owner: LayerOwner | null = null;
  /** Input width once the model is built. */
  inputDim: number | null = null;

  constructor(args: Record<string, unknown>, fn: string) {
    const className = this.getClassName();
    if (args.name !== undefined) {
      if (typeof args.name !== 'string' || args.name === '' || /[\s/]/.test(args.name)) {
        throw invalidArg(`${fn} name`, 'a non-empty string without spaces or "/"', args.name);
      }
      this.name = args.name;
    } else {
      this.name = defaultName(className);
    }
    this.trainableFlag = bool(args.trainable, `${fn} trainable`, true);
    if (args.dtype !== undefined && args.dtype !== 'float32') throw invalidArg(`${fn} dtype`, '"float32"', args.dtype);
    if (args.batchSize !== undefined) positiveInt(args.batchSize, `${fn} batchSize`);
    this.declaredInputDim = parseInputShape(args, fn);
  }

  abstract getClassName(): string;
  /** Width of the output for a given input width. */
  abstract outputDim(inputDim: number): number;
  /** The engine spec of this layer for a given input width. */
  abstract toSpec(inputDim: number): LayerSpec;
  /** Parameter tensors in layout order (kernel, bias / gamma, beta, moving_mean, moving_variance). */
  abstract paramInits(inputDim: number): ParamInit[];
  /** Layer-specific config keys (tfjs getConfig()). */
  protected abstract ownConfig(): Record<string, unknown>;

  /** The layer's config as tfjs getConfig() returns it (camelCase). */
  getConfig(): Record<string, unknown> {
    const cfg: Record<string, unknown> = { name: this.name, trainable: this.trainableFlag, dtype: 'float32' };
    if (this.declaredInputDim !== null) cfg.batchInputShape = [null, this.declaredInputDim];
    return { ...cfg, ...this.ownConfig() };
  }

  get trainable(): boolean { return this.trainableFlag; }
  set trainable(v: boolean) {
    if (typeof v !== 'boolean') throw invalidArg(`${this.name}.trainable`, 'a boolean', v);
    // The owner may refuse (a call is running): only then is the flag changed.
    this.owner?.layerTrainableChanged(this, v);
    this.trainableFlag = v;
  }

  /** This layer's weights as tensors (kernel, bias, ...); [] before the model is built. */
  getWeights(): Tensor[] {
    return this.owner ? this.owner.layerWeights(this) : [];
  }

  setWeights(weights: (Tensor | Float32Array)[]): void {
    if (!this.owner) {
      throw new BlasnetError('ERR_INVALID_ARG', `Layer ${this.name} has no weights yet: add it to a built model first`);
    }
    this.owner.setLayerWeights(this, weights);
  }

  countParams(): number {
    if (this.inputDim === null) return 0;
    return this.paramInits(this.inputDim).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  }
}

function parseInputShape(args: Record<string, unknown>, fn: string): number | null {
  const { inputShape, batchInputShape, inputDim } = args;
  if (inputShape !== undefined) {
    if (!Array.isArray(inputShape) || inputShape.length !== 1) {
      throw invalidArg(`${fn} inputShape`, '[features] (only 1-D inputs are supported)', inputShape);
    }
    return positiveInt(inputShape[0], `${fn} inputShape[0]`);
  }
  if (batchInputShape !== undefined) {
    if (!Array.isArray(batchInputShape) || batchInputShape.length !== 2) {
      throw invalidArg(`${fn} batchInputShape`, '[null, features]', batchInputShape);
    }
    return positiveInt(batchInputShape[1], `${fn} batchInputShape[1]`);
  }
  if (inputDim !== undefined) return positiveInt(inputDim, `${fn} inputDim`);
  return null;
}

function activationSpec(id: ActivationId, alpha?: number): ActivationSpec {
  return { id, alpha: alpha ?? (id === 'leakyRelu' ? 0.3 : 1) };
}

// ---------------------------------------------------------------------------------------------- Dense

export interface DenseLayerArgs extends LayerArgs {
  /** Output width (a positive integer). */
  units: number;
  /** Default 'linear'. */
  activation?: ActivationName;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerArg;
  /** Default 'zeros'. */
  biasInitializer?: InitializerArg;
  kernelRegularizer?: RegularizerArg | null;
  biasRegularizer?: RegularizerArg | null;
  kernelConstraint?: ConstraintArg | null;
}

export class Dense extends Layer {
  static readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationId;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;

  constructor(args: DenseLayerArgs) {
    const a = checkArgsObject(args, 'dense');
    super(a, 'dense');
    rejectUnknown(a, [...COMMON, 'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
      'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'activityRegularizer', 'biasConstraint'], 'dense');
    if (a.activityRegularizer != null) throw invalidArg('dense activityRegularizer', 'null (activity regularizers are not supported)', a.activityRegularizer);
    if (a.biasConstraint != null) throw invalidArg('dense biasConstraint', 'null (bias constraints are not supported)', a.biasConstraint);
    if (typeof a.units !== 'number' || !Number.isInteger(a.units) || a.units < 1) {
      throw invalidArg('units', 'a positive integer', a.units);
    }
    if (a.units > 1 << 24) throw invalidArg('units', 'a positive integer up to 16777216', a.units);
    this.units = a.units;
    this.activation = a.activation === undefined || a.activation === null ? 'linear' : resolveActivation(a.activation, 'dense activation');
    this.useBias = bool(a.useBias, 'dense useBias', true);
    this.kernelInitializer = getInitializer(a.kernelInitializer ?? 'glorotUniform', 'dense kernelInitializer');
    this.biasInitializer = getInitializer(a.biasInitializer ?? 'zeros', 'dense biasInitializer');
    this.kernelRegularizer = getRegularizer(a.kernelRegularizer, 'dense kernelRegularizer');
    this.biasRegularizer = getRegularizer(a.biasRegularizer, 'dense biasRegularizer');
    this.kernelConstraint = getConstraint(a.kernelConstraint, 'dense kernelConstraint');
  }

  getClassName(): string { return 'Dense'; }
  outputDim(): number { return this.units; }

  toSpec(inputDim: number): LayerSpec {
    return {
      kind: 'dense', inputDim, units: this.units, activation: activationSpec(this.activation), useBias: this.useBias,
      trainable: this.trainableFlag,
      kernelL1: this.kernelRegularizer?.l1 ?? 0, kernelL2: this.kernelRegularizer?.l2 ?? 0,
      biasL1: this.biasRegularizer?.l1 ?? 0, biasL2: this.biasRegularizer?.l2 ?? 0,
      kernelMaxNorm: this.kernelConstraint?.maxValue ?? 0,
    };
  }

  paramInits(inputDim: number): ParamInit[] {
    const p: ParamInit[] = [{ name: 'kernel', shape: [inputDim, this.units], init: this.kernelInitializer }];
    if (this.useBias) p.push({ name: 'bias', shape: [this.units], init: this.biasInitializer });
    return p;
  }

  protected ownConfig(): Record<string, unknown> {
    const reg = (r: Regularizer | null) => (r ? { className: 'L1L2', config: r.getConfig() } : null);
    return {
      units: this.units,
      activation: ACTIVATION_SERIALIZED[this.activation],
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: reg(this.kernelRegularizer),
      biasRegularizer: reg(this.biasRegularizer),
      activityRegularizer: null,
      kernelConstraint: this.kernelConstraint ? { className: 'MaxNorm', config: this.kernelConstraint.getConfig() } : null,
      biasConstraint: null,
    };
  }
}

// ----------------------------------------------------------------------------------------- Activation

export interface ActivationLayerArgs extends LayerArgs {
  activation: ActivationName;
}

export class Activation extends Layer {
  readonly activation: ActivationId;
  readonly alpha: number | undefined;
  constructor(args: ActivationLayerArgs & { alpha?: number }, fn = 'activation') {
    const a = checkArgsObject(args, fn);
    super(a, fn);
    rejectUnknown(a, [...COMMON, 'activation', 'alpha'], fn);
    this.activation = resolveActivation(a.activation, `${fn} activation`);
    this.alpha = a.alpha === undefined ? undefined
      : numberIn(a.alpha, `${fn} alpha`, 0.3, (x) => x >= 0, 'a finite number >= 0');
  }
  getClassName(): string { return 'Activation'; }
  outputDim(inputDim: number): number { return inputDim; }
  toSpec(inputDim: number): LayerSpec {
    return { kind: 'activation', dim: inputDim, activation: activationSpec(this.activation, this.alpha) };
  }
  paramInits(): ParamInit[] { return []; }
  protected ownConfig(): Record<string, unknown> {
    return { activation: ACTIVATION_SERIALIZED[this.activation] };
  }
}

/** tfjs LeakyReLU layer: an activation layer with its own alpha (default 0.3). */
export class LeakyReLU extends Activation {
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super({ ...checkArgsObject(args, 'leakyReLU'), activation: 'leakyRelu' }, 'leakyReLU');
  }
  override getClassName(): string { return 'LeakyReLU'; }
  protected override ownConfig(): Record<string, unknown> { return { alpha: this.alpha ?? 0.3 }; }
}

// -------------------------------------------------------------------------------------------- Dropout

export interface DropoutLayerArgs extends LayerArgs {
  /** Fraction of inputs dropped in training, in [0, 1). */
  rate: number;
  /** Seed of the mask generator; drawn from the global seeded generator when absent. */
  seed?: number;
}

export class Dropout extends Layer {
  readonly rate: number;
  /** The mask seed in use (drawn when not given; restored from saved training state by the model). */
  seed: number;
  private readonly userSeed: number | null;
  constructor(args: DropoutLayerArgs) {
    const a = checkArgsObject(args, 'dropout');
    super(a, 'dropout');
    rejectUnknown(a, [...COMMON, 'rate', 'seed', 'noiseShape'], 'dropout');
    if (a.noiseShape != null) throw invalidArg('dropout noiseShape', 'null (noise shapes are not supported)', a.noiseShape);
    if (typeof a.rate !== 'number' || !(a.rate >= 0 && a.rate < 1)) throw invalidArg('rate', 'a number in [0, 1)', a.rate);
    this.rate = a.rate;
    if (a.seed !== undefined && a.seed !== null) {
      if (typeof a.seed !== 'number' || !Number.isInteger(a.seed) || a.seed < 0) {
        throw invalidArg('dropout seed', 'a non-negative integer', a.seed);
      }
      this.userSeed = a.seed >>> 0;
      this.seed = this.userSeed;
    } else {
      this.userSeed = null;
      this.seed = randomUint32();
    }
  }
  getClassName(): string { return 'Dropout'; }
  outputDim(inputDim: number): number { return inputDim; }
  toSpec(inputDim: number): LayerSpec { return { kind: 'dropout', dim: inputDim, rate: this.rate, seed: this.seed }; }
  paramInits(): ParamInit[] { return []; }
  protected ownConfig(): Record<string, unknown> {
    return { rate: this.rate, noiseShape: null, seed: this.userSeed };
  }
}

// --------------------------------------------------------------------------------- BatchNormalization

export interface BatchNormalizationLayerArgs extends LayerArgs {
  /** Default -1 (the feature axis; the only one supported). */
  axis?: number;
  /** Default 0.99. */
  momentum?: number;
  /** Default 0.001. */
  epsilon?: number;
  /** Learn beta (default true). */
  center?: boolean;
  /** Learn gamma (default true). */
  scale?: boolean;
  betaInitializer?: InitializerArg;
  gammaInitializer?: InitializerArg;
  movingMeanInitializer?: InitializerArg;
  movingVarianceInitializer?: InitializerArg;
}

function checkAxis(v: unknown, fn: string): void {
  if (v === undefined || v === null || v === -1 || v === 1) return;
  if (Array.isArray(v) && v.length === 1 && (v[0] === -1 || v[0] === 1)) return;
  throw invalidArg(`${fn} axis`, '-1 (the feature axis)', v);
}

export class BatchNormalization extends Layer {
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly inits: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', Initializer>;
  constructor(args: BatchNormalizationLayerArgs = {}) {
    const a = checkArgsObject(args, 'batchNormalization');
    super(a, 'batchNormalization');
    rejectUnknown(a, [...COMMON, 'axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
      'movingMeanInitializer', 'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer', 'betaConstraint',
      'gammaConstraint'], 'batchNormalization');
    for (const k of ['betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint']) {
      if (a[k] != null) throw invalidArg(`batchNormalization ${k}`, 'null (not supported)', a[k]);
    }
    checkAxis(a.axis, 'batchNormalization');
    this.momentum = numberIn(a.momentum, 'momentum', 0.99, (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
    this.epsilon = numberIn(a.epsilon, 'epsilon', 0.001, (x) => x > 0, 'a number > 0');
    this.center = bool(a.center, 'batchNormalization center', true);
    this.scale = bool(a.scale, 'batchNormalization scale', true);
    this.inits = {
      beta: getInitializer(a.betaInitializer ?? 'zeros', 'betaInitializer'),
      gamma: getInitializer(a.gammaInitializer ?? 'ones', 'gammaInitializer'),
      movingMean: getInitializer(a.movingMeanInitializer ?? 'zeros', 'movingMeanInitializer'),
      movingVariance: getInitializer(a.movingVarianceInitializer ?? 'ones', 'movingVarianceInitializer'),
    };
  }
  getClassName(): string { return 'BatchNormalization'; }
  outputDim(inputDim: number): number { return inputDim; }
  toSpec(inputDim: number): LayerSpec {
    return { kind: 'batchNormalization', dim: inputDim, momentum: this.momentum, epsilon: this.epsilon,
      center: this.center, scale: this.scale, trainable: this.trainableFlag };
  }
  paramInits(inputDim: number): ParamInit[] {
    const p: ParamInit[] = [];
    if (this.scale) p.push({ name: 'gamma', shape: [inputDim], init: this.inits.gamma });
    if (this.center) p.push({ name: 'beta', shape: [inputDim], init: this.inits.beta });
    p.push({ name: 'moving_mean', shape: [inputDim], init: this.inits.movingMean });
    p.push({ name: 'moving_variance', shape: [inputDim], init: this.inits.movingVariance });
    return p;
  }
  protected ownConfig(): Record<string, unknown> {
    return {
      axis: -1, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serializeInitializer(this.inits.beta), gammaInitializer: serializeInitializer(this.inits.gamma),
      movingMeanInitializer: serializeInitializer(this.inits.movingMean),
      movingVarianceInitializer: serializeInitializer(this.inits.movingVariance),
      betaRegularizer: null, gammaRegularizer: null, betaConstraint: null, gammaConstraint: null,
    };
  }
}

// --------------------------------------------------------------------------------- LayerNormalization

export interface LayerNormalizationLayerArgs extends LayerArgs {
  axis?: number;
  /** Default 0.001. */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerArg;
  gammaInitializer?: InitializerArg;
}

export class LayerNormalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly betaInit: Initializer;
  private readonly gammaInit: Initializer;
  constructor(args: LayerNormalizationLayerArgs = {}) {
    const a = checkArgsObject(args, 'layerNormalization');
    super(a, 'layerNormalization');
    rejectUnknown(a, [...COMMON, 'axis', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
      'betaRegularizer', 'gammaRegularizer'], 'layerNormalization');
    for (const k of ['betaRegularizer', 'gammaRegularizer']) {
      if (a[k] != null) throw invalidArg(`layerNormalization ${k}`, 'null (not supported)', a[k]);
    }
    checkAxis(a.axis, 'layerNormalization');
    this.epsilon = numberIn(a.epsilon, 'epsilon', 0.001, (x) => x > 0, 'a number > 0');
    this.center = bool(a.center, 'layerNormalization center', true);
    this.scale = bool(a.scale, 'layerNormalization scale', true);
    this.betaInit = getInitializer(a.betaInitializer ?? 'zeros', 'betaInitializer');
    this.gammaInit = getInitializer(a.gammaInitializer ?? 'ones', 'gammaInitializer');
  }
  getClassName(): string { return 'LayerNormalization'; }
  outputDim(inputDim: number): number { return inputDim; }
  toSpec(inputDim: number): LayerSpec {
    return { kind: 'layerNormalization', dim: inputDim, epsilon: this.epsilon, center: this.center, scale: this.scale,
      trainable: this.trainableFlag };
  }
  paramInits(inputDim: number): ParamInit[] {
    const p: ParamInit[] = [];
    if (this.scale) p.push({ name: 'gamma', shape: [inputDim], init: this.gammaInit });
    if (this.center) p.push({ name: 'beta', shape: [inputDim], init: this.betaInit });
    return p;
  }
  protected ownConfig(): Record<string, unknown> {
    return {
      axis: -1, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInit), gammaInitializer: serializeInitializer(this.gammaInit),
      betaRegularizer: null, gammaRegularizer: null,
    };
  }
}

/**
 * tfjs's InputLayer: only declares the input width. A Sequential model takes it as the input shape of
 * the next layer and does not list it among its layers (as tfjs).
 */
export class InputLayer {
  readonly inputDim: number;
  readonly name: string;
  constructor(args: { inputShape?: number[]; batchInputShape?: (number | null)[]; name?: string; batchSize?: number; dtype?: 'float32' }) {
    const a = checkArgsObject(args, 'inputLayer');
    rejectUnknown(a, ['inputShape', 'batchInputShape', 'name', 'batchSize', 'dtype', 'sparse'], 'inputLayer');
    const dim = parseInputShape(a, 'inputLayer');
    if (dim === null) throw invalidArg('inputLayer inputShape', '[features]', a.inputShape);
    this.inputDim = dim;
    this.name = typeof a.name === 'string' ? a.name : 'input';
  }
  getClassName(): string { return 'InputLayer'; }
}

/** Layer factories, as tfjs's `tf.layers`. */
export const layers = {
  dense: (args: DenseLayerArgs): Dense => new Dense(args),
  activation: (args: ActivationLayerArgs): Activation => new Activation(args),
  leakyReLU: (args: LayerArgs & { alpha?: number } = {}): LeakyReLU => new LeakyReLU(args),
  dropout: (args: DropoutLayerArgs): Dropout => new Dropout(args),
  batchNormalization: (args: BatchNormalizationLayerArgs = {}): BatchNormalization => new BatchNormalization(args),
  layerNormalization: (args: LayerNormalizationLayerArgs = {}): LayerNormalization => new LayerNormalization(args),
  inputLayer: (args: { inputShape?: number[]; batchInputShape?: (number | null)[]; name?: string }): InputLayer => new InputLayer(args),
};

const CLASSES: Record<string, (cfg: Record<string, unknown>) => Layer> = {
  Dense: (c) => new Dense(c as unknown as DenseLayerArgs),
  Activation: (c) => {
    // Keras/tfjs config has only activation; a serialized leaky_relu keeps its default slope.
    return new Activation(c as unknown as ActivationLayerArgs);
  },
  LeakyReLU: (c) => new LeakyReLU(c as LayerArgs & { alpha?: number }),
  Dropout: (c) => new Dropout(c as unknown as DropoutLayerArgs),
  BatchNormalization: (c) => new BatchNormalization(c as BatchNormalizationLayerArgs),
  LayerNormalization: (c) => new LayerNormalization(c as LayerNormalizationLayerArgs),
};

export const SUPPORTED_LAYER_CLASSES = Object.keys(CLASSES);

function camel(k: string): string {
  return k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Rebuilds a layer from its class name and a tfjs getConfig()-style config (snake_case keys are
 * accepted too). Keys that only describe defaults we share (dtype, activityRegularizer null, ...) are dropped.
 */
export function deserializeLayer(className: string, config: Record<string, unknown>): Layer {
  const make = typeof className === 'string' ? CLASSES[className] ?? CLASSES[Object.keys(CLASSES)
    .find((k) => normalizeName(k) === normalizeName(className)) ?? ''] : undefined;
  if (!make) {
    throw new BlasnetError('ERR_UNKNOWN_NAME',
      `Unknown layer class ${describe(className)}; supported layers: ${SUPPORTED_LAYER_CLASSES.join(', ')}`);
  }
  if (config === null || typeof config !== 'object') throw invalidArg(`${className} config`, 'an object', config);
  const cfg: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) cfg[camel(k)] = v;
  const out: Record<string, unknown> = {};
  const keep = ['name', 'trainable', 'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
    'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'rate', 'seed', 'axis', 'momentum', 'epsilon',
    'center', 'scale', 'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer',
    'alpha', 'activityRegularizer', 'biasConstraint', 'noiseShape', 'betaRegularizer', 'gammaRegularizer',
    'betaConstraint', 'gammaConstraint'];
  for (const k of keep) if (cfg[k] !== undefined && cfg[k] !== null) out[k] = cfg[k];
  if (Array.isArray(cfg.batchInputShape)) out.batchInputShape = cfg.batchInputShape;
  else if (Array.isArray(cfg.batchShape)) out.batchInputShape = cfg.batchShape;
  else if (Array.isArray(cfg.inputShape)) out.inputShape = cfg.inputShape;
  if (typeof out.activation === 'object' && out.activation !== null) {
    out.activation = (out.activation as { className?: string }).className;
  }
  return make(out);
}
