// The core layers: Dense, Activation (and LeakyReLU), Dropout, and the InputLayer that only declares a width.
import { invalidArg } from '../../errors';
import type { ActivationId, LayerSpec } from '../../engine/types';
import { nonNegativeInt, positiveInt, unitFraction } from '../../validate';
import { randomUint32 } from '../../random';
import { ACTIVATION_SERIALIZED, type ActivationName, resolveActivation } from '../names';
import { getInitializer, serializeInitializer, type Initializer, type InitializerArg } from '../initializers';
import { getConstraint, getRegularizer, type Constraint, type ConstraintArg, type Regularizer, type RegularizerArg } from '../regularizers';
import {
  COMMON_LAYER_OPTIONS, Layer, activationSpec, boolOption, layerOptions, numberOption, parseInputShape, rejectUnknownLayerOptions,
  type LayerArgs,
} from './base';

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
    const a = layerOptions(args, 'dense');
    super(a, 'dense');
    rejectUnknownLayerOptions(a, [...COMMON_LAYER_OPTIONS, 'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
      'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'activityRegularizer', 'biasConstraint'], 'dense');
    if (a.activityRegularizer != null) throw invalidArg('dense activityRegularizer', 'null (activity regularizers are not supported)', a.activityRegularizer);
    if (a.biasConstraint != null) throw invalidArg('dense biasConstraint', 'null (bias constraints are not supported)', a.biasConstraint);
    this.units = positiveInt(a.units, 'units');
    if (this.units > 1 << 24) throw invalidArg('units', 'a positive integer up to 16777216', a.units);
    this.activation = a.activation === undefined || a.activation === null ? 'linear' : resolveActivation(a.activation, 'dense activation');
    this.useBias = boolOption(a.useBias, 'dense useBias', true);
    this.kernelInitializer = getInitializer(a.kernelInitializer ?? 'glorotUniform', 'dense kernelInitializer');
    this.biasInitializer = getInitializer(a.biasInitializer ?? 'zeros', 'dense biasInitializer');
    this.kernelRegularizer = getRegularizer(a.kernelRegularizer, 'dense kernelRegularizer');
    this.biasRegularizer = getRegularizer(a.biasRegularizer, 'dense biasRegularizer');
    this.kernelConstraint = getConstraint(a.kernelConstraint, 'dense kernelConstraint');
  }

  getClassName(): string { return 'Dense'; }

  toSpec(inputDim: number): LayerSpec {
    return {
      kind: 'dense', inputDim, units: this.units, activation: activationSpec(this.activation), useBias: this.useBias,
      trainable: this.trainableFlag,
      kernelL1: this.kernelRegularizer?.l1 ?? 0, kernelL2: this.kernelRegularizer?.l2 ?? 0,
      biasL1: this.biasRegularizer?.l1 ?? 0, biasL2: this.biasRegularizer?.l2 ?? 0,
      kernelMaxNorm: this.kernelConstraint?.maxValue ?? 0,
    };
  }

  protected override initializers(): Record<string, Initializer> {
    return { kernel: this.kernelInitializer, bias: this.biasInitializer };
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
    const a = layerOptions(args, fn);
    super(a, fn);
    rejectUnknownLayerOptions(a, [...COMMON_LAYER_OPTIONS, 'activation', 'alpha'], fn);
    this.activation = resolveActivation(a.activation, `${fn} activation`);
    this.alpha = a.alpha === undefined ? undefined
      : numberOption(a.alpha, `${fn} alpha`, 0.3, (x) => x >= 0, 'a finite number >= 0');
  }
  getClassName(): string { return 'Activation'; }
  toSpec(inputDim: number): LayerSpec {
    return { kind: 'activation', dim: inputDim, activation: activationSpec(this.activation, this.alpha) };
  }
  protected ownConfig(): Record<string, unknown> {
    return { activation: ACTIVATION_SERIALIZED[this.activation] };
  }
}

