// Property-based bad input at the public API (fast-check): any value in any argument position of
// sequential/layers/compile/fit/evaluate/predict/predictSync/setWeights either works or throws a
// BlasnetError with one of the documented codes (never a TypeError from inside the library, never a
// crash), and a call that throws leaves the model's weights as they were.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlasnetError, callbacks, data, layers, optimizers, sequential, setSeed, tensor2d, type ErrorCode, type Sequential,
} from '../../lib/index';
import { getEngine } from '../../lib/engine';

const ENGINE = getEngine().name;
const CODES: ErrorCode[] = ['ERR_INVALID_ARG', 'ERR_SHAPE_MISMATCH', 'ERR_NON_FINITE', 'ERR_UNKNOWN_NAME', 'ERR_NOT_COMPILED',
  'ERR_DISPOSED', 'ERR_OUT_OF_MEMORY', 'ERR_NAN_LOSS'];

const X = Array.from({ length: 6 }, (_, r) => [r / 6, Math.sin(r), Math.cos(r)]);
const Y = X.map((r) => [r[0]! - r[1]!]);

// Values users pass by mistake, plus near-valid data with one thing wrong.
const detached = (): Float32Array => { const a = new Float32Array(9); structuredClone(a.buffer, { transfer: [a.buffer] }); return a; };
const anyValue = fc.oneof(
  { weight: 4, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4, withBigInt: true, withBoxedValues: true, withMap: true, withSet: true,
    withTypedArray: true, withSparseArray: true, withNullPrototype: true, withDate: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Symbol('s'), 10n, NaN, Infinity, -0, 2 ** 53, -1, 0, 1.5, '', 'relu', [], [[]], {}) },
  { weight: 2, arbitrary: fc.array(fc.array(fc.oneof(fc.double(), fc.integer(), fc.constant(NaN)), { maxLength: 4 }), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom(
    () => ({ data: new Float32Array(18), shape: [6, 3] }),
    () => ({ data: new Float32Array(17), shape: [6, 3] }),
    () => ({ data: detached(), shape: [3, 3] }),
    () => tensor2d(new Float32Array(6), [2, 3]),
    () => X.map((r, i) => (i === 3 ? [r[0], Infinity, r[2]] : r)),
    () => X.slice(1),
    () => X.map((r) => [...r, 1]),
  ).map((f) => f()) },
);

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'initialEpoch', 'classWeight',
  'sampleWeight', 'verbose', 'callbacks', 'epoch', 'lr'];
function hash(v: unknown): number {
  let s: string;
  try {
    s = typeof v === 'symbol' ? v.toString() : typeof v === 'bigint' ? `${v}n` : String(JSON.stringify(v) ?? typeof v);
  } catch {
    s = typeof v; // BigInts inside arrays
  }
  let h = 7;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}
/** Fit options made silent; a valid huge epoch count would only make the run long, so it is skipped. */
function quiet(o: unknown): unknown {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return o;
  const r = { verbose: 0, ...(o as Record<string, unknown>) };
  for (const k of ['epochs', 'initialEpoch']) {
    const v = r[k as keyof typeof r];
    fc.pre(!(typeof v === 'number' && v > 3));
  }
  return r;
}

function weights(m: Sequential): number[][] {
  return m.getWeights().map((t) => Array.from(t.dataSync()));
}

async function outcome(f: () => unknown): Promise<'ok' | ErrorCode> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (fc.PreconditionFailure.isFailure(e)) throw e; // a skipped run (see quiet())
    if (!(e instanceof BlasnetError)) throw new Error(`not a BlasnetError: ${(e as Error)?.stack ?? String(e)}`);
    expect(CODES).toContain(e.code);
    expect(e.message.length).toBeGreaterThan(10);
    return e.code;
  }
}

