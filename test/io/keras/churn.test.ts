// Real Keras 3.7 legacy-HDF5 files (../shared/interop-models/keras_h5_churn, not ours to commit): the
// predictions of expected.json to 1e-5, the numbers Keras printed, the Adam state, and training on.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, type Sequential } from '../../../lib';
import { expectClose, interopModel } from '../../helpers/formats';

const dir = interopModel('keras_h5_churn');
if (!dir) console.warn('[tests] ../shared/interop-models/keras_h5_churn is absent: the real Keras 3.7 .h5 checks are skipped');

interface ModelExpect {
  input_columns: string[]; target: string; scaler_mean: number[]; scaler_scale: number[];
  first_10: { input_scaled: number[][]; numpy_prediction_float64: number[] };
  all_test_numpy_prediction_float64: number[]; numpy_test_accuracy: number; numpy_test_binary_crossentropy?: number;
}
interface Expected {
  test_row_indices_0based: number[];
  models: Record<string, ModelExpect>;
  keras_printed: Record<string, { input_scaled_as_printed?: number[]; keras_predict?: number; test_mae?: number }>;
}

/** The author's preprocessing: Gender Female 0 / Male 1, Geography one-hot last, standardized by the saved scaler. */
function rows(csv: string[][], header: string[], m: ModelExpect, indices: number[]): { x: number[][]; y: number[][] } {
  const col = (n: string) => header.indexOf(n);
  const value = (r: string[], c: string): number => {
    if (c === 'Gender') return r[col('Gender')] === 'Male' ? 1 : 0;
    if (c.startsWith('Geography_')) return r[col('Geography')] === c.slice('Geography_'.length) ? 1 : 0;
    return Number(r[col(c)]);
  };
  const x = indices.map((i) => m.input_columns.map((c, j) => (value(csv[i]!, c) - m.scaler_mean[j]!) / m.scaler_scale[j]!));
  const y = indices.map((i) => [value(csv[i]!, m.target)]);
  return { x, y };
}

function optimizerEntry(model: Sequential, name: string): Float32Array {
  const t = model.toDescription({ includeOptimizer: true }).optimizerWeights.find((w) => w.name === name);
  if (!t) throw new Error(`no optimizer entry ${name}`);
  return t.data;
}

describe.skipIf(!dir)('Keras 3.7 legacy .h5 (keras_h5_churn)', () => {
  const e = dir ? JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected : null;
  const lines = dir ? fs.readFileSync(path.join(dir, 'Churn_Modelling.csv'), 'utf8').trim().split(/\r?\n/) : [];
  const header = lines[0]?.split(',') ?? [];
  const csv = lines.slice(1).map((l) => l.split(','));

  it('model.h5 predicts the 2,000 test rows as expected.json, with its accuracy and loss', async () => {
    const m = await loadModel(path.join(dir!, 'model.h5'));
    const me = e!.models['model.h5']!;
    expectClose(m.predictSync(me.first_10.input_scaled).dataSync(), me.first_10.numpy_prediction_float64, 1e-5, 'first 10');
    const { x, y } = rows(csv, header, me, e!.test_row_indices_0based);
    expectClose(m.predictSync(x).dataSync(), me.all_test_numpy_prediction_float64, 1e-5, 'all test rows');
    const scores = await m.evaluateAsync(x, y);
    expect(scores.accuracy).toBeCloseTo(me.numpy_test_accuracy, 6);
    expect(scores.loss).toBeCloseTo(me.numpy_test_binary_crossentropy!, 4);
  });

  it('model_685b16a.h5 gives the 0.2830619 Keras printed', async () => {
    const m = await loadModel(path.join(dir!, 'model_685b16a.h5'));
    const k = e!.keras_printed['model_685b16a.h5']!;
    expect(Math.abs(m.predictSync([k.input_scaled_as_printed!]).dataSync()[0]! - k.keras_predict!)).toBeLessThan(1e-5);
    const me = e!.models['model_685b16a.h5']!;
    expectClose(m.predictSync(me.first_10.input_scaled).dataSync(), me.first_10.numpy_prediction_float64, 1e-5, 'first 10');
  });

  it('regression_model.h5 gives the test MAE Keras printed (compiled with mae)', async () => {
    const m = await loadModel(path.join(dir!, 'regression_model.h5'));
    const me = e!.models['regression_model.h5']!;
    const { x, y } = rows(csv, header, me, e!.test_row_indices_0based);
    const scores = await m.evaluateAsync(x, y);
    expect(Math.abs(scores.loss! - e!.keras_printed['regression_model.h5']!.test_mae!) / 50184.6).toBeLessThan(1e-6);
  });

  it('reads the Adam state, and fit continues from it', async () => {
    const m = await loadModel(path.join(dir!, 'model.h5'));
    const d = m.toDescription({ includeOptimizer: true });
    expect(d.training).toMatchObject({ loss: 'binary_crossentropy', metrics: ['accuracy'], optimizerConfig: { className: 'Adam' } });
    const iter = optimizerEntry(m, 'iter')[0]!;
    expect(iter).toBeGreaterThan(0);
    const v = optimizerEntry(m, 'dense/kernel/v');
    expect(v.length).toBe(12 * 64);
    expect(v.some((x) => x > 0)).toBe(true);
    expect(optimizerEntry(m, 'dense_2/bias/m')[0]).not.toBe(0);

    // One step from Keras's state differs from one step from a fresh Adam: the state is used.
    const me = e!.models['model.h5']!;
    const { x, y } = rows(csv, header, me, e!.test_row_indices_0based.slice(0, 64));
    const fresh = await loadModel(path.join(dir!, 'model.h5'), { compile: false });
    fresh.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    await m.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
    await fresh.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
    expect(optimizerEntry(m, 'iter')[0]).toBe(iter + 1);
    expect(m.predictSync(x).dataSync()).not.toEqual(fresh.predictSync(x).dataSync());
    const h = await m.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
    expect(h.history.loss!.every((l) => Number.isFinite(l) && l < 1)).toBe(true);
  });
});
