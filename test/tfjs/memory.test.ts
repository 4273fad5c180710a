// The memory API against real @tensorflow/tfjs: tidy (nested, returning tensors, arrays and objects of
// tensors), keep, dispose, engine().startScope/endScope; the memory() counts each script leaves and
// the tensors it reports disposed must be tfjs's.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { conform, oursTf, realTf, type TF } from './helpers';

beforeAll(async () => { await realTf.setBackend('cpu'); });

const scripts: [string, (tf: TF) => unknown][] = [
  ['tidy disposes what it does not return', (tf) => {
    const y = tf.tidy(() => { const a = tf.ones([3]); const b = a.mul(2); return b.add(1); });
    return [y, tf.memory().numTensors];
  }],
  ['tidy returning an array and an object of tensors', (tf) => {
    const r = tf.tidy(() => { const a = tf.range(0, 4); return { s: [a.sum(), a.mean()], m: a.max(), n: 3 }; });
    return r;
  }],
  ['nested tidy hands results outwards', (tf) => tf.tidy(() => {
    const inner = tf.tidy(() => tf.ones([2]).add(tf.ones([2])));
    const other = tf.tidy(() => { tf.zeros([5]); return tf.scalar(1); });
    return inner.add(other);
  })],
  ['keep survives tidy', (tf) => {
    let kept: unknown;
    tf.tidy(() => { kept = tf.keep(tf.ones([4]).mul(3)); tf.zeros([2]); });
    return kept;
  }],
  ['a tensor from outside passes through tidy', (tf) => {
    const outside = tf.ones([2]);
    const same = tf.tidy(() => { tf.zeros([3]); return outside; });
    return [same === outside, same];
  }],
  ['tidy with a name', (tf) => tf.tidy('named', () => tf.ones([2]).square())],
  ['dispose a container', (tf) => {
    const a = tf.ones([2]), b = tf.zeros([3]), c = tf.scalar(1);
    tf.dispose([a, { b, deep: [c] }]);
    return [a.isDisposed, b.isDisposed, c.isDisposed];
  }],
  ['dispose twice and a shared buffer', (tf) => {
    const a = tf.ones([2, 2]);
    const r = a.reshape([4]);
    a.dispose(); a.dispose();
    return [r, r.isDisposed];
  }],
  ['startScope / endScope', (tf) => {
    tf.engine().startScope();
    const a = tf.ones([3]);
    const b = a.add(1);
    tf.zeros([7]);
    tf.engine().endScope(b);
    return [a.isDisposed, b.isDisposed, b];
  }],
  ['startScope / endScope nested, results moved out', (tf) => {
    tf.engine().startScope();
    tf.engine().startScope();
    const x = tf.ones([2]).mul(5);
    tf.engine().endScope([x]);
    const y = x.sum();
    tf.engine().endScope({ y });
    return [x.isDisposed, y];
  }],
  ['a throwing tidy disposes its tensors', (tf) => {
    try { tf.tidy(() => { tf.ones([10]); throw new Error('boom'); }); } catch { /* expected */ }
    return tf.memory().numTensors;
  }],
  ['ops in a tidy that returns nothing', (tf) => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    tf.tidy(() => { const { mean, variance } = tf.moments(x, 0); x.sub(mean).div(variance.sqrt()); tf.split(x, 2); tf.topk(x, 1); });
    return x;
  }],
];

describe('memory API conforms to @tensorflow/tfjs', () => {
  it.each(scripts)('%s', (name, script) => {
    // The absolute tensor count differs between the processes' histories; only deltas are compared.
    conform(name, (tf) => {
      const base = tf.memory().numTensors;
      const r = script(tf);
      return [r, tf.memory().numTensors - base];
    });
  });

  it('memory() has tfjs keys', () => {
    expect(Object.keys(oursTf.memory()).sort()).toEqual(Object.keys(realTf.memory()).sort());
  });

  it('a disposed tensor refuses to be used, with a BlasnetError (tfjs 4.22 throws a TypeError from deep inside)', () => {
    const t = oursTf.ones([2]);
    t.dispose();
    expect(() => t.dataSync()).toThrow(BlasnetError);
    expect(() => oursTf.add(t, 1)).toThrow("Argument 'a' passed to 'add' is a disposed tensor");
  });

  it('tidy of an async function reports it, as tfjs does', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const p = oursTf.tidy(async () => oursTf.ones([1]));
    await p;
    expect(spy).toHaveBeenCalledWith('Cannot return a Promise inside of tidy.');
    spy.mockRestore();
  });

  it('tidy argument errors are BlasnetErrors', () => {
    expect(() => oursTf.tidy(3)).toThrow(BlasnetError);
    expect(() => oursTf.tidy(3, () => undefined)).toThrow(/first argument/);
    expect(() => oursTf.tidy('name', 3)).toThrow(/2nd argument/);
  });
});
