// Tables cannot exhaust the process: a line over maxLineBytes, more than maxColumns columns, more
// decompressed text than maxBytes, a table over the memory limit are ERR_LIMIT errors; time stays linear
// in a line's length; messages never echo megabytes. Generous bounds only: figures go to the bench.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BlasnetError, data } from '../../lib/index';
import { RecordSplitter } from '../../lib/data/table/splitter';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-limits-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stream of `total` bytes: `head`, then `fill` repeated (64 KiB chunks, made on the fly). */
function generated(head: string, fill: string, total: number): Readable {
  const block = Buffer.from(fill.repeat(Math.ceil(65536 / fill.length)).slice(0, 65536));
  let sent = 0;
  return new Readable({
    read() {
      if (sent === 0) { this.push(Buffer.from(head)); sent += head.length; return; }
      if (sent >= total) { this.push(null); return; }
      this.push(block);
      sent += block.length;
    },
  });
}

/** A gzip file of `members` concatenated members, each inflating to `chunk` (about 1000:1). */
function gzipBomb(file: string, chunk: Buffer, members: number): number {
  const member = zlib.gzipSync(chunk, { level: 9 });
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < members; i++) fs.writeSync(fd, member);
  fs.closeSync(fd);
  return fs.statSync(file).size;
}

async function rejection(p: Promise<unknown>): Promise<BlasnetError> {
  try { await p; } catch (e) { expect(e).toBeInstanceOf(BlasnetError); return e as BlasnetError; }
  throw new Error('expected an error');
}

describe('table limits', () => {
  it('a 200 MB line: ERR_LIMIT at the 16 MiB default as soon as it is passed, with its line number', async () => {
    const t0 = Date.now();
    const e = await rejection(data.readCsv(generated('a,b\n1,2\n', 'x', 200 * 2 ** 20)));
    expect(e.code).toBe('ERR_LIMIT');
    expect(e.message).toBe('stream: line 3 is longer than 16.0 MiB (the limit on one line or record; raise it with the maxLineBytes option, or --max-line-bytes)');
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 60_000);

  it('time is linear in a line\'s length: a 200 MB line gathered across 3,200 chunks in seconds (it took 117 s when quadratic)', () => {
    let got = -1;
    const s = new RecordSplitter({ delimiter: 44, maxLineBytes: 256 * 2 ** 20, maxColumns: 10, source: 'big' }, (b, st, en) => { got = en[0]! - st[0]!; });
    const chunk = Buffer.alloc(65536, 0x61);
    const t0 = Date.now();
    for (let i = 0; i < 3200; i++) s.push(chunk);
    s.push(Buffer.from('\n'));
    s.end();
    expect(got).toBe(3200 * 65536);
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 60_000);

  it('too many columns: ERR_LIMIT for a 1,000,000-column header, with a short message, from the API and in batches', async () => {
    const header = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(',') + '\n0\n';
    const f = path.join(dir, 'wide.csv');
    fs.writeFileSync(f, header);
    const e = await rejection(data.readCsv(f, { label: 'c5' }));
    expect(e.code).toBe('ERR_LIMIT');
    expect(e.message).toBe(`${f}: line 1: more than 100,000 columns (the limit; raise it with the maxColumns option, or --max-columns)`);
    const it2 = data.readCsvBatches(f, { batchSize: 10 })[Symbol.asyncIterator]();
    expect((await rejection(it2.next())).code).toBe('ERR_LIMIT');
    // Raised, the header reads; an unknown label then lists 20 names, not a million.
    const m = await rejection(data.readCsv(f, { label: 'nope', maxColumns: 2_000_000 }));
    expect(m.message.length).toBeLessThan(400);
    expect(m.message).toMatch(/no label column named "nope"; the columns are: c0, c1, .*c19, \.\.\. \(999,980 more\)$/);
    // JSON Lines keys count too.
    const keys = '{' + Array.from({ length: 1000 }, (_, i) => `"k${i}":1`).join(',') + '}\n';
    expect((await rejection(data.readCsv(Readable.from([keys]), { format: 'jsonl', maxColumns: 999 }))).code).toBe('ERR_LIMIT');
  }, 120_000);

  it('a 480 KB .csv.gz that inflates to 320 MB: ERR_LIMIT over maxBytes or the memory limit (async, sync, in batches)', async () => {
    const f = path.join(dir, 'bomb.csv.gz');
    const size = gzipBomb(f, Buffer.from('1,2,3\n'.repeat(Math.floor(16 * 2 ** 20 / 6))), 20);
    expect(size).toBeLessThan(600 * 1024);
    const t0 = Date.now();
    const a = await rejection(data.readCsv(f, { maxBytes: '16M' }));
    expect(a.code).toBe('ERR_LIMIT');
    expect(a.message).toBe(`${f}: more than 16.0 MiB of decompressed text (the limit; raise it with the maxBytes option, or --max-bytes)`);
    expect(() => data.readCsvSync(f, { maxBytes: '16M' })).toThrow(/more than 16.0 MiB of decompressed text/);
    const b = data.readCsvBatches(f, { maxBytes: 8 * 2 ** 20, batchSize: 100_000 });
    let rows = 0;
    const e = await rejection((async () => { for await (const t of b) rows += t.rows; })());
    expect(e.code).toBe('ERR_LIMIT');
    expect(rows).toBeGreaterThan(1_000_000);
    expect(rows).toBeLessThan(1_400_000);
    // The table's own memory is bounded too (three float32 columns of 56M rows would be 640 MB).
    const m = await rejection(data.readCsv(f, { memoryLimit: '24M' }));
    expect(m.code).toBe('ERR_LIMIT');
    expect(m.message).toMatch(new RegExp(`^reading ${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\([\\d,]+ rows so far, 3 columns\\) would take .* more than the memory limit of 24.0 MiB`));
    expect(Date.now() - t0).toBeLessThan(100_000);
    // A damaged gzip file is ERR_FORMAT.
    const bad = path.join(dir, 'bad.csv.gz');
    fs.writeFileSync(bad, Buffer.concat([zlib.gzipSync('a,b\n1,2\n'.repeat(1000)).subarray(0, 40), Buffer.alloc(40, 7)]));
    expect((await rejection(data.readCsv(bad))).message).toMatch(/not a valid gzip file/);
  }, 120_000);

  it('a bad cell of megabytes is named in 40 characters', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i * 1.5}`).join('\n');
    const e = await rejection(data.readCsv(Readable.from([`a,b\n${rows}\n1,${'z'.repeat(4 * 2 ** 20)}\n`])));
    expect(e.message.length).toBeLessThan(400);
    expect(e.message).toContain('"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz..."');
  });
});
