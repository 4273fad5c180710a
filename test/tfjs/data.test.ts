// tf.data pipelines against real @tensorflow/tfjs: the same elements in the same order (shuffles with
// the same seed included), the same sizes and the same memory() counts; CSV from files, file:// URLs
// and a loopback HTTP server; streaming in bounded memory.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { expectClose, oursTf, plain, realTf, type TF } from './helpers';

let tmp: string;
let csvFile: string;
let semiFile: string;
let server: http.Server;
let baseUrl: string;

const CSV = [
  'sepal,petal,"kind, quoted",label',
  '5.1,1.4,"a, b",0',
  '4.9,,"he said ""hi""",1',
  '6.2,4.5,c,2',
  '5.9,5.1,,1',
  '6.0,3.3,d,0',
  '5.5,4.0,e,2',
  '6.7,5.2,f,1',
].join('\n') + '\n';

beforeAll(async () => {
  await realTf.setBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-tfjs-data-'));
  csvFile = path.join(tmp, 'iris.csv');
  fs.writeFileSync(csvFile, CSV);
  semiFile = path.join(tmp, 'semi.csv');
  fs.writeFileSync(semiFile, 'a;b;c\r\n1;2;3\r\n4;5;6\r\n7;8;9');
  server = http.createServer((req, res) => {
    if (req.url === '/iris.csv') { res.writeHead(200, { 'content-type': 'text/csv' }); res.end(CSV); } else { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs an async pipeline on both libraries: elements, size and the tensors left behind must agree. */
async function conformAsync(name: string, script: (tf: TF) => Promise<unknown>): Promise<void> {
  const out: { r: unknown; tensors: number }[] = [];
  for (const tf of [realTf, oursTf]) {
    const before = tf.memory().numTensors;
    const r = plain(await script(tf));
    out.push({ r, tensors: tf.memory().numTensors - before });
  }
  expectClose(out[1]!.r, out[0]!.r, name);
  expect(out[1]!.tensors, `${name}: tensors left`).toBe(out[0]!.tensors);
}

const nums = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const withSize = async (ds: { size: number | null; toArray(): Promise<unknown[]> }): Promise<unknown> => ({ size: ds.size, items: await ds.toArray() });

describe('tf.data pipelines conform to @tensorflow/tfjs', () => {
  const cases: [string, (tf: TF) => Promise<unknown>][] = [
    ['array take skip', (tf) => withSize(tf.data.array(nums(10)).skip(3).take(4))],
    ['array batch with a small last batch', (tf) => withSize(tf.data.array(nums(10)).batch(4))],
    ['array batch dropping the small last batch', (tf) => withSize(tf.data.array(nums(10)).batch(4, false))],
    ['objects batch per key', (tf) => withSize(tf.data.array(nums(5).map((i) => ({ xs: [i, i * 2], ys: i % 2, w: { v: i } }))).batch(2))],
    ['arrays of arrays batch to rank 3', (tf) => tf.data.array(nums(4).map((i) => [[i, 1], [2, i]])).batch(3).toArray()],
    ['tensors are cloned then stacked', async (tf) => {
      const items = nums(6).map((i) => tf.tensor1d([i, -i]));
      const r = await tf.data.array(items).batch(4).toArray();
      return [r, items.map((t: { isDisposed: boolean }) => t.isDisposed)];
    }],
    ['map filter (tidy inside)', (tf) => withSize(tf.data.array(nums(12)).map((x: number) => { tf.ones([3]); return x * x; }).filter((x: number) => x % 3 === 0))],
    ['map to tensors, filter on tensors', (tf) => tf.data.array(nums(8)).map((x: number) => tf.scalar(x)).filter((t: { dataSync(): number[] }) => t.dataSync()[0]! > 2).batch(2).toArray()],
    ['mapAsync', (tf) => tf.data.array(nums(5)).mapAsync(async (x: number) => ({ x, y: [x + 0.5] })).batch(5).toArray()],
    ['repeat', (tf) => withSize(tf.data.array(nums(3)).repeat(3))],
    ['repeat then take from an endless one', async (tf) => { const d = tf.data.array(nums(3)).repeat(); return { size: d.size, items: await d.take(8).toArray() }; }],
    ['prefetch', (tf) => withSize(tf.data.array(nums(7)).prefetch(3).map((x: number) => x + 1))],
    ['shuffle smaller buffer, string seed', (tf) => withSize(tf.data.array(nums(30)).shuffle(7, 'seed'))],
    ['shuffle buffer larger than the data, number seed', (tf) => tf.data.array(nums(12)).shuffle(100, 42).toArray()],
    ['shuffle reshuffles each repeat', (tf) => tf.data.array(nums(10)).shuffle(4, 'abc').repeat(3).toArray()],
    ['shuffle without reshuffling', (tf) => tf.data.array(nums(10)).shuffle(4, 'abc', false).repeat(2).toArray()],
    ['shuffle, batch, shuffle again over epochs', async (tf) => {
      const ds = tf.data.array(nums(20)).shuffle(5, 'x').batch(3).shuffle(3, 'y');
      return [await ds.toArray(), await ds.toArray()];
    }],
    ['shuffle one element buffer keeps the order', (tf) => tf.data.array(nums(6)).shuffle(1, 3).toArray()],
    ['generator (sync)', (tf) => tf.data.generator(function* () { for (let i = 0; i < 5; i++) yield { x: i }; }).batch(2).toArray()],
    ['generator (async), twice', async (tf) => {
      const ds = tf.data.generator(async function* () { for (let i = 0; i < 4; i++) { await new Promise((r) => setTimeout(r, 1)); yield [i, i + 1]; } });
      return [await ds.toArray(), await ds.toArray()];
    }],
    ['func', (tf) => { let i = 0; return tf.data.func(() => (i < 3 ? { value: i++, done: false } : { value: null, done: true })).toArray(); }],
    ['zip array and object', async (tf) => {
      const a = tf.data.array(nums(5)), b = tf.data.array(nums(3).map((i) => ({ v: i * 10 })));
      // (tfjs reports NaN as the size of a zip of nested objects; the elements are what is compared there)
      return [await withSize(tf.data.zip([a, b])), await tf.data.zip({ a, nested: { b } }).batch(2).toArray()];
    }],
    ['concatenate', (tf) => withSize(tf.data.array(nums(3)).concatenate(tf.data.array([7, 8])))],
    ['forEachAsync disposes what it was given', async (tf) => {
      const seen: number[] = [];
      await tf.data.array(nums(4)).map((x: number) => tf.tensor1d([x, x])).forEachAsync((t: { dataSync(): number[] }) => { seen.push(t.dataSync()[1]!); });
      return seen;
    }],
  ];
  it.each(cases)('%s', (name, script) => conformAsync(name, script));
});

describe('tf.data.csv conforms to @tensorflow/tfjs', () => {
  const fileUrl = (): string => `file://${csvFile}`;
  const cases: [string, (tf: TF) => Promise<unknown>][] = [
    ['rows by column name, strings kept, empty cells undefined', async (tf) => {
      const ds = tf.data.csv(fileUrl());
      return [await ds.columnNames(), (await ds.toArray()).map((r: Record<string, unknown>) => JSON.stringify(r))];
    }],
    ['isLabel gives {xs, ys}', async (tf) => (await tf.data.csv(fileUrl(), { columnConfigs: { label: { isLabel: true } } }).take(3).toArray())
      .map((r: unknown) => JSON.stringify(r))],
    ['configuredColumnsOnly, dtype and default', async (tf) => {
      const ds = tf.data.csv(fileUrl(), {
        configuredColumnsOnly: true,
        columnConfigs: { sepal: { dtype: 'int32' }, petal: { default: -1 }, label: { isLabel: true, dtype: 'bool' } },
      });
      return [await ds.columnNames(), (await ds.toArray()).map((r: unknown) => JSON.stringify(r))];
    }],
    ['the usual pipeline: csv -> map to arrays -> shuffle -> batch', async (tf) => {
      const ds = tf.data.csv(fileUrl(), { columnConfigs: { label: { isLabel: true } }, configuredColumnsOnly: false })
        .map(({ xs, ys }: { xs: Record<string, unknown>; ys: Record<string, number> }) => ({ xs: [Number(xs.sepal), Number(xs.petal ?? 0)], ys: Object.values(ys) }))
        .shuffle(4, 'csv').batch(3);
      return ds.toArray();
    }],
    ['delimiter and \\r\\n line ends, no trailing newline', async (tf) => (await tf.data.csv(`file://${semiFile}`, { delimiter: ';' }).toArray())
      .map((r: unknown) => JSON.stringify(r))],
    ['no header with columnNames', async (tf) => (await tf.data.csv(`file://${semiFile}`, { delimiter: ';', hasHeader: false, columnNames: ['x', 'y', 'z'] })
      .toArray()).map((r: unknown) => JSON.stringify(r))],
    ['over HTTP', async (tf) => (await tf.data.csv(`${baseUrl}/iris.csv`, { columnConfigs: { label: { isLabel: true } } }).toArray())
      .map((r: unknown) => JSON.stringify(r))],
  ];
  it.each(cases)('%s', (name, script) => conformAsync(name, script));

  it('a plain path works too (tfjs needs file://)', async () => {
    const a = await oursTf.data.csv(csvFile).toArray();
    const b = await oursTf.data.csv(`file://${csvFile}`).toArray();
    expect(a).toEqual(b);
    expect(a).toHaveLength(7);
  });

  it('errors name the file and line', async () => {
    const bad = path.join(tmp, 'bad.csv');
    fs.writeFileSync(bad, 'a,b\n1,2\n3\n');
    await expect(oursTf.data.csv(bad).toArray()).rejects.toThrow(/bad\.csv: line 3: invalid row in csv file: expected 2 fields/);
    await expect(oursTf.data.csv(path.join(tmp, 'missing.csv')).toArray()).rejects.toMatchObject({ code: 'ERR_IO' });
    await expect(oursTf.data.csv(csvFile, { columnConfigs: { nope: {} } }).toArray()).rejects.toThrow(/"nope" provided in columnConfigs/);
    const required = oursTf.data.csv(csvFile, { columnConfigs: { petal: { required: true } } });
    await expect(required.toArray()).rejects.toThrow(/line 3: required column petal is empty/);
    await expect(oursTf.data.csv(`${baseUrl}/absent.csv`).toArray()).rejects.toMatchObject({ code: 'ERR_IO' });
  });

  it('streams: a 25 MB CSV iterates in a process limited to a 24 MB heap (the rows in memory would need several times that)', () => {
    const big = path.join(tmp, 'big.csv');
    const fd = fs.openSync(big, 'w');
    fs.writeSync(fd, 'a,b,c,d,e,f,g,h,label\n');
    const row = '0.123456,1.234567,2.345678,3.456789,4.567891,5.678912,6.789123,7.891234,1\n';
    const block = row.repeat(10_000);
    const blocks = Math.ceil(25e6 / block.length);
    for (let i = 0; i < blocks; i++) fs.writeSync(fd, block);
    fs.closeSync(fd);
    const script = `
      const tf = require(${JSON.stringify(path.resolve(__dirname, '../../dist/index.js'))});
      let n = 0;
      tf.data.csv(${JSON.stringify(big)}, { columnConfigs: { label: { isLabel: true } } })
        .map(({ xs, ys }) => ({ xs: Object.values(xs), ys: Object.values(ys) })).batch(256)
        .forEachAsync((b) => { n += b.xs.shape[0]; })
        .then(() => console.log(n), (e) => { console.error(e); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=24', '--max-semi-space-size=1', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(Number(r.stdout.trim())).toBe(blocks * 10_000);
  });
});

describe('tf.data argument errors', () => {
  it('are BlasnetErrors', async () => {
    expect(() => oursTf.data.array(3)).toThrow(BlasnetError);
    expect(() => oursTf.data.array([1]).batch(0)).toThrow(BlasnetError);
    expect(() => oursTf.data.array([1]).shuffle()).toThrow(/requires bufferSize/);
    expect(() => oursTf.data.array([1]).prefetch()).toThrow(BlasnetError);
    expect(() => oursTf.data.zip(3)).toThrow(/must be an object or array/);
    expect(() => oursTf.data.zip([3])).toThrow(/must be Datasets/);
    await expect(oursTf.data.array([1]).repeat().toArray()).rejects.toThrow(/infinite/);
    await expect(oursTf.data.generator(() => 3).toArray()).rejects.toThrow(BlasnetError);
    await expect(oursTf.data.array(['a', 'b']).batch(2).toArray()).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
  });
});
