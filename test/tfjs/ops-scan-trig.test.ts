// Conformance of the trigonometric and hyperbolic ops, erf, atan2, cumsum/cumprod and pad: each script
// runs on real @tensorflow/tfjs (CPU backend) and on blasnet; dtype, shape, values (1e-6) and the
// memory() counts must agree, and where tfjs throws blasnet throws a BlasnetError.
import { beforeAll, describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { conform, expectClose, oursTf, plain, realTf, vals, type TF } from './helpers';

beforeAll(async () => { await realTf.setBackend('cpu'); });

type Case = [string, (tf: TF) => unknown];
const A = (tf: TF) => tf.tensor(vals(24, 3), [2, 3, 4]);
const UNIT = (tf: TF) => tf.tensor(vals(12, 11).map((v) => v / 2.2), [3, 4]);
const I = (tf: TF) => tf.tensor1d([3, -1, 0, 2, 5], 'int32');
const SPECIAL = (tf: TF) => tf.tensor1d([NaN, Infinity, -Infinity, 0, -0, 1e-30, 1, -1, 1.5, 30]);

const unaries: Case[] = ['tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh', 'erf'].flatMap((op): Case[] => [
  [`${op} float`, (tf) => tf[op](tf.tensor(vals(12, 13).map((v) => v * 3), [3, 4]))],
  [`${op} in (-1, 1)`, (tf) => tf[op](UNIT(tf))],
  [`${op} special`, (tf) => tf[op](SPECIAL(tf))],
  [`${op} int32`, (tf) => tf[op](I(tf))],
  [`${op} chained`, (tf) => tf[op]([0.25, 2])],
]);

const binaries: Case[] = [
  ['atan2 broadcast', (tf) => tf.atan2(A(tf), tf.tensor1d([1, -1, 0, 0.5]))],
  ['atan2 zeros and signs', (tf) => tf.atan2(tf.tensor1d([0, -0, 1, -1, 0, NaN]), tf.tensor1d([0, 0, 0, 0, -1, 1]))],
  ['atan2 int32', (tf) => tf.atan2(I(tf), tf.tensor1d([1, 2, 3, 4, 5], 'int32'))],
  ['atan2 shape mismatch throws', (tf) => tf.atan2(tf.zeros([2, 3]), tf.zeros([4]))],
];

const scans: Case[] = [
  ...['cumsum', 'cumprod'].flatMap((op): Case[] => [
    [`${op} 1-D`, (tf) => tf[op](tf.tensor1d([1, 2, 3, 4, 0.5]))],
    [`${op} axis 1`, (tf) => tf[op](A(tf), 1)],
    [`${op} axis 2 exclusive`, (tf) => tf[op](A(tf), 2, true)],
    [`${op} axis 0 reverse`, (tf) => tf[op](A(tf), 0, false, true)],
    [`${op} exclusive reverse`, (tf) => tf[op](A(tf), 2, true, true)],
    [`${op} int32`, (tf) => tf[op](I(tf))],
    [`${op} bool`, (tf) => tf[op](tf.tensor1d([1, 0, 1, 1], 'bool'))],
    [`${op} NaN`, (tf) => tf[op](SPECIAL(tf))],
    [`${op} array input`, (tf) => tf[op]([[1, 2], [3, 4]], 1)],
  ]),
];

const pads: Case[] = [
  ['pad 2-D', (tf) => tf.pad(tf.tensor2d([[1, 2], [3, 4]]), [[1, 2], [0, 3]])],
  ['pad 3-D with a value', (tf) => tf.pad(A(tf), [[0, 1], [2, 0], [1, 1]], -7.5)],
  ['pad int32', (tf) => tf.pad(I(tf), [[2, 1]], 9)],
  ['pad bool', (tf) => tf.pad(tf.tensor1d([1, 0], 'bool'), [[1, 1]])],
  ['pad nothing', (tf) => tf.pad(A(tf), [[0, 0], [0, 0], [0, 0]])],
  ['pad scalar', (tf) => tf.pad(tf.scalar(3), [])],
  ['pad1d', (tf) => tf.pad1d(tf.tensor1d([1, 2, 3]), [2, 1], 4)],
  ['pad2d', (tf) => tf.pad2d(tf.tensor2d([[1, 2], [3, 4]]), [[1, 0], [0, 1]])],
  ['pad3d', (tf) => tf.pad3d(A(tf), [[1, 0], [0, 1], [1, 1]])],
  ['pad4d', (tf) => tf.pad4d(tf.reshape(A(tf), [1, 2, 3, 4]), [[0, 0], [1, 1], [0, 0], [2, 0]], 1)],
  ['pad method', (tf) => tf.tensor1d([5, 6]).pad([[1, 1]])],
];

// Where tfjs computes garbage rather than throw (cumsum's negative or out-of-range axis, paddings of the
// wrong rank), blasnet counts a negative axis from the end and refuses the rest.
describe('blasnet refuses what tfjs gets wrong', () => {
  it('cumsum and cumprod take a negative axis as counted from the end', () => {
    for (const op of ['cumsum', 'cumprod']) {
      const a = oursTf.tensor(vals(24, 3), [2, 3, 4]);
      expectClose(plain(oursTf[op](a, -1, true, true)), plain(oursTf[op](a, 2, true, true)), `${op} axis -1`);
      expectClose(plain(oursTf[op](a, -3)), plain(oursTf[op](a, 0)), `${op} axis -3`);
      a.dispose();
    }
  });
  it('out-of-range axes, bad paddings and scalars are refused with BlasnetErrors naming the argument', () => {
    const a = oursTf.tensor(vals(24, 3), [2, 3, 4]);
    const bad: Array<[() => unknown, RegExp]> = [
      [() => oursTf.cumsum(a, 3), /cumsum axis/], [() => oursTf.cumprod(a, -4), /cumprod axis/], [() => oursTf.cumsum(a, 1.5), /cumsum axis/],
      [() => oursTf.pad(a, [[1, 1]]), /pad paddings/], [() => oursTf.pad(a, [[1, 1], [0, -1], [0, 0]]), /pad paddings/],
      [() => oursTf.pad(a, [[1, 1], [0, 1.5], [0, 0]]), /pad paddings/], [() => oursTf.pad(a, [[0, 0], [0, 0], [0, 0]], 'x'), /constantValue/],
      [() => oursTf.pad(oursTf.scalar(1), []), /pad x/], [() => oursTf.pad2d(a, [[1, 1]]), /pad2d paddings/],
    ];
    for (const [f, message] of bad) {
      let err: unknown;
      try { f(); } catch (e) { err = e; }
      expect(err, String(message)).toBeInstanceOf(BlasnetError);
      expect((err as Error).message).toMatch(message);
    }
    a.dispose();
  });
});

const others: Case[] = [
  ['diag 1-D', (tf) => tf.diag(tf.tensor1d([1, 2, 3]))],
  ['diag 2-D', (tf) => tf.diag(tf.tensor2d([[1, 2], [3, 4]]))],
  ['diag int32', (tf) => tf.diag(I(tf))],
  ['diag bool', (tf) => tf.diag(tf.tensor1d([1, 0, 1], 'bool'))],
  ['tensor5d', (tf) => tf.tensor5d([[[[[1, 2]], [[3, 4]]]]])],
  ['tensor5d flat with shape', (tf) => tf.tensor5d([1, 2, 3, 4, 5, 6], [1, 1, 2, 3, 1], 'int32')],
  ['tensor5d flat without shape throws', (tf) => tf.tensor5d([1, 2, 3, 4])],
  ['tensor5d wrong rank throws', (tf) => tf.tensor5d([[1, 2]])],
  ['tensor6d', (tf) => tf.tensor6d([[[[[[1], [2]]]]]])],
  ['tensor6d flat with shape', (tf) => tf.tensor6d(vals(12, 4), [1, 2, 1, 3, 2, 1])],
  ['tensor6d shape mismatch throws', (tf) => tf.tensor6d([1, 2, 3], [1, 1, 1, 1, 1, 2])],
];

describe('tfjs ops against real @tensorflow/tfjs: trigonometry, erf, atan2, scans, pad, diag, tensor5d/6d', () => {
  for (const [name, script] of [...unaries, ...binaries, ...scans, ...pads, ...others]) {
    it(name, () => conform(name, script));
  }
});
