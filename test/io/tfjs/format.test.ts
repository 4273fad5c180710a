// The layers-model format itself: what we write matches what tfjs-layers writes, what others wrote reads
// back (wrappers, legacy configs, Keras names, quantized and sharded weights), and bad files are refused.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { sequential, layers, setSeed, Sequential, losses, optimizers } from '../../../lib';
import { BlasnetError } from '../../../lib/errors';
import {
  artifactsToDescription, descriptionToArtifacts, loadDescription, saveDescription,
  artifactsToModelJSON, type ModelArtifacts, type WeightSpec,
} from '../../../lib/io';
import { fromArtifacts, loadLayersModel, toArtifacts } from '../../../lib/model/saving';

let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-format-'));
  await tf.setBackend('cpu');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const X = Array.from({ length: 24 }, (_, i) => [0, 1, 2, 3].map((k) => Math.cos(i * 0.71 + k * 0.9) * 1.5));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function trainedModel(): Promise<Sequential> {
  setSeed(11);
  const m = sequential({ layers: [
    layers.dense({ units: 7, activation: 'relu', inputShape: [4], kernelRegularizer: 'l2' as never }),
    layers.batchNormalization(),
    layers.dense({ units: 5, activation: 'tanh' }),
    layers.layerNormalization(),
    layers.dense({ units: 2 }),
  ] });
  m.compile({ optimizer: 'adam', loss: 'mse' });
  await m.fit(X, X.map((r) => [r[0]! * r[1]!, r[2]! - r[3]!]), { epochs: 3, batchSize: 8, verbose: 0 });
  return m;
}

async function predict(m: Sequential): Promise<Float32Array> {
  return (await m.predict(X)).dataSync();
}

function expectCode(fn: () => unknown, code: string, pattern?: RegExp): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, 'expected an error').toBeInstanceOf(BlasnetError);
  expect((err as BlasnetError).code).toBe(code);
  if (pattern) expect((err as Error).message).toMatch(pattern);
}

function bytesOf(a: ModelArtifacts): Uint8Array {
  return new Uint8Array(a.weightData as ArrayBuffer);
}

