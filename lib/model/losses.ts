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

/**
 * The mark a function carries when it stands for a loss or metric the engines compute (tf.losses.*,
 * tf.metrics.*), so compile takes the function as tfjs programs pass it.
 */
export const BUILTIN = Symbol.for('blasnet.tfjs.builtin');

/** What a marked function stands for. */
export type BuiltinMark =
  | { kind: 'loss'; id: LossId; fromLogits: boolean; delta: number; name: string }
  | { kind: 'metric'; metric: string; name: string };

export function builtinMark(f: unknown): BuiltinMark | undefined {
  return typeof f === 'function' ? (f as { [BUILTIN]?: BuiltinMark })[BUILTIN] : undefined;
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
    const mark = builtinMark(arg);
    if (mark?.kind === 'loss') return lossObject(mark.id, mark.fromLogits, mark.delta);
    // The engines differentiate their own losses in C++ and TypeScript; there is no autograd to run a
    // user's function backwards, so a loss the engines lack is refused here rather than trained wrongly.
    throw new BlasnetError('ERR_UNSUPPORTED', `The loss function ${describe(arg)} is not one the engines compute ` +
      '(losses are differentiated inside the engines, there is no autograd); use a loss name, a losses.* object, or ' +
      'tf.losses.meanSquaredError / absoluteDifference / huberLoss / logLoss / sigmoidCrossEntropy / softmaxCrossEntropy');
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
