// Data helpers: input coercion, scalers, trainTestSplit, oneHot, readCsv.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BlasnetError, data, tensor2d, Tensor2D } from '../../lib/index';
import { checkFinite, toLabels, toMatrix } from '../../lib/data/coerce';

function err(f: () => unknown): BlasnetError {
  try { f(); } catch (e) { return e as BlasnetError; }
  throw new Error('expected an error');
}

describe('input coercion', () => {
  it('number[][] becomes one Float32Array; ragged rows and non-numbers are named', () => {
    const m = toMatrix([[1, 2], [3, 4], [5, 6]]);
    expect(m).toMatchObject({ rows: 3, cols: 2 });
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(err(() => toMatrix([[1, 2], [3]])).message).toBe('Expected 2 values in row 1 of x (as in row 0) but received 1 (ragged rows)');
    expect(err(() => toMatrix([[1, 2], [3, null]])).message).toBe('Expected a number for x[1][1] but received null');
    expect(err(() => toMatrix([1, 2, 3])).message).toMatch(/2-D array/);
    expect(err(() => toMatrix(new Float32Array(4))).message).toMatch(/typed array with a shape/);
    expect(err(() => toMatrix(Symbol('s'))).code).toBe('ERR_INVALID_ARG');
    expect(err(() => toMatrix(10n)).code).toBe('ERR_INVALID_ARG');
  });

  it('a Float32Array with a shape is used without a copy; shapes are checked', () => {
    const f = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(toMatrix({ data: f, shape: [2, 3] }).data).toBe(f);
    expect(toMatrix(tensor2d(f, [3, 2])).data).toBe(f);
    expect(err(() => toMatrix({ data: f, shape: [4, 2] })).message).toBe('Expected 8 values for x of shape [4, 2] but received 6');
    expect(err(() => toMatrix({ data: f, shape: [2, -3] })).code).toBe('ERR_INVALID_ARG');
    const t = tensor2d(f, [2, 3]);
    t.dispose();
    expect(err(() => toMatrix(t)).message).toMatch(/not disposed/);
  });

  it('labels: 1-D arrays and typed arrays are one column', () => {
    expect(toLabels([0, 1, 2])).toMatchObject({ rows: 3, cols: 1 });
    const i32 = toLabels(Int32Array.from([2, 0]));
    expect(Array.from(i32.data)).toEqual([2, 0]);
    const f = Float32Array.from([1, 0]);
    expect(toLabels(f).data).toBe(f);
    expect(toLabels([[0, 1], [1, 0]])).toMatchObject({ rows: 2, cols: 2 });
  });

  it('NaN and Infinity are reported by row and column', () => {
    expect(err(() => checkFinite(toMatrix([[1, 2], [3, 4], [5, NaN]]), 'x')).message)
      .toBe('Expected finite numbers in x but received NaN at row 2, column 1');
    expect(err(() => checkFinite(toMatrix([[-Infinity, 2]]), 'y')).code).toBe('ERR_NON_FINITE');
  });

  it('tensor2d builds from rows, flat arrays or a Float32Array (no copy)', () => {
    const t = tensor2d([[1, 2, 3], [4, 5, 6]]);
    expect(t).toBeInstanceOf(Tensor2D);
    expect(t.shape).toEqual([2, 3]);
    expect(t.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(tensor2d([1, 2, 3, 4], [2, 2]).dataSync())).toEqual([1, 2, 3, 4]);
    const f = new Float32Array(4);
    expect(tensor2d(f, [1, 4]).dataSync()).toBe(f);
    expect(err(() => tensor2d([1, 2, 3], [2, 2])).code).toBe('ERR_INVALID_ARG');
    expect(err(() => tensor2d([1, 2, 3])).message).toMatch(/shape/);
    expect(err(() => tensor2d([[1, 2], [3, 4]], [4, 1])).code).toBe('ERR_SHAPE_MISMATCH');
  });
});

describe('scalers', () => {
  const x = [[1, 10, 5], [2, 20, 5], [3, 30, 5], [4, 40, 5]];

  it('standardScaler: zero mean, unit (population) variance per column; constant columns keep scale 1', () => {
    const s = data.standardScaler();
    const t = s.fitTransform(x).arraySync();
    for (let c = 0; c < 2; c++) {
      const col = t.map((r) => r[c]!);
      const mean = col.reduce((a, b) => a + b, 0) / 4;
      const v = col.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      expect(mean).toBeCloseTo(0, 6);
      expect(v).toBeCloseTo(1, 5);
    }
    expect(t.map((r) => r[2])).toEqual([0, 0, 0, 0]);
    expect(s.mean).toEqual([2.5, 25, 5]);
    const back = s.inverseTransform(t).arraySync();
    back.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(x[i]![j]!, 4)));
    const restored = data.scalerFromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(restored.transform(x).arraySync()).toEqual(t);
  });

  it('minMaxScaler maps each column to featureRange', () => {
    const s = data.minMaxScaler({ featureRange: [-1, 1] });
    const t = s.fitTransform(x).arraySync();
    expect(t.map((r) => r[0])).toEqual([-1, -1 / 3, 1 / 3, 1].map((v) => Math.fround(v)));
    expect(t.map((r) => r[2])).toEqual([-1, -1, -1, -1]);
    const r = data.scalerFromJSON(s.toJSON());
    expect(r.transform(x).arraySync()).toEqual(t);
    expect(r.inverseTransform(t).arraySync()[3]![1]).toBeCloseTo(40, 4);
  });

  it('errors: transform before fit, column count, bad JSON', () => {
    expect(err(() => data.standardScaler().transform(x)).message).toMatch(/call fit\(x\) first/);
    const s = data.standardScaler().fit(x);
    expect(err(() => s.transform([[1, 2]])).message).toBe('Expected x with 3 columns (as fitted) but received 2');
    expect(err(() => data.scalerFromJSON({ kind: 'standardScaler', mean: [1], scale: [0] })).code).toBe('ERR_INVALID_ARG');
    expect(err(() => data.standardScaler().fit([[1, NaN]])).code).toBe('ERR_NON_FINITE');
  });
});

