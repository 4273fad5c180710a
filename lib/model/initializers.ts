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

/** gain * the identity matrix; only square 2-D kernels (as tfjs and Keras). */
function identity(a: { gain?: number } = {}): Initializer {
  const gain = num(a.gain, 'identity gain', 1);
  const init = make('Identity', { gain }, (shape) => {
    if (shape.length !== 2 || shape[0] !== shape[1]) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Identity matrix initializer can only be used for 2D square matrices (got shape [${shape.join(', ')}]).`);
    }
    const n = shape[0]!;
    let i = 0;
    return () => (i++ % (n + 1) === 0 ? gain : 0);
  });
  return init;
}

/**
 * gain * a random orthogonal matrix (Saxe et al.): the Q of a normal matrix's QR decomposition with R's
 * diagonal made positive, which is what Gram-Schmidt on its columns gives (computed in doubles). A
 * kernel of more than 2 axes is treated as [product of the leading axes, last axis], as tfjs does.
 */
function orthogonal(a: { gain?: number; seed?: number | null } = {}): Initializer {
  const gain = num(a.gain, 'orthogonal gain', 1);
  return make('Orthogonal', { gain, seed: a.seed ?? null }, (shape) => {
    if (shape.length < 2) throw new BlasnetError('ERR_SHAPE_MISMATCH', `Shape must be at least 2D (the orthogonal initializer got [${shape.join(', ')}]).`);
    const rows = shape.slice(0, -1).reduce((x, y) => x * y, 1), cols = shape[shape.length - 1]!;
    const q = orthonormalColumns(Math.max(rows, cols), Math.min(rows, cols));
    const k = Math.min(rows, cols);
    let i = 0;
    // q is [max, min] with orthonormal columns; a wide kernel takes its transpose.
    return () => {
      const r = Math.floor(i / cols), c = i % cols;
      i++;
      return gain * (rows >= cols ? q[r * k + c]! : q[c * k + r]!);
    };
  });
}

/** An n x k (n >= k) matrix with orthonormal columns, row-major: Gram-Schmidt (applied twice, for accuracy) on normal draws. */
function orthonormalColumns(n: number, k: number): Float64Array {
  const q = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    for (let drawn = 0; ; drawn++) {
      for (let r = 0; r < n; r++) q[r * k + j] = randomNormal();
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < j; p++) {
          let dot = 0;
          for (let r = 0; r < n; r++) dot += q[r * k + p]! * q[r * k + j]!;
          for (let r = 0; r < n; r++) q[r * k + j]! -= dot * q[r * k + p]!;
        }
      }
      let norm = 0;
      for (let r = 0; r < n; r++) norm += q[r * k + j]! ** 2;
      norm = Math.sqrt(norm);
      // A draw (all but) inside the span of the columns before it has no direction of its own: draw again.
      if (norm > 1e-6 || drawn > 8) {
        for (let r = 0; r < n; r++) q[r * k + j]! /= norm;
        break;
      }
    }
  }
  return q;
}

export const initializers = {
  glorotUniform: (a: SeedArgs = {}) => varianceScaling('GlorotUniform', 1, 'fanAvg', 'uniform', a.seed ?? null),
  glorotNormal: (a: SeedArgs = {}) => varianceScaling('GlorotNormal', 1, 'fanAvg', 'truncatedNormal', a.seed ?? null),
  heNormal: (a: SeedArgs = {}) => varianceScaling('HeNormal', 2, 'fanIn', 'truncatedNormal', a.seed ?? null),
  heUniform: (a: SeedArgs = {}) => varianceScaling('HeUniform', 2, 'fanIn', 'uniform', a.seed ?? null),
  lecunNormal: (a: SeedArgs = {}) => varianceScaling('LeCunNormal', 1, 'fanIn', 'truncatedNormal', a.seed ?? null),
  lecunUniform: (a: SeedArgs = {}) => varianceScaling('LeCunUniform', 1, 'fanIn', 'uniform', a.seed ?? null),
  // tfjs's spellings of the two above.
  leCunNormal: (a: SeedArgs = {}) => varianceScaling('LeCunNormal', 1, 'fanIn', 'truncatedNormal', a.seed ?? null),
  leCunUniform: (a: SeedArgs = {}) => varianceScaling('LeCunUniform', 1, 'fanIn', 'uniform', a.seed ?? null),
  identity,
  orthogonal,
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
// Keras 3's class names for two of them.
BY_NAME.set('identityinitializer', initializers.identity as (cfg: Record<string, unknown>) => Initializer);
BY_NAME.set('orthogonalinitializer', initializers.orthogonal as (cfg: Record<string, unknown>) => Initializer);

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
