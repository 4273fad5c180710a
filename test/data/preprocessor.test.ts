// data.preprocessor against independent references: a matrix computed by hand from the formulas, and
// the one scikit-learn computes (fixture written by test/fixtures/data/preprocessor_reference.py);
// toJSON/fromJSON and save/load bit for bit; a damaged saved preprocessor is ERR_FORMAT; bad inputs
// (labels missing in some rows, an empty column, a class only in the test rows, more categories than
// the cap) each get a clear message.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlasnetError, data, loadModel, sequential, layers, setSeed } from '../../lib/index';
import { getEngine } from '../../lib/engine';
import type { PreprocessorJSON } from '../../lib/data';

const engine = getEngine().name;
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'data', 'preprocessor_reference.json'), 'utf8')) as {
  train: string; test: string; columns: string[]; classes: string[]; xTrain: number[][]; xTest: number[][]; yTrain: number[]; yTest: number[];
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-pre-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fail(f: () => unknown): BlasnetError {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(BlasnetError); return e as BlasnetError; }
  throw new Error('expected an error');
}

/** Columns of x by name, as plain numbers. */
function byName(x: number[][], names: string[]): Record<string, number[]> {
  return Object.fromEntries(names.map((n, j) => [n, x.map((r) => r[j]!)]));
}

