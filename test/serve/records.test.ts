// Raw records on a real server: a model trained on credit_data.csv through data.preprocessor() and saved
// with it answers objects by column name (rows and columnar form) with class names and probabilities,
// as model.predictRecords does in-process; missing fields are imputed, unknown categories counted in
// /metrics, a value of the wrong type is a 400 naming the record and the field, and concurrent record
// requests are still merged into one engine call.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, layers, loadModel, sequential, serve, setSeed, type InferenceServer, type Sequential } from '../../lib/index';
import { getEngine } from '../../lib/engine';
import { dataset } from '../helpers/datasets';
import { request, tempDir } from './helpers';

const CREDIT = dataset('credit_data.csv');
if (!CREDIT) console.warn('serve/records: credit_data.csv is not in ../shared/data: the raw-records server tests are skipped');
const engine = getEngine().name;

type Answer = { class: string; probabilities: Record<string, number> };

/** The CSV's rows as a client sends them: numbers as numbers, text as text, empty cells absent. */
function csvRecords(file: string, n: number): Record<string, unknown>[] {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const names = head!.split(',').map((s) => JSON.parse(s) as string);
  return lines.slice(0, n).map((line) => {
    const rec: Record<string, unknown> = {};
    line.split(',').forEach((cell, j) => {
      if (cell === '' || cell === 'NA') return;
      rec[names[j]!] = cell.startsWith('"') ? JSON.parse(cell) : Number(cell);
    });
    return rec;
  });
}

/** Same class, and probabilities within float32 rounding (a merged batch may sum in another order). */
function expectSame(got: Answer[], want: Answer[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Object.keys(got[i]!.probabilities)).toEqual(['bad', 'good']);
    for (const k of ['bad', 'good']) expect(Math.abs(got[i]!.probabilities[k]! - want[i]!.probabilities[k]!)).toBeLessThan(1e-6);
    if (Math.abs(want[i]!.probabilities.good! - want[i]!.probabilities.bad!) > 1e-5) expect(got[i]!.class).toBe(want[i]!.class);
  }
}

