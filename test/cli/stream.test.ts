// `blasnet predict` streams: a 200 MB CSV is predicted with a peak RSS under 150 MB, and the first
// predictions come out long before the file has been read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { assertBuilt, CLI, cli, tempDir } from '../helpers/cli';

const engine = getEngine().name;
const FEATURES = 100;
const TARGET_BYTES = 200 * 1024 * 1024;

/** Seeded LCG so the file is the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

describe(`blasnet predict streams a 200 MB CSV (${engine} engine)`, () => {
  let dir = '';
  let big = '';
  let model = '';
  let rows = 0;
  beforeAll(() => {
    assertBuilt();
    dir = tempDir('blasnet-stream-');
    const rnd = lcg(3);
    const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
    // A small training file: y = 2*f0 + f1 (regression), 400 rows.
    let train = names.join(',') + ',y\n';
    for (let i = 0; i < 400; i++) {
      const x = Array.from({ length: FEATURES }, () => rnd());
      train += x.map((v) => v.toFixed(6)).join(',') + ',' + (2 * x[0]! + x[1]!).toFixed(6) + '\n';
    }
    fs.writeFileSync(path.join(dir, 'train.csv'), train);
    model = path.join(dir, 'model');
    const t = cli(['train', path.join(dir, 'train.csv'), '--label', 'y', '--task', 'regression', '--hidden', '32', '--epochs', '3', '--out', model, '-q']);
    if (t.status !== 0) throw new Error(t.stderr);
    // The 200 MB input, written block by block (never held in memory): 1 MB of distinct rows, repeated.
    let block = '';
    let blockRows = 0;
    while (block.length < 1 << 20) {
      block += Array.from({ length: FEATURES }, () => (rnd() * 10 - 5).toFixed(5)).join(',') + '\n';
      blockRows++;
    }
    big = path.join(dir, 'big.csv');
    const fd = fs.openSync(big, 'w');
    fs.writeSync(fd, names.join(',') + '\n');
    let written = 0;
    while (written < TARGET_BYTES) { fs.writeSync(fd, block); written += block.length; rows += blockRows; }
    fs.closeSync(fd);
  });
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('predicts every row with peak RSS < 150 MB, output starting at once', async () => {
    const t0 = Date.now();
    let firstOut = -1;
    let lines = 0;
    let head = '';
    let stderr = '';
    const status = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'predict', model, big, '--report-peak-rss'], { env: process.env });
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (firstOut < 0) firstOut = Date.now() - t0;
        if (head.length < 200) head += d.slice(0, 200);
        for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) lines++;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      child.on('error', reject);
      child.on('close', resolve);
    });
    const total = Date.now() - t0;
    expect(stderr.replace(/peak-rss-kb: \d+\n/, '')).toBe('');
    expect(status).toBe(0);
    expect(head.split('\n')[0]).toBe('y');
    expect(Number.isFinite(Number(head.split('\n')[1]))).toBe(true);
    expect(lines).toBe(rows + 1);
    const peakMb = Number(/peak-rss-kb: (\d+)/.exec(stderr)?.[1]) / 1024;
    console.log(`predict ${(fs.statSync(big).size / 2 ** 20).toFixed(0)} MB (${rows} rows) on ${engine}: ` +
      `peak RSS ${peakMb.toFixed(1)} MB, first output after ${firstOut} ms, ${(total / 1000).toFixed(1)} s in all`);
    expect(peakMb).toBeGreaterThan(10);
    expect(peakMb).toBeLessThan(150);
    expect(firstOut).toBeLessThan(total / 4);
  }, 120_000);
});
