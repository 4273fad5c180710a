// model.save / loadModel / toArtifacts / fromArtifacts from the model's side, and modelCheckpoint.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { callbacks, data, fromArtifacts, layers, loadLayersModel, loadModel, optimizers, sequential, setSeed } from '../../lib/index';
import { getEngine } from '../../lib/engine';
import { seedExample } from '../helpers/examples';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-save-'));
const x = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(i), (i % 7) / 7]);
const y = x.map((r) => [r[0]! - r[1]! + r[2]!]);

function model() {
  const m = sequential({ layers: [layers.dense({ units: 8, activation: 'relu', inputShape: [3] }), layers.dense({ units: 1 })] });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse', metrics: ['mae'] });
  return m;
}

beforeEach(() => setSeed(5));

describe(`saving from the model (${getEngine().name} engine)`, () => {
  it('save then loadModel / loadLayersModel predicts the same; the scaler comes back', async () => {
    const m = model();
    await m.fit(x, y, { epochs: 3, verbose: 0 });
    const scaler = data.standardScaler().fit(x);
    const dir = path.join(tmp(), 'm');
    const res = await m.save(dir, { scaler }) as { modelArtifactsInfo: { weightDataBytes: number } };
    expect(res.modelArtifactsInfo.weightDataBytes).toBe(m.countParams() * 4);
    expect(fs.existsSync(path.join(dir, 'model.json'))).toBe(true);
    const a = await loadModel(dir);
    const b = await loadLayersModel(`file://${dir}/model.json`);
    const want = Array.from(m.predictSync(x).dataSync());
    expect(Array.from(a.predictSync(x).dataSync())).toEqual(want);
    expect(Array.from(b.predictSync(x).dataSync())).toEqual(want);
    expect(a.getScaler()!.transform(x).arraySync()).toEqual(scaler.transform(x).arraySync());
    expect(a.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
  });

  it('includeOptimizer: 3 epochs, save, load, 3 more equals 6 in one go', async () => {
    setSeed(8);
    const whole = model();
    await whole.fit(x, y, { epochs: 6, batchSize: 8, shuffle: false, verbose: 0 });
    setSeed(8);
    const first = model();
    await first.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    const dir = path.join(tmp(), 'resume');
    await first.save(dir, { includeOptimizer: true });
    const back = await loadModel(dir);
    expect(back.isCompiled).toBe(true);
    await back.fit(x, y, { epochs: 6, initialEpoch: 3, batchSize: 8, shuffle: false, verbose: 0 });
    const wa = whole.getWeights(), wb = back.getWeights();
    wa.forEach((t, i) => expect(Array.from(wb[i]!.dataSync())).toEqual(Array.from(t.dataSync())));
  });

  it('a dropout layer without a seed keeps its drawn seed through save/load (exact resume)', async () => {
    const make = () => {
      setSeed(21);
      const m = sequential({ layers: [layers.dense({ units: 16, activation: 'relu', inputShape: [3] }), layers.dropout({ rate: 0.5 }), layers.dense({ units: 1 })] });
      m.compile({ optimizer: 'adam', loss: 'mse' });
      return m;
    };
    const whole = make();
    await whole.fit(x, y, { epochs: 4, batchSize: 8, shuffle: false, verbose: 0 });
    const first = make();
    await first.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const back = fromArtifacts(first.toArtifacts({ includeOptimizer: true }));
    await back.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8, shuffle: false, verbose: 0 });
    whole.getWeights().forEach((t, i) => expect(Array.from(back.getWeights()[i]!.dataSync())).toEqual(Array.from(t.dataSync())));
  });

  it('toArtifacts / fromArtifacts round-trip in memory', async () => {
    const m = model();
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    const art = m.toArtifacts();
    const back = fromArtifacts(art);
    expect(Array.from(back.predictSync(x).dataSync())).toEqual(Array.from(m.predictSync(x).dataSync()));
  });

  it('modelCheckpoint saves every epoch, or only improvements with saveBestOnly', async () => {
    const root = tmp();
    const m = model();
    await m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [callbacks.modelCheckpoint(path.join(root, 'ep{epoch:02d}'), { monitor: 'loss' })] });
    expect(fs.readdirSync(root).sort()).toEqual(['ep01', 'ep02', 'ep03']);
    const last = await loadModel(path.join(root, 'ep03'));
    expect(Array.from(last.predictSync(x).dataSync())).toEqual(Array.from(m.predictSync(x).dataSync()));

    // saveBestOnly on a validation loss that only gets worse: only the first epoch is saved.
    const best = path.join(root, 'best');
    const m2 = model();
    const snaps: number[][] = [];
    await m2.fit(x, y, {
      epochs: 4, verbose: 0, validationData: [x, y.map((r) => [-r[0]!])],
      callbacks: [{ onEpochEnd: () => { snaps.push(Array.from(m2.predictSync(x.slice(0, 3)).dataSync())); } },
        callbacks.modelCheckpoint(best, { saveBestOnly: true })],
    });
    const saved = await loadModel(best);
    expect(Array.from(saved.predictSync(x.slice(0, 3)).dataSync())).toEqual(snaps[0]);
  });

  it('the seed example saves and loads its model', async () => {
    const { run } = await seedExample();
    const dir = path.join(tmp(), 'seed');
    const r = await run(await import('../../lib/index'), { verbose: 0, saveDir: dir });
    expect(Array.from(r.reloaded!.predictSync(r.Xs).dataSync())).toEqual(Array.from(r.model.predictSync(r.Xs).dataSync()));
    expect(r.reloaded!.getScaler()).not.toBeNull();
  });
});
