// Built-in callbacks: each shows its effect (runs on the engine chosen by BLASNET_ENGINE).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { callbacks, layers, optimizers, sequential, setSeed, type Sequential } from '../../lib/index';
import { getEngine } from '../../lib/engine';

function makeData(rows: number, seed: number): { x: number[][]; y: number[][] } {
  let s = seed >>> 0;
  const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 * 2 - 1; };
  const x: number[][] = [], y: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const r = [rnd(), rnd(), rnd()];
    x.push(r); y.push([r[0]! - 2 * r[1]! + 0.5 * r[2]!]);
  }
  return { x, y };
}

function model(lr = 0.05): Sequential {
  const m = sequential({ layers: [layers.dense({ units: 6, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 1 })] });
  m.compile({ optimizer: optimizers.adam({ learningRate: lr }), loss: 'mse' });
  return m;
}

/** Records the flat weights at the end of every epoch. */
function recorder(m: Sequential, into: Float32Array[]) {
  return { onEpochEnd: () => { into.push(Float32Array.from(m.getWeights().flatMap((t) => Array.from(t.dataSync())))); } };
}

function flat(m: Sequential): Float32Array {
  return Float32Array.from(m.getWeights().flatMap((t) => Array.from(t.dataSync())));
}

beforeEach(() => setSeed(99));

