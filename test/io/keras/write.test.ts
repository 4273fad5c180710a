// Writing Keras 3 .keras files: every layer type and the state of every optimizer come back exactly, and
// training resumed from a .keras file equals training that never stopped. (The files were also checked
// with h5py / libhdf5 and Python's zipfile when this writer was made; tests never run Python.)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequential, layers, setSeed, loadModel, regularizers, BlasnetError, type Sequential } from '../../../lib';
import { readZipEntries } from '../../../lib/io/keras/zip';
import { expectClose } from '../../helpers/formats';

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-keras-write-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function data(rows: number, cols: number): { x: number[][]; y: number[][] } {
  let s = 17;
  const r = () => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; };
  const x = Array.from({ length: rows }, () => Array.from({ length: cols }, r));
  return { x, y: x.map((row) => [row[0]! + row[1]! > 0 ? 1 : 0, row[2]! > 0 ? 1 : 0, row[0]! - row[2]! > 0.2 ? 1 : 0]) };
}

function build(): Sequential {
  setSeed(3);
  return sequential({ layers: [
    layers.dense({ units: 8, inputShape: [5], activation: 'leakyRelu', kernelRegularizer: regularizers.l2({ l2: 1e-3 }) }),
    layers.batchNormalization({ momentum: 0.9 }),
    layers.dropout({ rate: 0.2, seed: 11 }),
    layers.dense({ units: 6, activation: 'gelu', kernelInitializer: 'heNormal' }),
    layers.layerNormalization(),
    layers.leakyReLU({ alpha: 0.05 }),
    layers.activation({ activation: 'swish' }),
    layers.dense({ units: 3, activation: 'sigmoid' }),
  ] });
}

const OPTIMIZERS: [string, Record<string, unknown>][] = [
  ['adam', { learningRate: 0.01 }], ['adam', { learningRate: 0.01, amsgrad: true }], ['adamw', { learningRate: 0.01, weightDecay: 0.01 }],
  ['sgd', { learningRate: 0.05, momentum: 0.9, nesterov: true }], ['rmsprop', { learningRate: 0.01, momentum: 0.5, centered: true }],
  ['adagrad', { learningRate: 0.05 }],
];

describe('.keras writer', () => {
  it.each(OPTIMIZERS)('%s %j: layers, weights, compile config and optimizer state come back exactly; training resumes identically', async (name, args) => {
    const { x, y } = data(48, 5);
    const a = build();
    a.compile({ optimizer: { className: name, config: args } as never, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    await a.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const file = path.join(tmp, `${name}.keras`);
    await a.save(file);
    const b = await loadModel(file);
    const da = a.toDescription({ includeOptimizer: true });
    const db = b.toDescription({ includeOptimizer: true });
    expect(db.layers.map((l) => l.className)).toEqual(['Dense', 'LeakyReLU', 'BatchNormalization', 'Dropout', 'Dense', 'LayerNormalization', 'LeakyReLU', 'Activation', 'Dense']);
    expectClose(b.predictSync(x).dataSync(), a.predictSync(x).dataSync(), 0, 'predictions');
    expect(db.training!.loss).toBe('binary_crossentropy');
    expect(db.training!.metrics).toEqual(da.training!.metrics);
    expect(db.training!.optimizerConfig).toEqual(da.training!.optimizerConfig);
    const stateA = new Map(da.optimizerWeights.map((w) => [w.name.replace(/^(dense_Dense\d+)\//, '$1/'), w.data]));
    expect(db.optimizerWeights.length).toBe(da.optimizerWeights.length);
    for (const w of db.optimizerWeights) expectClose(w.data, stateA.get(w.name) ?? new Float32Array(), 0, `state ${w.name}`);
    await a.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    await b.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    expectClose(b.predictSync(x).dataSync(), a.predictSync(x).dataSync(), 0, 'after one more epoch each');
  });

  it('writes the Keras 3 layout: config.json, metadata.json, model.weights.h5', async () => {
    const m = build();
    const file = path.join(tmp, 'layout.keras');
    await m.save(file);
    const entries = await readZipEntries(fs.readFileSync(file), ['config.json', 'metadata.json', 'model.weights.h5'],
      { perEntry: {}, total: 1 << 26 }, 'layout.keras');
    const config = JSON.parse(new TextDecoder().decode(entries.get('config.json'))) as { class_name: string; config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    expect(config.class_name).toBe('Sequential');
    expect(config.config.layers[0]).toMatchObject({ class_name: 'InputLayer', config: { batch_shape: [null, 5] } });
    // blasnet's leakyRelu slopes 0.3 where Keras 3's leaky_relu activation slopes 0.2: a LeakyReLU layer carries it.
    expect(config.config.layers[2]).toMatchObject({ class_name: 'LeakyReLU', config: { negative_slope: 0.3 } });
    expect(config.config.layers[1]!.config.kernel_regularizer).toMatchObject({ class_name: 'L1L2', config: { l1: 0, l2: 0.001 } });
    expect(JSON.parse(new TextDecoder().decode(entries.get('metadata.json')))).toMatchObject({ keras_version: '3.7.0' });
    expect([...entries.get('model.weights.h5')!.subarray(1, 4)]).toEqual([0x48, 0x44, 0x46]);
  });

  it('refuses hard_sigmoid (Keras 3 computes another function) and leaves no file', async () => {
    const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [2], activation: 'hardSigmoid' })] });
    const file = path.join(tmp, 'hard.keras');
    const err = await m.save(file).then(() => null, (e: unknown) => e);
    expect((err as BlasnetError).code).toBe('ERR_UNSUPPORTED');
    expect((err as BlasnetError).message).toMatch(/hard_sigmoid/);
    expect(fs.existsSync(file)).toBe(false);
  });
});
