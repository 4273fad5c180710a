'use strict';
// W5, training streamed from a CSV file: model.fitDataset over tf.data.csv, written the way tfjs
// programs write it, for blasnet and for tfjs on the same file. blasnet also reports the same epoch
// from memory (readCsv + fit) and fit alone on the parsed data, to show what streaming costs.
// W5-1G (only when named: --workloads=w5-1g) streams a 1 GiB CSV through fitDataset on the native engine
// and reports the child's peak RSS, the bound the tfjs drop-in promises (under 300 MB), beside fit on a
// prefix of the file held in memory. The runner (run.js) calls writeCsv, run, runBig and report; the
// children are workloads/fitdataset.js.
const fs = require('fs');
const path = require('path');
const C = require('./common');

const CONFIG = {
  full: { rows: 200000, features: 16, hidden: 32, batchSize: 256, lr: 0.01, checkEpochs: 2, runs: 3, reduced: { 'tfjs-cpu': 50000, 'tfjs-wasm': 100000 } },
  quick: { rows: 4000, features: 16, hidden: 32, batchSize: 256, lr: 0.01, checkEpochs: 8, runs: 1, reduced: {} },
};
// bytes: the streamed file's size; memRows: the prefix that fit takes in memory. Quick: a 16 MiB file.
const BIG = {
  full: { bytes: 2 ** 30, memRows: 200000, features: 16, hidden: 32, batchSize: 256, lr: 0.01, rssLimitMB: 300 },
  quick: { bytes: 2 ** 24, memRows: 20000, features: 16, hidden: 32, batchSize: 256, lr: 0.01, rssLimitMB: 300 },
};
const PEERS = [
  { id: 'blasnet-native', extra: { lib: 'blasnet', engine: 'native' } },
  { id: 'blasnet-js', extra: { lib: 'blasnet', engine: 'js' } },
  { id: 'tfjs-cpu', extra: { lib: 'tfjs', backend: 'cpu' } },
  { id: 'tfjs-wasm', extra: { lib: 'tfjs', backend: 'wasm' } },
];
const BIG_PEERS = PEERS.filter((p) => p.id.startsWith('blasnet-'));

/**
 * The seeded CSV (features, then y, a noisy function of them), and prefixes of it for the reduced peers.
 * With cfg.bytes it writes rows until the file reaches that size. Returns the files by row count, the
 * row count and var(y) of the whole file (so a 1 GiB file need not be read back to check the loss).
 */
function writeCsv(dir, cfg, seed, prefixRows = Object.values(cfg.reduced ?? {})) {
  const r = C.rng(seed);
  const w = Array.from({ length: cfg.features }, () => r.normal());
  const header = `${Array.from({ length: cfg.features }, (_, i) => `f${i}`).join(',')},y\n`;
  const total = cfg.bytes ? Infinity : cfg.rows;
  const sizes = [...new Set(prefixRows.map((n) => Math.min(n, total)))];
  const files = {};
  const fds = new Map(sizes.map((n) => [n, fs.openSync(files[n] = path.join(dir, `w5-${n}.csv`), 'w')]));
  const fullFile = path.join(dir, cfg.bytes ? `w5-${cfg.bytes}-bytes.csv` : `w5-${cfg.rows}.csv`);
  const full = sizes.includes(total) ? fds.get(total) : fs.openSync(fullFile, 'w');
  for (const fd of new Set([full, ...fds.values()])) fs.writeSync(fd, header);
  let written = Buffer.byteLength(header), rows = 0, ySum = 0, ySq = 0;
  let block = [];
  while (cfg.bytes ? written < cfg.bytes : rows < total) {
    let s = 0;
    const v = new Array(cfg.features);
    for (let j = 0; j < cfg.features; j++) { v[j] = r.uniform() * 2 - 1; s += v[j] * w[j]; }
    const y = Math.tanh(s) + 0.05 * r.normal();
    const line = `${v.map((x) => x.toFixed(5)).join(',')},${y.toFixed(5)}\n`;
    block.push(line);
    written += line.length;
    rows++;
    ySum += +y.toFixed(5);
    ySq += (+y.toFixed(5)) ** 2;
    if (block.length === 5000 || (cfg.bytes ? written >= cfg.bytes : rows === total)) {
      const first = rows - block.length;
      const text = block.join('');
      if (!sizes.includes(total)) fs.writeSync(full, text);
      for (const [n, fd] of fds) if (first < n) fs.writeSync(fd, n >= rows ? text : block.slice(0, n - first).join(''));
      block = [];
    }
  }
  for (const fd of new Set([full, ...fds.values()])) { fs.fsyncSync(fd); fs.closeSync(fd); }
  files[rows] = sizes.includes(total) ? files[total] : fullFile;
  const mean = ySum / rows;
  return { files, rows, yVariance: ySq / rows - mean * mean };
}

