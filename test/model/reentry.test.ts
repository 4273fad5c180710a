// A fit's callbacks may call predict, evaluate and save on the model being fitted, and on a model whose
// fit they await and whose callbacks call back: those calls run at once on the weights of that moment (as
// tfjs allows). A call that would wait for a fit which itself waits for the caller (two or three models
// fitting at once, each callback awaiting the next model) is refused at once with ERR_BUSY. Nothing hangs:
// every call here is raced against a timer. Runs on the engine of this run (BLASNET_ENGINE).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layers, loadModel, sequential, setSeed, type Sequential, type Tensor } from '../../lib/index';
import { RUN_ENGINE } from '../helpers/engines';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-reentry-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const HANG_MS = 20_000;

/** p (a promise, or the value of a synchronous call), or a rejection saying `what` hung when it has not settled after HANG_MS. */
function within<T>(p: T | Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${HANG_MS} ms`)), HANG_MS);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

const X = Array.from({ length: 48 }, (_, i) => [i / 48, (i % 7) / 7, (i % 3) / 3]);
const Y = X.map((r) => [r[0]! + 0.5 * r[1]! - r[2]!]);

function model(name: string): Sequential {
  const m = sequential({ name, layers: [layers.dense({ units: 5, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 1 })] });
  m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  return m;
}

/** A fresh model of the same shape holding `weights`. */
function withWeights(weights: Tensor[]): Sequential {
  const m = model('copy');
  m.setWeights(weights);
  return m;
}

const values = (t: Tensor): number[] => Array.from(t.dataSync());
const fitArgs = { epochs: 2, batchSize: 16, verbose: 0 as const, shuffle: false };

type Call = 'predictAsync' | 'evaluateAsync' | 'predict' | 'evaluate' | 'save';
const CALLS: Call[] = ['predictAsync', 'evaluateAsync', 'predict', 'evaluate', 'save'];
const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

/**
 * Makes `call` on `m` and checks it ran on the weights `m` held when it was made: a copy of the model
 * with those weights gives the same outputs, loss, or saved weights.
 */
async function callAndCheck(m: Sequential, call: Call, where: string): Promise<void> {
  const weights = m.getWeights();
  const copy = withWeights(weights);
  if (call === 'predictAsync' || call === 'predict') {
    const out = await within(m[call](X.slice(0, 4)), `${where}: ${call}`);
    expect(values(out)).toEqual(values(copy.predictSync(X.slice(0, 4))));
  } else if (call === 'evaluateAsync' || call === 'evaluate') {
    const logs: unknown = await within(m[call](X, Y) as never, `${where}: ${call}`);
    // evaluate is tfjs's form (the loss as a float32 Scalar); evaluateAsync gives the scores by name.
    const loss = call === 'evaluate' ? (logs as { dataSync(): Float32Array }).dataSync()[0] : (logs as { loss: number }).loss;
    const expected = (await copy.evaluateAsync(X, Y)).loss!;
    expect(loss).toBe(call === 'evaluate' ? Math.fround(expected) : expected);
  } else {
    const dir = fs.mkdtempSync(path.join(tmp, 'save-'));
    await within(m.save(dir), `${where}: save`);
    const loaded = await loadModel(dir);
    expect(loaded.getWeights().map(values)).toEqual(weights.map(values));
    loaded.dispose();
  }
  copy.dispose();
}

describe(`a callback's calls on the model being fitted run at once (${RUN_ENGINE} engine)`, () => {
  it.each(HOOKS.flatMap((hook) => CALLS.map((call) => [hook, call] as const)))(
    '%s awaits %s: it runs on the weights of that moment and the fit goes on', async (hook, call) => {
      setSeed(7);
      const m = model('fitted');
      let made = 0;
      const h = await within(m.fit(X, Y, {
        ...fitArgs,
        callbacks: { [hook]: async () => { made++; await callAndCheck(m, call, hook); } },
      }), `fit with ${hook} awaiting ${call}`);
      expect(made).toBeGreaterThan(0);
      expect(h.history.loss).toHaveLength(2);
      // The call changed nothing the fit does: the same fit without it ends on the same weights.
      setSeed(7);
      const plain = model('plain');
      await plain.fit(X, Y, fitArgs);
      expect(m.getWeights().map(values)).toEqual(plain.getWeights().map(values));
      m.dispose();
      plain.dispose();
    });
});

