// tf.variable: a tensor whose buffer assign() replaces, registered by name as tfjs's engine registers
// variables. A variable survives the tidy() that made it and shares its initial value's buffer (as in
// tfjs: one more tensor, no new data buffer). blasnet trains models' own weights inside the engines,
// so a variable is state a program keeps, not something an optimizer updates.
import { BlasnetError, invalidArg } from '../errors';
import { Tensor } from '../tensor';
import type { DataType, Rank } from '../tensor/types';
import { cast } from './ops/shape';

const registered = new Map<string, Variable>();
let nextVariableId = 0;

export class Variable<R extends Rank = Rank> extends Tensor<R> {
  readonly name: string;
  trainable: boolean;

  constructor(initialValue: Tensor<R>, trainable: boolean, name: string) {
    super(initialValue.dataId, initialValue.shape, initialValue.dtype);
    this.kept = true;
    this.trainable = trainable;
    this.name = name;
  }

  /** Takes newValue's buffer (same shape and dtype); newValue stays a tensor of its own. */
  assign(newValue: Tensor<R>): void {
    if (!(newValue instanceof Tensor)) throw invalidArg(`assign(newValue) of variable ${this.name}`, 'a Tensor', newValue);
    newValue.throwIfDisposed();
    if (newValue.dtype !== this.dtype) {
      throw new BlasnetError('ERR_INVALID_ARG', `dtype of the new value (${newValue.dtype}) and previous value (${this.dtype}) must match`);
    }
    if (newValue.shape.length !== this.shape.length || newValue.shape.some((d, i) => d !== this.shape[i])) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `shape of the new value (${newValue.shape.join(',')}) and previous value (${this.shape.join(',')}) must match`);
    }
    this.rebind(newValue.dataId);
  }

  override dispose(): void {
    if (registered.get(this.name) === this) registered.delete(this.name);
    super.dispose();
  }
}

/** tfjs's tf.variable(initialValue, trainable = true, name, dtype). */
export function variable<R extends Rank = Rank>(initialValue: Tensor<R>, trainable = true, name?: string, dtype?: DataType): Variable<R> {
  if (!(initialValue instanceof Tensor)) throw invalidArg('tf.variable(initialValue)', 'a Tensor', initialValue);
  initialValue.throwIfDisposed();
  if (typeof trainable !== 'boolean') throw invalidArg('tf.variable trainable', 'a boolean', trainable);
  if (name !== undefined && name !== null && (typeof name !== 'string' || name === '')) throw invalidArg('tf.variable name', 'a non-empty string', name);
  const n = name ?? String(nextVariableId++);
  if (registered.has(n)) throw new BlasnetError('ERR_INVALID_ARG', `Variable with name ${n} was already registered`);
  const value = dtype !== undefined && dtype !== null && dtype !== initialValue.dtype ? cast(initialValue, dtype) as Tensor<R> : initialValue;
  const v = new Variable<R>(value, trainable, n);
  registered.set(n, v);
  return v;
}

/** Disposes every variable made with tf.variable and not yet disposed. */
export function disposeVariables(): void {
  for (const v of [...registered.values()]) v.dispose();
}
