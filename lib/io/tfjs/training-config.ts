// The training config saved with includeOptimizer: blasnet's own (exact) one, the subset tfjs can load
// and continue from, and reading either back (or Keras's) into a TrainingDescription.
import { normalizeName, toCamelCase } from '../../naming';
import type { TrainingDescription } from '../description';
import { isObject } from './artifacts';

/** tfjs LayersModel.getTrainingConfig(): loss and metrics as compiled, optimizer config in camelCase. */
export function trainingToConfig(t: TrainingDescription): Record<string, unknown> {
  const out: Record<string, unknown> = {
    loss: t.loss,
    metrics: [...(t.metrics ?? [])],
    optimizer_config: { class_name: t.optimizerConfig.className, config: { ...t.optimizerConfig.config } },
  };
  if (t.lossConfig !== undefined) out.loss_config = t.lossConfig;
  if (t.shuffleSeed !== undefined) out.shuffle_seed = t.shuffleSeed;
  return out;
}

/** Loss names tfjs-layers' loadTrainingConfig accepts (after its toCamelCase), keyed by a normalized name. */
const TFJS_LOSSES: Record<string, string> = {
  mse: 'mean_squared_error', meansquarederror: 'mean_squared_error',
  mae: 'mean_absolute_error', meanabsoluteerror: 'mean_absolute_error',
  mape: 'mean_absolute_percentage_error', meanabsolutepercentageerror: 'mean_absolute_percentage_error',
  msle: 'mean_squared_logarithmic_error', meansquaredlogarithmicerror: 'mean_squared_logarithmic_error',
  squaredhinge: 'squared_hinge', hinge: 'hinge', categoricalhinge: 'categorical_hinge', logcosh: 'logcosh',
  categoricalcrossentropy: 'categorical_crossentropy', sparsecategoricalcrossentropy: 'sparse_categorical_crossentropy',
  binarycrossentropy: 'binary_crossentropy', kld: 'kullback_leibler_divergence', kldivergence: 'kullback_leibler_divergence',
  kullbackleiblerdivergence: 'kullback_leibler_divergence', poisson: 'poisson', cosineproximity: 'cosine_proximity',
};
/** Metric names tfjs's compile accepts (after toCamelCase). */
const TFJS_METRICS = new Set(['accuracy', 'acc', 'mse', 'mae', 'mape', 'MSE', 'MAE', 'MAPE', 'binaryAccuracy', 'categoricalAccuracy',
  'precision', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'crossentropy', 'ce']);

/** The optimizer's class, compared across spellings ('RMSProp', 'rmsprop'). */
export function optimizerClass(t: TrainingDescription): string {
  return normalizeName(t.optimizerConfig.className);
}

/**
 * The trainingConfig tfjs can load and continue from with the same math and state layout, or null:
 * tfjs knows Adam (without amsgrad), RMSProp, Adagrad and plain SGD with a constant learning rate, and
 * string losses without options. (Its Momentum optimizer keeps a differently scaled state than Keras's SGD.)
 */
export function tfjsTrainingConfig(t: TrainingDescription): Record<string, unknown> | null {
  if (t.lossConfig !== undefined) return null;
  const loss = typeof t.loss === 'string' ? TFJS_LOSSES[normalizeName(t.loss)] : undefined;
  if (!loss) return null;
  const { config } = t.optimizerConfig;
  if (typeof config.learningRate !== 'number') return null;
  const c = optimizerClass(t);
  const ok = (c === 'adam' && !config.amsgrad) || c === 'rmsprop' || c === 'adagrad'
    || (c === 'sgd' && !(typeof config.momentum === 'number' && config.momentum > 0));
  if (!ok) return null;
  const tfjsClass = c === 'adam' ? 'Adam' : c === 'rmsprop' ? 'RMSProp' : c === 'adagrad' ? 'Adagrad' : 'SGD';
  return {
    loss,
    metrics: (t.metrics ?? []).filter((m) => TFJS_METRICS.has(toCamelCase(m))),
    optimizer_config: { class_name: tfjsClass, config: { ...config } },
  };
}

/** A saved training config (blasnet's, tfjs's or Keras's) as a TrainingDescription, or null when it cannot compile the model. */
export function parseTraining(tc: unknown): TrainingDescription | null {
  if (!isObject(tc)) return null;
  let loss = tc.loss;
  if (isObject(loss) && typeof loss.class_name === 'string') loss = loss.class_name; // Keras 3 serialized loss
  if (typeof loss !== 'string') return null; // multi-output or unknown: load the weights uncompiled
  const opt = tc.optimizer_config ?? tc.optimizerConfig;
  if (!isObject(opt) || typeof opt.class_name !== 'string') return null;
  const rawCfg = isObject(opt.config) ? opt.config : {};
  // tfjs writes camelCase optimizer configs, Keras snake_case (learning_rate, beta_1); Keras adds keys
  // that describe defaults we share or features we do not have, always null/false when unused.
  const config: Record<string, unknown> = {};
  const ignore = new Set(['name', 'weightDecay', 'clipnorm', 'clipvalue', 'globalClipnorm', 'useEma', 'emaMomentum',
    'emaOverwriteFrequency', 'jitCompile', 'isLegacyOptimizer', 'lossScaleFactor', 'gradientAccumulationSteps', 'decay']);
  for (const [k, v] of Object.entries(rawCfg)) {
    if (k === '__proto__') continue;
    const key = toCamelCase(k);
    if (ignore.has(key) && (v === null || v === false || v === 0 || key === 'name' || key === 'jitCompile' || key === 'isLegacyOptimizer')) continue;
    config[key] = v;
  }
  let metrics: string[] = [];
  if (Array.isArray(tc.metrics)) metrics = tc.metrics.filter((m): m is string => typeof m === 'string');
  const out: TrainingDescription = { loss, metrics, optimizerConfig: { className: opt.class_name, config } };
  if (isObject(tc.loss_config)) {
    const lc: { fromLogits?: boolean; delta?: number } = {};
    if (typeof tc.loss_config.fromLogits === 'boolean') lc.fromLogits = tc.loss_config.fromLogits;
    if (typeof tc.loss_config.delta === 'number') lc.delta = tc.loss_config.delta;
    out.lossConfig = lc;
  }
  if (typeof tc.shuffle_seed === 'number' && Number.isInteger(tc.shuffle_seed) && tc.shuffle_seed >= 0 && tc.shuffle_seed < 2 ** 32) out.shuffleSeed = tc.shuffle_seed;
  return out;
}