describe(`preprocessor (${engine} engine)`, () => {
  it('equals a matrix computed by hand: median and mean imputation, indicators, standard and min-max scaling, one-hot order, the cap and "(other)", unknown categories, booleans', () => {
    const train = data.parseCsv([
      'n,m,k,color,size,flag,y',
      '1,10,5,red,S,yes,a',
      '3,,7,blue,M,no,b',
      ',20,,red,L,yes,a',
      '5,30,9,,S,,b',
      '7,40,3,green,XL,no,a',
      '9,,5,red,M,no,b',
    ].join('\n'), { label: 'y' });
    const pre = data.preprocessor({
      columns: { m: { impute: 'mean', scale: 'minmax', indicator: false }, k: { impute: { constant: 0 }, scale: 'none' }, size: { maxCategories: 2, impute: 'mostFrequent' } },
    }).fit(train);
    expect(pre.featureNames).toEqual([
      'n', 'n (missing)', 'm', 'k', 'k (missing)',
      'color=blue', 'color=green', 'color=red', 'color=(missing)',
      'size=M', 'size=S', 'size=(other)',
      'flag', 'flag (missing)',
    ]);
    expect(pre.classes).toEqual(['a', 'b']);
    // n: median of 1,3,5,7,9 = 5; imputed column 1,3,5,5,7,9: mean 5, population variance (16+4+0+0+4+16)/6.
    const sd = Math.sqrt(40 / 6);
    const n = (v: number) => Math.fround((v - 5) / sd);
    // m: mean of 10,20,30,40 = 25 imputed; min 10, max 40.
    const m = (v: number) => Math.fround((v - 10) / 30);
    const got = pre.transform(train);
    expect(Array.from(got.y!.dataSync())).toEqual([0, 1, 0, 1, 0, 1]);
    expect(got.x.arraySync()).toEqual([
      // n      ind m       k  ind blue green red miss  M S other  flag ind
      [n(1), 0, m(10), 5, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0],
      [n(3), 0, m(25), 7, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0],
      [n(5), 1, m(20), 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0],  // size L: past the cap of 2 (M 2, S 2 kept; L, XL) -> other
      [n(5), 0, m(30), 9, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1],  // flag missing -> most frequent (no: 3 of 5)
      [n(7), 0, m(40), 3, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0],
      [n(9), 0, m(25), 5, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0],
    ]);
    // New rows: unknown categories are all zeros and counted; missing size takes the most frequent (M and S tie: M by name).
    const test = data.parseCsv('n,m,k,color,size,flag,y\n11,50,,purple,XXL,maybe,a\n,,1,,,yes,b\n', { label: 'y' });
    const t = pre.transform(test);
    expect(t.x.arraySync()).toEqual([
      [n(11), 0, m(50), 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      [n(5), 1, m(25), 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0],
    ]);
    expect(t.unknown).toEqual({ color: 1, size: 1, flag: 1 });
  });

  it('equals scikit-learn (SimpleImputer, MissingIndicator, StandardScaler, OneHotEncoder) on a messy table, train and test rows', () => {
    const train = data.parseCsv(fixture.train, { label: 'label' });
    const test = data.parseCsv(fixture.test, { label: 'label' });
    const pre = data.preprocessor({ numeric: { indicator: true } }).fit(train);
    expect([...pre.featureNames].sort()).toEqual([...fixture.columns].sort());
    expect(pre.classes).toEqual(fixture.classes);
    for (const [t, want, y] of [[train, fixture.xTrain, fixture.yTrain], [test, fixture.xTest, fixture.yTest]] as const) {
      const r = pre.transform(t);
      const ours = byName(r.x.arraySync(), pre.featureNames);
      const ref = byName(want as number[][], fixture.columns);
      for (const name of fixture.columns) {
        ours[name]!.forEach((v, i) => expect(Math.abs(v - ref[name]![i]!), `${name} row ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref[name]![i]!))));
      }
      expect(Array.from(r.y!.dataSync())).toEqual(y);
    }
  });

  it('toJSON / fromJSON and model.save / loadModel round-trip bit for bit; classes come back as names', async () => {
    const table = await data.readCsv(path.join(__dirname, '..', '..', 'data', 'loans.csv'), { label: 'decision' });
    const pre = data.preprocessor().fit(table);
    const json = JSON.parse(JSON.stringify(pre.toJSON())) as PreprocessorJSON;
    const again = data.Preprocessor.fromJSON(json);
    const a = pre.transform(table).x.dataSync(), b = again.transform(table).x.dataSync();
    expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(true);
    setSeed(1);
    const model = sequential({ layers: [layers.dense({ units: 2, activation: 'softmax', inputShape: [pre.outputWidth] })] });
    await model.save(path.join(dir, 'm'), { preprocessor: pre });
    const loaded = await loadModel(path.join(dir, 'm'));
    const p = loaded.getPreprocessor()!;
    expect(p.toJSON()).toEqual(pre.toJSON());
    const c = p.transform(table).x.dataSync();
    expect(Buffer.from(c.buffer, c.byteOffset, c.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(true);
    const probs = (await loaded.predictAsync(p.transform(table).x)).dataSync();
    expect(p.decode(probs).slice(0, 3).every((v) => v === 'approved' || v === 'declined')).toBe(true);
    // The model file is still a tfjs layers model (the preprocessor rides in userDefinedMetadata).
    const mj = JSON.parse(fs.readFileSync(path.join(dir, 'm', 'model.json'), 'utf8'));
    expect(mj.format).toBe('layers-model');
    expect(mj.userDefinedMetadata.preprocessor.kind).toBe('blasnetPreprocessor');
  });

  it('a damaged saved preprocessor is ERR_FORMAT at load, naming the field', async () => {
    const pre = data.preprocessor().fit(data.parseCsv('a,b,y\n1,x,p\n2,z,q\n3,x,p\n', { label: 'y' }));
    const good = pre.toJSON();
    const cases: [string, (j: any) => void, RegExp][] = [
      ['zero divisor', (j) => { j.steps[0].scale.divisor = 0; }, /steps\[0\]\.scale\.divisor: expected a finite number > 0 but found 0/],
      ['unknown step kind', (j) => { j.steps[1].kind = 'hash'; }, /steps\[1\]\.kind: expected "number" or "category"/],
      ['huge imputation', (j) => { j.steps[0].impute.value = 'x'; }, /steps\[0\]\.impute\.value: expected a finite number/],
      ['duplicate category', (j) => { j.steps[1].categories = ['x', 'x']; j.featureNames = ['a', 'b=x', 'b=x']; }, /categories: expected distinct values/],
      ['output names', (j) => { j.featureNames.pop(); }, /featureNames: expected the 3 output names the steps give/],
      ['one class', (j) => { j.label.classes = ['p']; }, /label\.classes: expected at least two classes/],
      ['extra key', (j) => { j.steps[0].evil = 1; }, /steps\[0\]\.evil: expected only the keys/],
      ['version', (j) => { j.version = 2; }, /version: expected 1/],
    ];
    for (const [what, edit, re] of cases) {
      const j = JSON.parse(JSON.stringify(good));
      edit(j);
      const e = fail(() => data.Preprocessor.fromJSON(j));
      expect(e.code, what).toBe('ERR_FORMAT');
      expect(e.message, what).toMatch(re);
    }
    // Through loadModel: the same error at load, and a preprocessor that does not fit the model's input width.
    setSeed(1);
    const model = sequential({ layers: [layers.dense({ units: 2, activation: 'softmax', inputShape: [pre.outputWidth] })] });
    await model.save(path.join(dir, 'bad'), { preprocessor: pre });
    const file = path.join(dir, 'bad', 'model.json');
    const mj = JSON.parse(fs.readFileSync(file, 'utf8'));
    mj.userDefinedMetadata.preprocessor.steps[0].scale.divisor = -1;
    fs.writeFileSync(file, JSON.stringify(mj));
    await expect(loadModel(path.join(dir, 'bad'))).rejects.toMatchObject({ code: 'ERR_FORMAT', message: expect.stringMatching(/divisor: expected a finite number > 0/) });
    const wide = sequential({ layers: [layers.dense({ units: 2, activation: 'softmax', inputShape: [pre.outputWidth + 1] })] });
    await wide.save(path.join(dir, 'wide'), { preprocessor: pre });
    await expect(loadModel(path.join(dir, 'wide'))).rejects.toMatchObject({ code: 'ERR_FORMAT', message: expect.stringMatching(/preprocessor gives 3 features but the model takes 4/) });
  });

  it('labels missing in some rows: dropped and counted (default) or an error naming the first line', () => {
    const t = data.parseCsv('a,y\n1,p\n2,\n3,q\n4,NA\n5,p\n', { label: 'y' });
    const r = data.preprocessor().fitTransform(t);
    expect(r.dropped).toBe(2);
    expect(Array.from(r.rowIndex!)).toEqual([0, 2, 4]);
    expect(r.x.shape).toEqual([3, 1]);
    const e = fail(() => data.preprocessor({ missingLabel: 'error' }).fit(t));
    expect(e.message).toBe('CSV text: line 3, column 2 (y): the label is missing (2 rows without one; missingLabel "drop" leaves them out)');
  });

  it('an entirely empty column is left out with the reason (an error if steps were set for it); no usable column is an error', () => {
    const t = data.parseCsv('a,e,y\n1,,p\n2,NA,q\n3,,p\n', { label: 'y' });
    const pre = data.preprocessor().fit(t);
    expect(pre.featureNames).toEqual(['a']);
    expect(pre.columnSteps[1]).toEqual({ name: 'e', kind: 'drop', reason: 'empty: every value is missing in the training rows' });
    expect(fail(() => data.preprocessor({ columns: { e: { impute: 'mean' } } }).fit(t)).message).toBe('column e is empty in the training rows (every value missing): nothing to learn for the steps set for it');
    expect(fail(() => data.preprocessor().fit(data.parseCsv('e,y\n,p\n,q\n', { label: 'y' }))).message).toMatch(/no usable feature columns \(e: empty/);
    expect(fail(() => data.preprocessor({ columns: { nope: { drop: true } } }).fit(t)).message).toMatch(/no column named "nope"/);
  });

  it('a class seen only in the test rows: a clear error with the file line of that row (after any split)', () => {
    const t = data.parseCsv('a,y\n1,p\n2,q\n3,p\n4,r\n5,q\n', { label: 'y' }, 'cls.csv');
    const train = t.take([0, 1, 2, 4]);
    const pre = data.preprocessor().fit(train);
    const e = fail(() => pre.transform(t.take([4, 3])));
    expect(e.message).toBe('cls.csv: line 5, column 2 (y): class "r" does not occur in the training rows (classes: p, q)');
    // One class in the training rows is not classification.
    expect(fail(() => data.preprocessor().fit(t.take([0, 2]))).message).toBe('cls.csv: the label y has a single value ("p") in the training rows; classification needs at least two classes');
  });

  it('more categories than the cap: the most frequent kept, the rest one "(other)" column; an identifier-like column is left out', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i},c${i % 30},id${i},${i % 2 ? 'p' : 'q'}`);
    const t = data.parseCsv('n,city,id,y\n' + rows.join('\n') + '\n', { label: 'y' });
    const pre = data.preprocessor({ categorical: { maxCategories: 10 } }).fit(t);
    const step = pre.columnSteps.find((s) => s.name === 'city')!;
    expect(step.kind).toBe('category');
    if (step.kind === 'category') { expect(step.categories).toHaveLength(10); expect(step.other).toHaveLength(20); }
    expect(pre.featureNames.filter((f) => f.startsWith('city='))).toHaveLength(11);
    expect(pre.columnSteps.find((s) => s.name === 'id')).toEqual({ name: 'id', kind: 'drop', reason: '60 distinct values in 60 rows: an identifier or free text, not categories' });
    const x = pre.transform(t).x.arraySync();
    expect(x.every((r) => r.slice(1, 12).reduce((a, b) => a + b, 0) === 1)).toBe(true);
    const report = data.formatReport(t, { preprocessor: pre }).join('\n');
    expect(report).toMatch(/city .* 30 values: .*one-hot 11 columns \(20 rare or past the cap of 10 -> "\(other\)"\)/);
  });

  it('bad options and unfitted use are typed errors', () => {
    const t = data.parseCsv('a,y\n1,p\n2,q\n', { label: 'y' });
    expect(fail(() => data.preprocessor({ numeric: { scale: 'log' as never } }).fit(t)).message).toMatch(/scale must be "standard", "minmax" or "none"/);
    expect(fail(() => data.preprocessor({ bogus: 1 } as never)).code).toBe('ERR_INVALID_ARG');
    expect(fail(() => data.preprocessor().transform(t)).message).toMatch(/needs a fitted preprocessor/);
    expect(fail(() => data.preprocessor().fit([[1, 2]] as never)).code).toBe('ERR_INVALID_ARG');
    expect(fail(() => data.preprocessor({ task: 'regression' }).fit(t)).message).toMatch(/the label y is text \(categories\), not a number/);
  });
});
