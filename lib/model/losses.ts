// Loss choices: a name (tfjs or Keras spelling) or an object with options ({name, fromLogits, delta}).
import { BlasnetError, describe } from '../errors';
import { bool, positiveNumber } from '../validate';
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
    const fromLogits = bool(cfg.fromLogits ?? cfg.from_logits ?? false, 'loss fromLogits');
    const delta = positiveNumber(cfg.delta ?? 1, 'huber delta');
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
  return { isLoss: true, spec: { id, fromLogits: bool(fromLogits, 'fromLogits'), delta: positiveNumber(delta, 'delta') }, serializedName: LOSS_SERIALIZED[id] };
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
