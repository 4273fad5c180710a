// Keras import: a Keras 3 .keras archive and a tf.keras 2 functional .h5 (fixtures made by
// test/fixtures/formats/make_fixtures.py) predict as NumPy did, bring their compile config and optimizer
// state, and train on; refused files are typed errors. The real Keras 3.7 file is in keras-churn.test.ts.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, BlasnetError, type Sequential } from '../../../lib';
import { FIXTURES, expectedOutputs, expectClose } from '../../helpers/formats';

const expected = expectedOutputs();
let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-keras-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function optimizerEntry(model: Sequential, name: string): Float32Array {
  const t = model.toDescription({ includeOptimizer: true }).optimizerWeights.find((w) => w.name === name);
  if (!t) throw new Error(`no optimizer entry ${name}`);
  return t.data;
}

async function refusal(p: string, options = {}): Promise<BlasnetError> {
  const err = await loadModel(p, options).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(BlasnetError);
  return err as BlasnetError;
}

describe('Keras 3 .keras', () => {
  const file = path.join(FIXTURES, 'keras3_mlp.keras');
  const e = expected['keras3_mlp.keras']!;

  it('predicts as the NumPy forward pass of its weights', async () => {
    const m = await loadModel(file);
    expectClose(m.predictSync(e.input).dataSync(), e.output.flat(), 1e-5, 'keras3 predictions');
  });

  it('maps each Keras layer to the blasnet layer that computes it', async () => {
    const m = await loadModel(file);
    // Flatten of [batch, n] is the identity and is dropped; Keras 3's Dense(leaky_relu) slopes 0.2, so it
    // becomes Dense + LeakyReLU(0.2).
    expect(m.layers.map((l) => `${l.name}:${l.getClassName()}`)).toEqual([
      'dense:Dense', 'batch_normalization:BatchNormalization', 'dropout:Dropout', 'dense_1:Dense', 'dense_1_leaky_relu:LeakyReLU',
      'layer_normalization:LayerNormalization', 'activation:Activation', 'leaky_re_lu:LeakyReLU', 'dense_2:Dense',
    ]);
    const cfg = m.toDescription().layers;
    expect(cfg[0]!.config.kernelRegularizer).toEqual({ className: 'L1L2', config: { l1: 0, l2: 0.001 } });
    expect(cfg[4]!.config.alpha).toBe(0.2);
    expect(cfg[1]!.config).toMatchObject({ momentum: 0.99, epsilon: 0.001 });
  });

  it('reads the compile config and the Adam state, and training continues from them', async () => {
    const m = await loadModel(file);
    const d = m.toDescription({ includeOptimizer: true });
    expect(d.training).toMatchObject({ loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizerConfig: { className: 'Adam' } });
    expect(d.training!.optimizerConfig.config.learningRate).toBeCloseTo(0.005, 9);
    const opt = e.optimizer as { iterations: number; first_m: number[]; first_v: number[] };
    expect(optimizerEntry(m, 'iter')[0]).toBe(opt.iterations);
    expectClose(optimizerEntry(m, 'dense/kernel/m').slice(0, 3), opt.first_m, 0, 'first m');
    expectClose(optimizerEntry(m, 'dense/kernel/v').slice(0, 3), opt.first_v, 0, 'first v');
    const y = e.input.map((_, i) => [0, 1, 2].map((c) => (c === i % 3 ? 1 : 0)));
    const before = m.predictSync(e.input).dataSync().slice();
    const h = await m.fit(e.input, y, { epochs: 2, batchSize: 3, verbose: 0 });
    expect(h.history.loss!.every(Number.isFinite)).toBe(true);
    expect(optimizerEntry(m, 'iter')[0]).toBe(opt.iterations + 4);
    expect(m.predictSync(e.input).dataSync()).not.toEqual(before);
  });

  it('loads from a Buffer and over http', async () => {
    const bytes = fs.readFileSync(file);
    expectClose((await loadModel(bytes)).predictSync(e.input).dataSync(), e.output.flat(), 1e-5, 'from a Buffer');
    const server = http.createServer((req, res) => { res.setHeader('content-length', bytes.length); res.end(bytes); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/keras3_mlp.keras`;
      expectClose((await loadModel(url)).predictSync(e.input).dataSync(), e.output.flat(), 1e-5, 'over http');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('compile: false loads the layers and weights only', async () => {
    const m = await loadModel(file, { compile: false });
    expect(m.toDescription().training).toBeNull();
  });
});

describe('Keras 3 functional chain (.keras, stored entries)', () => {
  const file = path.join(FIXTURES, 'keras3_functional.keras');
  const e = expected['keras3_functional.keras']!;

  it('predicts, with the chain followed through keras_history', async () => {
    const m = await loadModel(file);
    expect(m.layers.map((l) => l.name)).toEqual(['dense', 'dropout', 'dense_1']);
    expect(m.toDescription().layers[1]!.config.seed).toBe(3);
    expectClose(m.predictSync(e.input).dataSync(), e.output.flat(), 1e-5, 'functional predictions');
  });

  it('reads a serialized loss, metrics and RMSprop\'s per-slot state layout', async () => {
    const m = await loadModel(file);
    const d = m.toDescription({ includeOptimizer: true });
    expect(d.training).toMatchObject({ loss: 'mean_squared_error', metrics: ['mae'], optimizerConfig: { className: 'RMSProp', config: { momentum: 0.5 } } });
    const opt = e.optimizer as { iterations: number; dense_1_bias_velocity: number[]; dense_1_bias_momentum: number[] };
    expect(optimizerEntry(m, 'iter')[0]).toBe(opt.iterations);
    expectClose(optimizerEntry(m, 'dense_1/bias/velocity'), opt.dense_1_bias_velocity, 0, 'velocity');
    expectClose(optimizerEntry(m, 'dense_1/bias/momentum'), opt.dense_1_bias_momentum, 0, 'momentum');
  });

  it('parsing has a deadline', async () => {
    const err = await refusal(file, { timeoutMs: 1 });
    expect(err.code).toBe('ERR_TIMEOUT');
  });
});

describe('legacy HDF5 .h5 (tf.keras 2, functional chain)', () => {
  const file = path.join(FIXTURES, 'keras2_functional.h5');
  const e = expected['keras2_functional.h5']!;

  it('predicts, with layer_names split over layer_names0, layer_names1', async () => {
    const m = await loadModel(file);
    expect(m.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
    expectClose(m.predictSync(e.input).dataSync(), e.output.flat(), 1e-5, 'keras2 predictions');
  });

  it('reads SGD with momentum and its state by name', async () => {
    const m = await loadModel(file);
    const d = m.toDescription({ includeOptimizer: true });
    expect(d.training).toMatchObject({ loss: 'binary_crossentropy', metrics: ['accuracy'], optimizerConfig: { className: 'SGD', config: { momentum: 0.9 } } });
    const opt = e.optimizer as { iterations: number; first_momentum: number[] };
    expect(optimizerEntry(m, 'iter')[0]).toBe(opt.iterations);
    expectClose(optimizerEntry(m, 'dense/kernel/momentum').slice(0, 3), opt.first_momentum, 1e-9, 'momentum');
  });

  it('saves to the tfjs format and .onnx, which reload with the same outputs', async () => {
    const m = await loadModel(file);
    await m.save(path.join(tmp, 'k2'), { includeOptimizer: true });
    await m.save(path.join(tmp, 'k2.onnx'));
    const want = m.predictSync(e.input).dataSync();
    expectClose((await loadModel(path.join(tmp, 'k2'))).predictSync(e.input).dataSync(), want, 0, 'tfjs copy');
    expectClose((await loadModel(path.join(tmp, 'k2.onnx'))).predictSync(e.input).dataSync(), want, 1e-6, 'onnx copy');
  });
});

describe('refused Keras files', () => {
  const refused = (n: string) => path.join(FIXTURES, 'refused', n);

  it.each([
    ['conv2d.keras', /"conv2d" \(Conv2D\)/],
    ['lambda.keras', /"lambda" \(Lambda\)/],
    ['custom.keras', /"my_dense" \(MyDense\) is a custom object/],
  ])('%s: one ERR_UNSUPPORTED naming the layer and its class', async (name, message) => {
    const err = await refusal(refused(name));
    expect(err.code).toBe('ERR_UNSUPPORTED');
    expect(err.message).toMatch(message);
  });

  it.each(['shape_mismatch.keras', 'shape_mismatch.h5'])('%s: a dataset whose shape is not its config\'s is ERR_FORMAT', async (name) => {
    const err = await refusal(refused(name));
    expect(err.code).toBe('ERR_FORMAT');
    expect(err.message).toMatch(/has shape \[4, [23]\] but layer "dense" needs (kernel|bias)/);
  });

  it('a zip bomb that declares 4 GiB is refused before anything is inflated', async () => {
    const err = await refusal(refused('bomb_declared.keras'), { memoryLimit: 256 * 1024 * 1024 });
    expect(err.code).toBe('ERR_LIMIT');
    expect(err.message).toMatch(/model.weights.h5 declares 4294967280 bytes/);
  });

  it('a zip bomb that lies about its size stops at the declared size', async () => {
    const before = process.memoryUsage().rss;
    const err = await refusal(refused('bomb_lying.keras'));
    expect(err.code).toBe('ERR_FORMAT');
    expect(err.message).toMatch(/too many bytes|past its declared 1000 bytes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(12 * 1024 * 1024);
  });

  it('a truncated .keras is ERR_FORMAT at every cut', async () => {
    const bytes = fs.readFileSync(path.join(FIXTURES, 'keras3_mlp.keras'));
    for (const cut of [10, 100, Math.floor(bytes.length / 2), bytes.length - 30, bytes.length - 1]) {
      const err = await loadModel(bytes.subarray(0, cut)).then(() => null, (x: unknown) => x);
      expect(err, `cut at ${cut}`).toBeInstanceOf(BlasnetError);
      expect((err as BlasnetError).code, `cut at ${cut}`).toBe('ERR_FORMAT');
    }
  });

  it('a truncated or corrupted .h5 is a typed error (or, cut in its unused tail, the same model)', async () => {
    const bytes = fs.readFileSync(path.join(FIXTURES, 'keras2_functional.h5'));
    const e = expected['keras2_functional.h5']!;
    let refusedCuts = 0;
    for (let cut = 8; cut < bytes.length; cut += 1500) {
      const got = await loadModel(bytes.subarray(0, cut), { format: 'h5' }).then((m) => m, (x: unknown) => x);
      if (got instanceof BlasnetError) {
        refusedCuts++;
        expect(['ERR_FORMAT', 'ERR_LIMIT'], `cut at ${cut}: ${got.message}`).toContain(got.code);
      } else {
        expect(got, `cut at ${cut}`).not.toBeInstanceOf(Error);
        expectClose((got as Sequential).predictSync(e.input).dataSync(), e.output.flat(), 1e-5, `cut at ${cut}`);
      }
    }
    expect(refusedCuts).toBeGreaterThan(3);
    const noisy = Buffer.from(bytes);
    for (let i = 600; i < noisy.length; i += 97) noisy[i] = (noisy[i]! * 31 + 7) & 0xff;
    const err = await loadModel(noisy, { format: 'h5' }).then(() => null, (x: unknown) => x);
    if (err !== null) expect(err).toBeInstanceOf(BlasnetError);
  });

  it('a file larger than the memory limit is refused before it is read', async () => {
    const err = await refusal(path.join(FIXTURES, 'keras3_mlp.keras'), { memoryLimit: 1000 });
    expect(err.code).toBe('ERR_LIMIT');
  });

  it('memoryLimit may be a size such as "1K" or "1G", as for tfjs folders; a bad one names the option', async () => {
    const file = path.join(FIXTURES, 'keras3_mlp.keras');
    const small = await refusal(file, { memoryLimit: '1K' });
    expect(small.code).toBe('ERR_LIMIT');
    expect(small.message).toMatch(/more than the memory limit of 1\.0 KiB/);
    expect((await loadModel(file, { memoryLimit: '1G' })).layers.length).toBeGreaterThan(0);
    const bad = await refusal(file, { memoryLimit: 'lots' });
    expect(bad.code).toBe('ERR_INVALID_ARG');
    expect(bad.message).toMatch(/for options\.memoryLimit but received "lots"/);
  });
});
