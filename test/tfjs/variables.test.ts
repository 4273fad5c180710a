// tf.variable (assign, trainable, names, tidy, memory counts) and eye with batchShape, each run on real
// @tensorflow/tfjs (CPU backend) and on blasnet: values (1e-6), dtype, shape and the memory() change
// must agree, and where tfjs throws blasnet throws a BlasnetError.
import { beforeAll, describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { conform, oursTf, realTf, vals, type TF } from './helpers';

beforeAll(async () => { await realTf.setBackend('cpu'); });

type Case = [string, (tf: TF) => unknown];
let unique = 0;
const fresh = (base: string) => `${base}-${process.pid}-${unique++}`;

const variables: Case[] = [
  ['variable shares its initial value', (tf) => {
    const x = tf.tensor2d(vals(6, 3), [2, 3]);
    const v = tf.variable(x);
    return [v, v.trainable, typeof v.name, v.dtype, v.shape, v.isDisposed];
  }],
  ['variable survives tidy', (tf) => {
    const v = tf.tidy(() => tf.variable(tf.ones([3]).mul(2), false));
    return [v, v.trainable, v.isDisposed];
  }],
  ['variable with a dtype casts', (tf) => tf.variable(tf.tensor1d([1.5, -2.7, 3]), true, undefined, 'int32')],
  ['variable chained', (tf) => tf.tensor1d([4, 5]).variable(false)],
  ['assign takes the new buffer', (tf) => {
    const v = tf.variable(tf.zeros([2, 2]));
    const w = tf.tensor2d([[1, 2], [3, 4]]);
    v.assign(w);
    const sum = v.add(1);
    w.dispose();
    return [v, sum, w.isDisposed, v.isDisposed];
  }],
  ['assign inside tidy keeps the variable', (tf) => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    tf.tidy(() => v.assign(v.mul(10)));
    return v;
  }],
  ['dispose of a variable', (tf) => {
    const x = tf.tensor1d([1, 2]);
    const v = tf.variable(x);
    v.dispose();
    return [x, v.isDisposed];
  }],
  ['dispose variable then its initial value', (tf) => {
    const x = tf.tensor1d([1, 2]);
    const v = tf.variable(x);
    x.dispose();
    return v;
  }],
  ['a named variable', (tf) => { const name = fresh('w'); const v = tf.variable(tf.scalar(3), true, name); return [v, v.name === name]; }],
  ['a name used twice throws', (tf) => { const name = fresh('twice'); tf.variable(tf.scalar(1), true, name); return tf.variable(tf.scalar(2), true, name); }],
  ['assign of another shape throws', (tf) => tf.variable(tf.zeros([2, 3])).assign(tf.zeros([3]))],
  ['assign of another dtype throws', (tf) => tf.variable(tf.zeros([2])).assign(tf.zeros([2], 'int32'))],
  ['variable of an array throws', (tf) => tf.variable([1, 2])],
];

const eyes: Case[] = [
  ['eye', (tf) => [tf.eye(3), tf.eye(2, 4), tf.eye(4, 2), tf.eye(0), tf.eye(2, 2, undefined, 'int32')]],
  ['eye with batchShape', (tf) => [tf.eye(2, 3, [2]), tf.eye(3, 2, [2, 1]), tf.eye(2, 2, [1, 2, 2], 'int32'), tf.eye(2, 2, [0])]],
  ['eye with a 4-D batchShape throws', (tf) => tf.eye(2, 2, [1, 1, 1, 1])],
];

describe('tf.variable and eye against real @tensorflow/tfjs', () => {
  for (const [name, script] of [...variables, ...eyes]) {
    it(name, () => conform(name, script, { memory: !name.includes('throws') }));
  }
});

describe('variables beyond tfjs', () => {
  it('disposeVariables disposes every variable and frees their names', () => {
    const name = fresh('gone');
    const x = oursTf.zeros([2]), y = oursTf.ones([3]);
    const a = oursTf.variable(x, true, name), b = oursTf.variable(y);
    oursTf.disposeVariables();
    expect([a.isDisposed, b.isDisposed, x.isDisposed, y.isDisposed]).toEqual([true, true, false, false]);
    const after = oursTf.memory().numTensors;
    oursTf.disposeVariables();
    expect(oursTf.memory().numTensors).toBe(after);
    expect(Array.from(y.dataSync())).toEqual([1, 1, 1]);
    expect(oursTf.variable(oursTf.scalar(1), true, name).name).toBe(name);
  });

  it('bad arguments are BlasnetErrors naming them', () => {
    const x = oursTf.tensor1d([1, 2]);
    const bad: Array<[() => unknown, RegExp]> = [
      [() => oursTf.variable(x, 'yes' as never), /tf.variable trainable/],
      [() => oursTf.variable(x, true, 7 as never), /tf.variable name/],
      [() => oursTf.variable(x).assign([1, 2] as never), /assign\(newValue\)/],
      [() => { const d = oursTf.tensor1d([1]); d.dispose(); return oursTf.variable(d); }, /disposed/],
      [() => oursTf.eye(2.5), /eye numRows/],
      [() => oursTf.eye(2, -1), /eye numColumns/],
      [() => oursTf.eye(2, 2, [1.5]), /eye batch/],
    ];
    for (const [f, message] of bad) {
      let err: unknown;
      try { f(); } catch (e) { err = e; }
      expect(err, String(message)).toBeInstanceOf(BlasnetError);
      expect((err as Error).message).toMatch(message);
    }
  });
});
