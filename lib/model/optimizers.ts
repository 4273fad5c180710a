// Optimizer and learning-rate schedule objects. They only describe the choice (every OptimizerSpec
// field filled, with the engines' defaults where not given); the updates run inside the engines.
import { BlasnetError, describe, invalidArg } from '../errors';
import { bool, nonNegativeNumber, positiveNumber, rejectUnknownOptions, unitFraction } from '../validate';
import { scheduledLearningRate } from '../engine';
import { OPTIMIZER_DEFAULTS, type OptimizerId, type OptimizerSpec, type ScheduleSpec } from '../engine/types';
import { camelCaseKeys, normalizeName } from '../naming';
import { resolveOptimizer } from './names';

export interface LearningRateSchedule {
  readonly isSchedule: true;
  readonly initialLearningRate: number;
  readonly spec: ScheduleSpec;
  /** The rate at a given step (0 for the first update), as the engines compute it. */
  at(step: number): number;
  getConfig(): { className: string; config: Record<string, unknown> };
}

function schedule(initialLearningRate: number, spec: ScheduleSpec, className: string,
  config: Record<string, unknown>): LearningRateSchedule {
  return {
    isSchedule: true, initialLearningRate, spec,
    at: (step: number) => scheduledLearningRate(initialLearningRate, spec, step),
    getConfig: () => ({ className, config: { initialLearningRate, ...config } }),
  };
}

export const schedules = {
  /** lr0 * decayRate ^ (step / decaySteps) (floored if staircase). */
  exponentialDecay(a: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): LearningRateSchedule {
    const lr0 = positiveNumber(a?.initialLearningRate, 'exponentialDecay initialLearningRate');
    const decaySteps = positiveNumber(a.decaySteps, 'exponentialDecay decaySteps');
    const decayRate = positiveNumber(a.decayRate, 'exponentialDecay decayRate');
    const staircase = a.staircase ?? false;
    return schedule(lr0, { kind: 'exponentialDecay', decaySteps, decayRate, staircase }, 'ExponentialDecay',
      { decaySteps, decayRate, staircase });
  },
  /** Cosine decay from lr0 (or from warmupTarget after a linear warmup) to alpha * that over decaySteps. */
  cosineDecay(a: { initialLearningRate: number; decaySteps: number; alpha?: number; warmupTarget?: number; warmupSteps?: number }): LearningRateSchedule {
    const lr0 = nonNegativeNumber(a?.initialLearningRate, 'cosineDecay initialLearningRate');
    const decaySteps = positiveNumber(a.decaySteps, 'cosineDecay decaySteps');
    const alpha = nonNegativeNumber(a.alpha ?? 0, 'cosineDecay alpha');
    const warmupSteps = nonNegativeNumber(a.warmupSteps ?? 0, 'cosineDecay warmupSteps');
    const warmupTarget = a.warmupTarget === undefined ? lr0 : positiveNumber(a.warmupTarget, 'cosineDecay warmupTarget');
    if (warmupSteps === 0 && lr0 <= 0) throw invalidArg('cosineDecay initialLearningRate', 'a finite number > 0', lr0);
    return schedule(lr0, { kind: 'cosineDecay', decaySteps, alpha, warmupTarget, warmupSteps }, 'CosineDecay',
      { decaySteps, alpha, warmupTarget: a.warmupTarget ?? null, warmupSteps });
  },
  /** values[k] while step <= boundaries[k]; values has one more entry than boundaries. */
  piecewiseConstantDecay(a: { boundaries: number[]; values: number[] }): LearningRateSchedule {
    const { boundaries, values } = a ?? ({} as { boundaries: number[]; values: number[] });
    if (!Array.isArray(boundaries) || !boundaries.every((b, i) => typeof b === 'number' && Number.isFinite(b) &&
      (i === 0 || b > boundaries[i - 1]!))) {
      throw invalidArg('piecewiseConstantDecay boundaries', 'an increasing array of numbers', boundaries);
    }
    if (!Array.isArray(values) || values.length !== boundaries.length + 1) {
      throw invalidArg('piecewiseConstantDecay values', `an array of ${boundaries.length + 1} numbers (one more than boundaries)`, values);
    }
    values.forEach((v, i) => positiveNumber(v, `piecewiseConstantDecay values[${i}]`));
    return schedule(values[0]!, { kind: 'piecewiseConstantDecay', boundaries: [...boundaries], values: [...values] },
      'PiecewiseConstantDecay', { boundaries: [...boundaries], values: [...values] });
  },
};

