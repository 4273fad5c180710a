// Metrics, computed once in TypeScript from the predictions the engine writes (predictionsOut), so
// both engines report identical numbers. Each metric sees the whole epoch (or evaluation) at once.
import { BlasnetError, describe, invalidArg } from '../errors';
import { positiveInt } from '../validate';
import type { LossId, Matrix } from '../engine/types';
import { normalizeName } from '../naming';
import { matrixTensor, type Tensor2D } from '../tensor';
import { builtinMark } from './losses';

/** Everything a metric needs: predictions [rows, d] and labels [rows, yCols] (yCols 1 for sparse). */
export interface MetricInput {
  pred: Float32Array;
  d: number;
  y: Matrix;
  /** Row r of pred corresponds to label row order[r] (null: row r). */
  order: Uint32Array | null;
  rows: number;
  loss: LossId;
  fromLogits: boolean;
}

export interface Metric {
  readonly isMetric: true;
  /** Key in logs and History ('accuracy', 'mae', 'precision', 'top_k_categorical_accuracy', ...). */
  readonly name: string;
  compute(m: MetricInput): number;
}

function labelRow(m: MetricInput, r: number): number {
  return m.order ? m.order[r]! : r;
}

function argmax(a: Float32Array, off: number, n: number): number {
  let best = 0;
  let bv = a[off]!;
  for (let j = 1; j < n; j++) if (a[off + j]! > bv) { bv = a[off + j]!; best = j; }
  return best;
}

/** Probability of the positive class from an output (sigmoid applied when the loss takes logits). */
function prob(m: MetricInput, v: number): number {
  return m.fromLogits ? 1 / (1 + Math.exp(-v)) : v;
}

function binaryAcc(m: MetricInput, threshold = 0.5): number {
  const { pred, y, rows } = m;
  if (y.cols !== m.d) throw shapeErr('binaryAccuracy', m);
  let hit = 0;
  const n = rows * m.d;
  for (let r = 0; r < rows; r++) {
    const yr = labelRow(m, r) * y.cols;
    for (let j = 0; j < m.d; j++) {
      const p = prob(m, pred[r * m.d + j]!) > threshold ? 1 : 0;
      const t = y.data[yr + j]! > threshold ? 1 : 0;
      if (p === t) hit++;
    }
  }
  return n ? hit / n : 0;
}

function categoricalAcc(m: MetricInput): number {
  const { pred, y, rows, d } = m;
  if (y.cols !== d) throw shapeErr('categoricalAccuracy', m);
  let hit = 0;
  for (let r = 0; r < rows; r++) {
    if (argmax(pred, r * d, d) === argmax(y.data, labelRow(m, r) * d, d)) hit++;
  }
  return rows ? hit / rows : 0;
}

function sparseAcc(m: MetricInput): number {
  const { pred, y, rows, d } = m;
  if (y.cols !== 1) throw shapeErr('sparseCategoricalAccuracy', m);
  let hit = 0;
  for (let r = 0; r < rows; r++) if (argmax(pred, r * d, d) === y.data[labelRow(m, r)]) hit++;
  return rows ? hit / rows : 0;
}

function shapeErr(name: string, m: MetricInput): BlasnetError {
  return new BlasnetError('ERR_SHAPE_MISMATCH',
    `Metric ${name} cannot compare outputs of width ${m.d} with labels of width ${m.y.cols}`);
}

function topK(m: MetricInput, k: number): number {
  const { pred, y, rows, d } = m;
  let hit = 0;
  for (let r = 0; r < rows; r++) {
    const t = y.cols === 1 ? y.data[labelRow(m, r)]! : argmax(y.data, labelRow(m, r) * y.cols, y.cols);
    const pt = pred[r * d + t]!;
    let greater = 0;
    for (let j = 0; j < d; j++) if (pred[r * d + j]! > pt) greater++;
    if (greater < k) hit++;
  }
  return rows ? hit / rows : 0;
}

function elementwise(name: string, f: (e: number) => number) {
  return (m: MetricInput): number => {
    const { pred, y, rows, d } = m;
    if (y.cols !== d) throw shapeErr(name, m);
    let s = 0;
    for (let r = 0; r < rows; r++) {
      const yr = labelRow(m, r) * d;
      for (let j = 0; j < d; j++) s += f(pred[r * d + j]! - y.data[yr + j]!);
    }
    return rows * d ? s / (rows * d) : 0;
  };
}

