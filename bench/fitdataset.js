'use strict';
// W5, training streamed from a CSV file: model.fitDataset over tf.data.csv, written the way tfjs
// programs write it, for blasnet and for tfjs on the same file. blasnet also reports the same epoch
// from memory (readCsv + fit) and fit alone on the parsed data, to show what streaming costs.
// The runner (run.js) calls writeCsv, run and report; the children are workloads/fitdataset.js.
const fs = require('fs');
const path = require('path');
const C = require('./common');

const CONFIG = {
  full: { rows: 200000, features: 16, hidden: 32, batchSize: 256, lr: 0.01, checkEpochs: 2, runs: 3, reduced: { 'tfjs-cpu': 50000, 'tfjs-wasm': 100000 } },
  quick: { rows: 4000, features: 16, hidden: 32, batchSize: 256, lr: 0.01, checkEpochs: 8, runs: 1, reduced: {} },
};
const PEERS = [
  { id: 'blasnet-native', extra: { lib: 'blasnet', engine: 'native' } },
  { id: 'blasnet-js', extra: { lib: 'blasnet', engine: 'js' } },
  { id: 'tfjs-cpu', extra: { lib: 'tfjs', backend: 'cpu' } },
  { id: 'tfjs-wasm', extra: { lib: 'tfjs', backend: 'wasm' } },
];

/** The seeded CSV (features, then y, a noisy function of them), and prefixes of it for the reduced peers. */
function writeCsv(dir, cfg, seed) {
  const r = C.rng(seed);
  const w = Array.from({ length: cfg.features }, () => r.normal());
  const header = `${Array.from({ length: cfg.features }, (_, i) => `f${i}`).join(',')},y\n`;
  const sizes = [...new Set([cfg.rows, ...Object.values(cfg.reduced).map((n) => Math.min(n, cfg.rows))])];
  const files = {};
  const fds = Object.fromEntries(sizes.map((n) => {
    files[n] = path.join(dir, `w5-${n}.csv`);
    const fd = fs.openSync(files[n], 'w');
    fs.writeSync(fd, header);
    return [n, fd];
  }));
  let block = [];
  for (let i = 0; i < cfg.rows; i++) {
    let s = 0;
    const v = new Array(cfg.features);
    for (let j = 0; j < cfg.features; j++) { v[j] = r.uniform() * 2 - 1; s += v[j] * w[j]; }
    block.push(`${v.map((x) => x.toFixed(5)).join(',')},${(Math.tanh(s) + 0.05 * r.normal()).toFixed(5)}\n`);
    if (block.length === 5000 || i === cfg.rows - 1) {
      const first = i + 1 - block.length;
      for (const n of sizes) if (first < n) fs.writeSync(fds[n], block.slice(0, n - first).join(''));
      block = [];
    }
  }
  for (const n of sizes) { fs.fsyncSync(fds[n]); fs.closeSync(fds[n]); }
  return files;
}

function run({ quick, wanted, runs, timeoutS, dataDir, runChild, log }) {
  const cfg = quick ? CONFIG.quick : CONFIG.full;
  log(`w5: writing the CSV (${cfg.rows} rows x ${cfg.features} features)`);
  const files = writeCsv(dataDir, cfg, 20261201);
  const results = {};
  for (const p of PEERS.filter((q) => wanted(q.id))) {
    const rows = C.rowsFor(cfg, p.id);
    log(`w5 ${p.id}${rows !== cfg.rows ? ` (reduced N=${rows})` : ''} ...`);
    const res = runChild({ cmd: 'node', file: 'fitdataset.js' }, { peer: p.id, workload: 'w5', cfg, rows, csv: files[rows], runs: runs ?? cfg.runs, ...p.extra }, timeoutS);
    res.rows = rows;
    res.fullRows = cfg.rows;
    results[p.id] = res;
    log(`w5 ${p.id}: ${res.error ? `ERROR ${res.error}` : `${Math.round(C.median(res.rates))} rows/s, ${res.check.ok ? 'check ok' : `CHECK FAILED: ${res.check.detail}`}`}`);
  }
  return { cfg, results };
}

function report(w5) {
  if (!w5 || Object.keys(w5.results).length === 0) return [];
  const { cfg, results } = w5;
  const fmt = (v) => (v === null || v === undefined ? '-' : Math.round(v).toLocaleString('en-US'));
  const st = (xs) => (xs && xs.length ? `${fmt(C.median(xs))} (${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))})` : '-');
  const nat = results['blasnet-native'] && !results['blasnet-native'].error ? C.median(results['blasnet-native'].rates) : null;
  const lines = ['', `### W5 fitDataset from a CSV: ${fmt(cfg.rows)} rows x ${cfg.features} features + y, ` +
    `tf.data.csv -> map to arrays -> batch(${cfg.batchSize}) -> fitDataset, ${cfg.features}-${cfg.hidden}-1 relu, adam, mse, 1 epoch — rows/s (higher is better)`, '',
    '| peer | fitDataset rows/s | native ÷ peer | readCsv + fit rows/s | fit alone rows/s | peak RSS MiB | notes |', '|---|---|---|---|---|---|---|'];
  for (const [id, r] of Object.entries(results)) {
    if (r.error) { lines.push(`| ${id} | - | - | - | - | - | error: ${r.error.slice(0, 120)} |`); continue; }
    const v = C.median(r.rates);
    const notes = [r.rows !== r.fullRows ? `reduced N=${fmt(r.rows)}` : '', r.check.ok ? `check ok: ${r.check.detail}` : `CHECK FAILED: ${r.check.detail}`].filter(Boolean).join('; ');
    lines.push(`| ${id} | ${st(r.rates)} | ${nat && v ? `${(nat / v).toFixed(2)}x` : '-'} | ${st(r.memRates)} | ${st(r.fitRates)} | ${fmt(r.maxRssMB)} | ${notes} |`);
  }
  lines.push('', 'fitDataset parses every row in JavaScript (an object per row, as tf.data.csv gives it); "readCsv + fit" parses the same file ' +
    'into one matrix first, "fit alone" is the epoch on the parsed matrix. tfjs reads the whole file into memory on the first pass.');
  return lines;
}

function failures(w5) {
  if (!w5) return [];
  return Object.entries(w5.results).filter(([, r]) => r.error || !r.check.ok).map(([p, r]) => `w5 ${p}: ${r.error || `check failed (${r.check.detail})`}`);
}

module.exports = { CONFIG, PEERS, writeCsv, run, report, failures };
