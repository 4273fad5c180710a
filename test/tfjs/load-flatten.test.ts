// Models whose first layer is a Flatten of N-D rows (batchInputShape [null, 8, 8]), saved by real
// @tensorflow/tfjs inside the test, load in blasnet and predict what tfjs predicts on the same rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BlasnetError } from '../../lib/errors';
import { expectClose, oursTf, plain, realTf, vals } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Artifacts = any;

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'blasnet-flatten-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

/** Builds a seeded tfjs model Flatten(shape) -> dense(4, relu) -> dense(2, softmax) and returns what tfjs saves. */
async function savedByTfjs(shape: number[]): Promise<{ model: Artifacts; artifacts: Artifacts }> {
  const m = realTf.sequential();
  m.add(realTf.layers.flatten({ batchInputShape: [null, ...shape] }));
  m.add(realTf.layers.dense({ units: 4, activation: 'relu', kernelInitializer: realTf.initializers.glorotUniform({ seed: 3 }) }));
  m.add(realTf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: realTf.initializers.glorotUniform({ seed: 5 }) }));
  let artifacts: Artifacts;
  await m.save(realTf.io.withSaveHandler(async (a: Artifacts) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return { model: m, artifacts };
}

/** Writes artifacts as the model.json + weights.bin pair tfjs's file:// handler writes. */
function writeFolder(name: string, artifacts: Artifacts, topology = artifacts.modelTopology): string {
  const folder = join(dir, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  writeFileSync(join(folder, 'model.json'), JSON.stringify({
    modelTopology: topology, format: 'layers-model', generatedBy: artifacts.generatedBy, convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  }));
  writeFileSync(join(folder, 'weights.bin'), Buffer.from(artifacts.weightData));
  return pathToFileURL(join(folder, 'model.json')).href;
}

function predicted(tf: Artifacts, model: Artifacts, shape: number[]): unknown {
  const x = tf.tensor(vals(3 * shape.reduce((a, b) => a * b, 1), 7), [3, ...shape]);
  const y = model.predict(x);
  const out = plain(y);
  x.dispose(); y.dispose();
  return out;
}

describe('loading tfjs models that flatten N-D rows', () => {
  it('a Flatten with batchInputShape [null, 8, 8] loads from a folder and predicts as tfjs does', async () => {
    const { model, artifacts } = await savedByTfjs([8, 8]);
    const loaded = await oursTf.loadLayersModel(writeFolder('f88', artifacts));
    expect(loaded.layers.map((l: Artifacts) => l.getClassName())).toEqual(['Flatten', 'Dense', 'Dense']);
    expect(loaded.outputShape).toEqual([null, 2]);
    expectClose(predicted(oursTf, loaded, [8, 8]), predicted(realTf, model, [8, 8]), 'predict [3, 8, 8]');
    model.dispose();
  });

  it('the same artifacts load from memory, and a 3-D row shape [2, 3, 4] too', async () => {
    const { model, artifacts } = await savedByTfjs([2, 3, 4]);
    const loaded = await oursTf.loadLayersModel(oursTf.io.fromMemory(artifacts));
    expect(loaded.layers[1].getWeights()[0].shape).toEqual([24, 4]);
    expectClose(predicted(oursTf, loaded, [2, 3, 4]), predicted(realTf, model, [2, 3, 4]), 'predict [3, 2, 3, 4]');
    model.dispose();
  });

  it('an InputLayer of [null, 8, 8] followed by a Flatten (the Keras layout) loads', async () => {
    const { model, artifacts } = await savedByTfjs([8, 8]);
    const topology = JSON.parse(JSON.stringify(artifacts.modelTopology));
    const layers = topology.config.layers;
    delete layers[0].config.batch_input_shape;
    layers.unshift({ class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8], dtype: 'float32', sparse: false, name: 'input_1' } });
    const loaded = await oursTf.loadLayersModel(writeFolder('input88', artifacts, topology));
    expectClose(predicted(oursTf, loaded, [8, 8]), predicted(realTf, model, [8, 8]), 'predict [3, 8, 8]');
    model.dispose();
  });

  it('N-D input shapes are still refused where no Flatten takes them, naming the layer', async () => {
    const { model, artifacts } = await savedByTfjs([8, 8]);
    const topology = JSON.parse(JSON.stringify(artifacts.modelTopology));
    topology.config.layers.shift(); // Dense first, with the [null, 8, 8] moved onto it
    topology.config.layers[0].config.batch_input_shape = [null, 8, 8];
    const url = writeFolder('dense88', artifacts, topology);
    const err = await oursTf.loadLayersModel(url).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(BlasnetError);
    expect((err as BlasnetError).code).toBe('ERR_FORMAT');
    expect((err as Error).message).toMatch(/layer 0 \(Dense\).*2-D input shape \[8,8\]/);
    topology.config.layers[0].config.batch_input_shape = [null, 8, 0];
    const bad = await oursTf.loadLayersModel(writeFolder('zero', artifacts, topology)).then(() => null, (e: unknown) => e);
    expect(bad).toBeInstanceOf(BlasnetError);
    model.dispose();
  });

  it('a Flatten whose row dimensions are not positive integers is refused', async () => {
    const { model, artifacts } = await savedByTfjs([8, 8]);
    for (const shape of [[null, 8, -1], [null, 8, 2.5], [null, 8, null], [null, 1 << 13, 1 << 13]]) {
      const topology = JSON.parse(JSON.stringify(artifacts.modelTopology));
      topology.config.layers[0].config.batch_input_shape = shape;
      const err = await oursTf.loadLayersModel(oursTf.io.fromMemory({ ...artifacts, modelTopology: topology })).then(() => null, (e: unknown) => e);
      expect(err, JSON.stringify(shape)).toBeInstanceOf(BlasnetError);
      expect((err as BlasnetError).code, JSON.stringify(shape)).toBe('ERR_FORMAT');
    }
    model.dispose();
  });
});
