// The one seeded generator: initial weights, shuffles and dropout seeds all draw from it, so setSeed(n)
// makes a whole run reproducible and both engines start from identical weights.
import { invalidArg } from './errors';

/**
 * mulberry32, whose whole state is one uint32 that can be read and restored: the global generator,
 * each model's shuffling stream (saved with its optimizer state, so a resumed fit shuffles as the
 * uninterrupted one would), trainTestSplit's and the CLI's.
 */
export class RandomStream {
  state: number;
  constructor(seed: number) {
    this.state = (Math.trunc(seed) ^ 0x5bd1e995) >>> 0;
  }
  /** A stream that continues from a saved state (not a seed: the state is used as it is). */
  static fromState(state: number): RandomStream {
    const stream = new RandomStream(0);
    stream.state = state >>> 0;
    return stream;
  }
  /** Uniform in [0, 1). */
  readonly next = (): number => {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const globalStream = new RandomStream(Math.random() * 0x100000000);
let spareNormal: number | null = null;

/** Seeds the generator (any finite number; hashed to 32 bits). */
export function setSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw invalidArg('setSeed(seed)', 'a finite number', seed);
  globalStream.state = new RandomStream(seed).state;
  spareNormal = null;
}

/** mulberry32: uniform in [0, 1). */
export const random: () => number = globalStream.next;

/** A random uint32 (e.g. a dropout seed). */
export function randomUint32(): number {
  return Math.floor(random() * 4294967296) >>> 0;
}

/** Standard normal (Box-Muller, pairs cached). */
export function randomNormal(): number {
  if (spareNormal !== null) {
    const s = spareNormal;
    spareNormal = null;
    return s;
  }
  let u = 0;
  while (u === 0) u = random();
  const v = random();
  const r = Math.sqrt(-2 * Math.log(u));
  spareNormal = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}

/** Standard normal truncated to [-2, 2] (redrawn outside, as TensorFlow's truncated_normal). */
export function truncatedNormal(): number {
  for (;;) {
    const z = randomNormal();
    if (z >= -2 && z <= 2) return z;
  }
}

/** Fisher-Yates shuffle of an index array in place (with the global generator, or the one given). */
export function shuffleInPlace(order: Uint32Array, rnd: () => number = random): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/** 0..n-1, optionally shuffled. */
export function rowOrder(n: number, shuffle: boolean): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (shuffle) shuffleInPlace(order);
  return order;
}

/** A generator with its own state (trainTestSplit's seed must not disturb the global one). */
export function localRandom(seed: number): () => number {
  return new RandomStream(seed).next;
}