describe(`calls across models whose fits await each other (${RUN_ENGINE} engine)`, () => {
  it.each(CALLS)('A\'s callback awaits B.fit, whose callback awaits A.%s: it runs at once', async (call) => {
    const a = model('a');
    const b = model('b');
    let inner = 0;
    await within(a.fit(X, Y, {
      ...fitArgs,
      callbacks: {
        onEpochEnd: async () => {
          await b.fit(X, Y, { ...fitArgs, callbacks: { onEpochEnd: async () => { inner++; await callAndCheck(a, call, 'B inside A'); } } });
        },
      },
    }), 'A.fit awaiting B.fit');
    expect(inner).toBe(4); // two epochs of B inside each of A's two epochs
    a.dispose();
    b.dispose();
  });

  it('two fits whose callbacks await each other\'s model: the call that closes the cycle is ERR_BUSY at once, the other fit completes', async () => {
    const a = model('a');
    const b = model('b');
    let entered = 0;
    let bothInside!: () => void;
    const inside = new Promise<void>((resolve) => { bothInside = resolve; });
    const meet = async (): Promise<void> => { if (++entered === 2) bothInside(); await inside; };
    let aGot: unknown = null;
    const fitA = a.fit(X, Y, { ...fitArgs, epochs: 1, callbacks: { onEpochEnd: async () => { await meet(); aGot = await b.predictAsync(X.slice(0, 2)); } } });
    const fitB = b.fit(X, Y, { ...fitArgs, epochs: 1, callbacks: { onEpochEnd: async () => { await meet(); await a.predictAsync(X.slice(0, 2)); } } });
    const [ra, rb] = await within(Promise.allSettled([fitA, fitB]), 'two fits awaiting each other');
    // A's callback asked first and waits for B's fit; B's callback would then wait for A's: refused.
    expect(ra.status).toBe('fulfilled');
    expect(rb.status).toBe('rejected');
    const err = (rb as PromiseRejectedResult).reason as { code: string; message: string };
    expect(err.code).toBe('ERR_BUSY');
    expect(err.message).toMatch(/predict\(\) on model a would wait .* b, .*deadlock/);
    expect(aGot).not.toBeNull();
    // Both models still work.
    expect((await within(a.predictAsync(X.slice(0, 1)), 'a.predict after')).shape).toEqual([1, 1]);
    expect((await within(b.fit(X, Y, { ...fitArgs, epochs: 1 }), 'b.fit after')).history.loss).toHaveLength(1);
    a.dispose();
    b.dispose();
  });

  it('a cycle through three models (A waits for B, B for C, C for A) is ERR_BUSY naming the path', async () => {
    const ms = [model('a'), model('b'), model('c')];
    let entered = 0;
    let allInside!: () => void;
    const inside = new Promise<void>((resolve) => { allInside = resolve; });
    const order: number[] = [];
    const fits = ms.map((m, i) => m.fit(X, Y, {
      ...fitArgs, epochs: 1,
      callbacks: {
        onEpochEnd: async () => {
          if (++entered === 3) allInside();
          await inside;
          // Each waits a turn longer than the one before, so A, then B, then C make their call.
          for (let t = 0; t < i; t++) await new Promise((r) => setImmediate(r));
          order.push(i);
          await ms[(i + 1) % 3]!.save(fs.mkdtempSync(path.join(tmp, `cycle-${i}-`)));
        },
      },
    }));
    const settled = await within(Promise.allSettled(fits), 'three fits in a cycle');
    expect(order).toEqual([0, 1, 2]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const err = (settled[2] as PromiseRejectedResult).reason as { code: string; message: string };
    expect(err.code).toBe('ERR_BUSY');
    expect(err.message).toMatch(/save\(\) on model a would wait for its running call, which waits for b -> c,/);
    for (const m of ms) m.dispose();
  });

  it('a model busy in another model\'s fit without a cycle is waited for, not refused', async () => {
    const a = model('a');
    const b = model('b');
    // B fits on its own; A's callback awaits B.predict, which waits for B's fit and then runs.
    const fitB = b.fit(X, Y, { ...fitArgs, epochs: 3 });
    let got = 0;
    await within(a.fit(X, Y, { ...fitArgs, epochs: 1, callbacks: { onEpochEnd: async () => { got = (await b.predictAsync(X.slice(0, 3))).shape[0]!; } } }), 'A waiting for B');
    await within(fitB, 'B.fit');
    expect(got).toBe(3);
    a.dispose();
    b.dispose();
  });
});
