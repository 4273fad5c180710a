// Weight initializers drawn in TypeScript from the seeded generator (Keras formulas), so both engines
// start from identical weights. fanIn/fanOut: a kernel [in, out] has fanIn = in, fanOut = out; a 1-D
// tensor of n has fanIn = fanOut = n (Keras's compute_fans).
import { BlasnetError, describe, invalidArg } from '../errors';
import { finiteNumber, orDefault } from '../validate';
import { random, randomNormal, truncatedNormal } from '../random';
import { camelCaseKeys, normalizeName } from '../naming';
import { nameAndConfig } from './names';

/** Keras: stddev of a standard normal truncated to [-2, 2] is .87962566103423978. */
const TRUNC_STD = 0.87962566103423978;

export interface Initializer {
  readonly className: string;
  getConfig(): Record<string, unknown>;
  /** Values for a tensor of the given shape (row-major). */
  sample(shape: number[]): Float32Array;
}

function fans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const n = shape.reduce((a, b) => a * b, 1);
  return [n, n];
}

function make(className: string, config: Record<string, unknown>, draw: (shape: number[]) => () => number): Initializer {
  return {
    className,
    getConfig: () => ({ ...config }),
    sample(shape: number[]): Float32Array {
      const n = shape.reduce((a, b) => a * b, 1);
      const out = new Float32Array(n);
      const f = draw(shape);
      for (let i = 0; i < n; i++) out[i] = f();
      return out;
    },
  };
}

type Mode = 'fanIn' | 'fanOut' | 'fanAvg';
function varianceScaling(className: string, scale: number, mode: Mode, distribution: 'uniform' | 'truncatedNormal',
  seed: number | null = null): Initializer {
  const modeName = mode === 'fanIn' ? 'fan_in' : mode === 'fanOut' ? 'fan_out' : 'fan_avg';
  const cfg: Record<string, unknown> = className === 'VarianceScaling'
    ? { scale, mode: modeName, distribution: distribution === 'uniform' ? 'uniform' : 'truncated_normal', seed }
    : { seed };
  return make(className, cfg, (shape) => {
    const [fi, fo] = fans(shape);
    const n = Math.max(1, mode === 'fanIn' ? fi : mode === 'fanOut' ? fo : (fi + fo) / 2);
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * scale / n);
      return () => (random() * 2 - 1) * limit;
    }
    const std = Math.sqrt(scale / n) / TRUNC_STD;
    return () => truncatedNormal() * std;
  });
}

function num(v: unknown, name: string, dflt: number): number {
  return orDefault(v, dflt, (x) => finiteNumber(x, name), true);
}

interface SeedArgs { seed?: number | null }

export const initializers = {
  glorotUniform: (a: SeedArgs = {}) => varianceScaling('GlorotUniform', 1, 'fanAvg', 'uniform', a.seed ?? null),
  glorotNormal: (a: SeedArgs = {}) => varianceScaling('GlorotNormal', 1, 'fanAvg', 'truncatedNormal', a.seed ?? null),
  heNormal: (a: SeedArgs = {}) => varianceScaling('HeNormal', 2, 'fanIn', 'truncatedNormal', a.seed ?? null),
  heUniform: (a: SeedArgs = {}) => varianceScaling('HeUniform', 2, 'fanIn', 'uniform', a.seed ?? null),
  lecunNormal: (a: SeedArgs = {}) => varianceScaling('LeCunNormal', 1, 'fanIn', 'truncatedNormal', a.seed ?? null),
  lecunUniform: (a: SeedArgs = {}) => varianceScaling('LeCunUniform', 1, 'fanIn', 'uniform', a.seed ?? null),
  varianceScaling: (a: { scale?: number; mode?: 'fanIn' | 'fanOut' | 'fanAvg' | 'fan_in' | 'fan_out' | 'fan_avg';
    distribution?: 'uniform' | 'truncatedNormal' | 'truncated_normal' | 'normal'; seed?: number | null } = {}) => {
    const mode = normalizeName(a.mode ?? 'fanIn');
    const m: Mode = mode === 'fanin' ? 'fanIn' : mode === 'fanout' ? 'fanOut' : mode === 'fanavg' ? 'fanAvg'
      : (() => { throw invalidArg('varianceScaling mode', '"fanIn", "fanOut" or "fanAvg"', a.mode); })();
    const d = a.distribution === 'uniform' ? 'uniform' : 'truncatedNormal';
    return varianceScaling('VarianceScaling', num(a.scale, 'varianceScaling scale', 1), m, d, a.seed ?? null);
  },
  randomNormal: (a: { mean?: number; stddev?: number; seed?: number | null } = {}) => {
    const mean = num(a.mean, 'randomNormal mean', 0);
    const std = num(a.stddev, 'randomNormal stddev', 0.05);
    return make('RandomNormal', { mean, stddev: std, seed: a.seed ?? null }, () => () => mean + std * randomNormal());
  },
  randomUniform: (a: { minval?: number; maxval?: number; seed?: number | null } = {}) => {
    const lo = num(a.minval, 'randomUniform minval', -0.05);
    const hi = num(a.maxval, 'randomUniform maxval', 0.05);
    return make('RandomUniform', { minval: lo, maxval: hi, seed: a.seed ?? null }, () => () => lo + (hi - lo) * random());
  },
  truncatedNormal: (a: { mean?: number; stddev?: number; seed?: number | null } = {}) => {
    const mean = num(a.mean, 'truncatedNormal mean', 0);
    const std = num(a.stddev, 'truncatedNormal stddev', 0.05);
    return make('TruncatedNormal', { mean, stddev: std, seed: a.seed ?? null }, () => () => mean + std * truncatedNormal());
  },
  zeros: () => make('Zeros', {}, () => () => 0),
  ones: () => make('Ones', {}, () => () => 1),
  constant: (a: { value?: number } = {}) => {
    const v = num(a.value, 'constant value', 0);
    return make('Constant', { value: v }, () => () => v);
  },
};

export type InitializerName = keyof typeof initializers | 'glorot_uniform' | 'glorot_normal' | 'he_normal'
  | 'he_uniform' | 'lecun_normal' | 'lecun_uniform' | 'random_normal' | 'random_uniform' | 'truncated_normal';
export type InitializerArg = InitializerName | Initializer | { className: string; config?: Record<string, unknown> };

const BY_NAME = new Map<string, (cfg: Record<string, unknown>) => Initializer>();
for (const [k, f] of Object.entries(initializers)) {
  BY_NAME.set(normalizeName(k), f as (cfg: Record<string, unknown>) => Initializer);
}
BY_NAME.set('lecunnormal', initializers.lecunNormal);

/** A name ('glorotUniform', 'glorot_uniform', 'GlorotUniform'), an initializer, or {className, config}. */
export function getInitializer(arg: unknown, argName: string): Initializer {
  if (arg && typeof arg === 'object' && typeof (arg as Initializer).sample === 'function') return arg as Initializer;
  const { name, config: cfg } = nameAndConfig(arg);
  const f = typeof name === 'string' ? BY_NAME.get(normalizeName(name)) : undefined;
  if (!f) {
    throw new BlasnetError('ERR_UNKNOWN_NAME', `Unknown initializer ${describe(name)} for ${argName}; expected one of: ` +
      Object.keys(initializers).join(', '));
  }
  return f(camelCaseKeys(cfg));
}

export function serializeInitializer(init: Initializer): { className: string; config: Record<string, unknown> } {
  return { className: init.className, config: init.getConfig() };
}