/** Confusion counts over all elements at a threshold (labels > 0.5 are positives). */
function confusion(m: MetricInput, thresholds: number[]): { tp: Float64Array; fp: Float64Array; fn: Float64Array; tn: Float64Array } {
  const { pred, y, rows, d } = m;
  if (y.cols !== d) throw shapeErr('precision/recall/auc', m);
  const T = thresholds.length;
  const tp = new Float64Array(T), fp = new Float64Array(T), fn = new Float64Array(T), tn = new Float64Array(T);
  for (let r = 0; r < rows; r++) {
    const yr = labelRow(m, r) * d;
    for (let j = 0; j < d; j++) {
      const p = prob(m, pred[r * d + j]!);
      const pos = y.data[yr + j]! > 0.5;
      for (let t = 0; t < T; t++) {
        const predPos = p > thresholds[t]!;
        if (pos) { if (predPos) tp[t]!++; else fn[t]!++; } else if (predPos) fp[t]!++; else tn[t]!++;
      }
    }
  }
  return { tp, fp, fn, tn };
}

function precision(m: MetricInput): number {
  const c = confusion(m, [0.5]);
  const den = c.tp[0]! + c.fp[0]!;
  return den ? c.tp[0]! / den : 0;
}

function recall(m: MetricInput): number {
  const c = confusion(m, [0.5]);
  const den = c.tp[0]! + c.fn[0]!;
  return den ? c.tp[0]! / den : 0;
}

/** ROC AUC as Keras computes it: 200 thresholds, trapezoidal (interpolation) sum. */
function auc(m: MetricInput, numThresholds = 200): number {
  const eps = 1e-7;
  const th: number[] = [-eps];
  for (let i = 1; i < numThresholds - 1; i++) th.push(i / (numThresholds - 1));
  th.push(1 + eps);
  // Bucketing instead of one pass per threshold: count elements per threshold interval, then cumulate.
  const { pred, y, rows, d } = m;
  if (y.cols !== d) throw shapeErr('auc', m);
  const T = th.length;
  const posAt = new Float64Array(T + 1), negAt = new Float64Array(T + 1);
  for (let r = 0; r < rows; r++) {
    const yr = labelRow(m, r) * d;
    for (let j = 0; j < d; j++) {
      const p = prob(m, pred[r * d + j]!);
      // number of thresholds strictly below p
      let lo = 0, hi = T;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (th[mid]! < p) lo = mid + 1; else hi = mid; }
      if (y.data[yr + j]! > 0.5) posAt[lo]!++; else negAt[lo]!++;
    }
  }
  // tp[t] = positives with p > th[t] = sum over buckets k > t.
  const tp = new Float64Array(T), fp = new Float64Array(T);
  let cp = 0, cn = 0;
  for (let t = T - 1; t >= 0; t--) { cp += posAt[t + 1]!; cn += negAt[t + 1]!; tp[t] = cp; fp[t] = cn; }
  let totalPos = 0, totalNeg = 0;
  for (let k = 0; k <= T; k++) { totalPos += posAt[k]!; totalNeg += negAt[k]!; }
  let area = 0;
  for (let t = 0; t < T - 1; t++) {
    const tpr0 = totalPos ? tp[t]! / totalPos : 0, tpr1 = totalPos ? tp[t + 1]! / totalPos : 0;
    const fpr0 = totalNeg ? fp[t]! / totalNeg : 0, fpr1 = totalNeg ? fp[t + 1]! / totalNeg : 0;
    area += (fpr0 - fpr1) * (tpr0 + tpr1) / 2;
  }
  return area;
}

function metric(name: string, compute: (m: MetricInput) => number): Metric {
  return { isMetric: true, name, compute };
}

/** Keras's rule for 'accuracy': binary for one output, sparse for one label column, else categorical. */
function autoAccuracy(name: string): Metric {
  return metric(name, (m) => {
    if (m.d === 1 || m.loss === 'binaryCrossentropy') return binaryAcc(m);
    if (m.y.cols === 1 || m.loss === 'sparseCategoricalCrossentropy') return sparseAcc(m);
    return categoricalAcc(m);
  });
}

