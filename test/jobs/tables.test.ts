// Jobs on messy tables (runJob in this process; the queue carries the same call): text and yes/no
// columns, missing cells and labels, class names; the preprocessor saved with the model and reused when a
// job trains it further; models saved with a scaler only still train further.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, layers, sequential, data } from '../../lib';
import { getEngine } from '../../lib/engine';
import { dataset } from '../helpers/datasets';

const CREDIT = dataset('credit_data.csv');
if (!CREDIT) console.warn('jobs/tables: credit_data.csv is not in ../shared/data: the credit job is skipped');

/** 300 seeded rows: a number with NA cells, a city, a yes/no flag, and a good/bad label (3 missing). */
function messyCsv(): string {
  let s = 1;
  const rnd = () => { s = (s * 16807) % 2147483647; return s / 2147483647; };
  const lines = ['age,city,member,status'];
  for (let i = 0; i < 300; i++) {
    const age = Math.round(20 + 50 * rnd());
    const city = ['Lyon', 'Oslo', 'Lima'][Math.floor(rnd() * 3)]!;
    const member = rnd() < 0.5 ? 'yes' : 'no';
    const good = (city === 'Oslo' ? 1 : 0) + (age > 45 ? 1 : 0) + (member === 'yes' ? 0.5 : 0) > 0.9;
    const label = i % 100 === 7 ? '' : good ? 'good' : 'bad';
    lines.push(`${i % 17 === 3 ? 'NA' : age},${city},${member},${label}`);
  }
  return lines.join('\n') + '\n';
}