/** Options shared by every optimizer (Keras names). */
export interface OptimizerArgs {
  /** A number or a schedule from optimizers.schedules. */
  learningRate?: number | LearningRateSchedule;
  /** Clip each gradient tensor to this L2 norm. */
  clipnorm?: number;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  clipvalue?: number;
  /** Clip all gradients together to this global L2 norm. */
  globalClipnorm?: number;
}
export interface SgdArgs extends OptimizerArgs { momentum?: number; nesterov?: boolean }
export interface AdamArgs extends OptimizerArgs { beta1?: number; beta2?: number; epsilon?: number; amsgrad?: boolean }
export interface AdamWArgs extends AdamArgs { weightDecay?: number }
export interface RmspropArgs extends OptimizerArgs { rho?: number; momentum?: number; epsilon?: number; centered?: boolean }
export interface AdagradArgs extends OptimizerArgs { initialAccumulatorValue?: number; epsilon?: number }

export class Optimizer {
  readonly isOptimizer = true;
  /** Complete spec handed to the engine (learningRate = the schedule's initial rate). */
  readonly spec: OptimizerSpec;
  readonly schedule: LearningRateSchedule | null;
  constructor(spec: OptimizerSpec, sched: LearningRateSchedule | null) {
    this.spec = spec;
    this.schedule = sched;
  }
  getClassName(): string {
    return { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSProp', adagrad: 'Adagrad' }[this.spec.id];
  }
  /** tfjs-style config (camelCase) plus the Keras options tfjs lacks. */
  getConfig(): Record<string, unknown> {
    const s = this.spec;
    const cfg: Record<string, unknown> = {
      learningRate: this.schedule ? this.schedule.getConfig() : s.learningRate,
    };
    switch (s.id) {
      case 'sgd': Object.assign(cfg, { momentum: s.momentum, nesterov: s.nesterov }); break;
      case 'adam': Object.assign(cfg, { beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon, amsgrad: s.amsgrad }); break;
      case 'adamw': Object.assign(cfg, { beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon, amsgrad: s.amsgrad, weightDecay: s.weightDecay }); break;
      case 'rmsprop': Object.assign(cfg, { rho: s.rho, decay: s.rho, momentum: s.momentum, epsilon: s.epsilon, centered: s.centered }); break;
      case 'adagrad': Object.assign(cfg, { initialAccumulatorValue: s.initialAccumulatorValue, epsilon: s.epsilon }); break;
    }
    if (s.clipnorm) cfg.clipnorm = s.clipnorm;
    if (s.clipvalue) cfg.clipvalue = s.clipvalue;
    if (s.globalClipnorm) cfg.globalClipnorm = s.globalClipnorm;
    return cfg;
  }
}

const ALLOWED: Record<OptimizerId, string[]> = {
  sgd: ['momentum', 'nesterov'],
  adam: ['beta1', 'beta2', 'epsilon', 'amsgrad'],
  adamw: ['beta1', 'beta2', 'epsilon', 'amsgrad', 'weightDecay'],
  rmsprop: ['rho', 'momentum', 'epsilon', 'centered'],
  adagrad: ['initialAccumulatorValue', 'epsilon'],
};
// Keras / tfjs spellings of the same options.
const OPTION_ALIASES: Record<string, string> = {
  learning_rate: 'learningRate', lr: 'learningRate', beta_1: 'beta1', beta_2: 'beta2', weight_decay: 'weightDecay',
  decay: 'rho', useNesterov: 'nesterov', use_nesterov: 'nesterov', initial_accumulator_value: 'initialAccumulatorValue',
  global_clipnorm: 'globalClipnorm',
};

function defaults(id: OptimizerId): OptimizerSpec {
  return { id, learningRate: id === 'sgd' ? 0.01 : 0.001, schedule: { kind: 'constant' }, ...OPTIMIZER_DEFAULTS };
}

/** Builds an optimizer from an id and options (either as an object or tfjs's positional learning rate). */
export function makeOptimizer(id: OptimizerId, argsIn: unknown, lenient = false): Optimizer {
  const fn = `optimizers.${id}()`;
  let args: Record<string, unknown>;
  if (typeof argsIn === 'number') args = { learningRate: argsIn };
  else if (argsIn === undefined) args = {};
  else if (argsIn === null || typeof argsIn !== 'object' || Array.isArray(argsIn)) throw invalidArg(`${fn} options`, 'an object', argsIn);
  else {
    args = {};
    for (const [k, v] of Object.entries(argsIn as Record<string, unknown>)) {
      if (v !== undefined && v !== null && k !== 'name') args[OPTION_ALIASES[k] ?? k] = v;
    }
  }
  const allowed = ['learningRate', 'clipnorm', 'clipvalue', 'globalClipnorm', ...ALLOWED[id]];
  // Configs read from files carry options of other versions (Keras 3's use_ema, ...): dropped there.
  if (lenient) for (const k of Object.keys(args)) if (!allowed.includes(k)) delete args[k];
  rejectUnknownOptions(args, allowed, fn);
  const spec = defaults(id);
  let sched: LearningRateSchedule | null = null;
  const lr = args.learningRate;
  if (lr !== undefined) {
    if (typeof lr === 'object' && lr !== null && (lr as LearningRateSchedule).isSchedule === true) {
      sched = lr as LearningRateSchedule;
      spec.learningRate = sched.initialLearningRate;
      spec.schedule = sched.spec;
    } else if (typeof lr === 'object' && lr !== null && typeof (lr as { className?: unknown }).className === 'string') {
      sched = deserializeSchedule(lr as { className: string; config: Record<string, unknown> });
      spec.learningRate = sched.initialLearningRate;
      spec.schedule = sched.spec;
    } else {
      spec.learningRate = positiveNumber(lr, 'learningRate');
    }
  }
  for (const k of ['beta1', 'beta2', 'rho', 'momentum'] as const) {
    if (args[k] !== undefined) spec[k] = unitFraction(args[k], k);
  }
  if (args.epsilon !== undefined) spec.epsilon = positiveNumber(args.epsilon, 'epsilon');
  if (args.weightDecay !== undefined) spec.weightDecay = nonNegativeNumber(args.weightDecay, 'weightDecay');
  if (args.initialAccumulatorValue !== undefined) spec.initialAccumulatorValue = nonNegativeNumber(args.initialAccumulatorValue, 'initialAccumulatorValue');
  for (const k of ['nesterov', 'amsgrad', 'centered'] as const) {
    if (args[k] !== undefined) spec[k] = bool(args[k], k);
  }
  const clips = (['clipnorm', 'clipvalue', 'globalClipnorm'] as const).filter((k) => args[k] !== undefined);
  if (clips.length > 1) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected at most one of clipnorm, clipvalue, globalClipnorm but received ${clips.join(', ')}`);
  }
  for (const k of clips) spec[k] = positiveNumber(args[k], k);
  return new Optimizer(spec, sched);
}

export function deserializeSchedule(s: { className: string; config: Record<string, unknown> }): LearningRateSchedule {
  const c = camelCaseKeys(s.config ?? {});
  switch (normalizeName(String(s.className))) {
    case 'exponentialdecay': return schedules.exponentialDecay(c as never);
    case 'cosinedecay': return schedules.cosineDecay({ ...(c as object), warmupTarget: c.warmupTarget ?? undefined } as never);
    case 'piecewiseconstantdecay': return schedules.piecewiseConstantDecay(c as never);
  }
  throw new BlasnetError('ERR_UNKNOWN_NAME', `Unknown learning-rate schedule ${describe(s.className)}; expected one of: ` +
    'ExponentialDecay, CosineDecay, PiecewiseConstantDecay');
}

/** Optimizer factories, as tfjs's tf.train / Keras's keras.optimizers (Keras defaults). */
export const optimizers = {
  sgd: (args?: SgdArgs | number): Optimizer => makeOptimizer('sgd', args),
  adam: (args?: AdamArgs | number): Optimizer => makeOptimizer('adam', args),
  adamw: (args?: AdamWArgs | number): Optimizer => makeOptimizer('adamw', args),
  rmsprop: (args?: RmspropArgs | number): Optimizer => makeOptimizer('rmsprop', args),
  adagrad: (args?: AdagradArgs | number): Optimizer => makeOptimizer('adagrad', args),
  schedules,
};

/** A name ('adam'), an Optimizer, or a serialized {className, config}. */
export function getOptimizer(arg: unknown): Optimizer {
  if (arg instanceof Optimizer) return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { className?: unknown }).className === 'string') {
    const { className, config } = arg as { className: string; config?: Record<string, unknown> };
    const id = resolveOptimizer(className, 'compile optimizer');
    const cfg = { ...(config ?? {}) };
    // tfjs's Momentum optimizer is sgd with momentum; its RMSProp calls rho "decay".
    return makeOptimizer(id, cfg, true);
  }
  return makeOptimizer(resolveOptimizer(arg, 'compile optimizer'), undefined);
}
