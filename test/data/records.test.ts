// Raw records through the saved preprocessor: model.predictRecords / predictAsync / predictSync on
// objects by column name (absent fields, strings for numbers, unknown categories, columnar form) give
// the bits of the training pipeline (pre.transform on the table, then predictAsync), class names back;
// pre.transformRecords / pre.answers as the library entry for servers and jobs; errors name the record.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlasnetError, data, loadModel, sequential, layers, setSeed, type Sequential } from '../../lib/index';
import type { Preprocessor, Table } from '../../lib/data';
import { getEngine } from '../../lib/engine';

const engine = getEngine().name;
const LOANS = path.join(__dirname, '..', '..', 'data', 'loans.csv');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-records-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function fails(f: () => unknown): Promise<BlasnetError> {
  try { await f(); } catch (e) { expect(e).toBeInstanceOf(BlasnetError); return e as BlasnetError; }
  throw new Error('expected an error');
}

/** The table's rows as a client would send them: text as text, numbers as numbers, missing cells absent. */
function recordsOf(t: Table, numbersAsText = false): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = Array.from({ length: t.rows }, () => ({}));
  for (const c of t.allColumns) {
    for (let r = 0; r < t.rows; r++) {
      if (c.kind === 'number') {
        const v = c.values[r]!;
        if (v === v) out[r]![c.name] = numbersAsText ? String(v) : v;
      } else if (c.codes[r]! >= 0) out[r]![c.name] = c.categories[c.codes[r]!];
    }
  }
  return out;
}