/** Metric factories (tfjs's tf.metrics, Keras names for the History keys). */
export const metrics = {
  accuracy: (): Metric => autoAccuracy('accuracy'),
  binaryAccuracy: (a: { threshold?: number } = {}): Metric => {
    const t = a.threshold ?? 0.5;
    if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw invalidArg('binaryAccuracy threshold', 'a number in [0, 1]', t);
    return metric('binary_accuracy', (m) => binaryAcc(m, t));
  },
  categoricalAccuracy: (): Metric => metric('categorical_accuracy', categoricalAcc),
  sparseCategoricalAccuracy: (): Metric => metric('sparse_categorical_accuracy', sparseAcc),
  topKCategoricalAccuracy: (a: { k?: number } = {}): Metric => {
    const k = positiveInt(a.k ?? 5, 'topKCategoricalAccuracy k');
    return metric('top_k_categorical_accuracy', (m) => topK(m, k));
  },
  meanSquaredError: (): Metric => metric('mse', elementwise('mse', (e) => e * e)),
  meanAbsoluteError: (): Metric => metric('mae', elementwise('mae', Math.abs)),
  precision: (): Metric => metric('precision', precision),
  recall: (): Metric => metric('recall', recall),
  auc: (a: { numThresholds?: number } = {}): Metric => {
    const n = a.numThresholds ?? 200;
    if (!Number.isInteger(n) || n < 3) throw invalidArg('auc numThresholds', 'an integer >= 3', n);
    return metric('auc', (m) => auc(m, n));
  },
};

type Factory = () => Metric;
const NAMES: Record<string, [string, Factory]> = {
  accuracy: ['accuracy', metrics.accuracy], acc: ['acc', metrics.accuracy],
  binaryaccuracy: ['binary_accuracy', () => metrics.binaryAccuracy()],
  categoricalaccuracy: ['categorical_accuracy', metrics.categoricalAccuracy],
  sparsecategoricalaccuracy: ['sparse_categorical_accuracy', metrics.sparseCategoricalAccuracy],
  topkcategoricalaccuracy: ['top_k_categorical_accuracy', () => metrics.topKCategoricalAccuracy()],
  mse: ['mse', metrics.meanSquaredError], meansquarederror: ['mse', metrics.meanSquaredError],
  mae: ['mae', metrics.meanAbsoluteError], meanabsoluteerror: ['mae', metrics.meanAbsoluteError],
  precision: ['precision', metrics.precision], recall: ['recall', metrics.recall], auc: ['auc', () => metrics.auc()],
};

export type MetricName = 'accuracy' | 'acc' | 'binaryAccuracy' | 'binary_accuracy' | 'categoricalAccuracy'
  | 'categorical_accuracy' | 'sparseCategoricalAccuracy' | 'sparse_categorical_accuracy' | 'topKCategoricalAccuracy'
  | 'top_k_categorical_accuracy' | 'mse' | 'mae' | 'meanSquaredError' | 'meanAbsoluteError' | 'precision' | 'recall' | 'auc';

/**
 * A metric from a name or a metric object. 'acc' is reported under the key 'accuracy' (Keras 3 naming);
 * monitors accept either spelling.
 */
export function getMetric(arg: unknown): Metric {
  if (arg && typeof arg === 'object' && (arg as Metric).isMetric === true) return arg as Metric;
  const mark = builtinMark(arg);
  // A tf.metrics.* function keeps its name as the History key, as tfjs gives it.
  if (mark?.kind === 'metric') return metric(mark.name, getMetric(mark.metric).compute);
  if (typeof arg === 'function') return customMetric(arg as CustomMetricFn);
  const hit = typeof arg === 'string' ? NAMES[normalizeName(arg)] : undefined;
  if (!hit) {
    throw new BlasnetError('ERR_UNKNOWN_NAME', `Unknown metric ${describe(arg)} for compile metrics; expected one of: ` +
      'accuracy (acc), binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, topKCategoricalAccuracy, ' +
      'mse (meanSquaredError), mae (meanAbsoluteError), precision, recall, auc');
  }
  const m = hit[1]();
  // 'acc' keeps its spelling as the History key (as Keras 3 and tfjs do); monitors accept either.
  return hit[0] === 'acc' ? metric('acc', m.compute) : m;
}

