// Normalization layers: BatchNormalization (moving statistics, updated in training) and LayerNormalization.
import { invalidArg } from '../../errors';
import type { LayerSpec } from '../../engine/types';
import { getInitializer, serializeInitializer, type Initializer, type InitializerArg } from '../initializers';
import { COMMON_LAYER_OPTIONS, Layer, boolOption, layerOptions, numberOption, rejectUnknownLayerOptions, type LayerArgs } from './base';

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
    const a = layerOptions(args, 'batchNormalization');
    super(a, 'batchNormalization');
    rejectUnknownLayerOptions(a, [...COMMON_LAYER_OPTIONS, 'axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
      'movingMeanInitializer', 'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer', 'betaConstraint',
      'gammaConstraint'], 'batchNormalization');
    for (const k of ['betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint']) {
      if (a[k] != null) throw invalidArg(`batchNormalization ${k}`, 'null (not supported)', a[k]);
    }
    checkAxis(a.axis, 'batchNormalization');
    this.momentum = numberOption(a.momentum, 'momentum', 0.99, (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
    this.epsilon = numberOption(a.epsilon, 'epsilon', 0.001, (x) => x > 0, 'a number > 0');
    this.center = boolOption(a.center, 'batchNormalization center', true);
    this.scale = boolOption(a.scale, 'batchNormalization scale', true);
    this.inits = {
      beta: getInitializer(a.betaInitializer ?? 'zeros', 'betaInitializer'),
      gamma: getInitializer(a.gammaInitializer ?? 'ones', 'gammaInitializer'),
      movingMean: getInitializer(a.movingMeanInitializer ?? 'zeros', 'movingMeanInitializer'),
      movingVariance: getInitializer(a.movingVarianceInitializer ?? 'ones', 'movingVarianceInitializer'),
    };
  }
  getClassName(): string { return 'BatchNormalization'; }
  toSpec(inputDim: number): LayerSpec {
    return { kind: 'batchNormalization', dim: inputDim, momentum: this.momentum, epsilon: this.epsilon,
      center: this.center, scale: this.scale, trainable: this.trainableFlag };
  }
  protected override initializers(): Record<string, Initializer> {
    const i = this.inits;
    return { gamma: i.gamma, beta: i.beta, moving_mean: i.movingMean, moving_variance: i.movingVariance };
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
    const a = layerOptions(args, 'layerNormalization');
    super(a, 'layerNormalization');
    rejectUnknownLayerOptions(a, [...COMMON_LAYER_OPTIONS, 'axis', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
      'betaRegularizer', 'gammaRegularizer'], 'layerNormalization');
    for (const k of ['betaRegularizer', 'gammaRegularizer']) {
      if (a[k] != null) throw invalidArg(`layerNormalization ${k}`, 'null (not supported)', a[k]);
    }
    checkAxis(a.axis, 'layerNormalization');
    this.epsilon = numberOption(a.epsilon, 'epsilon', 0.001, (x) => x > 0, 'a number > 0');
    this.center = boolOption(a.center, 'layerNormalization center', true);
    this.scale = boolOption(a.scale, 'layerNormalization scale', true);
    this.betaInit = getInitializer(a.betaInitializer ?? 'zeros', 'betaInitializer');
    this.gammaInit = getInitializer(a.gammaInitializer ?? 'ones', 'gammaInitializer');
  }
  getClassName(): string { return 'LayerNormalization'; }
  toSpec(inputDim: number): LayerSpec {
    return { kind: 'layerNormalization', dim: inputDim, epsilon: this.epsilon, center: this.center, scale: this.scale,
      trainable: this.trainableFlag };
  }
  protected override initializers(): Record<string, Initializer> {
    return { gamma: this.gammaInit, beta: this.betaInit };
  }
  protected ownConfig(): Record<string, unknown> {
    return {
      axis: -1, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInit), gammaInitializer: serializeInitializer(this.gammaInit),
      betaRegularizer: null, gammaRegularizer: null,
    };
  }
}