describe('writing', () => {
  it('writes what tfjs-layers 4.22 save() writes for the same model', async () => {
    const tfModel = tf.sequential();
    tfModel.add(tf.layers.dense({ units: 6, activation: 'relu', inputShape: [4], kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }));
    tfModel.add(tf.layers.batchNormalization());
    tfModel.add(tf.layers.dense({ units: 5, activation: 'sigmoid', useBias: false }));
    tfModel.add(tf.layers.layerNormalization());
    tfModel.add(tf.layers.dropout({ rate: 0.25 }));
    tfModel.add(tf.layers.activation({ activation: 'tanh' }));
    tfModel.add(tf.layers.dense({ units: 2 }));
    let a: tf.io.ModelArtifacts | null = null;
    await tfModel.save(tf.io.withSaveHandler(async (x) => { a = x; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const theirs = a! as tf.io.ModelArtifacts;
    const model = fromArtifacts(theirs as unknown as ModelArtifacts);
    const ours = toArtifacts(model);
    // Same topology JSON, same weight specs in the same order, same bytes. (tfjs serializes its
    // truncated-normal VarianceScaling as "normal", blasnet as Keras's "truncated_normal": both read the same.)
    const topo = JSON.parse(JSON.stringify(ours.modelTopology).replace(/"truncated_normal"/g, '"normal"'));
    expect(topo).toEqual(theirs.modelTopology);
    expect(ours.weightSpecs).toEqual(theirs.weightSpecs);
    expect(Buffer.from(bytesOf(ours)).equals(Buffer.from(new Uint8Array(theirs.weightData as ArrayBuffer)))).toBe(true);
    expect(ours.format).toBe('layers-model');
    expect(ours.convertedBy).toBeNull();
    expect(ours.generatedBy).toMatch(/^blasnet v\d/);
    model.dispose();
    tfModel.dispose();
  });

  it('saves model.json and one weights shard as tfjs-node does: manifest, little-endian float32, trainable weights first', async () => {
    const m = await trainedModel();
    const dir = path.join(tmp, 'plain');
    await m.save(`file://${dir}`);
    const files = fs.readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('model.json');
    // The shard is named after its content, so a save never overwrites the file a loader may be reading.
    expect(files[1]).toMatch(/^weights-[0-9a-f]{16}\.bin$/);
    expect(fs.readdirSync(tmp).filter((n) => n.includes('blasnet-'))).toEqual([]);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(Object.keys(json).sort()).toEqual(['convertedBy', 'format', 'generatedBy', 'modelTopology', 'weightsManifest']);
    expect(json.modelTopology.keras_version).toBe('tfjs-layers 4.22.0');
    expect(json.modelTopology.backend).toBe('tensor_flow.js');
    const first = json.modelTopology.config.layers[0];
    expect(first.class_name).toBe('Dense');
    expect(first.config.batch_input_shape).toEqual([null, 4]);
    expect(first.config.kernel_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.01 } });
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual([files[1]]);
    const names = json.weightsManifest[0].weights.map((w: WeightSpec) => w.name.split('/')[1]);
    expect(names).toEqual(['kernel', 'bias', 'gamma', 'beta', 'kernel', 'bias', 'gamma', 'beta', 'kernel', 'bias', 'moving_mean', 'moving_variance']);
    const bin = fs.readFileSync(path.join(dir, files[1]!));
    const w = m.getWeights();
    expect(bin.byteLength).toBe(w.reduce((n, t) => n + t.dataSync().length * 4, 0));
    // First tensor is the first kernel, little-endian float32.
    const k = w[0]!.dataSync();
    for (let i = 0; i < k.length; i++) expect(bin.readFloatLE(4 * i)).toBe(k[i]);
    m.dispose();
  });

  it('round trips a description exactly (layers, weights, training, optimizer state, metadata)', async () => {
    const m = await trainedModel();
    const desc = m.toDescription({ includeOptimizer: true, userDefinedMetadata: { note: 'x', scaler: { kind: 'standard', mean: [1], scale: [2] } } });
    const back = artifactsToDescription(descriptionToArtifacts(desc));
    expect(back.name).toBe(desc.name);
    expect(back.inputDim).toBe(desc.inputDim);
    expect(back.weights.map((t) => t.name)).toEqual(desc.weights.map((t) => t.name));
    back.weights.forEach((t, i) => { expect(t.shape).toEqual(desc.weights[i]!.shape); expect(Array.from(t.data)).toEqual(Array.from(desc.weights[i]!.data)); });
    expect(back.training).toEqual(desc.training);
    const want = new Map(desc.optimizerWeights.map((t) => [t.name, t]));
    expect(back.optimizerWeights.map((t) => t.name).sort()).toEqual([...want.keys()].sort());
    for (const t of back.optimizerWeights) expect(Array.from(t.data)).toEqual(Array.from(want.get(t.name)!.data));
    expect(back.userDefinedMetadata).toEqual(desc.userDefinedMetadata);
    back.layers.forEach((l, i) => expect(l.className).toBe(desc.layers[i]!.className));
    // Through files too, and the rebuilt model predicts the same.
    await saveDescription(desc, path.join(tmp, 'desc'), { includeOptimizer: true });
    const loaded = Sequential.fromDescription(loadDescription(path.join(tmp, 'desc', 'model.json')));
    expect(maxAbsDiff(await predict(loaded), await predict(m))).toBe(0);
    loaded.dispose();
    m.dispose();
  });
});

describe('training configs', () => {
  it('loss options, schedules and the shuffle seed come back exactly (blasnetTrainingConfig)', async () => {
    const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [3], activation: 'sigmoid' })] });
    const lr = optimizers.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    m.compile({ optimizer: optimizers.adam({ learningRate: lr as never }), loss: losses.huber({ delta: 0.25 }), metrics: ['mae'] });
    await m.fit([[1, 2, 3], [0, 1, 0]], [[1, 0], [0, 1]], { epochs: 1, verbose: 0 });
    const desc = m.toDescription({ includeOptimizer: true });
    desc.training!.shuffleSeed = 123456789;
    const art = descriptionToArtifacts(desc);
    expect(art.trainingConfig).toBeUndefined(); // tfjs has no huber loss or schedules: it loads the model uncompiled
    // Through JSON, as in model.json.
    const back = artifactsToDescription({ ...art, blasnetTrainingConfig: JSON.parse(JSON.stringify(art.blasnetTrainingConfig)) });
    expect(back.training).toEqual(desc.training);
    const rebuilt = Sequential.fromDescription(back);
    expect(rebuilt.isCompiled).toBe(true);
    rebuilt.dispose();
    m.dispose();
  });
});

