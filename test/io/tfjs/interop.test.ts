// Interop with real TensorFlow.js files: fixtures made by others load and reproduce tfjs's predictions,
// blasnet models load in @tensorflow/tfjs, and models trained and saved by tfjs load in blasnet.
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { sequential, layers, setSeed, optimizers, losses } from '../../../lib';
import { type ModelArtifacts } from '../../../lib/io';
import { loadLayersModel, loadModel, fromArtifacts, toArtifacts } from '../../../lib/model/saving';

const FIXTURES = path.resolve(__dirname, '../../../../shared/interop-models');
const haveFixtures = fs.existsSync(FIXTURES);
if (!haveFixtures) console.warn(`io-interop: ${FIXTURES} is absent; skipping the real-fixture tests`);

let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-interop-'));
  await tf.setBackend('cpu');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** tfjs's own reading of a model directory: fromMemory over model.json and its shards. */
function tfjsHandlerFor(dir: string): tf.io.IOHandler {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const bufs: Buffer[] = [];
  for (const g of json.weightsManifest) {
    specs.push(...g.weights);
    for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(bufs);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData, trainingConfig: json.trainingConfig });
}

const fixtureMaxDiff: Record<string, number> = {};

describe.skipIf(!haveFixtures)('real tfjs layers-model fixtures', () => {
  it('abalone (tfjs-examples, tfjs-layers 1.2.9, list-form config) reproduces all 4176 tfjs predictions', async () => {
    const dir = path.join(FIXTURES, 'tfjs_abalone_tfjs-examples');
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected_tfjs.json'), 'utf8'));
    const rows = fs.readFileSync(path.join(dir, 'abalone.csv'), 'utf8').trim().split('\n').slice(1);
    const sex: Record<string, number> = { F: 0, M: 1, I: 2 };
    const x = rows.map((r) => { const c = r.split(','); return [sex[c[0]!]!, ...c.slice(1, 8).map(Number)]; });
    expect(x.length).toBe(expected.n_rows);
    const model = await loadLayersModel(`file://${dir}/model.json`);
    const out = (await model.predict(x)).dataSync();
    const d = maxAbsDiff(out, expected.all_predictions);
    fixtureMaxDiff.abalone = d;
    expect(d).toBeLessThanOrEqual(1e-5);
    const readme = (await model.predict([expected.readme_example.input])).dataSync()[0]!;
    expect(Math.abs(readme - expected.readme_example.tfjs_prediction)).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });

  for (const name of ['ml5_color_classifier', 'ml5_basics_tanh']) {
    it(`${name} (ml5 save: no format key, ./ path) reproduces the tfjs predictions`, async () => {
      const dir = path.join(FIXTURES, name);
      const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected_tfjs.json'), 'utf8'));
      const model = await loadModel(dir);
      const out = (await model.predict(expected.input)).arraySync() as number[][];
      const d = maxAbsDiff(out.flat(), (expected.tfjs_prediction as number[][]).flat());
      fixtureMaxDiff[name] = d;
      expect(d).toBeLessThanOrEqual(1e-5);
      model.dispose();
    });
  }

  afterAll(() => { if (Object.keys(fixtureMaxDiff).length) console.log('io-interop fixture max abs diffs:', JSON.stringify(fixtureMaxDiff)); });
});

