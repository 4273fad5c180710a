// Conformance of stridedSlice, unique, randomStandardNormal and randomUniformInt: each script runs on real
// @tensorflow/tfjs (CPU backend) and on blasnet; dtype, shape, values (1e-6) and the memory() counts must
// agree, and where tfjs throws blasnet throws a BlasnetError.
import { beforeAll, describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { conform, oursTf, realTf, vals, type TF } from './helpers';

beforeAll(async () => { await realTf.setBackend('cpu'); });

type Case = [string, (tf: TF) => unknown];
const A = (tf: TF) => tf.tensor(vals(60, 3), [3, 4, 5]);
const B = (tf: TF) => tf.tensor(vals(120, 9), [2, 3, 4, 5]);
const I = (tf: TF) => tf.tensor1d([3, -1, 0, 2, 5, 7, -4], 'int32');

const strided: Case[] = [
  ['stridedSlice 1-D ranges', (tf) => [tf.stridedSlice(I(tf), [1], [5]), tf.stridedSlice(I(tf), [0], [7], [2]), tf.stridedSlice(I(tf), [-3], [-1])]],
  ['stridedSlice negative strides', (tf) => [tf.stridedSlice(I(tf), [5], [1], [-1]), tf.stridedSlice(I(tf), [-1], [-8], [-2]), tf.stridedSlice(I(tf), [0], [7], [-1], 1, 1)]],
  ['stridedSlice clamps out-of-range ends', (tf) => [tf.stridedSlice(I(tf), [-100], [100]), tf.stridedSlice(I(tf), [100], [-100], [-3])]],
  ['stridedSlice empty results', (tf) => [tf.stridedSlice(I(tf), [2], [4], [-1]), tf.stridedSlice(A(tf), [0, 3, 0], [3, 3, 5])]],
  ['stridedSlice 3-D with strides', (tf) => [tf.stridedSlice(A(tf), [0, 1, 0], [3, 4, 5], [2, 2, 3]), tf.stridedSlice(A(tf), [2, 3, 4], [0, 0, 0], [-1, -2, -2])]],
  ['stridedSlice fewer entries than the rank', (tf) => [tf.stridedSlice(A(tf), [1], [3]), tf.stridedSlice(B(tf), [0, 1], [2, 3], [1, 2])]],
  ['stridedSlice begin and end masks', (tf) => [tf.stridedSlice(A(tf), [2, 1, 3], [0, 3, 1], [1, 1, -1], 0b101, 0b110),
    tf.stridedSlice(A(tf), [0, 0, 0], [0, 0, 0], [1, 1, 1], 7, 7), tf.stridedSlice(A(tf), [0, 0, 0], [0, 0, 0], [-1, 1, -2], 7, 7)]],
  ['stridedSlice identity shares the buffer', (tf) => [tf.stridedSlice(A(tf), [0, 0, 0], [3, 4, 5]), tf.stridedSlice(A(tf), [0], [3])]],
  ['stridedSlice shrink axes', (tf) => [tf.stridedSlice(A(tf), [1, 0, -1], [2, 4, 0], [1, 1, 1], 0, 0, 0, 0, 0b101),
    tf.stridedSlice(A(tf), [-1], [0], [1], 0, 0, 0, 0, 1), tf.stridedSlice(I(tf), [2], [3], [1], 0, 0, 0, 0, 1),
    tf.stridedSlice(A(tf).slice([0, 0, 0], [1, 4, 5]), [0], [1], [1], 0, 0, 0, 0, 1)]],
  ['stridedSlice new axes', (tf) => [tf.stridedSlice(A(tf), [0, 1, 0], [0, 3, 2], [1, 1, 1], 0, 0, 0, 0b001),
    tf.stridedSlice(I(tf), [0, 1, 0], [0, 5, 0], [1, 2, 1], 0, 0, 0, 0b101)]],
  ['stridedSlice ellipsis', (tf) => [tf.stridedSlice(B(tf), [0, 1], [0, 4], [1, 2], 0, 0, 0b01),
    tf.stridedSlice(B(tf), [1, 0, 2], [2, 0, 5], [1, 1, 1], 0, 0, 0b010),
    tf.stridedSlice(B(tf), [0, 0, 1], [0, 0, 3], [1, 1, 1], 0, 0, 0b001, 0b010),
    tf.stridedSlice(B(tf), [0, 2], [0, 3], [1, 1], 0, 0, 0b01, 0, 0b10),
    tf.stridedSlice(B(tf), [0], [0], [1], 0, 0, 1)]],
  ['stridedSlice int32 and bool', (tf) => [tf.stridedSlice(tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32'), [0, 2], [2, 0], [1, -1]),
    tf.stridedSlice(tf.tensor1d([1, 0, 1, 1], 'bool'), [3], [0], [-2])]],
  ['stridedSlice of an array, chained', (tf) => [tf.stridedSlice([[1, 2], [3, 4], [5, 6]], [2, 1], [0, 0], [-1, -1]), A(tf).stridedSlice([1, 1], [3, 4], [1, 2])]],
  ['stridedSlice two ellipses throws', (tf) => tf.stridedSlice(A(tf), [0, 0], [1, 1], [1, 1], 0, 0, 0b11)],
  ['stridedSlice stride 0 throws', (tf) => tf.stridedSlice(A(tf), [0], [1], [0])],
  ['stridedSlice shrink out of range throws', (tf) => tf.stridedSlice(I(tf), [7], [8], [1], 0, 0, 0, 0, 1)],
  ['stridedSlice shrink with a negative stride throws', (tf) => tf.stridedSlice(I(tf), [2], [1], [-1], 0, 0, 0, 0, 1)],
  ['stridedSlice more entries than the rank throws', (tf) => tf.stridedSlice(I(tf), [0, 0], [1, 1])],
];

const uniques: Case[] = [
  ['unique 1-D float', (tf) => tf.unique(tf.tensor1d([1, 1, 2, 4, 4, 4, 7, 8, 8]))],
  ['unique keeps first appearance order', (tf) => tf.unique(tf.tensor1d([5, 3, 5, 1, 3, 9]))],
  ['unique NaN, zeros and infinities', (tf) => tf.unique(tf.tensor1d([NaN, 0, -0, NaN, Infinity, -Infinity, Infinity, 1e-30]))],
  ['unique int32 and bool', (tf) => [tf.unique(I(tf).concat(I(tf))), tf.unique(tf.tensor1d([1, 1, 0, 1], 'bool'))]],
  ['unique 2-D axis 0 and 1', (tf) => {
    const x = tf.tensor2d([[1, 0, 0], [1, 0, 0], [2, 0, 0], [1, 0, 0]]);
    return [tf.unique(x), tf.unique(x, 1), tf.unique(tf.tensor2d([[1, 2, 1, 2], [3, 4, 3, 5]]), 1)];
  }],
  ['unique 3-D along each axis', (tf) => {
    const x = tf.tensor3d([[[1, 0], [1, 0], [2, 2]], [[1, 0], [1, 0], [3, 2]]]);
    return [tf.unique(x, 0), tf.unique(x, 1), tf.unique(x, 2), tf.unique(x, -1)];
  }],
  ['unique empty and single', (tf) => [tf.unique(tf.tensor1d([])), tf.unique(tf.tensor1d([4])), tf.unique(tf.zeros([0, 3]), 1)]],
  ['unique of an array, chained', (tf) => [tf.unique([3, 3, 1]), tf.tensor1d([2, 2, 5]).unique()]],
  ['unique of a scalar throws', (tf) => tf.unique(tf.scalar(1))],
  ['unique bad axis throws', (tf) => tf.unique(tf.tensor1d([1, 2]), 1)],
];

const randoms: Case[] = [
  ['randomStandardNormal seeded', (tf) => [tf.randomStandardNormal([3, 5], 'float32', 42), tf.randomStandardNormal([7], undefined, 3),
    tf.randomStandardNormal([2, 3], 'int32', 5), tf.randomStandardNormal([0, 2], 'float32', 1)]],
  ['randomStandardNormal is randomNormal(0, 1)', (tf) => tf.randomStandardNormal([4, 4], 'float32', 9).sub(tf.randomNormal([4, 4], 0, 1, 'float32', 9))],
  ['randomStandardNormal bool throws', (tf) => tf.randomStandardNormal([2], 'bool', 1)],
  ['randomUniformInt seeded', (tf) => [tf.randomUniformInt([3, 4], 0, 10, 42), tf.randomUniformInt([9], -5, 5, 'seed'), tf.randomUniformInt([5], 3, 4, 7),
    tf.randomUniformInt([2, 2, 2], -100, 100, 1)]],
];

describe('tfjs ops against real @tensorflow/tfjs: stridedSlice, unique, randomStandardNormal, randomUniformInt', () => {
  for (const [name, script] of [...strided, ...uniques, ...randoms]) {
    it(name, () => conform(name, script, { memory: !name.includes('throws') }));
  }
});

describe('where blasnet deliberately differs from tfjs', () => {
  it('a forward slice whose end is before its begin is empty, as in TensorFlow (tfjs 4.22 throws on a negative slice size)', () => {
    expect(() => realTf.stridedSlice(realTf.tensor1d([1, 2, 3, 4, 5]), [4], [2])).toThrow(/Negative size/);
    const r = oursTf.stridedSlice(oursTf.tensor1d([1, 2, 3, 4, 5]), [4], [2]);
    expect(r.shape).toEqual([0]);
    expect(oursTf.stridedSlice(oursTf.tensor(vals(60, 3), [3, 4, 5]), [2, 0], [1, 4]).shape).toEqual([0, 4, 5]);
  });
});

describe('unseeded draws and bad arguments', () => {
  it('unseeded randomUniformInt stays in [minval, maxval) and randomStandardNormal has mean 0 and sd 1', () => {
    // As tfjs, the uniform draw is truncated toward zero when stored: a negative minval is all but never drawn.
    const u = oursTf.randomUniformInt([20000], 0, 4);
    const uv = Array.from(u.dataSync() as Int32Array);
    expect(u.dtype).toBe('int32');
    expect(Math.min(...uv)).toBe(0);
    expect(Math.max(...uv)).toBe(3);
    expect(uv.filter((v) => v === 3).length).toBeGreaterThan(4000);
    const n = Array.from(oursTf.randomStandardNormal([20000]).dataSync() as Float32Array);
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const sd = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
  });

  it('arguments tfjs would misread are BlasnetErrors naming them', () => {
    const a = oursTf.tensor(vals(60, 3), [3, 4, 5]);
    const bad: Array<[() => unknown, RegExp]> = [
      [() => oursTf.stridedSlice(a, [0, 1.5], [1, 2]), /stridedSlice begin/],
      [() => oursTf.stridedSlice(a, [0, 1], [1]), /begin \(2\) for stridedSlice end and strides/],
      [() => oursTf.stridedSlice(a, [0], [1], [1, 1]), /stridedSlice end and strides/],
      [() => oursTf.stridedSlice(a, [0], [1], [1], -1), /stridedSlice beginMask/],
      [() => oursTf.stridedSlice(a, 0 as never, [1]), /stridedSlice begin/],
      [() => oursTf.randomUniformInt([2], 0, NaN), /randomUniformInt maxval/],
      [() => oursTf.randomUniformInt([2], '0' as never, 3), /randomUniformInt minval/],
    ];
    for (const [f, message] of bad) {
      let err: unknown;
      try { f(); } catch (e) { err = e; }
      expect(err, String(message)).toBeInstanceOf(BlasnetError);
      expect((err as Error).message).toMatch(message);
    }
  });
});
