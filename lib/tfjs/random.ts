// The generators tfjs uses, so that a seeded program draws the same numbers here: Baagoe's Alea (as in
// the seedrandom package that tfjs's randomUniform, randomNormal and Dataset.shuffle seed), tfjs's
// uniform mapping and its Marsaglia polar method for normals.

/** Baagoe's Mash hash: a string to a fraction in [0, 1), with state carried between calls. */
function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data: string): number => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
}

export interface Prng {
  (): number;
  /** A signed 32-bit integer. */
  int32(): number;
}

/** Alea seeded with String(seed): uniform in [0, 1). */
export function alea(seed: unknown): Prng {
  const m = mash();
  let s0 = m(' '), s1 = m(' '), s2 = m(' ');
  let c = 1;
  const key = String(seed);
  s0 -= m(key); if (s0 < 0) s0 += 1;
  s1 -= m(key); if (s1 < 0) s1 += 1;
  s2 -= m(key); if (s2 < 0) s2 += 1;
  const next = (): number => {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    return s2;
  };
  const prng = next as Prng;
  prng.int32 = () => (next() * 0x100000000) | 0;
  return prng;
}

/**
 * tfjs's UniformRandom as randomUniform uses it: min + range * alea(), never rounded (an int32 tensor
 * truncates when the value is stored). No seed: a random one, as tfjs.
 */
export function uniformStream(min: number, max: number, seed?: number | string): () => number {
  const rnd = alea(seed === undefined || seed === null ? Math.random() : String(seed));
  const range = max - min;
  return () => min + range * rnd();
}

/** tfjs's MPRandGauss: pairs from the polar method; truncated draws outside mean +- 2 sd are redrawn. */
export function gaussStream(mean: number, stdDev: number, integer: boolean, truncated: boolean, seed?: number | string): () => number {
  const rnd = alea(seed ? String(seed) : String(Math.random()));
  const lower = mean - 2 * stdDev, upper = mean + 2 * stdDev;
  const valid = (v: number): boolean => !truncated || (v <= upper && v >= lower);
  const convert = (v: number): number => (integer ? Math.round(v) : v);
  let spare = NaN;
  return (): number => {
    if (!Number.isNaN(spare)) { const v = spare; spare = NaN; return v; }
    let x = 0, y = 0;
    for (let ok = false; !ok;) {
      let v1: number, v2: number, s: number;
      do {
        v1 = 2 * rnd() - 1;
        v2 = 2 * rnd() - 1;
        s = v1 * v1 + v2 * v2;
      } while (s >= 1 || s === 0);
      const mul = Math.sqrt(-2 * Math.log(s) / s);
      x = mean + stdDev * v1 * mul;
      y = mean + stdDev * v2 * mul;
      ok = valid(x);
    }
    if (valid(y)) spare = convert(y);
    return convert(x);
  };
}