describe('reading files written by others', () => {
  let base: Sequential;
  let baseOut: Float32Array;
  let art: ModelArtifacts;
  beforeAll(async () => {
    base = await trainedModel();
    baseOut = await predict(base);
    art = toArtifacts(base);
  });
  afterAll(() => base.dispose());

  const topoLayers = () => JSON.parse(JSON.stringify((art.modelTopology.config as { layers: unknown[] }).layers)) as { class_name: string; config: Record<string, unknown> }[];

  async function expectSame(a: ModelArtifacts, tol = 0): Promise<number> {
    const m = fromArtifacts(a);
    const d = maxAbsDiff(await predict(m), baseOut);
    expect(d).toBeLessThanOrEqual(tol);
    m.dispose();
    return d;
  }

  it('tensorflowjs_converter output: model_config wrapper, InputLayer, Keras names with :0, training_config in the topology, no format key', async () => {
    const ls = topoLayers();
    delete ls[0]!.config.batch_input_shape;
    const names = ls.map((l) => l.config.name as string);
    const renamed = ls.map((l, i) => ({ class_name: l.class_name, config: { ...l.config, name: `${l.class_name.toLowerCase()}_${i}` } }));
    const map = new Map(names.map((n, i) => [n, renamed[i]!.config.name as string]));
    const specs = art.weightSpecs.map((s) => { const [l, w] = s.name.split('/'); return { ...s, name: `${map.get(l!)}/${w}:0` }; });
    const a = {
      modelTopology: {
        keras_version: '2.15.0', backend: 'tensorflow',
        model_config: { class_name: 'Sequential', config: { name: 'sequential', layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' } },
          ...renamed,
        ] } },
        training_config: { loss: 'mean_squared_error', metrics: [[{ class_name: 'MeanMetricWrapper', config: {} }]], weighted_metrics: null,
          optimizer_config: { class_name: 'Adam', config: { name: 'Adam', learning_rate: 0.002, decay: 0.0, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false } } },
      },
      weightSpecs: specs, weightData: art.weightData, convertedBy: 'TensorFlow.js Converter v4.22.0',
    } as unknown as ModelArtifacts;
    await expectSame(a);
    const d = artifactsToDescription(a);
    expect(d.training?.optimizerConfig).toEqual({ className: 'Adam', config: { learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false } });
    const m = fromArtifacts(a);
    expect(m.layers.map((l) => l.name)).toEqual(renamed.map((l) => l.config.name));
    m.dispose();
  });

  it('Keras 3: batch_shape, dtype policy objects, module / registered_name fields', async () => {
    const ls = topoLayers().map((l) => {
      const c: Record<string, unknown> = { ...l.config, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null } };
      for (const k of Object.keys(c)) {
        const v = c[k] as { class_name?: string } | null;
        if (v && typeof v === 'object' && 'class_name' in v) c[k] = { module: 'keras.initializers', ...v, registered_name: null };
      }
      return { module: 'keras.layers', class_name: l.class_name, config: c, registered_name: null, build_config: { input_shape: [null, 4] } };
    });
    delete ls[0]!.config.batch_input_shape;
    const a = { ...art, modelTopology: { class_name: 'Sequential', config: { name: 'seq', layers: [
      { class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' } }, ...ls] } } };
    await expectSame(a);
  });

  it('legacy list-form Sequential config, dense/0 names (position within the layer), a missing format', async () => {
    const counters = new Map<string, number>();
    const specs = art.weightSpecs.map((s) => {
      const l = s.name.split('/')[0]!;
      const k = counters.get(l) ?? 0;
      counters.set(l, k + 1);
      return { ...s, name: `${l}/${k}` };
    });
    // Positions follow the file's order within each layer (BN's moving stats come last in tfjs order anyway).
    const a = { modelTopology: { class_name: 'Sequential', config: topoLayers(), keras_version: 'tfjs-layers 1.2.9', backend: 'tensor_flow.js' }, weightSpecs: specs, weightData: art.weightData };
    await expectSame(a as ModelArtifacts);
  });

  it('several shards concatenated in manifest order, paths with ./, more than one manifest group', async () => {
    const dir = path.join(tmp, 'sharded');
    fs.mkdirSync(dir, { recursive: true });
    const bytes = bytesOf(art);
    // Group 1: the first 3 weights over 2 shards; group 2: the rest over 3 shards (tfjs splits at any byte).
    const cut = art.weightSpecs.slice(0, 3).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const g1 = bytes.subarray(0, cut), g2 = bytes.subarray(cut);
    const split = (b: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => b.subarray(Math.floor((b.length * i) / n), Math.floor((b.length * (i + 1)) / n)));
    const paths1 = split(g1, 2).map((b, i) => { fs.writeFileSync(path.join(dir, `group1-shard${i + 1}of2.bin`), b); return `./group1-shard${i + 1}of2.bin`; });
    fs.mkdirSync(path.join(dir, 'sub'));
    const paths2 = split(g2, 3).map((b, i) => { fs.writeFileSync(path.join(dir, 'sub', `group2-shard${i + 1}of3.bin`), b); return `sub/group2-shard${i + 1}of3.bin`; });
    const json = artifactsToModelJSON(art);
    json.weightsManifest = [{ paths: paths1, weights: art.weightSpecs.slice(0, 3) }, { paths: paths2, weights: art.weightSpecs.slice(3) }];
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const m = await loadLayersModel(`file://${dir}/model.json`);
    expect(maxAbsDiff(await predict(m), baseOut)).toBe(0);
    m.dispose();
    // Also in tfjs: same files, same predictions (tfjs reads the group shards in order too).
    const tfm = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: art.weightSpecs, weightData: art.weightData as ArrayBuffer }));
    expect(maxAbsDiff((tfm.predict(tf.tensor2d(X)) as tf.Tensor).dataSync(), baseOut)).toBeLessThanOrEqual(1e-5);
    tfm.dispose();
  });

  it('quantized weights (uint8, uint16 with scale/min, float16) dequantize on load within the quantization step', async () => {
    const src = new Float32Array(art.weightData as ArrayBuffer);
    for (const kind of ['uint8', 'uint16', 'float16'] as const) {
      const specs: WeightSpec[] = [];
      const parts: Uint8Array[] = [];
      let off = 0;
      let maxStep = 0;
      for (const s of art.weightSpecs) {
        const n = s.shape.reduce((a, b) => a * b, 1);
        const v = src.subarray(off, off + n);
        off += n;
        if (kind === 'float16') {
          const q = new Uint8Array(n * 2);
          const dv = new DataView(q.buffer);
          v.forEach((x, i) => dv.setUint16(2 * i, toHalf(x), true));
          parts.push(q);
          specs.push({ ...s, quantization: { dtype: 'float16' } });
          continue;
        }
        let min = Infinity, max = -Infinity;
        for (const x of v) { min = Math.min(min, x); max = Math.max(max, x); }
        const levels = kind === 'uint8' ? 255 : 65535;
        const scale = max > min ? (max - min) / levels : 1;
        maxStep = Math.max(maxStep, scale);
        const q = kind === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
        v.forEach((x, i) => { q[i] = Math.round((x - min) / scale); });
        parts.push(new Uint8Array(q.buffer));
        // tfjs-converter writes {min, scale, dtype}; older files {scale, min, dtype}: key order does not matter.
        specs.push({ ...s, quantization: kind === 'uint8' ? { min, scale, dtype: kind } : { dtype: kind, scale, min } });
      }
      const data = Buffer.concat(parts);
      const a: ModelArtifacts = { ...art, weightSpecs: specs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) };
      const desc = artifactsToDescription(a);
      // Each weight within half a quantization step (float16: relative 2^-11).
      let o = 0;
      const orig = artifactsToDescription(art);
      orig.weights.forEach((w, i) => {
        const got = desc.weights[i]!.data;
        for (let j = 0; j < w.data.length; j++) {
          const tol = kind === 'float16' ? Math.abs(w.data[j]!) * 2 ** -11 + 1e-7 : maxStep / 2 + 1e-6;
          expect(Math.abs(got[j]! - w.data[j]!)).toBeLessThanOrEqual(tol);
        }
        o += w.data.length;
      });
      const m = Sequential.fromDescription(desc);
      const tfm = await tf.loadLayersModel(tf.io.fromMemory(a as unknown as tf.io.ModelArtifacts));
      // tfjs dequantizes the same way: same predictions.
      expect(maxAbsDiff(await predict(m), (tfm.predict(tf.tensor2d(X)) as tf.Tensor).dataSync())).toBeLessThanOrEqual(1e-5);
      m.dispose();
      tfm.dispose();
    }
  });
});