describe(`arbitrary arguments at the public API (${ENGINE} engine, fast-check)`, () => {
  let m: Sequential;
  let w0: number[][];
  beforeAll(() => {
    setSeed(21);
    m = sequential({ layers: [layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    w0 = weights(m);
  });
  afterAll(() => m.dispose());

  const calls: [string, (a: unknown, b: unknown) => unknown][] = [
    ['predict(x)', (a) => m.predict(a)],
    ['predict(X, options)', (a) => m.predict(X, a as never)],
    ['predictSync(x)', (a) => m.predictSync(a)],
    ['fit(x, Y)', (a) => m.fit(a, Y, { verbose: 0 })],
    ['fit(X, y)', (a) => m.fit(X, a, { verbose: 0 })],
    ['fit(X, Y, options)', (a) => m.fit(X, Y, quiet(a) as never)],
    ['fit(X, Y, {option: value})', (a, b) => m.fit(X, Y, quiet({ [FIT_KEYS[Math.abs(hash(a)) % FIT_KEYS.length]!]: b }) as never)],
    ['evaluate(x, y)', (a, b) => m.evaluate(a, b)],
    ['setWeights(w)', (a) => m.setWeights(a as never)],
    ['layers.dense(options)', (a) => layers.dense(a as never)],
    ['layers.dense({units, activation})', (a, b) => layers.dense({ units: a, activation: b } as never)],
    ['layers.dropout(options)', (a) => layers.dropout(a as never)],
    ['sequential(options)', (a) => sequential(a as never)],
    ['compile(options) on a new model', (a) => sequential({ layers: [layers.dense({ units: 1, inputShape: [3] })] }).compile(a as never)],
    ['compile({optimizer, loss})', (a, b) => sequential({ layers: [layers.dense({ units: 1, inputShape: [3] })] }).compile({ optimizer: a, loss: b } as never)],
    ['evaluate(X, Y, options)', (a) => m.evaluate(X, Y, a as never)],
    ['trainOnBatch(x, Y)', (a) => m.trainOnBatch(a, Y)],
    ['trainOnBatch(X, y)', (a) => m.trainOnBatch(X, a)],
    ['predictOnBatch(x)', (a) => m.predictOnBatch(a)],
    ['setLearningRate(lr)', (a) => { m.setLearningRate(a as never); m.setLearningRate(0.01); }],
    ['optimizers.adam(options)', (a) => optimizers.adam(a as never)],
    ['optimizers.sgd(options)', (a) => optimizers.sgd(a as never)],
    ['optimizers.rmsprop(options)', (a) => optimizers.rmsprop(a as never)],
    ['layers.batchNormalization(options)', (a) => layers.batchNormalization(a as never)],
    ['layers.layerNormalization(options)', (a) => layers.layerNormalization(a as never)],
    ['layers.activation(options)', (a) => layers.activation(a as never)],
    ['tensor2d(values, shape)', (a, b) => tensor2d(a as never, b as never)],
    ['callbacks.earlyStopping(options)', (a) => callbacks.earlyStopping(a as never)],
    ['callbacks.reduceLROnPlateau(options)', (a) => callbacks.reduceLROnPlateau(a as never)],
    ['data.oneHot(labels, n)', (a, b) => data.oneHot(a as never, b as never)],
    ['data.standardScaler().fit(x)', (a) => data.standardScaler().fit(a as never)],
    ['data.minMaxScaler().fit(X).transform(x)', (a) => data.minMaxScaler().fit(X).transform(a as never)],
    ['data.trainTestSplit(x, y, options)', (a, b) => data.trainTestSplit(X, Y, a as never) && data.trainTestSplit(a as never, b as never)],
  ];

  it.each(calls)('%s: works or throws a coded BlasnetError; weights unchanged after a throw', async (_name, call) => {
    let thrown = 0;
    await fc.assert(fc.asyncProperty(anyValue, anyValue, async (a, b) => {
      const before = weights(m);
      const r = await outcome(() => call(a, b));
      if (r !== 'ok') {
        thrown++;
        expect(weights(m)).toEqual(before);
      } else if (JSON.stringify(weights(m)) !== JSON.stringify(w0)) {
        m.setWeights(w0.map((w) => Float32Array.from(w))); // a fit that worked: back to the start for the next run
      }
    }), { numRuns: 300, seed: Number(process.env.BLASNET_FC_SEED ?? 4242) });
    expect(thrown).toBeGreaterThan(0);
    // Still usable.
    expect(m.predictSync(X).dataSync().every(Number.isFinite)).toBe(true);
  }, 60_000);
});
