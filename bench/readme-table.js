#!/usr/bin/env node
// Writes the summary of a full benchmark run into the README, between <!-- bench:start --> and
// <!-- bench:end -->: one row per peer, one column per workload, medians, and what the full tables
// (bench/results/<date>.md) hold. `npm run bench` calls it after a full run it saved; by hand:
//   node bench/readme-table.js [bench/results/<date>.json]
'use strict';
const fs = require('fs');
const path = require('path');
const { median } = require('./common');

const ROOT = path.join(__dirname, '..');
const README = path.join(ROOT, 'README.md');
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

function newestFullResult() {
  const dir = path.join(__dirname, 'results');
  const files = fs.readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no full results in ${dir}: run npm run bench first`);
  return path.join(dir, files[files.length - 1]);
}

const int = (v) => Math.round(v).toLocaleString('en-US');

function cell(res, fmt) {
  if (!res) return '-';
  if (res.error) return 'error';
  if (res.check && !res.check.ok) return 'check failed';
  const s = fmt(res);
  return res.rows !== undefined && res.fullRows !== undefined && res.rows !== res.fullRows ? `${s}*` : s;
}

function table(out) {
  const peak = out.gemm && out.gemm.gflops ? out.gemm.gflops.median : null;
  const w2Flop = 6 * 235146; // FLOP per sample, issue 5's convention (6 x params)
  const w3Flop = 6 * 25175040;
  const pct = (gflops) => (peak ? ` (${Math.round((100 * gflops) / peak)}%)` : '');
  const cols = [
    ['W1 fit, ms', (r) => cell(r.w1, (x) => median(x.times).toFixed(1))],
    ['W2 train, samples/s', (r) => cell(r.w2, (x) => int(median(x.rates)))],
    ['W3 train, GFLOP/s (of peak)', (r) => cell(r.w3, (x) => {
      const g = (median(x.rates) * w3Flop) / 1e9;
      return `${g.toFixed(0)}${pct(g)}`;
    })],
    ['W4 predict, samples/s', (r) => cell(r.w4, (x) => int(median(x.rates)))],
    ['batch-1 p50, µs', (r) => {
      const w4 = r.w4;
      if (!w4 || w4.error) return '-';
      const s = w4.latSync ? w4.latSync.p50.toFixed(1) : null;
      const a = w4.latAsync ? w4.latAsync.p50.toFixed(1) : null;
      return s && a ? `${s} sync / ${a} async` : s ? `${s} sync` : a ? `${a} async` : '-';
    }],
  ];
  const lines = [
    `| peer | ${cols.map((c) => c[0]).join(' | ')} |`,
    `|---|${cols.map(() => '---').join('|')}|`,
  ];
  for (const [peer, res] of Object.entries(out.results)) {
    const version = Object.values(res).map((x) => x && x.version).find(Boolean);
    const name = peer.startsWith('blasnet') ? `**${peer}**` : version ? `${peer} (${version})` : peer;
    const cells = cols.map((c) => c[1](res));
    // Peers of other workloads only (the tables' pandas, the serving run) have their tables in the results file.
    if (cells.every((c) => c === '-')) continue;
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  const m = out.machine;
  const when = out.date.slice(0, 16).replace('T', ' ');
  return [
    `Measured by \`npm run bench\` on ${when} UTC: ${m.cpu}, ${m.cores} cores, Node ${m.node}, OpenBLAS ${m.blas.core} core with ${m.blas.threads} threads; ` +
      `2048³ \`cblas_sgemm\` peak in the same run ${peak ? `${peak.toFixed(0)} GFLOP/s` : 'not measured'}. Medians; each peer in a fresh ` +
      'process, its result checked before it is timed. W1: 100x10 -> Dense(10, relu) -> Dense(1), adam, 100 epochs of batch 10. ' +
      'W2: 60,000x784 MLP 784-256-128-10, adam, batch 128. W3: 16,384x1024, 1024-4096-4096-1024, sgd, batch 512. ' +
      'W4: the W2 model predicting 100,000 rows in batches of 4,096, and one row at a time.',
    '',
    ...lines,
    '',
    '\\* measured on fewer rows (a full run would take minutes); brain.js updates per sample and has no softmax output, so no W3/W4. ' +
      'Every figure with min-max, ratios, peak RSS, event-loop blocking, the targets, and the tables, fitDataset, job-queue and ' +
      `serving workloads: [bench/results/${out.date.slice(0, 10)}.md](bench/results/${out.date.slice(0, 10)}.md).`,
  ].join('\n');
}

function writeReadmeTable(file) {
  const out = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (out.mode !== 'full') throw new Error(`${file} is a ${out.mode} run: the README shows full runs only`);
  const readme = fs.readFileSync(README, 'utf8');
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} section`);
  const next = `${readme.slice(0, a + START.length)}\n${table(out)}\n${readme.slice(b)}`;
  fs.writeFileSync(README, next);
  console.log(`README.md: benchmark table from ${path.relative(ROOT, file)}`);
}

module.exports = { writeReadmeTable };

if (require.main === module) writeReadmeTable(process.argv[2] ? path.resolve(process.argv[2]) : newestFullResult());
