// Weight regularizers (l1, l2, l1l2) and the maxNorm constraint: plain values the engines apply.
import { BlasnetError, describe, invalidArg } from '../errors';
import { nonNegativeNumber, orDefault, positiveNumber } from '../validate';
import { normalizeName } from '../naming';
import { nameAndConfig } from './names';

export interface Regularizer {
  readonly className: 'L1L2';
  readonly l1: number;
  readonly l2: number;
  getConfig(): { l1: number; l2: number };
}

function coef(v: unknown, name: string, dflt: number): number {
  return orDefault(v, dflt, (x) => nonNegativeNumber(x, name));
}

function l1l2Reg(l1: number, l2: number): Regularizer {
  return { className: 'L1L2', l1, l2, getConfig: () => ({ l1, l2 }) };
}

type Arg<K extends string> = number | { [k in K]?: number };
function pick<K extends string>(a: Arg<K> | undefined, key: K): number | undefined {
  if (typeof a === 'number') return a;
  if (a === undefined) return undefined;
  if (typeof a !== 'object' || a === null) throw invalidArg(`regularizers.${key}()`, `a number or {${key}}`, a);
  return a[key];
}

export const regularizers = {
  /** L1 penalty l1 * sum|w| (default 0.01, as tfjs and Keras). */
  l1: (a?: Arg<'l1'>): Regularizer => l1l2Reg(coef(pick(a, 'l1'), 'l1', 0.01), 0),
  /** L2 penalty l2 * sum w^2 (default 0.01). */
  l2: (a?: Arg<'l2'>): Regularizer => l1l2Reg(0, coef(pick(a, 'l2'), 'l2', 0.01)),
  /** Both (defaults 0.01 each, as tfjs). */
  l1l2: (a: { l1?: number; l2?: number } = {}): Regularizer => {
    if (typeof a !== 'object' || a === null) throw invalidArg('regularizers.l1l2()', '{l1, l2}', a);
    return l1l2Reg(coef(a.l1, 'l1', 0.01), coef(a.l2, 'l2', 0.01));
  },
};

export type RegularizerArg = Regularizer | 'l1' | 'l2' | 'l1l2' | 'l1_l2' | { className: string; config?: Record<string, unknown> };

export function getRegularizer(arg: unknown, argName: string): Regularizer | null {
  if (arg === undefined || arg === null) return null;
  if (typeof arg === 'object' && (arg as Regularizer).className === 'L1L2' && typeof (arg as Regularizer).l1 === 'number') {
    return arg as Regularizer;
  }
  const { name, config: cfg } = nameAndConfig(arg);
  if (typeof name === 'string') {
    switch (normalizeName(name)) {
      case 'l1': return regularizers.l1({ l1: cfg.l1 as number | undefined });
      case 'l2': return regularizers.l2({ l2: cfg.l2 as number | undefined });
      case 'l1l2': return l1l2Reg(coef(cfg.l1, 'l1', typeof arg === 'string' ? 0.01 : 0),
        coef(cfg.l2, 'l2', typeof arg === 'string' ? 0.01 : 0));
    }
  }
  throw new BlasnetError('ERR_UNKNOWN_NAME', `Unknown regularizer ${describe(name)} for ${argName}; expected one of: l1, l2, l1l2`);
}

export interface Constraint {
  readonly className: 'MaxNorm';
  readonly maxValue: number;
  getConfig(): { maxValue: number; axis: number };
}

export const constraints = {
  /** Caps the L2 norm of each unit's incoming weights (axis 0 of the kernel) at maxValue (default 2). */
  maxNorm: (a: { maxValue?: number; axis?: number } = {}): Constraint => {
    const maxValue = positiveNumber(a.maxValue ?? 2, 'maxNorm maxValue');
    if (a.axis !== undefined && a.axis !== 0) {
      throw invalidArg('maxNorm axis', '0 (the input axis of a dense kernel; other axes are not supported)', a.axis);
    }
    return { className: 'MaxNorm', maxValue, getConfig: () => ({ maxValue, axis: 0 }) };
  },
};

export type ConstraintArg = Constraint | 'maxNorm' | 'max_norm' | { className: string; config?: Record<string, unknown> };

export function getConstraint(arg: unknown, argName: string): Constraint | null {
  if (arg === undefined || arg === null) return null;
  if (typeof arg === 'object' && (arg as Constraint).className === 'MaxNorm' && typeof (arg as Constraint).maxValue === 'number') {
    return arg as Constraint;
  }
  const { name, config: cfg } = nameAndConfig(arg);
  if (typeof name === 'string' && normalizeName(name) === 'maxnorm') {
    return constraints.maxNorm({
      maxValue: (cfg.maxValue ?? cfg.max_value) as number | undefined,
      axis: cfg.axis as number | undefined,
    });
  }
  throw new BlasnetError('ERR_UNKNOWN_NAME', `Unknown constraint ${describe(name)} for ${argName}; expected one of: maxNorm`);
}
