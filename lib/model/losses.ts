// Loss choices: a name (tfjs or Keras spelling) or an object with options ({name, fromLogits, delta}).
import { BlasnetError, describe, invalidArg } from '../errors';
import type { LossId, LossSpec } from '../engine/types';
import { LOSS_SERIALIZED, resolveLoss, type LossName } from './names';

export interface LossConfig {
  name: LossName;
  /** The output is logits (no sigmoid / softmax applied). Default false. */
  fromLogits?: boolean;
  /** huber only (default 1). */
  delta?: number;
}

export interface Loss {
  readonly isLoss: true;
  readonly spec: LossSpec;
  /** The name to describe the compiled loss with. */
  readonly serializedName: string;
}

export function makeLoss(arg: unknown): Loss {
  if (arg && typeof arg === 'object' && (arg as Loss).isLoss === true) return arg as Loss;
  if (typeof arg === 'string') {
    const id = resolveLoss(arg, 'compile loss');
    return { isLoss: true, spec: { id, fromLogits: false, delta: 1 }, serializedName: arg };
  }
  if (arg && typeof arg === 'object' && !Array.isArray(arg)) {
    const c = arg as Record<string, unknown>;
    const name = c.name ?? c.className;
    const id = resolveLoss(name, 'compile loss');
    const cfg = (c.config && typeof c.config === 'object' ? c.config : c) as Record<string, unknown>;
    const fromLogits = cfg.fromLogits ?? cfg.from_logits ?? false;
    if (typeof fromLogits !== 'boolean') throw invalidArg('loss fromLogits', 'a boolean', fromLogits);
    const delta = cfg.delta ?? 1;
    if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) throw invalidArg('huber delta', 'a finite number > 0', delta);
    return { isLoss: true, spec: { id, fromLogits, delta }, serializedName: LOSS_SERIALIZED[id] };
  }
  if (typeof arg === 'function') {
    throw new BlasnetError('ERR_INVALID_ARG', 'Custom loss functions are not supported (losses run inside the engines); ' +
      'use a loss name or a losses.* object');
  }
  throw new BlasnetError('ERR_UNKNOWN_NAME', `Unknown loss ${describe(arg)} for compile loss; expected a name such as ` +
    'meanSquaredError (mse), meanAbsoluteError (mae), huber, binaryCrossentropy, categoricalCrossentropy, ' +
    'sparseCategoricalCrossentropy, or a losses.* object');
}

function lossObject(id: LossId, fromLogits: boolean, delta: number): Loss {
  if (typeof fromLogits !== 'boolean') throw invalidArg('fromLogits', 'a boolean', fromLogits);
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) throw invalidArg('delta', 'a finite number > 0', delta);
  return { isLoss: true, spec: { id, fromLogits, delta }, serializedName: LOSS_SERIALIZED[id] };
}

/** Loss objects with options (Keras's keras.losses.X(...)). */
export const losses = {
  meanSquaredError: (): Loss => lossObject('meanSquaredError', false, 1),
  meanAbsoluteError: (): Loss => lossObject('meanAbsoluteError', false, 1),
  huber: (a: { delta?: number } = {}): Loss => lossObject('huber', false, a.delta ?? 1),
  binaryCrossentropy: (a: { fromLogits?: boolean } = {}): Loss => lossObject('binaryCrossentropy', a.fromLogits ?? false, 1),
  categoricalCrossentropy: (a: { fromLogits?: boolean } = {}): Loss => lossObject('categoricalCrossentropy', a.fromLogits ?? false, 1),
  sparseCategoricalCrossentropy: (a: { fromLogits?: boolean } = {}): Loss =>
    lossObject('sparseCategoricalCrossentropy', a.fromLogits ?? false, 1),
};