/** float32 -> IEEE half (round to nearest even), for making float16 test files. */
function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >> shift;
    if ((mant >> (shift - 1)) & 1 && ((mant & ((1 << (shift - 1)) - 1)) || (h & 1))) h++;
    return sign | h;
  }
  if (exp >= 31) return sign | 0x7c00;
  let h = sign | (exp << 10) | (mant >> 13);
  if ((mant & 0x1000) && ((mant & 0xfff) || (h & 1))) h++;
  return h;
}

describe('refusing bad files', () => {
  let art: ModelArtifacts;
  let base: Sequential;
  beforeAll(async () => { base = await trainedModel(); art = toArtifacts(base); });
  afterAll(() => base.dispose());
  const clone = (): ModelArtifacts => ({ ...JSON.parse(JSON.stringify({ ...art, weightData: undefined })), weightData: (art.weightData as ArrayBuffer).slice(0) });
  const layersOf = (a: ModelArtifacts) => (a.modelTopology.config as { layers: { class_name: string; config: Record<string, unknown> }[] }).layers;

  it('an unknown layer class is an error that names it and lists the supported ones', () => {
    const a = clone();
    layersOf(a)[2]!.class_name = 'Conv2D';
    expectCode(() => artifactsToDescription(a), 'ERR_FORMAT', /Conv2D.*Dense, Activation, LeakyReLU, Dropout, BatchNormalization, LayerNormalization, Flatten, InputLayer/);
  });

  it('a functional model, a graph model, a non-flat input are refused', () => {
    const a = clone();
    a.modelTopology.class_name = 'Model';
    expectCode(() => artifactsToDescription(a), 'ERR_FORMAT', /Sequential/);
    expectCode(() => artifactsToDescription({ ...clone(), format: 'graph-model' }), 'ERR_FORMAT', /layers-model/);
    const b = clone();
    layersOf(b)[0]!.config.batch_input_shape = [null, 2, 2];
    expectCode(() => artifactsToDescription(b), 'ERR_FORMAT', /1-D input/);
  });

  it('shapes are checked against the topology, byte lengths against the data, dtypes against the known ones', () => {
    const a = clone();
    a.weightSpecs[0]!.shape = [7, 4];
    expectCode(() => artifactsToDescription(a), 'ERR_FORMAT', /shape \[7, 4\].*kernel of shape \[4, 7\]/);
    const b = clone();
    b.weightData = (b.weightData as ArrayBuffer).slice(0, 100);
    expectCode(() => artifactsToDescription(b), 'ERR_FORMAT', /bytes/);
    const c = clone();
    (c.weightSpecs[1] as { dtype: string }).dtype = 'string';
    expectCode(() => artifactsToDescription(c), 'ERR_FORMAT', /dtype/);
    const d = clone();
    layersOf(d)[0]!.config.units = 1e12;
    expectCode(() => artifactsToDescription(d), 'ERR_FORMAT', /units/);
    const e = clone();
    e.weightSpecs.pop();
    expectCode(() => artifactsToDescription(e), 'ERR_FORMAT');
  });

  it('NaN or Infinity in weights is ERR_NON_FINITE unless allowNonFinite', () => {
    const a = clone();
    new Float32Array(a.weightData as ArrayBuffer)[3] = NaN;
    expectCode(() => artifactsToDescription(a), 'ERR_NON_FINITE', /kernel.*index 3/);
    expect(Number.isNaN(artifactsToDescription(a, { allowNonFinite: true }).weights[0]!.data[3])).toBe(true);
  });

  it('weight paths may not leave the model directory', () => {
    const outside = path.join(tmp, 'outside.bin');
    fs.writeFileSync(outside, new Uint8Array(art.weightData as ArrayBuffer));
    for (const p of ['../outside.bin', '/etc/passwd', outside, 'a/../../outside.bin', '..%2Foutside.bin', 'C:\\x.bin', 'http://example.com/w.bin']) {
      const dir = path.join(tmp, 'escape');
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      const json = artifactsToModelJSON(art, [p]);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      expectCode(() => loadDescription(dir), 'ERR_FORMAT', /inside the model directory/);
    }
    // A symlink inside the directory that points outside is refused as well.
    const dir = path.join(tmp, 'escape-link');
    fs.mkdirSync(dir);
    fs.symlinkSync(outside, path.join(dir, 'weights.bin'));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(artifactsToModelJSON(art)));
    expectCode(() => loadDescription(dir), 'ERR_FORMAT', /inside the model directory/);
  });

  it('missing files and directories are ERR_IO; invalid JSON is ERR_FORMAT', () => {
    expectCode(() => loadDescription(path.join(tmp, 'nope')), 'ERR_IO');
    const dir = path.join(tmp, 'badjson');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'model.json'), '{"modelTopology": ');
    expectCode(() => loadDescription(`file://${dir}/model.json`), 'ERR_FORMAT', /not valid JSON/);
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(artifactsToModelJSON(art)));
    expectCode(() => loadDescription(dir), 'ERR_IO', /weights\.bin/);
  });
});
