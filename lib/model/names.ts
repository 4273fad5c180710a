// Name resolution: tfjs and Keras spellings of activations, losses and optimizers map to one id.
// Unknown names are errors that list the valid ones.
import { BlasnetError, describe } from '../errors';
import type { ActivationId, LossId, OptimizerId } from '../engine/types';
import { normalizeName } from '../naming';

function resolver<T>(kind: string, table: Record<string, T>, shown: string[]): (name: unknown, arg?: string) => T {
  const map = new Map<string, T>();
  for (const [k, v] of Object.entries(table)) map.set(normalizeName(k), v);
  return (name: unknown, arg = kind): T => {
    if (typeof name === 'string') {
      const hit = map.get(normalizeName(name));
      if (hit !== undefined) return hit;
    }
    throw new BlasnetError('ERR_UNKNOWN_NAME',
      `Unknown ${kind} ${describe(name)} for ${arg}; expected one of: ${shown.join(', ')}`);
  };
}

/** A name ('l2'), or a serialized {className, config} object, as a name and a config. */
export function nameAndConfig(arg: unknown): { name: unknown; config: Record<string, unknown> } {
  if (arg && typeof arg === 'object' && typeof (arg as { className?: unknown }).className === 'string') {
    return { name: (arg as { className: string }).className, config: (arg as { config?: Record<string, unknown> }).config ?? {} };
  }
  return { name: arg, config: {} };
}

export type ActivationName =
  | ActivationId | 'leaky_relu' | 'hard_sigmoid' | 'silu' | 'hardsigmoid' | 'LeakyReLU' | 'leakyrelu';

const ACTIVATIONS: Record<string, ActivationId> = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', leakyRelu: 'leakyRelu',
  elu: 'elu', selu: 'selu', gelu: 'gelu', swish: 'swish', silu: 'swish', softplus: 'softplus', softsign: 'softsign',
  hardSigmoid: 'hardSigmoid', relu6: 'relu6', none: 'linear', identity: 'linear',
};
export const resolveActivation = resolver('activation', ACTIVATIONS, [
  'linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu (leaky_relu)', 'elu', 'selu', 'gelu', 'swish (silu)',
  'softplus', 'softsign', 'hardSigmoid (hard_sigmoid)', 'relu6',
]);

/** Keras/tfjs serialized activation names (LayerDescription config). */
export const ACTIVATION_SERIALIZED: Record<ActivationId, string> = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', leakyRelu: 'leaky_relu',
  elu: 'elu', selu: 'selu', gelu: 'gelu', swish: 'swish', softplus: 'softplus', softsign: 'softsign',
  hardSigmoid: 'hard_sigmoid', relu6: 'relu6',
};

export type LossName =
  | LossId | 'mse' | 'mae' | 'mean_squared_error' | 'mean_absolute_error' | 'huber_loss' | 'binary_crossentropy'
  | 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'MeanSquaredError' | 'MeanAbsoluteError'
  | 'Huber' | 'BinaryCrossentropy' | 'CategoricalCrossentropy' | 'SparseCategoricalCrossentropy';

const LOSSES: Record<string, LossId> = {
  meanSquaredError: 'meanSquaredError', mse: 'meanSquaredError',
  meanAbsoluteError: 'meanAbsoluteError', mae: 'meanAbsoluteError',
  huber: 'huber', huberLoss: 'huber',
  binaryCrossentropy: 'binaryCrossentropy', bce: 'binaryCrossentropy',
  categoricalCrossentropy: 'categoricalCrossentropy', cce: 'categoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
};
export const resolveLoss = resolver('loss', LOSSES, [
  'meanSquaredError (mse, mean_squared_error)', 'meanAbsoluteError (mae)', 'huber',
  'binaryCrossentropy (binary_crossentropy)', 'categoricalCrossentropy (categorical_crossentropy)',
  'sparseCategoricalCrossentropy (sparse_categorical_crossentropy)',
]);

/** Keras names used when the compiled loss is described. */
export const LOSS_SERIALIZED: Record<LossId, string> = {
  meanSquaredError: 'mean_squared_error', meanAbsoluteError: 'mean_absolute_error', huber: 'huber',
  binaryCrossentropy: 'binary_crossentropy', categoricalCrossentropy: 'categorical_crossentropy',
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
};

export type OptimizerName = OptimizerId | 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'RMSProp' | 'Adagrad';
const OPTIMIZERS: Record<string, OptimizerId> = {
  sgd: 'sgd', momentum: 'sgd', adam: 'adam', adamw: 'adamw', rmsprop: 'rmsprop', adagrad: 'adagrad',
};
export const resolveOptimizer = resolver('optimizer', OPTIMIZERS, ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad']);
