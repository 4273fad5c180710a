// tf.metrics: tfjs's metric functions on tensors (one value per sample, as tfjs) and blasnet's metric
// objects, in one namespace. On tensors (yTrue, yPred) an entry returns a tensor; without tensors it
// returns blasnet's Metric for compile. Entries that name a metric the model computes carry it (BUILTIN).
import { BlasnetError } from '../errors';
import { metrics as blasnetMetrics, type Metric } from '../model/metrics';
import * as metricFns from './metric-fns';
import { BUILTIN, type BuiltinMetric } from './losses';
import { convertToTensor } from './convert';
import { op } from './ops/op';
import { Tensor } from '../tensor';
import type { TensorLike } from '../tensor/types';

type Arg = Tensor | TensorLike;
type PairFn = (yTrue: Arg, yPred: Arg) => Tensor;

function isTensorArg(v: unknown): boolean {
  return v instanceof Tensor || Array.isArray(v) || ArrayBuffer.isView(v) ||
    (v !== null && typeof v === 'object' && typeof (v as { dataSync?: unknown }).dataSync === 'function');
}

function dual<O>(name: string, onTensors: PairFn | ((o: O | undefined) => PairFn), factory: ((o?: O) => Metric) | null,
  metric: string | null, optionsOnTensors = false): PairFn & ((options?: O) => Metric) {
  const f = function (...args: unknown[]): Tensor | Metric {
    if (args.length > 0 && isTensorArg(args[0])) {
      const fn = optionsOnTensors ? (onTensors as (o: O | undefined) => PairFn)(undefined) : (onTensors as PairFn);
      return fn(args[0] as Arg, args[1] as Arg);
    }
    if (factory) return factory(args[0] as O);
    throw new BlasnetError('ERR_INVALID_ARG', `tf.metrics.${name}(yTrue, yPred) takes tensors: call it on tensors, or pass the function itself to compile`);
  };
  Object.defineProperty(f, 'name', { value: name });
  if (metric) Object.defineProperty(f, BUILTIN, { value: { kind: 'metric', metric, name } satisfies BuiltinMetric });
  return f as unknown as PairFn & ((options?: O) => Metric);
}

/** Keras's 'accuracy' on tensors: binary for one output column, categorical otherwise. */
const accuracyOnTensors = op('accuracy', (yTrue: Arg, yPred: Arg): Tensor => {
  const p = convertToTensor(yPred, 'yPred', 'accuracy');
  return p.shape[p.rank - 1] === 1 ? metricFns.binaryAccuracy(yTrue, p) : metricFns.categoricalAccuracy(yTrue, p);
});

/** ROC AUC of the batch as one scalar (blasnet's metric, 200 thresholds). */
const aucOnTensors = op('auc', (yTrue: Arg, yPred: Arg): Tensor => {
  const t = convertToTensor(yTrue, 'yTrue', 'auc'), p = convertToTensor(yPred, 'yPred', 'auc');
  const d = p.shape[p.rank - 1] ?? 1;
  const rows = p.size / d;
  const value = blasnetMetrics.auc().compute({
    pred: Float32Array.from(p.dataSync()), d, y: { data: Float32Array.from(t.dataSync()), rows, cols: t.size / rows },
    order: null, rows, loss: 'binaryCrossentropy', fromLogits: false,
  });
  return new Tensor(new Float32Array([value]), [], 'float32');
});

const mse = dual('meanSquaredError', metricFns.meanSquaredError, blasnetMetrics.meanSquaredError, 'mse');
const mae = dual('meanAbsoluteError', metricFns.meanAbsoluteError, blasnetMetrics.meanAbsoluteError, 'mae');
const mape = dual('meanAbsolutePercentageError', metricFns.meanAbsolutePercentageError, null, null);

export const metrics = {
  accuracy: dual('accuracy', accuracyOnTensors, blasnetMetrics.accuracy, 'accuracy'),
  binaryAccuracy: dual('binaryAccuracy', metricFns.binaryAccuracy, blasnetMetrics.binaryAccuracy, 'binaryAccuracy'),
  binaryCrossentropy: dual('binaryCrossentropy', metricFns.binaryCrossentropy, null, null),
  categoricalAccuracy: dual('categoricalAccuracy', metricFns.categoricalAccuracy, blasnetMetrics.categoricalAccuracy, 'categoricalAccuracy'),
  categoricalCrossentropy: dual('categoricalCrossentropy', metricFns.categoricalCrossentropy, null, null),
  sparseCategoricalAccuracy: dual('sparseCategoricalAccuracy', metricFns.sparseCategoricalAccuracy, blasnetMetrics.sparseCategoricalAccuracy,
    'sparseCategoricalAccuracy'),
  sparseCategoricalCrossentropy: dual('sparseCategoricalCrossentropy', metricFns.sparseCategoricalCrossentropy, null, null),
  topKCategoricalAccuracy: dual('topKCategoricalAccuracy', (o: { k?: number } | undefined) => metricFns.topKCategoricalAccuracyK(o?.k ?? 5),
    blasnetMetrics.topKCategoricalAccuracy, 'topKCategoricalAccuracy', true),
  cosineProximity: dual('cosineProximity', metricFns.cosineProximity, null, null),
  meanSquaredError: mse,
  mse,
  MSE: mse,
  meanAbsoluteError: mae,
  mae,
  MAE: mae,
  meanAbsolutePercentageError: mape,
  mape,
  MAPE: mape,
  precision: dual('precision', metricFns.precision, blasnetMetrics.precision, 'precision'),
  recall: dual('recall', metricFns.recall, blasnetMetrics.recall, 'recall'),
  r2Score: dual('r2Score', metricFns.r2Score, null, null),
  auc: dual('auc', aucOnTensors, blasnetMetrics.auc, 'auc'),
};
