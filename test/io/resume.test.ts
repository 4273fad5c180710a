// Saving with includeOptimizer resumes training exactly: fit 10 epochs, save to disk, load, fit 10 more
// gives the same weights as 20 epochs in one go (same engine, same seed), for every optimizer kind.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequential, layers, setSeed, optimizers, data, type Sequential } from '../../lib';
import { resetLayerNames } from '../../lib/model/layers';
import { loadLayersModel, loadModel } from '../../lib/model/saving';

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-resume-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const x = Array.from({ length: 48 }, (_, i) => [Math.sin(i * 0.5), Math.cos(i * 0.3), (i % 7) / 7]);
const y = x.map((r) => [r[0]! * r[1]! + r[2]!, r[0]! - r[2]!]);

const configs: [string, () => unknown][] = [
  ['adam', () => optimizers.adam({ learningRate: 0.01 })],
  ['adam amsgrad', () => optimizers.adam({ learningRate: 0.01, amsgrad: true })],
  ['sgd momentum', () => optimizers.sgd({ learningRate: 0.05, momentum: 0.9 })],
  ['rmsprop centered', () => optimizers.rmsprop({ learningRate: 0.005, momentum: 0.5, centered: true })],
  ['adagrad', () => optimizers.adagrad({ learningRate: 0.05 })],
  ['adamw', () => optimizers.adamw({ learningRate: 0.01, weightDecay: 0.01 })],
];

function build(opt: () => unknown): Sequential {
  setSeed(5);
  resetLayerNames();
  const m = sequential({ layers: [
    layers.dense({ units: 10, activation: 'relu', inputShape: [3] }),
    layers.batchNormalization(),
    layers.dropout({ rate: 0.1, seed: 3 }),
    layers.dense({ units: 6, activation: 'tanh' }),
    layers.layerNormalization(),
    layers.dense({ units: 2 }),
  ] });
  m.compile({ optimizer: opt() as never, loss: 'mse', metrics: ['mae'] });
  return m;
}

function flat(m: Sequential): number[] {
  return m.getWeights().flatMap((t) => Array.from(t.dataSync()));
}

describe('includeOptimizer: training resumes exactly', () => {
  for (const [name, opt] of configs) {
    it(name, async () => {
      const fitArgs = { batchSize: 8, shuffle: false, verbose: 0 as const };
      const whole = build(opt);
      await whole.fit(x, y, { ...fitArgs, epochs: 20 });

      const first = build(opt);
      await first.fit(x, y, { ...fitArgs, epochs: 10 });
      const dir = path.join(tmp, name.replace(/ /g, '-'));
      await first.save(`file://${dir}`, { includeOptimizer: true });
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(json.blasnetTrainingConfig.optimizer_config.class_name).toBeTypeOf('string');
      expect(json.weightsManifest[0].weights.some((w: { group?: string }) => w.group === 'optimizer')).toBe(true);
      first.dispose();

      const resumed = await loadLayersModel(`file://${dir}/model.json`);
      await resumed.fit(x, y, { ...fitArgs, epochs: 20, initialEpoch: 10 });
      expect(flat(resumed)).toEqual(flat(whole));
      resumed.dispose();
      whole.dispose();
    });
  }

  it('with shuffle: the resumed fit shuffles its epochs as the uninterrupted fit does', async () => {
    const fitArgs = { batchSize: 8, shuffle: true, verbose: 0 as const };
    const whole = build(configs[0]![1]);
    await whole.fit(x, y, { ...fitArgs, epochs: 6 });

    const first = build(configs[0]![1]);
    await first.fit(x, y, { ...fitArgs, epochs: 3 });
    const dir = path.join(tmp, 'shuffled');
    await first.save(dir, { includeOptimizer: true });
    first.dispose();
    setSeed(999); // the global generator's state at load time must not matter
    const resumed = await loadModel(dir);
    await resumed.fit(x, y, { ...fitArgs, epochs: 6, initialEpoch: 3 });
    expect(flat(resumed)).toEqual(flat(whole));

    // Control: a model that lost its shuffling state (weights and optimizer kept) diverges.
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.blasnetTrainingConfig.shuffle_seed).toBeTypeOf('number');
    delete json.blasnetTrainingConfig.shuffle_seed;
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const forgetful = await loadModel(dir);
    await forgetful.fit(x, y, { ...fitArgs, epochs: 6, initialEpoch: 3 });
    expect(flat(forgetful)).not.toEqual(flat(whole));
    for (const m of [whole, resumed, forgetful]) m.dispose();
  });

  it('without includeOptimizer the model loads uncompiled weights only (as tfjs)', async () => {
    const m = build(configs[0]![1]);
    await m.fit(x, y, { batchSize: 8, shuffle: false, verbose: 0, epochs: 2 });
    const dir = path.join(tmp, 'weights-only');
    await m.save(dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig).toBeUndefined();
    const back = await loadModel(dir);
    expect(flat(back)).toEqual(flat(m));
    await expect(back.fit(x, y, { epochs: 1, verbose: 0 })).rejects.toMatchObject({ code: 'ERR_NOT_COMPILED' });
    back.dispose();
    m.dispose();
  });

  it('a scaler saved with the model comes back with it', async () => {
    const m = build(configs[0]![1]);
    const scaler = data.standardScaler().fit(x);
    const dir = path.join(tmp, 'scaler');
    await m.save(dir, { scaler });
    const back = await loadModel(dir);
    const s = back.getScaler();
    expect(s).not.toBeNull();
    expect(Array.from(s!.transform(x).dataSync())).toEqual(Array.from(scaler.transform(x).dataSync()));
    back.dispose();
    m.dispose();
  });
});