function run({ quick, wanted, runs, timeoutS, dataDir, runChild, log }) {
  const cfg = quick ? CONFIG.quick : CONFIG.full;
  log(`w5: writing the CSV (${cfg.rows} rows x ${cfg.features} features)`);
  const { files } = writeCsv(dataDir, cfg, 20261201, [cfg.rows, ...Object.values(cfg.reduced)]);
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

/** W5-1G: one child per blasnet engine (native unless --peers names the js one too). */
function runBig({ quick, wanted, peersNamed, timeoutS, dataDir, runChild, log }) {
  const cfg = quick ? BIG.quick : BIG.full;
  const peers = BIG_PEERS.filter((p) => (peersNamed ? wanted(p.id) : p.id === 'blasnet-native'));
  if (peers.length === 0) return null;
  log(`w5-1g: writing the CSV (${(cfg.bytes / 2 ** 20).toFixed(0)} MiB, ${cfg.features} features + y)`);
  const t0 = C.nowMs();
  const { files, rows, yVariance } = writeCsv(dataDir, cfg, 20261202, [cfg.memRows]);
  log(`w5-1g: ${rows} rows written in ${((C.nowMs() - t0) / 1000).toFixed(0)} s`);
  const results = {};
  for (const p of peers) {
    log(`w5-1g ${p.id} ...`);
    const res = runChild({ cmd: 'node', file: 'fitdataset.js' }, { peer: p.id, workload: 'w5-1g', cfg, rows, csv: files[rows],
      memCsv: files[cfg.memRows], memRows: cfg.memRows, yVariance, ...p.extra }, timeoutS);
    results[p.id] = res;
    log(`w5-1g ${p.id}: ${res.error ? `ERROR ${res.error}` : `${Math.round(res.rate)} rows/s streamed, peak RSS ${res.streamRssMB.toFixed(0)} MiB, ` +
      `fit in memory ${Math.round(res.fitRate)} rows/s, ${res.check.ok ? 'check ok' : `CHECK FAILED: ${res.check.detail}`}`}`);
  }
  return { cfg, rows, bytes: cfg.bytes, results };
}

function reportBig(big) {
  if (!big) return [];
  const { cfg, rows, results } = big;
  const fmt = (v) => (v === null || v === undefined ? '-' : Math.round(v).toLocaleString('en-US'));
  const lines = ['', `### W5-1G fitDataset from a ${(cfg.bytes / 2 ** 20).toFixed(0)} MiB CSV (${fmt(rows)} rows x ${cfg.features} features + y), ` +
    `1 epoch, the W5 model and pipeline; fit on the first ${fmt(cfg.memRows)} rows in memory beside it`, '',
    '| peer | fitDataset rows/s | peak RSS MiB while streaming | readCsv + fit rows/s | fit alone rows/s | peak RSS MiB at the end | check |', '|---|---|---|---|---|---|---|'];
  for (const [id, r] of Object.entries(results)) {
    if (r.error) { lines.push(`| ${id} | - | - | - | - | - | error: ${r.error.slice(0, 120)} |`); continue; }
    lines.push(`| ${id} | ${fmt(r.rate)} | ${fmt(r.streamRssMB)} | ${fmt(r.memRate)} | ${fmt(r.fitRate)} | ${fmt(r.maxRssMB)} | ${r.check.ok ? 'ok' : 'FAILED'}: ${r.check.detail} |`);
  }
  lines.push('', `Peak RSS while streaming is the child's VmHWM read as fitDataset returns, before the in-memory runs; the check ` +
    `wants it under ${cfg.rssLimitMB} MB and the loss of the epoch under half of var(y).`);
  return lines;
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

function failures(w5, prefix = 'w5') {
  if (!w5) return [];
  return Object.entries(w5.results).filter(([, r]) => r.error || !r.check.ok).map(([p, r]) => `${prefix} ${p}: ${r.error || `check failed (${r.check.detail})`}`);
}

module.exports = { CONFIG, BIG, PEERS, writeCsv, run, runBig, report, reportBig, failures };
