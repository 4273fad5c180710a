// compile(): checking its options and resolving the loss, the optimizer and the metrics once.
import { BlasnetError, invalidArg } from '../errors';
import { rejectUnknownOptions } from '../validate';
import { getOptimizer, type Optimizer } from './optimizers';
import { makeLoss, type Loss, type LossConfig } from './losses';
import type { LossName, OptimizerName } from './names';
import type { Tensor } from '../tensor';
import { getMetric, type CustomMetricFn, type Metric, type MetricName } from './metrics';

export interface CompileArgs {
  /** A name ('adam', 'sgd', ...) or optimizers.adam({learningRate}) ... */
  optimizer: OptimizerName | Optimizer | string;
  /**
   * A name ('mse', 'categoricalCrossentropy', ...), a losses.* object / {name, fromLogits, delta}, or a
   * tf.losses.* function that names a loss the engines compute (any other function is refused: no autograd).
   */
  loss: LossName | LossConfig | Loss | string | ((yTrue: Tensor, yPred: Tensor) => Tensor);
  /** Names ('accuracy', 'mae', ...) or metrics.* objects. */
  metrics?: (MetricName | Metric | CustomMetricFn | string)[] | MetricName | string;
}

/** What a compiled model trains with. */
export interface Compiled {
  loss: Loss;
  optimizer: Optimizer;
  metrics: Metric[];
  metricNames: string[];
}

export function resolveCompileArgs(args: CompileArgs): Compiled {
  if (args === null || typeof args !== 'object') throw invalidArg('compile options', 'an object', args);
  rejectUnknownOptions(args, ['optimizer', 'loss', 'metrics'], 'compile');
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
  return { loss, optimizer, metrics, metricNames: names };
}

export function notCompiled(fn: string): BlasnetError {
  return new BlasnetError('ERR_NOT_COMPILED', `${fn}() needs a compiled model: call model.compile({optimizer, loss}) first`);
}