describe(`jobs on tables with text, missing cells and class names (${getEngine().name} engine)`, () => {
  let dir = '';
  let csv = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-jobs-tables-'));
    csv = path.join(dir, 'messy.csv');
    fs.writeFileSync(csv, messyCsv());
  });
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('trains through the preprocessor: class names, encoded columns, rows without a label left out; the model predicts records', async () => {
    const desc = {
      data: { source: csv, label: 'status' }, model: { hidden: [16] }, compile: { learningRate: 0.02 },
      fit: { epochs: 60, batchSize: 16, validationSplit: 0.2 }, seed: 5, result: { dir: path.join(dir, 'out') },
    };
    const { result, model } = await jobs.runJob(desc, { resultPath: path.join(dir, 'a') });
    expect(result.task).toBe('classification');
    expect([...result.classes!].sort()).toEqual(['bad', 'good']);
    expect(result.features).toEqual(['age', 'city', 'member']);
    expect(result.rows).toEqual({ train: 238, validation: 59, droppedForMissingLabel: 3 });
    expect(result.scores.validation!.accuracy).toBeGreaterThanOrEqual(0.85);
    const pre = model.getPreprocessor()!;
    // age, its missing indicator, three cities one-hot, the flag.
    expect(pre.outputWidth).toBe(6);
    const saved = await jobs.modelFromResult({ model: { dir: result.model.dir } });
    const t = data.tableFromRecords([{ age: 60, city: 'Oslo', member: 'yes' }, { age: 22, city: 'Lima', member: 'no' }], { schema: saved.getPreprocessor()!.inputColumns() });
    const p = await saved.predictAsync(saved.getPreprocessor()!.transform(t).x);
    expect(saved.getPreprocessor()!.decode(p.dataSync(), 2)).toEqual(['good', 'bad']);
    saved.dispose();

    // Trained further: the saved preprocessor is reused as it is (not fitted again), so the weights still fit.
    const more = await jobs.runJob({ ...desc, model: { from: result.model.dir }, fit: { epochs: 5, validationSplit: 0.2 } }, { resultPath: path.join(dir, 'b') });
    expect(more.model.getPreprocessor()!.toJSON()).toEqual(pre.toJSON());
    expect(more.result.scores.validation!.accuracy).toBeGreaterThanOrEqual(0.8);
    await expect(jobs.runJob({ data: { source: csv, label: 'member' }, model: { from: result.model.dir }, fit: { epochs: 1 } }))
      .rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/job\.data\.label is member but job\.model\.from was trained on the label status/) });
    model.dispose(); more.model.dispose();
  }, 60_000);

  it('takes the reader options of blasnet train: delimiter, missing cells, categorical numbers, no header', async () => {
    const semi = path.join(dir, 'semi.csv');
    fs.writeFileSync(semi, fs.readFileSync(csv, 'utf8').replace(/,/g, ';').replace(/\bNA\b/g, '-'));
    const a = await jobs.runJob({ data: { source: semi, label: 'status', delimiter: ';', missing: ['-'] }, model: { hidden: [8] }, fit: { epochs: 2 } });
    expect(a.result.features).toEqual(['age', 'city', 'member']);
    const ageAsCategory = await jobs.runJob({ data: { source: csv, label: 'status', categorical: ['age'], maxCategories: 4 }, model: { hidden: [8] }, fit: { epochs: 1 } });
    // Four kept ages plus the rest grouped, a missing category, three cities, the flag.
    expect(ageAsCategory.model.getPreprocessor()!.outputWidth).toBeGreaterThan(6);
    const bare = path.join(dir, 'bare.csv');
    fs.writeFileSync(bare, fs.readFileSync(csv, 'utf8').split('\n').slice(1).join('\n'));
    const noHeader = await jobs.runJob({ data: { source: bare, label: '3', header: false }, model: { hidden: [8] }, fit: { epochs: 1 } });
    expect(noHeader.result.features).toEqual(['0', '1', '2']);
    await expect(jobs.runJob({ data: { source: csv, label: 'status', numeric: ['city'] }, fit: { epochs: 1 } })).rejects.toMatchObject({ code: 'ERR_FORMAT' });
    for (const r of [a, ageAsCategory, noHeader]) r.model.dispose();
  }, 60_000);

  it('trains further a model saved with a scaler and numeric columns only (as blasnet train saved them before preprocessors)', async () => {
    const iris = path.resolve(__dirname, '../../data/iris.csv');
    const t = await data.readCsv(iris, { label: 'label' });
    const x = t.x.dataSync();
    const scaler = data.standardScaler().fit({ data: x, shape: [t.rows, 4] });
    const m = sequential({ layers: [layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), layers.dense({ units: 3, activation: 'softmax' })] });
    m.userDefinedMetadata = { blasnetCli: { task: 'classification', label: 'label', features: t.columns, classes: [0, 1, 2] } };
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const old = path.join(dir, 'old-model');
    await m.save(old, { scaler });
    const r = await jobs.runJob({ data: { source: iris, label: 'label' }, model: { from: old }, compile: { learningRate: 0.01 }, fit: { epochs: 30, validationSplit: 0.2 } });
    expect(r.result.classes).toEqual([0, 1, 2]);
    expect(r.result.scores.validation!.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(r.model.getPreprocessor()).toBeNull();
    expect(r.model.getScaler()!.toJSON()).toEqual(scaler.toJSON());
    m.dispose(); r.model.dispose();
  }, 60_000);

  it.skipIf(!CREDIT)('credit_data.csv: text columns, missing values and good/bad labels, as blasnet train scores them', async () => {
    const r = await jobs.runJob({
      data: { source: CREDIT!, label: 'Status' }, model: { hidden: [32] }, compile: { learningRate: 0.003 },
      fit: { epochs: 30, batchSize: 64, validationSplit: 0.2, earlyStopping: 5 }, seed: 1,
    });
    expect([...r.result.classes!].sort()).toEqual(['bad', 'good']);
    expect(r.result.features).toContain('Home');
    console.log(`credit job val_accuracy (${getEngine().name}): ${r.result.scores.validation!.accuracy!.toFixed(4)}`);
    expect(r.result.scores.validation!.accuracy).toBeGreaterThanOrEqual(0.75);
    r.model.dispose();
  }, 120_000);
});
