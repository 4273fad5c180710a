// The layers users build models from (tfjs's tf.layers), and rebuilding one from a saved config.
import { BlasnetError, describe, invalidArg } from '../../errors';
import { LAYER_CLASS_NAMES, type LayerClassName } from '../../io/description';
import { camelCaseKeys, normalizeName } from '../../naming';
import { Layer, type LayerArgs } from './base';
import {
  Activation, Dense, Dropout, Flatten, InputLayer, LeakyReLU, type ActivationLayerArgs, type DenseLayerArgs, type DropoutLayerArgs,
} from './core';
import {
  BatchNormalization, LayerNormalization, type BatchNormalizationLayerArgs, type LayerNormalizationLayerArgs,
} from './normalization';

export { Layer, resetLayerNames, type LayerArgs, type LayerOwner, type ParamInit } from './base';
export { Activation, Dense, Dropout, Flatten, InputLayer, LeakyReLU, type ActivationLayerArgs, type DenseLayerArgs, type DropoutLayerArgs } from './core';
export { BatchNormalization, LayerNormalization, type BatchNormalizationLayerArgs, type LayerNormalizationLayerArgs } from './normalization';

/** Layer factories, as tfjs's `tf.layers`. */
export const layers = {
  dense: (args: DenseLayerArgs): Dense => new Dense(args),
  activation: (args: ActivationLayerArgs): Activation => new Activation(args),
  leakyReLU: (args: LayerArgs & { alpha?: number } = {}): LeakyReLU => new LeakyReLU(args),
  dropout: (args: DropoutLayerArgs): Dropout => new Dropout(args),
  flatten: (args: LayerArgs & { dataFormat?: string } = {}): Flatten => new Flatten(args),
  batchNormalization: (args: BatchNormalizationLayerArgs = {}): BatchNormalization => new BatchNormalization(args),
  layerNormalization: (args: LayerNormalizationLayerArgs = {}): LayerNormalization => new LayerNormalization(args),
  inputLayer: (args: { inputShape?: number[]; batchInputShape?: (number | null)[]; name?: string }): InputLayer => new InputLayer(args),
};

const CLASSES: Record<LayerClassName, (cfg: Record<string, unknown>) => Layer> = {
  Dense: (c) => new Dense(c as unknown as DenseLayerArgs),
  // Keras/tfjs config has only activation; a serialized leaky_relu keeps its default slope.
  Activation: (c) => new Activation(c as unknown as ActivationLayerArgs),
  LeakyReLU: (c) => new LeakyReLU(c as LayerArgs & { alpha?: number }),
  Dropout: (c) => new Dropout(c as unknown as DropoutLayerArgs),
  Flatten: (c) => new Flatten(c as LayerArgs & { dataFormat?: string }),
  BatchNormalization: (c) => new BatchNormalization(c as BatchNormalizationLayerArgs),
  LayerNormalization: (c) => new LayerNormalization(c as LayerNormalizationLayerArgs),
};


/**
 * Rebuilds a layer from its class name and a tfjs getConfig()-style config (snake_case keys are
 * accepted too). Keys that only describe defaults we share (dtype, activityRegularizer null, ...) are dropped.
 */
export function deserializeLayer(className: string, config: Record<string, unknown>): Layer {
  const known = typeof className === 'string'
    ? LAYER_CLASS_NAMES.find((k) => k === className) ?? LAYER_CLASS_NAMES.find((k) => normalizeName(k) === normalizeName(className))
    : undefined;
  if (!known) {
    throw new BlasnetError('ERR_UNKNOWN_NAME',
      `Unknown layer class ${describe(className)}; supported layers: ${LAYER_CLASS_NAMES.join(', ')}`);
  }
  const make = CLASSES[known];
  if (config === null || typeof config !== 'object') throw invalidArg(`${className} config`, 'an object', config);
  const cfg = camelCaseKeys(config);
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