/** tfjs LeakyReLU layer: an activation layer with its own alpha (default 0.3). */
export class LeakyReLU extends Activation {
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super({ ...layerOptions(args, 'leakyReLU'), activation: 'leakyRelu' }, 'leakyReLU');
  }
  override getClassName(): string { return 'LeakyReLU'; }
  protected override ownConfig(): Record<string, unknown> { return { alpha: this.alpha ?? 0.3 }; }
}

// -------------------------------------------------------------------------------------------- Flatten

/**
 * tfjs Flatten: rows of any shape become flat feature vectors. Inputs are row-major, so the values do
 * not move: the engines see an identity (a linear activation layer, one copy per batch). Its N-D
 * inputShape ([28, 28]) is the flat width (784) to the rest of the model, and is saved as such.
 */
export class Flatten extends Layer {
  readonly declaredShape: number[] | null;
  constructor(args: LayerArgs & { dataFormat?: string } = {}) {
    const a = layerOptions(args, 'flatten');
    const shape = Array.isArray(a.inputShape) ? a.inputShape
      : Array.isArray(a.batchInputShape) ? a.batchInputShape.slice(1) : null;
    if (shape !== null && (shape.length < 1 || !shape.every((d) => Number.isInteger(d) && (d as number) > 0))) {
      throw invalidArg('flatten inputShape', 'positive integer sizes ([28, 28])', shape);
    }
    const { inputShape: _i, batchInputShape: _b, ...rest } = a;
    const width = shape === null ? undefined : (shape as number[]).reduce((x, y) => x * y, 1);
    super(width === undefined ? rest : { ...rest, inputShape: [width] }, 'flatten');
    rejectUnknownLayerOptions(a, [...COMMON_LAYER_OPTIONS, 'dataFormat'], 'flatten');
    if (a.dataFormat !== undefined && a.dataFormat !== 'channelsLast' && a.dataFormat !== 'channels_last') {
      throw invalidArg('flatten dataFormat', "'channelsLast' (the only layout of blasnet's inputs)", a.dataFormat);
    }
    this.declaredShape = shape as number[] | null;
  }
  getClassName(): string { return 'Flatten'; }
  toSpec(inputDim: number): LayerSpec {
    return { kind: 'activation', dim: inputDim, activation: activationSpec('linear') };
  }
  protected ownConfig(): Record<string, unknown> { return { dataFormat: 'channelsLast' }; }
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
    const a = layerOptions(args, 'dropout');
    super(a, 'dropout');
    rejectUnknownLayerOptions(a, [...COMMON_LAYER_OPTIONS, 'rate', 'seed', 'noiseShape'], 'dropout');
    if (a.noiseShape != null) throw invalidArg('dropout noiseShape', 'null (noise shapes are not supported)', a.noiseShape);
    this.rate = unitFraction(a.rate, 'rate');
    if (a.seed !== undefined && a.seed !== null) {
      this.userSeed = nonNegativeInt(a.seed, 'dropout seed') >>> 0;
      this.seed = this.userSeed;
    } else {
      this.userSeed = null;
      this.seed = randomUint32();
    }
  }
  getClassName(): string { return 'Dropout'; }
  toSpec(inputDim: number): LayerSpec { return { kind: 'dropout', dim: inputDim, rate: this.rate, seed: this.seed }; }
  protected ownConfig(): Record<string, unknown> {
    return { rate: this.rate, noiseShape: null, seed: this.userSeed };
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
    const a = layerOptions(args, 'inputLayer');
    rejectUnknownLayerOptions(a, ['inputShape', 'batchInputShape', 'name', 'batchSize', 'dtype', 'sparse'], 'inputLayer');
    const dim = parseInputShape(a, 'inputLayer');
    if (dim === null) throw invalidArg('inputLayer inputShape', '[features]', a.inputShape);
    this.inputDim = dim;
    this.name = typeof a.name === 'string' ? a.name : 'input';
  }
  getClassName(): string { return 'InputLayer'; }
}