describe('blasnet <-> @tensorflow/tfjs', () => {
  it('a trained blasnet model saved to disk loads in tf.loadLayersModel and predicts the same', async () => {
    setSeed(7);
    const model = sequential({ layers: [
      layers.dense({ units: 12, activation: 'relu', inputShape: [5] }),
      layers.batchNormalization(),
      layers.dense({ units: 8, activation: 'tanh' }),
      layers.layerNormalization(),
      layers.dropout({ rate: 0.1 }),
      layers.dense({ units: 6, activation: 'elu' }),
      layers.activation({ activation: 'sigmoid' }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x: number[][] = [];
    const y: number[][] = [];
    for (let i = 0; i < 64; i++) {
      const r = [0, 1, 2, 3, 4].map((k) => Math.sin(i * 0.37 + k * 1.3) * 2);
      x.push(r);
      const c = (r[0]! + r[1]! > 0 ? 1 : 0) + (r[2]! > 0.5 ? 1 : 0);
      y.push([0, 1, 2].map((k) => (k === c ? 1 : 0)));
    }
    await model.fit(x, y, { epochs: 5, batchSize: 16, verbose: 0 });
    const dir = path.join(tmp, 'to-tfjs');
    await model.save(`file://${dir}`, { includeOptimizer: true });
    const ours = (await model.predict(x)).dataSync();

    const tfModel = await tf.loadLayersModel(tfjsHandlerFor(dir));
    const theirs = (tfModel.predict(tf.tensor2d(x)) as tf.Tensor).dataSync();
    const d = maxAbsDiff(ours, theirs);
    console.log(`io-interop blasnet->tfjs max abs diff: ${d}`);
    expect(d).toBeLessThanOrEqual(1e-5);
    // tfjs read our trainingConfig and the optimizer's state: iterations and every moment, one entry per
    // trainable weight in tfjs's order (moving statistics have none), positionally as tfjs restores them.
    expect(tfModel.optimizer?.getClassName()).toBe('Adam');
    const tfState = await tfModel.optimizer!.getWeights();
    const ourState = new Map(model.toDescription({ includeOptimizer: true }).optimizerWeights.map((t) => [t.name, t]));
    const trainable = model.getWeights().length - 2; // two moving statistics
    expect(tfState).toHaveLength(1 + 2 * trainable);
    expect(tfState[0]!.tensor.dataSync()[0]).toBe(ourState.get('iter')!.data[0]);
    for (const { name, tensor } of tfState.slice(1)) {
      const mine = ourState.get(name.replace(/_\d+\//, '/'));
      expect(mine, name).toBeDefined();
      expect(maxAbsDiff(tensor.dataSync(), mine!.data)).toBe(0);
    }
    // and tfjs continues training from that state.
    const h = await tfModel.fit(tf.tensor2d(x), tf.tensor2d(y), { epochs: 1, batchSize: 16, verbose: 0 });
    expect(Number.isFinite(h.history.loss![0] as number)).toBe(true);
    tfModel.dispose();
    model.dispose();
  });

  it('re-saved into a folder with other files, a model still loads in tf.loadLayersModel over http (tfjs reads the shard name from the manifest)', async () => {
    const dir = path.join(tmp, 'resaved');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    const x = [[0.5, -1, 2], [1, 1, 1]];
    let last: Float32Array | null = null;
    for (const seed of [1, 2, 3]) {
      setSeed(seed);
      const m = sequential({ layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dense({ units: 2, activation: 'softmax' })] });
      await m.save(dir);
      last = (await m.predict(x)).dataSync();
      m.dispose();
    }
    const server = http.createServer((req, res) => {
      const file = path.join(dir, path.basename(decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
      if (!fs.existsSync(file)) { res.writeHead(404).end(); return; }
      res.end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`;
      const tfModel = await tf.loadLayersModel(url);
      expect(maxAbsDiff((tfModel.predict(tf.tensor2d(x)) as tf.Tensor).dataSync(), last!)).toBeLessThanOrEqual(1e-6);
      tfModel.dispose();
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(fs.readdirSync(dir).filter((n) => n !== 'notes.txt' && n !== 'model.json')).toHaveLength(1);
  });

  it('tfjs loads every includeOptimizer file: compiled when its optimizer and loss exist in tfjs, else uncompiled', async () => {
    const x = [[1, 2], [3, 4], [-1, 0.5], [0, -2]];
    const y = [[1], [2], [0], [-1]];
    const cases: [string, unknown, unknown, string | null][] = [
      ['adam', optimizers.adam(), 'mse', 'Adam'],
      ['sgd', optimizers.sgd(), 'meanAbsoluteError', 'SGD'],
      ['rmsprop', optimizers.rmsprop(), 'mse', 'RMSProp'],
      ['rmsprop centered momentum', optimizers.rmsprop({ momentum: 0.5, centered: true }), 'mse', 'RMSProp'],
      ['adagrad', optimizers.adagrad(), 'mse', 'Adagrad'],
      ['adam amsgrad', optimizers.adam({ amsgrad: true }), 'mse', null],
      ['adamw', optimizers.adamw(), 'mse', null],
      ['sgd momentum', optimizers.sgd({ momentum: 0.9 }), 'mse', null],
      ['huber loss', optimizers.adam(), losses.huber({ delta: 0.5 }), null],
    ];
    for (const [name, opt, loss, tfjsClass] of cases) {
      setSeed(3);
      const m = sequential({ layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 1 })] });
      m.compile({ optimizer: opt as never, loss: loss as never, metrics: ['mae'] });
      await m.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
      const art = toArtifacts(m, { includeOptimizer: true });
      const t = await tf.loadLayersModel(tf.io.fromMemory(art as unknown as tf.io.ModelArtifacts));
      expect(maxAbsDiff((t.predict(tf.tensor2d(x)) as tf.Tensor).dataSync(), (await m.predict(x)).dataSync()), name).toBeLessThanOrEqual(1e-5);
      if (tfjsClass) {
        expect(t.optimizer?.getClassName(), name).toBe(tfjsClass);
        // One more step in tfjs from our state, and one in blasnet: the same update.
        await t.fit(tf.tensor2d(x), tf.tensor2d(y), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
        await m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
        const d = maxAbsDiff((t.predict(tf.tensor2d(x)) as tf.Tensor).dataSync(), (await m.predict(x)).dataSync());
        expect(d, `${name}: predictions after one more step in tfjs and in blasnet`).toBeLessThanOrEqual(1e-5);
      } else {
        expect(art.trainingConfig, name).toBeUndefined();
        expect(art.blasnetTrainingConfig, name).toBeDefined();
      }
      // blasnet reads its exact config back either way.
      const back = fromArtifacts(art);
      expect(back.isCompiled, name).toBe(true);
      back.dispose();
      t.dispose();
      m.dispose();
    }
  });

  it('a model built, trained and saved by tfjs loads in blasnet and predicts the same', async () => {
    const tfModel = tf.sequential();
    tfModel.add(tf.layers.dense({ units: 10, activation: 'relu', inputShape: [4] }));
    tfModel.add(tf.layers.batchNormalization());
    tfModel.add(tf.layers.dense({ units: 6, activation: 'sigmoid' }));
    tfModel.add(tf.layers.layerNormalization());
    tfModel.add(tf.layers.dropout({ rate: 0.2 }));
    tfModel.add(tf.layers.dense({ units: 2, activation: 'linear' }));
    tfModel.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const xs = tf.randomNormal([40, 4], 0, 1, 'float32', 3);
    const ys = tf.randomNormal([40, 2], 0, 1, 'float32', 4);
    await tfModel.fit(xs, ys, { epochs: 3, batchSize: 8, verbose: 0 });
    let saved: tf.io.ModelArtifacts | null = null;
    await tfModel.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer: true });
    const a = saved! as tf.io.ModelArtifacts;
    // Write the files as tfjs-node's file:// handler does.
    const dir = path.join(tmp, 'from-tfjs');
    fs.mkdirSync(dir, { recursive: true });
    const weightData = a.weightData as ArrayBuffer;
    fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(weightData));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
      modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
      trainingConfig: a.trainingConfig, weightsManifest: [{ paths: ['./weights.bin'], weights: a.weightSpecs }],
    }));
    const xArr = xs.arraySync() as number[][];
    const theirs = (tfModel.predict(xs) as tf.Tensor).dataSync();

    const model = await loadLayersModel(`file://${dir}/model.json`);
    const ours = (await model.predict(xArr)).dataSync();
    const d = maxAbsDiff(ours, theirs);
    console.log(`io-interop tfjs->blasnet max abs diff: ${d}`);
    expect(d).toBeLessThanOrEqual(1e-5);
    // And in memory, straight from tfjs's artifacts.
    const fromMem = fromArtifacts(a as unknown as ModelArtifacts);
    expect(maxAbsDiff((await fromMem.predict(xArr)).dataSync(), theirs)).toBeLessThanOrEqual(1e-5);
    // Round trip through our writer: tfjs reads it back with the same predictions.
    const back = await tf.loadLayersModel(tf.io.fromMemory(toArtifacts(model) as unknown as tf.io.ModelArtifacts));
    expect(maxAbsDiff((back.predict(xs) as tf.Tensor).dataSync(), theirs)).toBeLessThanOrEqual(1e-5);
    // tfjs's own IOHandlers work with blasnet too: model.save(tf.io.withSaveHandler(...)), loadLayersModel(tf.io.fromMemory(...)).
    let viaHandler: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (art) => { viaHandler = art; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const fromHandler = await loadLayersModel(tf.io.fromMemory(viaHandler!));
    expect(maxAbsDiff((await fromHandler.predict(xArr)).dataSync(), theirs)).toBeLessThanOrEqual(1e-5);
    fromHandler.dispose();
    for (const m of [model, fromMem]) m.dispose();
    back.dispose();
    tfModel.dispose();
  });
});