describe(`callbacks (${getEngine().name} engine)`, () => {
  it('earlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const { x, y } = makeData(64, 1);
    // Validation labels with the opposite sign: the better the model learns y, the worse val_loss gets,
    // so the best val_loss is at epoch 0.
    const valY = y.map((r) => [-r[0]!]);
    const m = model();
    const snaps: Float32Array[] = [];
    const es = callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const h = await m.fit(x, y, { epochs: 20, batchSize: 16, validationData: [x, valY], verbose: 0, callbacks: [recorder(m, snaps), es] });
    expect(h.history.val_loss![1]!).toBeGreaterThan(h.history.val_loss![0]!);
    expect(h.history.val_loss![2]!).toBeGreaterThan(h.history.val_loss![0]!);
    expect(h.epoch).toEqual([0, 1, 2]);          // best at 0, no improvement at 1 and 2 -> stop at 2
    expect(es.stoppedEpoch).toBe(2);
    expect(es.bestEpoch).toBe(0);
    expect(Array.from(flat(m))).toEqual(Array.from(snaps[0]!));
  });

  it('earlyStopping without restoreBestWeights keeps the last weights; patience counts epochs', async () => {
    const { x, y } = makeData(64, 2);
    const valY = y.map((r) => [-r[0]!]);
    const m = model();
    const snaps: Float32Array[] = [];
    const h = await m.fit(x, y, {
      epochs: 20, batchSize: 16, validationData: [x, valY], verbose: 0,
      callbacks: [recorder(m, snaps), callbacks.earlyStopping({ patience: 4 })],
    });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(flat(m))).toEqual(Array.from(snaps[4]!));
  });

  it('earlyStopping on an improving monitor runs every epoch; "acc" is accepted for "accuracy" (mode max)', async () => {
    const { x, y } = makeData(64, 3);
    const cls = y.map((r) => (r[0]! > 0 ? 1 : 0));
    const m = sequential({ layers: [layers.dense({ units: 1, activation: 'sigmoid', inputShape: [3] })] });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const es = callbacks.earlyStopping({ monitor: 'acc', patience: 100 });
    expect(es.monitor).toBe('accuracy');
    expect(es.mode).toBe('max');
    const h = await m.fit(x, cls, { epochs: 6, verbose: 0, callbacks: [es] });
    expect(h.epoch).toHaveLength(6);
    expect(es.best).toBe(Math.max(...h.history.accuracy!));
    // And the other way round: metrics ['acc'] logs 'acc', monitored as 'val_accuracy'.
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['acc'] });
    const es2 = callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 100 });
    const h2 = await m.fit(x, cls, { epochs: 3, verbose: 0, validationSplit: 0.25, callbacks: [es2] });
    expect(es2.best).toBe(Math.max(...h2.history.val_acc!));
  });

  it('earlyStopping with a baseline stops when the monitored value does not beat it', async () => {
    const { x, y } = makeData(64, 4);
    const m = model(0.001);
    const h = await m.fit(x, y, { epochs: 10, verbose: 0, callbacks: [callbacks.earlyStopping({ monitor: 'loss', baseline: 1e-9, patience: 1 })] });
    expect(h.epoch).toEqual([0, 1]);
  });

  it('minDelta as Keras: a gain smaller than minDelta is no improvement, for earlyStopping and reduceLROnPlateau alike', () => {
    // The monitor falls by 0.02 an epoch: with minDelta 0.1 only epoch 0 improves (on Infinity).
    const falling = [1, 0.98, 0.96, 0.94, 0.92];
    const m = model(0.05);
    const es = callbacks.earlyStopping({ monitor: 'loss', minDelta: 0.1, patience: 2 });
    es.setModel(m);
    es.onTrainBegin();
    let epoch = 0;
    for (; epoch < falling.length && !m.stopTraining; epoch++) es.onEpochEnd(epoch, { loss: falling[epoch]! });
    expect([epoch, es.stoppedEpoch, es.best]).toEqual([3, 2, 1]);
    const rl = callbacks.reduceLROnPlateau({ monitor: 'loss', minDelta: 0.1, patience: 2, factor: 0.5 });
    rl.setModel(m);
    rl.onTrainBegin();
    const rates = falling.map((loss, e) => { rl.onEpochEnd(e, { loss }); return m.getLearningRate(); });
    expect(rates).toEqual([0.05, 0.05, 0.025, 0.025, 0.0125]);
    expect(rl.best).toBe(1);
    // Mode max: a rise by less than minDelta does not count either; one by more does.
    const up = callbacks.earlyStopping({ monitor: 'accuracy', minDelta: 0.05, patience: 1 });
    const m2 = model(0.05);
    up.setModel(m2);
    up.onTrainBegin();
    up.onEpochEnd(0, { accuracy: 0.5 });
    up.onEpochEnd(1, { accuracy: 0.6 });
    expect([up.best, up.wait, m2.stopTraining]).toEqual([0.6, 0, false]);
    up.onEpochEnd(2, { accuracy: 0.64 });
    expect([up.best, up.stoppedEpoch, m2.stopTraining]).toEqual([0.6, 2, true]);
  });

  it('reduceLROnPlateau lowers the rate by `factor` after `patience` epochs without improvement', async () => {
    const { x, y } = makeData(64, 5);
    const valY = y.map((r) => [-r[0]!]);
    const m = model(0.05);
    const rates: number[] = [];
    await m.fit(x, y, {
      epochs: 5, batchSize: 16, validationData: [x, valY], verbose: 0,
      callbacks: [callbacks.reduceLROnPlateau({ factor: 0.5, patience: 1, minLr: 0.01 }), { onEpochEnd: () => { rates.push(m.getLearningRate()); } }],
    });
    // epoch 0 sets the best; each later epoch is worse -> halve each time, floored at minLr.
    expect(rates).toEqual([0.05, 0.025, 0.0125, 0.01, 0.01]);
  });

  it('the rate set by a callback is the one the engine uses', async () => {
    const { x, y } = makeData(32, 6);
    const a = model(0.05);
    const w0 = a.getWeights();
    a.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    await a.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0, callbacks: [callbacks.learningRateScheduler((e) => (e === 0 ? 0.1 : 0.02))] });
    const b = model(0.05);
    b.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    b.setWeights(w0);
    await b.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    b.setLearningRate(0.02);
    await b.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    const fa = flat(a), fb = flat(b);
    for (let i = 0; i < fa.length; i++) expect(fa[i]).toBeCloseTo(fb[i]!, 6);
  });

  it('learningRateScheduler sets the rate from (epoch, lr) before each epoch; a tiny rate freezes training', async () => {
    const { x, y } = makeData(32, 7);
    const m = model(0.05);
    const seen: [number, number][] = [];
    const snaps: Float32Array[] = [];
    await m.fit(x, y, {
      epochs: 4, verbose: 0,
      callbacks: [
        callbacks.learningRateScheduler((epoch, lr) => { seen.push([epoch, lr]); return epoch >= 2 ? 1e-12 : lr / 2; }),
        recorder(m, snaps),
      ],
    });
    expect(seen).toEqual([[0, 0.05], [1, 0.025], [2, 0.0125], [3, 1e-12]]);
    let change01 = 0, change23 = 0;
    for (let i = 0; i < snaps[0]!.length; i++) {
      change01 = Math.max(change01, Math.abs(snaps[1]![i]! - snaps[0]![i]!));
      change23 = Math.max(change23, Math.abs(snaps[3]![i]! - snaps[2]![i]!));
    }
    expect(change01).toBeGreaterThan(1e-4);
    expect(change23).toBeLessThan(1e-6);
  });

  it('csvLogger writes a header and one row per epoch with the History values', async () => {
    const { x, y } = makeData(40, 8);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-csv-')), 'log.csv');
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [3] })] });
    m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
    const h = await m.fit(x, y, { epochs: 3, validationSplit: 0.25, verbose: 0, callbacks: [callbacks.csvLogger(file)] });
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,loss,mae,val_loss,val_mae');
    expect(lines).toHaveLength(4);
    const row2 = lines[3]!.split(',').map(Number);
    expect(row2[0]).toBe(2);
    expect(row2[1]).toBeCloseTo(h.history.loss![2]!, 10);
    expect(row2[4]).toBeCloseTo(h.history.val_mae![2]!, 10);
    // append: true continues the same file.
    await m.fit(x, y, { epochs: 1, verbose: 0, validationSplit: 0.25, callbacks: [callbacks.csvLogger(file, { append: true })] });
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(5);
  });

  it('callback options are validated', () => {
    expect(() => callbacks.earlyStopping({ mode: 'up' as never })).toThrow(/Expected "auto", "min" or "max" for earlyStopping mode/);
    expect(() => callbacks.earlyStopping({ patience: -1 })).toThrow(/non-negative integer for earlyStopping patience/);
    expect(() => callbacks.reduceLROnPlateau({ factor: 1 })).toThrow(/number in \(0, 1\) for reduceLROnPlateau factor/);
    expect(() => callbacks.learningRateScheduler(3 as never)).toThrow(/a function/);
    expect(() => callbacks.csvLogger('')).toThrow(/file path/);
  });

  it('a scheduler returning an invalid rate stops fit with an error naming it', async () => {
    const { x, y } = makeData(16, 9);
    const m = model();
    await expect(m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [callbacks.learningRateScheduler(() => -1)] }))
      .rejects.toThrow(/learningRateScheduler function but received -1/);
  });
});
