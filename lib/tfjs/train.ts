// tf.train: tfjs's optimizer factories with tfjs's positional arguments and defaults, returning
// blasnet Optimizers (compile takes them as they are; the updates run inside the engines).
import { BlasnetError, invalidArg } from '../errors';
import { makeOptimizer, Optimizer } from '../model/optimizers';
import type { OptimizerId } from '../engine/types';

/** tfjs's epsilon for float32 backends, the default of every optimizer's epsilon. */
const BACKEND_EPSILON = 1e-7;

function customLoop(name: string): BlasnetError {
  return new BlasnetError('ERR_UNSUPPORTED', `optimizer.${name}() is not supported by blasnet: custom training loops need ` +
    'gradients of tensor code, which blasnet does not record; train with model.compile({optimizer}) and model.fit');
}

/** A blasnet Optimizer with tfjs's optimizer surface (the custom-loop methods refuse with ERR_UNSUPPORTED). */
export class TfjsOptimizer extends Optimizer {
  get learningRate(): number { return this.spec.learningRate; }
  minimize(): never { throw customLoop('minimize'); }
  computeGradients(): never { throw customLoop('computeGradients'); }
  applyGradients(): never { throw customLoop('applyGradients'); }
  dispose(): void { /* no tensors behind an optimizer */ }
}

function rate(v: unknown, fn: string, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw invalidArg(`tf.train.${fn} learningRate`, 'a finite number > 0', v);
  return v;
}

function make(id: OptimizerId, args: Record<string, unknown>): TfjsOptimizer {
  const o = makeOptimizer(id, Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined && v !== null)));
  return new TfjsOptimizer(o.spec, o.schedule);
}

/**
 * An optimizer the engines do not implement (tfjs's adamax and adadelta): it can be made and
 * described, and compile refuses it with ERR_UNSUPPORTED naming the ones that exist.
 */
export class UnsupportedOptimizer {
  readonly isUnsupportedOptimizer = true;
  constructor(readonly className: string, readonly config: Record<string, unknown>) {}
  getClassName(): string { return this.className; }
  getConfig(): Record<string, unknown> { return { ...this.config }; }
  minimize(): never { throw customLoop('minimize'); }
  dispose(): void { /* nothing to free */ }
  /** The error compile raises for it. */
  refusal(): BlasnetError {
    return new BlasnetError('ERR_UNSUPPORTED', `The ${this.className} optimizer is not implemented by blasnet's engines; ` +
      'use tf.train.sgd, momentum, adam, rmsprop or adagrad (or adamw by name)');
  }
}

export const train = {
  sgd: (learningRate?: number): TfjsOptimizer => make('sgd', { learningRate: rate(learningRate, 'sgd', 0.01) }),
  momentum: (learningRate?: number, momentum = 0, useNesterov = false): TfjsOptimizer =>
    make('sgd', { learningRate: rate(learningRate, 'momentum', 0.01), momentum, nesterov: useNesterov }),
  adam: (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): TfjsOptimizer =>
    make('adam', { learningRate: rate(learningRate, 'adam', 0.001), beta1, beta2, epsilon: epsilon ?? BACKEND_EPSILON }),
  rmsprop: (learningRate?: number, decay = 0.9, momentum = 0, epsilon: number | null = null, centered = false): TfjsOptimizer =>
    make('rmsprop', { learningRate: rate(learningRate, 'rmsprop', 0.001), rho: decay, momentum, epsilon: epsilon ?? BACKEND_EPSILON, centered }),
  adagrad: (learningRate?: number, initialAccumulatorValue?: number): TfjsOptimizer =>
    make('adagrad', { learningRate: rate(learningRate, 'adagrad', 0.01), initialAccumulatorValue }),
  adamax: (learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null, decay = 0): UnsupportedOptimizer =>
    new UnsupportedOptimizer('Adamax', { learningRate: rate(learningRate, 'adamax', 0.002), beta1, beta2, epsilon: epsilon ?? BACKEND_EPSILON, decay }),
  adadelta: (learningRate = 0.001, rho = 0.95, epsilon: number | null = null): UnsupportedOptimizer =>
    new UnsupportedOptimizer('Adadelta', { learningRate: rate(learningRate, 'adadelta', 0.001), rho, epsilon: epsilon ?? BACKEND_EPSILON }),
};
