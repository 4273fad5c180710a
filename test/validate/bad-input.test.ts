// Bad input across the public API: each malformed call must throw a BlasnetError with a specific
// code and a message naming the argument, what was expected and what was received; afterwards the
// model is unchanged (same weights) and still works. Runs on the engine chosen by BLASNET_ENGINE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlasnetError, layers, optimizers, sequential, setEngine, setNumThreads, setSeed, tensor2d, type Sequential,
} from '../../lib/index';
import { getEngine } from '../../lib/engine';

const ENGINE = getEngine().name;

// 12 rows, 4 features, 3 classes (one-hot and sparse).
const ROWS = 12;
const X: number[][] = Array.from({ length: ROWS }, (_, r) => [r / 12, (r % 3) - 1, Math.sin(r), Math.cos(r)]);
const SPARSE: number[] = Array.from({ length: ROWS }, (_, r) => r % 3);
const ONEHOT: number[][] = SPARSE.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));

function makeModel(loss: 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy', compile = true): Sequential {
  const m = sequential({ layers: [
    layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
    layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  if (compile) m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss, metrics: ['accuracy'] });
  return m;
}

function weightsOf(m: Sequential): Float32Array[] {
  return m.getWeights().map((t) => Float32Array.from(t.dataSync()));
}

/** x with one value replaced. */
function xWith(r: number, c: number, v: number): number[][] {
  const x = X.map((row) => row.slice());
  x[r]![c] = v;
  return x;
}

function detachedF32(n: number): Float32Array {
  const a = new Float32Array(n);
  // Transferring the buffer detaches it (length 0, byteLength 0) without any Node-only API.
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

type Models = { cat: Sequential; sparse: Sequential; raw: Sequential; dead: Sequential };
interface Case {
  name: string;
  /** Sync or async; the error may be thrown or a rejection. */
  run: (m: Models) => unknown;
  code: string;
  /** Must match the message: the argument's name, and usually "expected ... received". */
  msg: RegExp;
}

const EXP = /expected/i;
// Unknown option names say "Unknown option "<name>" for <fn>; expected one of: ...".
const REC = /received|unknown option/i;

// Wrong types for x, shared by fit, evaluate and predict.
const BAD_X: [string, unknown, RegExp][] = [
  ['a string', 'abc', /for x but received "abc"/],
  ['an object', { a: 1 }, /for x but received an object/],
  ['null', null, /for x but received null/],
  ['undefined', undefined, /for x but received undefined/],
  ['a Symbol', Symbol('s'), /for x but received Symbol\(s\)/],
  ['a BigInt', 5n, /for x but received 5n/],
  ['a 1-D number[]', [1, 2, 3, 4], /2-D array.*for x/],
  ['a bare Float32Array', new Float32Array(48), /typed array with a shape.*for x.*Float32Array of length 48/],
];

const cases: Case[] = [
  // ---- layers
  { name: 'dense units as a string', run: () => layers.dense({ units: '8' as unknown as number }), code: 'ERR_INVALID_ARG', msg: /positive integer for units but received "8"/ },
  { name: 'dense units 0', run: () => layers.dense({ units: 0 }), code: 'ERR_INVALID_ARG', msg: /positive integer for units but received 0/ },
  { name: 'dense units negative', run: () => layers.dense({ units: -3 }), code: 'ERR_INVALID_ARG', msg: /for units but received -3/ },
  { name: 'dense units fractional', run: () => layers.dense({ units: 2.5 }), code: 'ERR_INVALID_ARG', msg: /for units but received 2.5/ },
  { name: 'dense units Symbol', run: () => layers.dense({ units: Symbol('u') as unknown as number }), code: 'ERR_INVALID_ARG', msg: /for units but received Symbol\(u\)/ },
  { name: 'dense units BigInt', run: () => layers.dense({ units: 8n as unknown as number }), code: 'ERR_INVALID_ARG', msg: /for units but received 8n/ },
  { name: 'dense units NaN', run: () => layers.dense({ units: NaN }), code: 'ERR_INVALID_ARG', msg: /for units but received NaN/ },
  { name: 'dense units 2^40 (too large for any allocation)', run: () => layers.dense({ units: 2 ** 40 }), code: 'ERR_INVALID_ARG', msg: /up to 16777216 for units but received 1099511627776/ },
  {
    name: 'dense 16M units on 1M inputs (1.6e13 weights): an error, not an abort',
    run: () => sequential({ layers: [layers.dense({ units: 1 << 24, inputShape: [1 << 20] })] }),
    code: 'ERR_OUT_OF_MEMORY', msg: /would need 17592202821632 parameters/,
  },
  { name: 'unknown activation name', run: () => layers.dense({ units: 2, activation: 'relux' as 'relu' }), code: 'ERR_UNKNOWN_NAME', msg: /relux[\s\S]*relu/ },
  { name: 'activation as a number', run: () => layers.dense({ units: 2, activation: 5 as unknown as 'relu' }), code: 'ERR_UNKNOWN_NAME', msg: /activation 5 for dense activation; expected one of: linear/ },
  { name: 'inputShape as a string', run: () => layers.dense({ units: 2, inputShape: 'abc' as unknown as number[] }), code: 'ERR_INVALID_ARG', msg: /inputShape but received "abc"/ },
  { name: 'inputShape [0]', run: () => layers.dense({ units: 2, inputShape: [0] }), code: 'ERR_INVALID_ARG', msg: /inputShape.*received/ },
  { name: 'unknown kernelInitializer', run: () => layers.dense({ units: 2, kernelInitializer: 'glorotUniformX' as 'zeros' }), code: 'ERR_UNKNOWN_NAME', msg: /glorotUniformX/ },
  { name: 'unknown dense option', run: () => layers.dense({ units: 2, unitz: 3 } as unknown as { units: number }), code: 'ERR_INVALID_ARG', msg: /"unitz".*expected one of/ },
  { name: 'dropout rate 1', run: () => layers.dropout({ rate: 1 }), code: 'ERR_INVALID_ARG', msg: /\[0, 1\) for rate but received 1$/ },
  { name: 'dropout rate -0.1', run: () => layers.dropout({ rate: -0.1 }), code: 'ERR_INVALID_ARG', msg: /for rate but received -0.1/ },
  { name: 'dropout rate NaN', run: () => layers.dropout({ rate: NaN }), code: 'ERR_INVALID_ARG', msg: /for rate but received NaN/ },
  { name: 'dropout rate as a string', run: () => layers.dropout({ rate: '0.5' as unknown as number }), code: 'ERR_INVALID_ARG', msg: /for rate but received "0.5"/ },
  { name: 'sequential layers not an array', run: () => sequential({ layers: 'dense' as unknown as [] }), code: 'ERR_INVALID_ARG', msg: /array of layers.*received "dense"/ },
  { name: 'sequential with a plain object as layer', run: () => sequential({ layers: [{ units: 3 } as never] }), code: 'ERR_INVALID_ARG', msg: /a layer from layers.*received an object/ },

  // ---- compile / optimizers
  { name: 'compile(null)', run: (m) => m.raw.compile(null as never), code: 'ERR_INVALID_ARG', msg: /an object for compile options but received null/ },
  { name: 'unknown optimizer name', run: (m) => m.raw.compile({ optimizer: 'adamx', loss: 'mse' }), code: 'ERR_UNKNOWN_NAME', msg: /adamx[\s\S]*adam/ },
  { name: 'unknown loss name', run: (m) => m.raw.compile({ optimizer: 'adam', loss: 'msee' }), code: 'ERR_UNKNOWN_NAME', msg: /msee[\s\S]*meanSquaredError/ },
  { name: 'unknown metric name', run: (m) => m.raw.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acc2'] }), code: 'ERR_UNKNOWN_NAME', msg: /acc2[\s\S]*accuracy/ },
  { name: 'optimizer as a Symbol', run: (m) => m.raw.compile({ optimizer: Symbol('o') as never, loss: 'mse' }), code: 'ERR_UNKNOWN_NAME', msg: /optimizer Symbol\(o\) for compile optimizer; expected one of: sgd/ },
  { name: 'unknown compile option', run: (m) => m.raw.compile({ optimizer: 'adam', loss: 'mse', lr: 1 } as never), code: 'ERR_INVALID_ARG', msg: /"lr" for compile; expected one of/ },
  { name: 'learning rate 0', run: () => optimizers.adam({ learningRate: 0 }), code: 'ERR_INVALID_ARG', msg: /> 0 for learningRate but received 0/ },
  { name: 'learning rate negative', run: () => optimizers.sgd({ learningRate: -0.1 }), code: 'ERR_INVALID_ARG', msg: /for learningRate but received -0.1/ },
  { name: 'learning rate NaN', run: () => optimizers.rmsprop({ learningRate: NaN }), code: 'ERR_INVALID_ARG', msg: /for learningRate but received NaN/ },
  { name: 'learning rate Infinity', run: () => optimizers.adagrad({ learningRate: Infinity }), code: 'ERR_INVALID_ARG', msg: /for learningRate but received Infinity/ },
  { name: 'setLearningRate(0) on a model', run: (m) => m.cat.setLearningRate(0), code: 'ERR_INVALID_ARG', msg: /> 0 for learning rate but received 0/ },
  { name: 'adam beta1 = 1', run: () => optimizers.adam({ beta1: 1 }), code: 'ERR_INVALID_ARG', msg: /\[0, 1\) for beta1 but received 1/ },

  // ---- fit / evaluate before compile, after dispose
  { name: 'fit before compile', run: (m) => m.raw.fit(X, ONEHOT), code: 'ERR_NOT_COMPILED', msg: /compile/ },
  { name: 'evaluate before compile', run: (m) => m.raw.evaluate(X, ONEHOT), code: 'ERR_NOT_COMPILED', msg: /compile/ },
  { name: 'predict on a disposed model', run: (m) => m.dead.predict(X), code: 'ERR_DISPOSED', msg: /dispose/ },
  { name: 'predictSync on a disposed model', run: (m) => m.dead.predictSync(X), code: 'ERR_DISPOSED', msg: /dispose/ },
  { name: 'fit on a disposed model', run: (m) => m.dead.fit(X, ONEHOT), code: 'ERR_DISPOSED', msg: /dispose/ },
  { name: 'getWeights on a disposed model', run: (m) => m.dead.getWeights(), code: 'ERR_DISPOSED', msg: /dispose/ },

  // ---- x: wrong types (fit, predict, evaluate)
  ...BAD_X.map(([what, x, msg]): Case => ({ name: `fit x ${what}`, run: (m) => m.cat.fit(x, ONEHOT, { verbose: 0 }), code: 'ERR_INVALID_ARG', msg })),
  ...BAD_X.slice(0, 6).map(([what, x, msg]): Case => ({ name: `predict x ${what}`, run: (m) => m.cat.predict(x), code: 'ERR_INVALID_ARG', msg })),
  { name: 'evaluate x a Symbol', run: (m) => m.cat.evaluate(Symbol('e'), ONEHOT), code: 'ERR_INVALID_ARG', msg: /for x but received Symbol\(e\)/ },
  { name: 'x with a BigInt value', run: (m) => m.cat.fit([[1n, 2, 3, 4]], [[1, 0, 0]], { verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /a number for x\[0\]\[0\] but received 1n/ },
  { name: 'x with a string value', run: (m) => m.cat.predict([[1, 2, '3', 4]]), code: 'ERR_INVALID_ARG', msg: /a number for x\[0\]\[2\] but received "3"/ },
  { name: 'x with a null row', run: (m) => m.cat.predict([[1, 2, 3, 4], null]), code: 'ERR_INVALID_ARG', msg: /row\) for x\[1\] but received null/ },
  { name: 'ragged x', run: (m) => m.cat.fit([[1, 2, 3, 4], [1, 2, 3]], [[1, 0, 0], [0, 1, 0]], { verbose: 0 }), code: 'ERR_SHAPE_MISMATCH', msg: /4 values in row 1 of x.*received 3/ },
  { name: 'zero rows', run: (m) => m.cat.fit([], [], { verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /at least one row for x but received an array of length 0/ },
  { name: 'zero rows as tensor2d', run: (m) => m.cat.predict(tensor2d(new Float32Array(0), [0, 4])), code: 'ERR_INVALID_ARG', msg: /at least one row for x/ },
  { name: 'zero columns', run: (m) => m.cat.predict([[], []]), code: 'ERR_INVALID_ARG', msg: /at least one column for x but received an array of length 2/ },
  { name: 'feature count does not match inputShape (fit)', run: (m) => m.cat.fit(X.map((r) => [...r, 0]), ONEHOT, { verbose: 0 }), code: 'ERR_SHAPE_MISMATCH', msg: /x with 4 features.*received 5/ },
  { name: 'feature count does not match inputShape (predict)', run: (m) => m.cat.predict([[1, 2, 3]]), code: 'ERR_SHAPE_MISMATCH', msg: /x with 4 features.*received 3/ },
  { name: '{data, shape} length mismatch', run: (m) => m.cat.predict({ data: new Float32Array(7), shape: [2, 4] }), code: 'ERR_SHAPE_MISMATCH', msg: /8 values for x of shape \[2, 4\] but received 7/ },
  { name: '{data, shape} with a bad shape', run: (m) => m.cat.predict({ data: new Float32Array(8), shape: [2, -4] }), code: 'ERR_INVALID_ARG', msg: /\[rows, cols\] for x.shape but received an array of length 2/ },
  { name: 'a detached Float32Array as x', run: (m) => m.cat.predict({ data: detachedF32(8), shape: [2, 4] }), code: 'ERR_INVALID_ARG', msg: /live buffer \(it was detached or transferred\) for x.data/ },

  // ---- labels
  { name: 'label rows do not match x rows', run: (m) => m.cat.fit(X, ONEHOT.slice(1), { verbose: 0 }), code: 'ERR_SHAPE_MISMATCH', msg: /y with 12 rows \(as x\) but received 11/ },
  { name: 'label width does not match the output layer', run: (m) => m.cat.fit(X, ONEHOT.map((r) => r.slice(0, 2)), { verbose: 0 }), code: 'ERR_SHAPE_MISMATCH', msg: /y with 3 columns \(the output layer's units\) but received 2/ },
  { name: 'class indices with a one-hot loss', run: (m) => m.cat.fit(X, SPARSE, { verbose: 0 }), code: 'ERR_SHAPE_MISMATCH', msg: /3 columns.*received 1.*sparseCategoricalCrossentropy/ },
  { name: 'sparse class out of range', run: (m) => m.sparse.fit(X, SPARSE.map((c, i) => (i === 5 ? 3 : c)), { verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /integer class index in \[0, 2\] for y at row 5 but received 3/ },
  { name: 'sparse class negative', run: (m) => m.sparse.fit(X, SPARSE.map((c, i) => (i === 0 ? -1 : c)), { verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /for y at row 0 but received -1/ },
  { name: 'sparse class non-integer', run: (m) => m.sparse.fit(X, SPARSE.map((c, i) => (i === 7 ? 1.5 : c)), { verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /for y at row 7 but received 1.5/ },
  { name: 'sparse labels as a BigInt64Array', run: (m) => m.sparse.fit(X, new BigInt64Array(ROWS), { verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /numbers, not BigInts for y/ },
  { name: 'labels as a string', run: (m) => m.cat.fit(X, 'labels', { verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /for y but received "labels"/ },

  // ---- non-finite data (rejected before training, with row and column)
  { name: 'NaN in x', run: (m) => m.cat.fit(xWith(3, 2, NaN), ONEHOT, { verbose: 0 }), code: 'ERR_NON_FINITE', msg: /finite numbers in x but received NaN at row 3, column 2/ },
  { name: 'Infinity in x', run: (m) => m.cat.fit(xWith(11, 0, Infinity), ONEHOT, { verbose: 0 }), code: 'ERR_NON_FINITE', msg: /in x but received Infinity at row 11, column 0/ },
  { name: 'a float32-overflowing value in x (1e39 -> Infinity)', run: (m) => m.cat.predict(xWith(0, 1, 1e39)), code: 'ERR_NON_FINITE', msg: /in x but received Infinity at row 0, column 1/ },
  { name: 'NaN in y', run: (m) => m.cat.fit(X, ONEHOT.map((r, i) => (i === 4 ? [0, NaN, 1] : r)), { verbose: 0 }), code: 'ERR_NON_FINITE', msg: /in y but received NaN at row 4, column 1/ },
  { name: '-Infinity in sparse y', run: (m) => m.sparse.fit(X, SPARSE.map((c, i) => (i === 9 ? -Infinity : c)), { verbose: 0 }), code: 'ERR_NON_FINITE', msg: /in y but received -Infinity at row 9, column 0/ },
  { name: 'NaN in evaluate x', run: (m) => m.cat.evaluate(xWith(1, 3, NaN), ONEHOT), code: 'ERR_NON_FINITE', msg: /in x but received NaN at row 1, column 3/ },

  // ---- fit options
  { name: 'batchSize 0', run: (m) => m.cat.fit(X, ONEHOT, { batchSize: 0, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /positive integer for batchSize but received 0/ },
  { name: 'batchSize negative', run: (m) => m.cat.fit(X, ONEHOT, { batchSize: -4, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /for batchSize but received -4/ },
  { name: 'batchSize fractional', run: (m) => m.cat.fit(X, ONEHOT, { batchSize: 2.5, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /for batchSize but received 2.5/ },
  { name: 'batchSize a string', run: (m) => m.cat.fit(X, ONEHOT, { batchSize: '32' as unknown as number, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /for batchSize but received "32"/ },
  { name: 'predict batchSize 0', run: (m) => m.cat.predict(X, { batchSize: 0 }), code: 'ERR_INVALID_ARG', msg: /for batchSize but received 0/ },
  { name: 'evaluate batchSize NaN', run: (m) => m.cat.evaluate(X, ONEHOT, { batchSize: NaN }), code: 'ERR_INVALID_ARG', msg: /for batchSize but received NaN/ },
  { name: 'epochs negative', run: (m) => m.cat.fit(X, ONEHOT, { epochs: -1, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /non-negative integer for epochs but received -1/ },
  { name: 'epochs fractional', run: (m) => m.cat.fit(X, ONEHOT, { epochs: 1.5, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /for epochs but received 1.5/ },
  { name: 'epochs a BigInt', run: (m) => m.cat.fit(X, ONEHOT, { epochs: 2n as unknown as number, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /for epochs but received 2n/ },
  { name: 'unknown fit option', run: (m) => m.cat.fit(X, ONEHOT, { epoch: 2 } as never), code: 'ERR_INVALID_ARG', msg: /"epoch" for fit; expected one of/ },
  { name: 'validationSplit 1', run: (m) => m.cat.fit(X, ONEHOT, { validationSplit: 1, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /\[0, 1\) for validationSplit but received 1/ },
  { name: 'shuffle not a boolean', run: (m) => m.cat.fit(X, ONEHOT, { shuffle: 'yes' as never, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /boolean for shuffle but received "yes"/ },
  { name: 'sampleWeight wrong length', run: (m) => m.cat.fit(X, ONEHOT, { sampleWeight: [1, 2], verbose: 0 }), code: 'ERR_SHAPE_MISMATCH', msg: /sampleWeight with one weight per row \(12\) but received shape \[2, 1\]/ },
  { name: 'sampleWeight negative', run: (m) => m.cat.fit(X, ONEHOT, { sampleWeight: X.map((_, i) => (i === 2 ? -1 : 1)), verbose: 0 }), code: 'ERR_INVALID_ARG', msg: />= 0 for sampleWeight\[2\] but received -1/ },
  { name: 'classWeight NaN', run: (m) => m.cat.fit(X, ONEHOT, { classWeight: { 1: NaN }, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /for classWeight\[1\] but received NaN/ },
  { name: 'callback hook not a function', run: (m) => m.cat.fit(X, ONEHOT, { callbacks: { onEpochEnd: 3 } as never, verbose: 0 }), code: 'ERR_INVALID_ARG', msg: /a function for callbacks\[0\].onEpochEnd but received 3/ },
  { name: 'fit options not an object', run: (m) => m.cat.fit(X, ONEHOT, 7 as never), code: 'ERR_INVALID_ARG', msg: /an object for fit options but received 7/ },

  // ---- weights and engine
  { name: 'setWeights with a wrong count', run: (m) => m.cat.setWeights([new Float32Array(3)]), code: 'ERR_INVALID_ARG', msg: /array of 4 tensors for setWeights\(weights\) but received an array of length 1/ },
  { name: 'setWeights with a wrong length', run: (m) => m.cat.setWeights(weightsOf(m.cat).map((w, i) => (i === 0 ? new Float32Array(w.length + 1) : w))), code: 'ERR_SHAPE_MISMATCH', msg: /33|received/ },
  { name: 'setEngine with an unknown name', run: () => setEngine('cuda' as 'js'), code: 'ERR_INVALID_ARG', msg: /"native" or "js" for engine name but received "cuda"/ },
  { name: 'setNumThreads(0)', run: () => setNumThreads(0), code: 'ERR_INVALID_ARG', msg: /integer from 1 to 1024 for setNumThreads\(n\) but received 0/ },
  { name: 'setNumThreads(BigInt)', run: () => setNumThreads(2n as unknown as number), code: 'ERR_INVALID_ARG', msg: /for setNumThreads\(n\) but received 2n/ },
];

describe(`malformed calls get a coded BlasnetError and change nothing (${ENGINE} engine)`, () => {
  let models: Models;
  let before: { cat: Float32Array[]; sparse: Float32Array[] };

  beforeAll(() => {
    setSeed(7);
    models = {
      cat: makeModel('categoricalCrossentropy'),
      sparse: makeModel('sparseCategoricalCrossentropy'),
      raw: makeModel('categoricalCrossentropy', false),
      dead: makeModel('categoricalCrossentropy'),
    };
    models.dead.dispose();
    before = { cat: weightsOf(models.cat), sparse: weightsOf(models.sparse) };
  });
  afterAll(() => {
    models.cat.dispose();
    models.sparse.dispose();
    models.raw.dispose();
  });

  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    let err: unknown = null;
    try {
      await c.run(models);
    } catch (e) {
      err = e;
    }
    expect(err, 'the call must throw').toBeInstanceOf(BlasnetError);
    const e = err as BlasnetError;
    expect(e.code, e.message).toBe(c.code);
    expect(e.message).toMatch(c.msg);
    if (c.code === 'ERR_INVALID_ARG' || c.code === 'ERR_NON_FINITE' || c.code === 'ERR_SHAPE_MISMATCH') {
      // "Expected <what> for <argument> but received <value>" (or the shape-specific wording).
      expect(e.message).toMatch(EXP);
      expect(e.message).toMatch(REC);
    }
    // Nothing happened to the models: same weights, still usable.
    expect(weightsOf(models.cat)).toEqual(before.cat);
    expect(weightsOf(models.sparse)).toEqual(before.sparse);
    const p = models.cat.predictSync(X.slice(0, 2)).dataSync();
    expect(p.length).toBe(6);
    expect(Array.from(p).every(Number.isFinite)).toBe(true);
  });

  it('after every error the models still train, evaluate and predict', async () => {
    const h = await models.cat.fit(X, ONEHOT, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(h.history.loss!.every(Number.isFinite)).toBe(true);
    expect(weightsOf(models.cat)).not.toEqual(before.cat);
    const s = await models.sparse.fit(X, SPARSE, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(s.history.loss![0])).toBe(true);
    const ev = await models.cat.evaluateAsync(X, ONEHOT);
    expect(Number.isFinite(ev.loss)).toBe(true);
  });

  it('a batchSize larger than the data is clamped to the row count (as Keras), not an error', async () => {
    const m = makeModel('categoricalCrossentropy');
    const h = await m.fit(X, ONEHOT, { batchSize: 1000, epochs: 1, verbose: 0 });
    expect(h.params.batchSize).toBe(ROWS);
    expect(h.params.steps).toBe(1);
    const p = await m.predict(X, { batchSize: 1 << 20 });
    expect(p.shape).toEqual([ROWS, 3]);
    m.dispose();
  });

  it('fit with epochs 0 trains nothing and leaves the weights as they were', async () => {
    const m = makeModel('categoricalCrossentropy');
    const w0 = weightsOf(m);
    const h = await m.fit(X, ONEHOT, { epochs: 0, verbose: 0 });
    expect(h.epoch).toEqual([]);
    expect(weightsOf(m)).toEqual(w0);
    m.dispose();
  });
});

// Training data is referenced, not copied: a Float32Array over a SharedArrayBuffer that the
// caller mutates while fit runs is read as it is at the moment each batch reads it. What is promised:
// values are validated once when fit starts; a later write that makes them non-finite stops training
// with ERR_NAN_LOSS (weights restored to finite ones), never a crash and never NaN weights or outputs.
describe(`a SharedArrayBuffer-backed x mutated during fit (${ENGINE} engine)`, () => {
  const rows = 600;
  function sharedX(): Float32Array {
    const x = new Float32Array(new SharedArrayBuffer(rows * 4 * 4));
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
    return x;
  }
  const y = Float32Array.from({ length: rows }, (_, r) => r % 3);

  it('NaN written between epochs: ERR_NAN_LOSS naming epoch 2, finite weights, model usable', async () => {
    setSeed(3);
    const m = makeModel('sparseCategoricalCrossentropy');
    const x = sharedX();
    let err: unknown = null;
    try {
      await m.fit({ data: x, shape: [rows, 4] }, y, {
        epochs: 3, batchSize: 50, verbose: 0,
        callbacks: { onEpochEnd: (epoch: number) => { if (epoch === 0) x.fill(NaN, 40 * 4, 41 * 4); } },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BlasnetError);
    expect((err as BlasnetError).code).toBe('ERR_NAN_LOSS');
    expect((err as BlasnetError).message).toMatch(/epoch 2/);
    expect(weightsOf(m).every((w) => w.every(Number.isFinite))).toBe(true);
    // The data fixed, the same model trains and predicts again.
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
    await m.fit({ data: x, shape: [rows, 4] }, y, { epochs: 1, verbose: 0 });
    const p = (await m.predict({ data: x, shape: [rows, 4] })).dataSync();
    expect(p.every(Number.isFinite)).toBe(true);
    m.dispose();
  });

  it('values rewritten by a timer while batches run: the fit ends (resolved or ERR_NAN_LOSS), never NaN weights', async () => {
    setSeed(4);
    const m = makeModel('sparseCategoricalCrossentropy');
    const x = sharedX();
    let flips = 0;
    // Alternates huge finite values and NaN in a few rows while the engine trains on them.
    const timer = setInterval(() => {
      flips++;
      const v = flips % 3 === 0 ? NaN : flips % 2 === 0 ? 1e30 : -3;
      x.fill(v, (flips % rows) * 4, ((flips % rows) + 2) * 4);
    }, 0);
    let outcome = 'resolved';
    try {
      await m.fit({ data: x, shape: [rows, 4] }, y, { epochs: 30, batchSize: 8, verbose: 0 });
    } catch (e) {
      expect(e).toBeInstanceOf(BlasnetError);
      expect((e as BlasnetError).code).toBe('ERR_NAN_LOSS');
      outcome = 'ERR_NAN_LOSS';
    } finally {
      clearInterval(timer);
    }
    expect(['resolved', 'ERR_NAN_LOSS']).toContain(outcome);
    expect(weightsOf(m).every((w) => w.every(Number.isFinite))).toBe(true);
    const p = m.predictSync(X).dataSync();
    expect(p.every(Number.isFinite)).toBe(true);
    m.dispose();
  });
});

// A Float32Array whose buffer is transferred (postMessage / structuredClone with a transfer list)
// while fit runs: both engines mark the buffers of a running call untransferable, so the transfer
// copies and x stays intact; the fit completes as if nothing happened. (A buffer detached before the
// call is rejected with ERR_INVALID_ARG, see above.)
describe(`x transferred away while fit runs (${ENGINE} engine)`, () => {
  it('the transfer copies, x stays attached, the fit completes with finite weights', async () => {
    setSeed(8);
    const rows = 2000;
    const x = Float32Array.from({ length: rows * 4 }, (_, i) => Math.sin(i * 0.1));
    const y = Float32Array.from({ length: rows }, (_, r) => r % 3);
    const m = makeModel('sparseCategoricalCrossentropy');
    const fit = m.fit({ data: x, shape: [rows, 4] }, y, { epochs: 3, batchSize: 4, verbose: 0 });
    await new Promise((r) => setTimeout(r, 5));
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(x.buffer, [x.buffer]);
    structuredClone(x.buffer, { transfer: [x.buffer] });
    port1.close(); port2.close();
    expect(x.length).toBe(rows * 4);
    const h = await fit;
    expect(h.history.loss!.every(Number.isFinite)).toBe(true);
    expect(weightsOf(m).every((w) => w.every(Number.isFinite))).toBe(true);
    m.dispose();
  });
});