describe(`raw records through the saved preprocessor (${engine} engine)`, () => {
  let table: Table, pre: Preprocessor, loaded: Sequential, reference: Float32Array;
  beforeAll(async () => {
    setSeed(5);
    table = await data.readCsv(LOANS, { label: 'decision' });
    pre = data.preprocessor().fit(table);
    const t = pre.transform(table);
    const model = sequential({ layers: [
      layers.dense({ units: 16, activation: 'relu', inputShape: [pre.outputWidth] }),
      layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(t.x, t.y!, { epochs: 3, batchSize: 64, verbose: 0 });
    await model.save(path.join(dir, 'loans'), { preprocessor: pre });
    loaded = await loadModel(path.join(dir, 'loans'));
    // The training pipeline on the rows that have a label.
    reference = (await loaded.predictAsync(t.x)).dataSync();
    expect(t.dropped).toBeGreaterThan(0);
    table = table.take(t.rowIndex!);
  }, 60_000);

  it('predictRecords: the bits of the training pipeline, the class of the larger probability, by name', async () => {
    expect(loaded.classes).toEqual(['approved', 'declined']);
    const recs = recordsOf(table);
    expect(Object.keys(recs[0]!)).toContain('decision'); // the label field is ignored
    const answers = await loaded.predictRecords(recs);
    expect(answers.length).toBe(table.rows);
    for (let r = 0; r < table.rows; r++) {
      const a = answers[r] as { class: string; probabilities: Record<string, number> };
      expect([a.probabilities.approved, a.probabilities.declined]).toEqual([reference[2 * r], reference[2 * r + 1]]);
      expect(a.class).toBe(reference[2 * r]! >= reference[2 * r + 1]! ? 'approved' : 'declined');
    }
    // Numbers sent as text, the columnar form, predictAsync and predictSync on records: the same bits.
    const asText = await loaded.predictRecords(recordsOf(table, true));
    expect(asText).toEqual(answers);
    const columnar: Record<string, unknown[]> = {};
    for (const name of table.allColumns.map((c) => c.name)) columnar[name] = recs.map((r) => (name in r ? r[name] : null));
    expect(await loaded.predictRecords(columnar)).toEqual(answers);
    expect(Array.from((await loaded.predictAsync(recs)).dataSync())).toEqual(Array.from(reference));
    // (against the same 7 rows as numbers: OpenBLAS may sum a 7-row batch in another order than the whole table)
    const w = pre.outputWidth;
    const first7 = { data: pre.transform(table).x.dataSync().slice(0, 7 * w), shape: [7, w] };
    expect(Array.from(loaded.predictSync(recs.slice(0, 7)).dataSync())).toEqual(Array.from(loaded.predictSync(first7).dataSync()));
  });

  it('absent fields are imputed as missing cells are; unseen categories encode as zeros and are counted; other keys ignored', () => {
    const header = table.allColumns.map((c) => c.name).filter((n) => n !== 'decision');
    const blank = data.parseCsv(header.join(',') + '\n' + header.map(() => '').join(',') + '\n', { types: Object.fromEntries(pre.inputColumns().map((c) => [c.name, c.kind])) });
    const viaCsv = pre.transform(blank).x.dataSync();
    const r = pre.transformRecords([{}, { city: 'Atlantis', home: 'own', nope: 1 }]);
    expect(r.rows).toBe(2);
    expect(r.width).toBe(pre.outputWidth);
    expect(Array.from(r.x.subarray(0, r.width))).toEqual(Array.from(viaCsv));
    expect(r.unknown).toEqual({ city: 1 });
    const names = pre.featureNames;
    const cityCols = names.map((n, j) => [n, j] as const).filter(([n]) => n.startsWith('city='));
    expect(cityCols.length).toBeGreaterThan(1);
    for (const [, j] of cityCols) expect(r.x[r.width + j]).toBe(0);
    expect(r.x[r.width + names.indexOf('home=own')]).toBe(1);
  });

  it('errors name the record (0-based) and the key; a model without a preprocessor says how to give it one', async () => {
    let e = await fails(() => loaded.predictRecords([{ age: 30 }, { age: 'old' }]));
    expect(e.code).toBe('ERR_INVALID_ARG');
    expect(e.message).toBe('records[1], key "age": expected a number but found "old"');
    e = await fails(() => loaded.predictRecords([{ age: 30 }, 7]));
    expect(e.message).toBe('records[1]: expected an object {"column": value} but found "7"');
    e = await fails(() => loaded.predictRecords([{ age: 1e39 }]));
    expect(e.message).toMatch(/^records\[0\], key "age": expected a number within float32 range/);
    e = await fails(() => loaded.predictRecords([{ age: { nested: 1 } }]));
    expect(e.message).toMatch(/^records\[0\], key "age": expected a number, a string, true\/false or null but found an object/);
    e = await fails(() => loaded.predictRecords([]));
    expect(e.code).toBe('ERR_INVALID_ARG');
    e = await fails(() => loaded.predictRecords({ age: [1, 2], income: [3] }));
    expect(e.code).toBe('ERR_SHAPE_MISMATCH');
    e = await fails(() => loaded.predictRecords({ unrelated: [1] }));
    expect(e.message).toMatch(/^Expected records to hold at least one of the model's columns \(\w+, /);
    e = await fails(() => pre.transformRecords([{}, {}, {}], { maxRows: 2 }));
    expect(e.code).toBe('ERR_LIMIT');
    const plain = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
    e = await fails(() => plain.predictAsync([{ a: 1, b: 2 }]));
    expect(e.message).toMatch(/has no preprocessor, so it cannot take records by column name/);
    expect(plain.classes).toBeNull();
    // Records with a key named constructor or __proto__ are plain data.
    const odd = JSON.parse('[{"__proto__": 5, "constructor": "x", "age": 40}]') as Record<string, unknown>[];
    expect((await loaded.predictRecords(odd)).length).toBe(1);
  });

  it('answers: a one-unit sigmoid output is the second class, regressors get values, class names like __proto__ stay keys', async () => {
    const t = data.parseCsv('x,c,y\n1,a,__proto__\n2,b,constructor\n3,a,__proto__\n4,b,constructor\n', { label: 'y' });
    const p = data.preprocessor().fit(t);
    expect(p.classes).toEqual(['__proto__', 'constructor']);
    const a = p.answers(new Float32Array([0.25, 0.75]), 1);
    expect(a[0]).toEqual({ class: '__proto__', probabilities: JSON.parse('{"__proto__": 0.75, "constructor": 0.25}') });
    expect(Object.keys((a[1] as { probabilities: object }).probabilities)).toEqual(['__proto__', 'constructor']);
    expect((a[1] as { class: string }).class).toBe('constructor');
    expect(() => p.answers(new Float32Array(6), 3)).toThrow(/Expected 2 outputs per row/);
    const reg = data.preprocessor().fit(data.parseCsv('x,y\n1,0.5\n2,1.5\n3,2.25\n', { label: 'y' }));
    expect(reg.answers(new Float32Array([1.5, 2]), 1)).toEqual([{ value: 1.5 }, { value: 2 }]);
    expect(reg.answers(new Float32Array([1, 2, 3, 4]), 2)).toEqual([{ values: [1, 2] }, { values: [3, 4] }]);
    // setPreprocessor: kept with an in-memory model and written by a later save.
    setSeed(2);
    const m = sequential({ layers: [layers.dense({ units: 2, activation: 'softmax', inputShape: [p.outputWidth] })] });
    m.setPreprocessor(p);
    expect(m.classes).toEqual(['__proto__', 'constructor']);
    const direct = await m.predictRecords([{ x: 2, c: 'b' }]);
    await m.save(path.join(dir, 'odd'));
    const back = await loadModel(path.join(dir, 'odd'));
    expect(await back.predictRecords([{ x: 2, c: 'b' }])).toEqual(direct);
    m.setPreprocessor(null);
    expect(m.classes).toBeNull();
  });
});
