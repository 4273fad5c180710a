// evaluate, predict and trainOnBatch: one engine call each, in the model's queue, on checked inputs.
import { BlasnetError, invalidArg } from '../errors';
import { matrixTensor, Tensor, type Scalar, type Tensor2D } from '../tensor';
import type { Rank } from '../tensor/types';
import type { EvaluateResult } from '../engine/types';
import { orDefault, positiveInt } from '../validate';
import { rowOrder } from '../random';
import { notCompiled, type Compiled } from './compile';
import { allocate, checkOutputs, rowWeights } from './inputs';
import { aliasAccuracy, epochMetrics } from './metrics';
import type { ModelTarget } from './target';

export interface EvaluateArgs {
  /** Default 32. */
  batchSize?: number;
  sampleWeight?: number[] | Float32Array;
  verbose?: 0 | 1;
}

export interface PredictArgs {
  /** Rows per engine batch (default 32); results do not depend on it. */
  batchSize?: number;
  verbose?: unknown;
}

function compiledOrThrow(t: ModelTarget, fn: string): Compiled {
  if (!t.compiled) throw notCompiled(fn);
  return t.compiled;
}

function evaluateInputs(t: ModelTarget, x: unknown, y: unknown, args: EvaluateArgs, fn: string) {
  const c = compiledOrThrow(t, fn);
  if (args === null || typeof args !== 'object') throw invalidArg(`${fn} options`, 'an object', args);
  const batchSize = orDefault(args.batchSize, 32, (v) => positiveInt(v, 'batchSize'));
  const X = t.features(x, 'x');
  const Y = t.labels(y, 'y', X.rows);
  const w = args.sampleWeight === undefined ? null : rowWeights(args.sampleWeight, 'sampleWeight', X.rows);
  const d = t.outputDim();
  const preds = c.metrics.length > 0 ? allocate(X.rows * d) : null;
  return { c, X, Y, w, d, preds, batch: Math.min(batchSize, X.rows) };
}

function scores(inp: ReturnType<typeof evaluateInputs>, r: EvaluateResult): Record<string, number> {
  const out: Record<string, number> = { loss: r.lossSum / r.samples };
  const { c, preds, d, Y, X } = inp;
  if (preds) Object.assign(out, epochMetrics(c, { pred: preds, d, y: Y, order: null, rows: X.rows }));
  return aliasAccuracy(out);
}

/** Loss and metrics by name, computed off the JavaScript thread where the engine can. */
export async function evaluate(t: ModelTarget, x: unknown, y: unknown, args: EvaluateArgs): Promise<Record<string, number>> {
  const inp = evaluateInputs(t, x, y, args, 'evaluateAsync');
  const r = await t.exclusive('evaluate()', () => t.engineCall((net) => net.evaluate(inp.X, inp.Y, inp.batch, inp.w, inp.preds)), false);
  return scores(inp, r);
}

/** tfjs's evaluate: on the calling thread, the loss as a scalar, or [loss, ...metrics] when metrics were compiled. */
export function evaluateNow(t: ModelTarget, x: unknown, y: unknown, args: EvaluateArgs): Scalar | Scalar[] {
  const inp = evaluateInputs(t, x, y, args, 'evaluate');
  const r = t.net().evaluateSync(inp.X, inp.Y, inp.batch, inp.w, inp.preds);
  const values = Object.values(scores(inp, r)).map((v) => new Tensor<Rank.R0>(Float32Array.of(v), []));
  return inp.preds ? values : values[0]!;
}

export async function predict(t: ModelTarget, x: unknown, args: PredictArgs): Promise<Tensor2D> {
  if (args === null || typeof args !== 'object') throw invalidArg('predict options', 'an object', args);
  const batchSize = orDefault(args.batchSize, 32, (v) => positiveInt(v, 'batchSize'));
  const X = t.features(x, 'x');
  const d = t.outputDim();
  const out = await t.exclusive('predict()', () => t.engineCall((net) => net.predict(X, Math.min(batchSize, X.rows))), false);
  checkOutputs(out, d);
  return matrixTensor(out, [X.rows, d]);
}

/** predict on the calling thread (the caller checks that no call is running); batchSize does not change the results. */
export function predictNow(t: ModelTarget, x: unknown, args: PredictArgs = {}): Tensor2D {
  if (args === null || typeof args !== 'object') throw invalidArg('predict options', 'an object', args);
  if (args.batchSize !== undefined) positiveInt(args.batchSize, 'batchSize');
  const X = t.features(x, 'x');
  const net = t.net();
  const d = net.outputDim;
  const out = net.predictSync(X);
  checkOutputs(out, d);
  return matrixTensor(out, [X.rows, d]);
}

/** One optimizer step on all rows of x as a single batch; the loss before the step, and the metrics. */
export async function trainOnBatch(t: ModelTarget, x: unknown, y: unknown): Promise<number | number[]> {
  const c = compiledOrThrow(t, 'trainOnBatch');
  const X = t.features(x, 'x');
  const Y = t.labels(y, 'y', X.rows);
  const d = t.outputDim();
  const preds = c.metrics.length > 0 ? allocate(X.rows * d) : null;
  const order = rowOrder(X.rows, false);
  const r = await t.exclusive('trainOnBatch()', () => t.engineCall((net) => net.trainBatches({
    x: X, y: Y, order, batchSize: X.rows, sampleWeight: null, predictionsOut: preds,
  })), false);
  if (r.nonFiniteBatch >= 0) throw new BlasnetError('ERR_NAN_LOSS', 'Loss became NaN in trainOnBatch (the step was not applied)');
  const loss = r.lossSum / r.samples;
  if (!preds) return loss;
  return [loss, ...Object.values(epochMetrics(c, { pred: preds, d, y: Y, order: null, rows: X.rows }))];
}