function counter(metrics: string, name: string): number {
  const m = new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

describe.skipIf(!CREDIT)(`serve: raw records through the saved preprocessor (${engine} engine)`, () => {
  let dir: string, server: InferenceServer, url: string, model: Sequential, records: Record<string, unknown>[];

  beforeAll(async () => {
    dir = tempDir('blasnet-serve-records-');
    setSeed(11);
    const table = await data.readCsv(CREDIT!, { label: 'Status' });
    const pre = data.preprocessor().fit(table);
    const t = pre.transform(table);
    const m = sequential({ layers: [
      layers.dense({ units: 16, activation: 'relu', inputShape: [pre.outputWidth] }),
      layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(t.x, t.y!, { epochs: 2, batchSize: 128, verbose: 0 });
    await m.save(path.join(dir, 'credit', '1'), { preprocessor: pre });
    m.dispose();
    model = await loadModel(path.join(dir, 'credit', '1'));
    records = csvRecords(CREDIT!, 60);
    server = await serve({ models: dir, port: 0, log: false, pollIntervalMs: 0, maxQueueDelayMicros: 400_000 });
    url = server.url;
  }, 120_000);

  afterAll(async () => {
    await server?.close({ timeoutMs: 5000 });
    model?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers records by column name with class names and probabilities, as model.predictRecords', async () => {
    expect(records.some((r) => !('Income' in r))).toBe(true); // the CSV has missing cells: imputed
    const r = await request(`${url}/v1/models/credit:predict`, { body: { instances: records } });
    expect(r.status).toBe(200);
    expectSame(r.body.predictions, await model.predictRecords(records) as Answer[]);
    // Columnar form answers "outputs"; the label column and unknown keys are ignored.
    const names = Object.keys(records[0]!);
    const columns = Object.fromEntries([...names, 'note'].map((n) => [n, records.slice(0, 9).map((rec) => rec[n] ?? null)]));
    const c = await request(`${url}/v1/models/credit/versions/1:predict`, { body: { inputs: columns } });
    expect(c.status).toBe(200);
    expectSame(c.body.outputs, await model.predictRecords(columns as Record<string, unknown[]>) as Answer[]);
  });

  it('imputes absent fields and counts categories never seen in training', async () => {
    const odd = [{ Seniority: 3 }, { ...records[0], Home: 'castle', Job: 'astronaut' }, { ...records[1], Home: 'castle' }];
    const before = await server.metrics();
    const r = await request(`${url}/v1/models/credit:predict`, { body: { instances: odd } });
    expect(r.status).toBe(200);
    expectSame(r.body.predictions, await model.predictRecords(odd) as Answer[]);
    const after = await server.metrics();
    expect(counter(after, 'blasnet_unknown_categories_total{model="credit",column="Home"}') - counter(before, 'blasnet_unknown_categories_total{model="credit",column="Home"}')).toBe(2);
    expect(counter(after, 'blasnet_unknown_categories_total{model="credit",column="Job"}') - counter(before, 'blasnet_unknown_categories_total{model="credit",column="Job"}')).toBe(1);
  });

  it('lists the input columns (kinds, categories) and the class names in both protocols\' metadata, enough to build a request', async () => {
    const v2 = await request(`${url}/v2/models/credit`);
    const v1 = await request(`${url}/v1/models/credit/metadata`);
    expect(v2.status).toBe(200);
    expect(v1.status).toBe(200);
    const schema = v2.body.parameters.records;
    expect(v1.body.records).toEqual(schema);
    expect(v1.body.metadata.signature_def).toBeDefined();
    const pre = model.getPreprocessor()!;
    expect(schema.label).toBe('Status');
    expect(schema.task).toBe('classification');
    expect(schema.classes).toEqual(['bad', 'good']);
    expect(v2.body.parameters.classes).toEqual(['bad', 'good']);
    // Every column of the CSV but the label is listed, as read (numeric, or categorical with what training saw).
    const header = fs.readFileSync(CREDIT!, 'utf8').split('\n', 1)[0]!.split(',').map((h) => JSON.parse(h) as string);
    const listed = [...schema.columns, ...schema.ignored].map((c: { name: string }) => c.name).sort();
    expect(listed).toEqual(header.filter((h) => h !== 'Status').sort());
    const kinds = Object.fromEntries(schema.columns.map((c: { name: string; kind: string }) => [c.name, c.kind]));
    expect(kinds).toMatchObject({ Seniority: 'numeric', Income: 'numeric', Home: 'categorical', Job: 'categorical', Marital: 'categorical' });
    for (const step of pre.columnSteps) {
      if (step.kind !== 'category') continue;
      const col = schema.columns.find((c: { name: string }) => c.name === step.name);
      expect(col.categories.slice().sort()).toEqual([...step.categories, ...step.other].sort());
    }
    expect(schema.columns.find((c: { name: string }) => c.name === 'Home').categories).toContain('owner');
    // A record built from the schema alone (a category of each, 1 for each number) is answered by class name.
    const built = Object.fromEntries(schema.columns.map((c: { name: string; kind: string; categories?: string[] }) =>
      [c.name, c.kind === 'categorical' ? c.categories![0] : 1]));
    const r = await request(`${url}/v1/models/credit:predict`, { body: { instances: [built] } });
    expect(r.status).toBe(200);
    expect(schema.classes).toContain(r.body.predictions[0].class);
    expectSame(r.body.predictions, await model.predictRecords([built]) as Answer[]);
  });

  it('a value of the wrong type is a 400 naming the record and the field', async () => {
    for (const [bad, field] of [[{ Age: 'forty' }, 'Age'], [{ Income: { v: 1 } }, 'Income'], [{ Amount: [800] }, 'Amount']] as const) {
      const body = { instances: [records[0], { ...records[1], ...bad }] };
      const r = await request(`${url}/v1/models/credit:predict`, { body });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('ERR_INVALID_ARG');
      expect(r.body.error).toContain(`instances[1], key "${field}"`);
    }
    const c = await request(`${url}/v1/models/credit:predict`, { body: { inputs: { Age: [30, 'x'] } } });
    expect(c.status).toBe(400);
    expect(c.body.error).toContain('inputs[1], key "Age"');
  });

  it('merges concurrent record requests into one engine call, each answered with its own rows', async () => {
    const parts = [records.slice(0, 1), records.slice(1, 4), records.slice(4, 11), records.slice(11, 13), records.slice(13, 30)];
    const before = await server.metrics();
    const replies = await Promise.all(parts.map((p) => request(`${url}/v1/models/credit:predict`, { body: { instances: p } })));
    const after = await server.metrics();
    for (let i = 0; i < parts.length; i++) {
      expect(replies[i]!.status).toBe(200);
      expectSame(replies[i]!.body.predictions, await model.predictRecords(parts[i]!) as Answer[]);
    }
    const calls = counter(after, 'blasnet_batch_requests_count{model="credit"}') - counter(before, 'blasnet_batch_requests_count{model="credit"}');
    const merged = counter(after, 'blasnet_batch_requests_sum{model="credit"}') - counter(before, 'blasnet_batch_requests_sum{model="credit"}');
    expect(merged).toBe(parts.length);
    expect(calls).toBe(1);
  });
});