/**
 * A user metric: called once per epoch (and per evaluation) with all labels and predictions of it,
 * in the same row order; its name (the function's name) is the History key.
 */
export type CustomMetricFn = (yTrue: Tensor2D, yPred: Tensor2D) => number | { dataSync(): ArrayLike<number> };

function customMetric(fn: CustomMetricFn): Metric {
  const name = fn.name;
  if (!name) throw invalidArg('a custom metric function', 'a named function (its name is the History key)', fn);
  return metric(name, (m) => {
    const y = m.y;
    const labels = new Float32Array(m.rows * y.cols);
    for (let r = 0; r < m.rows; r++) labels.set(y.data.subarray(labelRow(m, r) * y.cols, (labelRow(m, r) + 1) * y.cols), r * y.cols);
    const yTrue = matrixTensor(labels, [m.rows, y.cols]), yPred = matrixTensor(m.pred.subarray(0, m.rows * m.d), [m.rows, m.d]);
    try {
      return metricValue(fn(yTrue, yPred), name);
    } finally {
      yTrue.dispose();
      yPred.dispose();
    }
  });
}

/** A number, or the mean of a tensor's values (a tfjs metric function gives one value per row). */
function metricValue(v: unknown, name: string): number {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && typeof (v as { dataSync?: unknown }).dataSync === 'function') {
    const t = v as { dataSync(): ArrayLike<number>; dispose?: () => void };
    const values = t.dataSync();
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i]!;
    t.dispose?.();
    if (values.length > 0) return sum / values.length;
  }
  throw invalidArg(`the value of metric ${name}`, 'a number or a non-empty tensor', v);
}

const ACCURACY_ALIASES: [string, string][] = [['accuracy', 'acc'], ['val_accuracy', 'val_acc']];

/**
 * Lets logs (or a History's record) keyed 'accuracy' also be read as 'acc', and the other way round:
 * tfjs programs read logs.acc and Keras ones logs.accuracy. The alias is not enumerable, so every
 * value is listed, saved and printed once, under the name compile was given.
 */
export function aliasAccuracy<T extends object>(o: T): T {
  for (const [a, b] of ACCURACY_ALIASES) {
    for (const [have, alias] of [[a, b], [b, a]] as const) {
      if (Object.prototype.hasOwnProperty.call(o, have) && !Object.prototype.hasOwnProperty.call(o, alias)) {
        Object.defineProperty(o, alias, { get: () => (o as Record<string, unknown>)[have], enumerable: false, configurable: true });
      }
    }
  }
  return o;
}

/** Normalizes a monitored key: 'acc' -> 'accuracy', 'val_acc' -> 'val_accuracy'. */
export function canonicalLogKey(key: string): string {
  if (key === 'acc') return 'accuracy';
  if (key === 'val_acc') return 'val_accuracy';
  return key;
}

/** A log value by key, with 'acc' and 'accuracy' (and their val_ forms) standing for each other. */
export function logValue(logs: Record<string, number> | undefined, key: string): number | undefined {
  if (!logs) return undefined;
  if (logs[key] !== undefined) return logs[key];
  const alt: Record<string, string> = { accuracy: 'acc', acc: 'accuracy', val_accuracy: 'val_acc', val_acc: 'val_accuracy' };
  const a = alt[key];
  return a === undefined ? undefined : logs[a];
}

/** Every compiled metric over predictions and labels (MetricInput without the loss, taken from the compiled one). */
export function epochMetrics(compiled: { metrics: Metric[]; loss: { spec: { id: LossId; fromLogits: boolean } } },
  p: Omit<MetricInput, 'loss' | 'fromLogits'>): Record<string, number> {
  const m: MetricInput = { ...p, loss: compiled.loss.spec.id, fromLogits: compiled.loss.spec.fromLogits };
  const out: Record<string, number> = {};
  for (const metric of compiled.metrics) out[metric.name] = metric.compute(m);
  return out;
}