describe('trainTestSplit and oneHot', () => {
  const x = Array.from({ length: 20 }, (_, i) => [i, i * 10]);
  const y = Array.from({ length: 20 }, (_, i) => (i < 15 ? 0 : 1));

  it('splits rows consistently between x and y, seeded', () => {
    const a = data.trainTestSplit(x, y, { testSize: 0.25, seed: 7 });
    expect(a.xTrain.shape).toEqual([15, 2]);
    expect(a.xTest.shape).toEqual([5, 2]);
    expect(a.yTest.shape).toEqual([5, 1]);
    const all = [...a.xTrain.arraySync(), ...a.xTest.arraySync()].map((r) => r[0]).sort((p, q) => p! - q!);
    expect(all).toEqual(x.map((r) => r[0]));
    a.xTest.arraySync().forEach((r, i) => { expect(r[1]).toBe(r[0]! * 10); expect(a.yTest.dataSync()[i]).toBe(r[0]! < 15 ? 0 : 1); });
    const b = data.trainTestSplit(x, y, { testSize: 0.25, seed: 7 });
    expect(b.xTest.arraySync()).toEqual(a.xTest.arraySync());
    const c = data.trainTestSplit(x, y, { testSize: 0.25, seed: 8 });
    expect(c.xTest.arraySync()).not.toEqual(a.xTest.arraySync());
  });

  it('shuffle: false takes the last rows; stratify keeps class proportions; a count is accepted', () => {
    const a = data.trainTestSplit(x, y, { testSize: 4, shuffle: false });
    expect(a.xTest.arraySync().map((r) => r[0])).toEqual([16, 17, 18, 19]);
    const s = data.trainTestSplit(x, y, { testSize: 0.2, stratify: true, seed: 1 });
    const ones = Array.from(s.yTest.dataSync()).filter((v) => v === 1).length;
    expect(s.yTest.shape[0]).toBe(4);
    expect(ones).toBe(1);   // 25% of the rows are class 1
    expect(err(() => data.trainTestSplit(x, y, { testSize: 1.5 })).code).toBe('ERR_INVALID_ARG');
    expect(err(() => data.trainTestSplit(x, y.slice(1))).code).toBe('ERR_SHAPE_MISMATCH');
  });

  it('oneHot encodes class indices and rejects out-of-range ones', () => {
    expect(data.oneHot([2, 0], 3).arraySync()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(data.oneHot(Int32Array.from([1]), 2).arraySync()).toEqual([[0, 1]]);
    expect(err(() => data.oneHot([3], 3)).message).toBe('Expected an integer class index in [0, 2] for labels[0] but received 3');
    expect(err(() => data.oneHot([0.5], 3)).code).toBe('ERR_INVALID_ARG');
    expect(err(() => data.oneHot([0], 0)).code).toBe('ERR_INVALID_ARG');
  });
});

describe('readCsv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-csv-'));
  const write = (name: string, text: string): string => { const p = path.join(dir, name); fs.writeFileSync(p, text); return p; };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads features and a label column by name or index (also gzip), async and sync', async () => {
    const p = write('a.csv', 'a,b,label\n1,2,0\n3,4,1\n\n');
    const r = await data.readCsv(p, { label: 'label' });
    expect(r.x.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(Array.from(r.y!.dataSync())).toEqual([0, 1]);
    expect(r.columns).toEqual(['a', 'b']);
    const q = await data.readCsv(p, { label: 0 });
    expect(q.x.arraySync()).toEqual([[2, 0], [4, 1]]);
    expect((await data.readCsv(p)).x.shape).toEqual([2, 3]);
    expect(data.readCsvSync(p, { label: 'label' }).x.arraySync()).toEqual([[1, 2], [3, 4]]);
    const gz = path.join(dir, 'a.csv.gz');
    fs.writeFileSync(gz, zlib.gzipSync('x,"y"\r\n1.5,"2"\r\n'));
    expect((await data.readCsv(gz)).x.arraySync()).toEqual([[1.5, 2]]);
    expect(data.readCsvSync(gz).x.arraySync()).toEqual([[1.5, 2]]);
  });

  it('errors name the file, line and column', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i / 4},${i % 2}`);
    rows[24] = '24,x,0';
    const p = write('bad.csv', 'a,b,label\n' + rows.join('\n') + '\n');
    const e = await data.readCsv(p, { label: 'label' }).catch((x: BlasnetError) => x);
    expect((e as BlasnetError).code).toBe('ERR_FORMAT');
    expect((e as BlasnetError).message).toMatch(new RegExp(`^${p}: line 26, column 2 \\(b\\): found "x" in a column of numbers`));
    const q = write('short.csv', 'a,b\n1,2\n3\n');
    expect(err(() => data.readCsvSync(q)).message).toBe(`${q}: line 3: expected 2 columns (as the header) but found 1`);
    expect(err(() => data.readCsvSync(p, { label: 'target' })).message).toMatch(/no label column named "target"; the columns are: a, b, label/);
    expect(err(() => data.readCsvSync(path.join(dir, 'missing.csv'))).code).toBe('ERR_IO');
    expect(err(() => data.readCsvSync(write('empty.csv', 'a,b\n'))).message).toMatch(/no data rows/);
    await expect(data.readCsv(path.join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'ERR_IO', message: `${path.join(dir, 'missing.csv')}: no such file` });
  });
});
