#!/usr/bin/env node
'use strict';
// blasnet benchmark runner (`npm run bench`, `npm run bench -- --quick`). Issue 5 defines it.
//
// It writes the seeded data of the four workloads once to a temporary folder, then runs every
// (peer, workload) pair in a fresh child process (bench/workloads/<peer>.js, or pytorch.py) that
// checks its result before timing it and prints one JSON line. The table (ratios and the fraction
// of the sgemm peak measured in the same run) goes to stdout and to bench/results/<date>.{json,md}.
//
// Peers live in bench/package.json, out of the library's dependencies. When bench/node_modules is
// missing, this runs `npm --prefix bench ci` once (with ONNXRUNTIME_NODE_INSTALL=skip); it installs
// nothing else. blasnet itself is used from dist/ (built with `npm run build` when missing).
//
// Options: --quick (tiny sizes: checks the benchmark works, not speed), --peers=a,b,
// --workloads=w1,w2,w3,w4,w5,w5-1g,gemm,jobs (w5-1g only when named), --runs=N, --no-save, --keep-data, --timeout=SECONDS (per child).
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const C = require('./common');
const D1 = require('./tables-report');
const W5 = require('./fitdataset');
const SB = require('./shape-bound');
const WS = require('./weight-sweep');
const T = require('./targets');

const BENCH = __dirname;
const ROOT = path.resolve(BENCH, '..');
const PY = process.env.BENCH_PYTHON || '/usr/bin/python3'; // BENCH_PYTHON: another interpreter with torch

function parseArgs(argv) {
  const o = { quick: false, peers: null, workloads: null, runs: null, save: true, keepData: false, timeout: null };
  for (const a of argv) {
    const [k, v] = a.split('=');
    if (k === '--quick') o.quick = true;
    else if (k === '--peers') o.peers = v.split(',');
    else if (k === '--workloads') o.workloads = v.split(',');
    else if (k === '--runs') o.runs = Number(v);
    else if (k === '--no-save') o.save = false;
    else if (k === '--keep-data') o.keepData = true;
    else if (k === '--timeout') o.timeout = Number(v);
    else if (k === '--help' || k === '-h') {
      console.log('usage: npm run bench -- [--quick] [--peers=blasnet-native,pytorch,...] [--workloads=w1,w2,w3,w4,gemm,jobs] ' +
        '[--runs=N] [--timeout=SECONDS] [--no-save] [--keep-data]   (workloads: w1-w5, w5-1g, gemm, jobs; w5 = fitDataset from a CSV, w5-1g = from a 1 GiB CSV, only when named)');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  return o;
}

const PEERS = [
  { id: 'blasnet-native', cmd: 'node', file: 'blasnet.js', extra: { engine: 'native' }, workloads: ['w1', 'w2', 'w3', 'w4', 'd1'] },
  { id: 'blasnet-js', cmd: 'node', file: 'blasnet.js', extra: { engine: 'js' }, workloads: ['w1', 'w2', 'w3', 'w4', 'd1'] },
  { id: 'tfjs-cpu', cmd: 'node', file: 'tfjs.js', extra: { backend: 'cpu' }, workloads: ['w1', 'w2', 'w3', 'w4'] },
  { id: 'tfjs-wasm', cmd: 'node', file: 'tfjs.js', extra: { backend: 'wasm' }, workloads: ['w1', 'w2', 'w3', 'w4'] },
  { id: 'brain.js', cmd: 'node', file: 'brain.js', extra: {}, workloads: ['w1', 'w2'] },
  { id: 'onnxruntime-node', cmd: 'node', file: 'onnxruntime.js', extra: {}, workloads: ['w4'] },
  { id: 'pytorch', cmd: PY, file: 'pytorch.py', extra: {}, workloads: ['w1', 'w2', 'w3', 'w4'] },
  { id: 'pandas-sklearn', cmd: PY, file: 'tables.py', extra: {}, workloads: ['d1'] },
  // One child runs every serving case (18 servers, each started, checked, warmed and loaded): its own timeout.
  { id: 'serve', cmd: 'node', file: 'serve.js', extra: {}, workloads: ['serve'], timeoutS: { quick: 600, full: 1800 } },
];
const WORKLOADS = ['w1', 'w2', 'w3', 'w4', 'd1', 'serve'];

function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function ensureInstalled(needDist) {
  if (!fs.existsSync(path.join(BENCH, 'node_modules', '@tensorflow', 'tfjs'))) {
    log('bench/node_modules is missing: npm --prefix bench ci (peers only; ONNXRUNTIME_NODE_INSTALL=skip)');
    const r = spawnSync('npm', ['--prefix', BENCH, 'ci', '--no-audit', '--no-fund'],
      { stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
    if (r.status !== 0) throw new Error('npm --prefix bench ci failed');
  }
  const distFiles = ['index.js', path.join('engine', 'native.js')].map((f) => path.join(ROOT, 'dist', f));
  if (needDist && !distFiles.every((f) => fs.existsSync(f))) {
    log('dist/ is missing: npm run build');
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    // The peers still run; the blasnet rows then report the failure.
    if (r.status !== 0) log('npm run build failed: the blasnet rows will show the error');
  }
}

function torchAvailable() {
  if (!fs.existsSync(PY)) return `${PY} not found`;
  const r = spawnSync(PY, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60000 });
  return r.status === 0 ? null : `${PY} cannot import torch (apt-get install python3-torch)`;
}

function runChild(peer, task, timeoutS) {
  const file = path.join(BENCH, 'workloads', peer.file);
  const cmd = peer.cmd === 'node' ? process.execPath : peer.cmd;
  const t0 = Date.now();
  const r = spawnSync(cmd, [file, JSON.stringify(task)], {
    cwd: BENCH, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutS * 1000, killSignal: 'SIGKILL',
    env: { ...process.env, BLASNET_QUIET: '1' },
  });
  const wallS = (Date.now() - t0) / 1000;
  if (r.error && r.error.code === 'ETIMEDOUT') return { error: `timed out after ${timeoutS} s`, wallS };
  const line = (r.stdout || '').split('\n').reverse().find((l) => l.startsWith(C.RESULT_TAG));
  if (!line) {
    const why = (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ');
    return { error: `no result (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${why}`, wallS };
  }
  const res = JSON.parse(line.slice(C.RESULT_TAG.length));
  res.wallS = wallS;
  return res;
}

function stats(xs) {
  if (!xs || xs.length === 0) return null;
  return { median: C.median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = (cpuinfo.match(/^model name\s*:\s*(.*)$/m) || [])[1] || os.cpus()[0]?.model || 'unknown';
  const flags = (cpuinfo.match(/^flags\s*:\s*(.*)$/m) || [])[1] || '';
  const simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.split(' ').includes(f));
  return {
    cpu: model, cores: os.availableParallelism(), simd, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`, loadAvgAtStart: os.loadavg().map((v) => +v.toFixed(2)),
    env: { OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null, OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? null },
    caches: WS.cpuCaches(),
  };
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const cfgs = opt.quick ? C.QUICK : C.FULL;
  const started = new Date();
  const wanted = (id) => !opt.peers || opt.peers.includes(id);
  const wantedW = (w) => !opt.workloads || opt.workloads.includes(w);
  ensureInstalled(wantedW('gemm') || wanted('blasnet-native') || wanted('blasnet-js'));
  const torchWhy = torchAvailable();
  const peers = PEERS.filter((p) => wanted(p.id));
  const skipped = {};
  if (torchWhy && peers.some((p) => p.id === 'pytorch')) skipped.pytorch = torchWhy;
  const sklearnWhy = D1.sklearnAvailable(PY);
  if (sklearnWhy && peers.some((p) => p.id === 'pandas-sklearn')) skipped['pandas-sklearn'] = sklearnWhy;
  const timeoutS = opt.timeout ?? (opt.quick ? 120 : 900);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-bench-'));
  log(`writing seeded data to ${dataDir} (${opt.quick ? 'quick' : 'full'} sizes)`);
  const files = C.writeData(dataDir, cfgs, 20261128);
  if (wantedW('d1')) files.d1 = D1.writeData(dataDir, cfgs.d1, log);

  const out = {
    date: started.toISOString(), mode: opt.quick ? 'quick' : 'full', command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: machine(), configs: cfgs, skipped, gemm: null, results: {},
  };
  try {
    // The sgemm peak, measured at the start and again at the end of the run: the machine may be
    // shared, and the better of the two medians is the peak the fractions use.
    const gemmRuns = [];
    const gemmOnce = (when) => {
      log(`gemm peak (${when}): ${cfgs.gemm.n}^3 sgemm through the addon`);
      const g = runChild({ cmd: 'node', file: 'gemm.js' }, { workload: 'gemm', cfg: cfgs.gemm, runs: opt.runs ?? cfgs.gemm.runs }, timeoutS);
      log(g.error ? `gemm: ${g.error}` : `gemm: ${C.median(g.gflops).toFixed(1)} GFLOP/s (${g.blas.core}, ${g.blas.threads} threads)`);
      if (g.blas) out.machine.blas = g.blas;
      gemmRuns.push({ when, ...g });
      const good = gemmRuns.filter((r) => !r.error && r.check && r.check.ok);
      const best = good.sort((a, b) => C.median(b.gflops) - C.median(a.gflops))[0];
      out.gemm = best ? { gflops: stats(best.gflops), blas: best.blas, check: best.check, when: best.when, shapes: SB.bestShapes(good),
        all: gemmRuns.map((r) => ({ when: r.when, gflops: r.gflops ? stats(r.gflops) : null, error: r.error ?? null })) }
        : { error: gemmRuns.map((r) => r.error || (r.check && r.check.detail)).join('; ') };
    };
    if (wantedW('gemm')) gemmOnce('start');
    for (const w of WORKLOADS.filter(wantedW)) {
      for (const p of peers) {
        if (!p.workloads.includes(w) || skipped[p.id]) continue;
        const cfg = cfgs[w];
        const rows = C.rowsFor(cfg, p.id);
        const task = { peer: p.id, workload: w, cfg, w2cfg: cfgs.w2, rows, files, runs: opt.runs ?? C.runsFor(cfg, p.id), ...p.extra };
        log(`${w} ${p.id}${rows !== cfg.rows ? ` (reduced N=${rows})` : ''} ...`);
        const res = runChild(p, task, opt.timeout ?? (p.timeoutS ? p.timeoutS[opt.quick ? 'quick' : 'full'] : timeoutS));
        res.rows = rows;
        res.fullRows = cfg.rows;
        (out.results[p.id] ??= {})[w] = res;
        log(`${w} ${p.id}: ${res.error ? `ERROR ${res.error}` : `${summary(w, res)} (${res.wallS.toFixed(1)} s)`}`);
      }
    }
    if (wantedW('w5')) out.w5 = W5.run({ quick: opt.quick, wanted, runs: opt.runs, timeoutS, dataDir, runChild, log });
    // 1 GiB on disk and minutes of training: only when named.
    if (opt.workloads && opt.workloads.includes('w5-1g')) {
      out.w5big = W5.runBig({ quick: opt.quick, wanted, peersNamed: Boolean(opt.peers), timeoutS, dataDir, runChild, log });
    }
    if (wantedW('gemm') && WORKLOADS.some(wantedW)) gemmOnce('end');
    // The job queue: 1 and 2 worker processes on a redis-server of its own (skipped with a note without one).
    if (wantedW('jobs') && wanted('blasnet-native')) {
      log('jobs: BullMQ queue, 1 and 2 worker processes against a plain loop ...');
      out.jobs = runChild({ cmd: 'node', file: 'jobs.js' }, { workload: 'jobs', quick: opt.quick }, timeoutS);
      const j = out.jobs;
      log(`jobs: ${j.skipped ? `skipped: ${j.skipped}` : j.error ? `ERROR ${j.error}` :
        `${C.median(j.onePerMin).toFixed(0)} / ${C.median(j.twoPerMin).toFixed(0)} jobs/min with 1 / 2 workers, check ${j.check.ok ? 'ok' : 'FAILED'}`}`);
    }
  } finally {
    if (!opt.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  // Without the gemm workload, the core in use still comes from a native child's engineInfo.
  const nativeInfo = Object.values(out.results['blasnet-native'] || {}).find((r) => r.engineInfo && r.engineInfo.blasCore)?.engineInfo;
  if (!out.machine.blas && nativeInfo) out.machine.blas = { core: nativeInfo.blasCore, threads: nativeInfo.threads, config: nativeInfo.blasConfig };
  out.finished = new Date().toISOString();
  out.loadAvgAtEnd = os.loadavg().map((v) => +v.toFixed(2));
  const md = report(out, cfgs);
  process.stdout.write(`${md}\n`);
  if (opt.save) {
    const dir = path.join(BENCH, 'results');
    fs.mkdirSync(dir, { recursive: true });
    // A run of some peers or workloads (or fewer runs) never replaces the day's complete result.
    const partial = Boolean(opt.peers || opt.workloads || opt.runs);
    const base = path.join(dir, `${started.toISOString().slice(0, 10)}${opt.quick ? '-quick' : ''}${partial ? '-partial' : ''}`);
    fs.writeFileSync(`${base}.json`, `${JSON.stringify(out, null, 2)}\n`);
    fs.writeFileSync(`${base}.md`, `${md}\n`);
    log(`saved ${path.relative(ROOT, base)}.json and .md`);
    if (!opt.quick && !partial) require('./readme-table').writeReadmeTable(`${base}.json`);
  }
  const failed = Object.entries(out.results).flatMap(([p, ws]) => Object.entries(ws)
    .filter(([, r]) => r.error || (r.check && !r.check.ok)).map(([w, r]) => `${w} ${p}: ${r.error || `check failed (${r.check.detail})`}`));
  if (out.gemm && (out.gemm.error || !out.gemm.check.ok)) failed.push(`gemm: ${out.gemm.error || out.gemm.check.detail}`);
  if (out.jobs && (out.jobs.error || (out.jobs.check && !out.jobs.check.ok))) failed.push(`jobs: ${out.jobs.error || out.jobs.check.detail}`);
  failed.push(...W5.failures(out.w5), ...W5.failures(out.w5big, 'w5-1g'));
  if (failed.length) {
    log(`${failed.length} failure(s):\n  ${failed.join('\n  ')}`);
    process.exitCode = 1;
  }
}

function summary(w, r) {
  const check = r.check ? (r.check.ok ? 'check ok' : `CHECK FAILED: ${r.check.detail}`) : '';
  if (w === 'w1') return `${C.median(r.times).toFixed(1)} ms, ${check}`;
  if (w === 'serve') return `${r.cases.length} cases, ${check}`;
  let s = `${Math.round(C.median(r.rates))} samples/s, ${check}`;
  if (r.latSync) s += `, batch-1 sync p50 ${r.latSync.p50.toFixed(1)} us`;
  if (r.latAsync) s += `, async p50 ${r.latAsync.p50.toFixed(1)} us`;
  return s;
}

// ---------------------------------------------------------------- the report
const fmtN = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' :
  v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits));
const fmtS = (s, d = 0) => (s ? `${fmtN(s.median, d)} (${fmtN(s.min, d)}-${fmtN(s.max, d)})` : '-');
const ratio = (v) => (v === null || !Number.isFinite(v) ? '-' : `${v >= 10 ? v.toFixed(0) : v.toFixed(2)}x`);

function report(out, cfgs) {
  const R = out.results;
  const peak = out.gemm && out.gemm.gflops ? out.gemm.gflops.median : null;
  const w2p = C.paramCount(C.w2Widths(cfgs.w2));
  const w3p = C.paramCount(cfgs.w3.width);
  const get = (p, w) => (R[p] && R[p][w] && !R[p][w].error ? R[p][w] : null);
  const ok = (r) => r && (!r.check || r.check.ok);
  const val = (p, w, key) => { const r = get(p, w); return ok(r) ? C.median(r[key]) : null; };
  const lines = [];
  const m = out.machine;
  lines.push(`## blasnet benchmark (${out.mode}) — ${out.date.slice(0, 16).replace('T', ' ')} UTC`);
  lines.push('');
  lines.push(`Command: \`${out.command}\`. Machine: ${m.cpu}, ${m.cores} cores (${m.simd.join(', ')}), ${m.memGiB} GiB; ` +
    `Node ${m.node}; OpenBLAS ${T.coreNote(m)}${m.blas ? `, ${m.blas.threads} threads (${m.blas.config.trim()})` : ''}; ` +
    `load average ${m.loadAvgAtStart.join(' / ')} at start, ${out.loadAvgAtEnd.join(' / ')} at end.`);
  if (out.mode === 'quick') lines.push('', '**Quick mode: tiny sizes, one run each. It checks that every peer works; the figures say nothing about speed.**');
  lines.push('');
  lines.push(`Each figure: median (min-max) of the runs, each peer in a fresh process, its result checked first (loss goes down; ` +
    `predictions within 1e-4 of a float64 reference). Ratios: how many times blasnet beats the peer (>1: blasnet is faster). ` +
    `GEMM peak: ${cfgs.gemm.n}^3 \`cblas_sgemm\` through the addon = **${peak ? peak.toFixed(1) : '-'} GFLOP/s** ${fmtS(out.gemm?.gflops, 1)}` +
    `${out.gemm && out.gemm.all ? ` (the better of the medians at the start and end of the run: ${out.gemm.all.map((g) => `${g.when} ${g.gflops ? g.gflops.median.toFixed(1) : g.error}`).join(', ')})` : ''}.`);
  const note = (p, w) => {
    const r = get(p, w);
    if (!R[p] || !R[p][w]) return out.skipped[p] ? `not run: ${out.skipped[p]}` : 'not run';
    if (R[p][w].error) return `error: ${R[p][w].error.slice(0, 120)}`;
    const bits = [];
    if (r.rows !== r.fullRows) bits.push(`reduced N=${fmtN(r.rows)}`);
    if (r.check && !r.check.ok) bits.push(`CHECK FAILED: ${r.check.detail}`);
    else if (r.check) bits.push(`check ok: ${r.check.detail}`);
    return bits.join('; ');
  };
  const pids = [...PEERS.map((p) => p.id)];
  const ran = (w) => pids.some((p) => R[p] && R[p][w]);
  const has = (w) => (ran(w) ? pids.filter((p) => (R[p] && R[p][w]) || (out.skipped[p] && PEERS.find((q) => q.id === p).workloads.includes(w))) : []);
  const nat = (w, k) => val('blasnet-native', w, k), js = (w, k) => val('blasnet-js', w, k);

  // W1
  if (has('w1').length) {
    lines.push('', `### W1 seed: 100x10 -> Dense(10, relu) -> Dense(1), adam, mse, ${cfgs.w1.epochs} epochs, batch 10 — wall time of fit (ms, lower is better) ` +
      `after ${cfgs.w1.warmup} untimed fits; "first fit": the process's first, JIT and allocator cold`, '');
    lines.push('| peer | ms | first fit ms | native ÷ peer | js ÷ peer | notes |', '|---|---|---|---|---|---|');
    for (const p of has('w1')) {
      const r = get(p, 'w1'), v = val(p, 'w1', 'times');
      const first = r && typeof r.firstMs === 'number' ? r.firstMs.toFixed(1) : '-';
      lines.push(`| ${p} | ${r ? fmtS(stats(r.times), 1) : '-'} | ${first} | ${ratio(v && nat('w1', 'times') ? v / nat('w1', 'times') : null)} | ` +
        `${ratio(v && js('w1', 'times') ? v / js('w1', 'times') : null)} | ${note(p, 'w1')} |`);
    }
  }
  const rateTable = (w, title, flopsPerSample, extraCols) => {
    if (!has(w).length) return;
    lines.push('', `### ${title}`, '');
    lines.push(`| peer | samples/s | GFLOP/s | of peak | native ÷ peer | js ÷ peer |${extraCols.map((c) => ` ${c.h} |`).join('')} notes |`);
    lines.push(`|---|---|---|---|---|---|${extraCols.map(() => '---|').join('')}---|`);
    for (const p of has(w)) {
      const r = get(p, w), v = val(p, w, 'rates');
      const gf = v ? (v * flopsPerSample) / 1e9 : null;
      lines.push(`| ${p} | ${r ? fmtS(stats(r.rates)) : '-'} | ${gf ? gf.toFixed(1) : '-'} | ${gf && peak ? `${((100 * gf) / peak).toFixed(0)}%` : '-'} | ` +
        `${ratio(v && nat(w, 'rates') ? nat(w, 'rates') / v : null)} | ${ratio(v && js(w, 'rates') ? js(w, 'rates') / v : null)} |` +
        `${extraCols.map((c) => ` ${r ? c.f(r) : '-'} |`).join('')} ${note(p, w)} |`);
    }
  };
  const w2data = (cfgs.w2.rows * (cfgs.w2.inputs + cfgs.w2.classes) * 4) / 2 ** 20;
  rateTable('w2', `W2 mnist-mlp: ${fmtN(cfgs.w2.rows)}x784 synthetic, 784-256-128-10, adam 1e-3, batch 128, 2 epochs — samples/s of epoch 2 ` +
    `(6 x ${fmtN(w2p)} params FLOP/sample); data (x + one-hot y) ${w2data.toFixed(0)} MiB`, 6 * w2p, [
    { h: 'peak RSS MiB', f: (r) => `${fmtN(r.maxRssMB)}${r.rows !== r.fullRows ? '*' : ''}` },
    { h: 'event loop max block', f: (r) => (r.eventLoopMaxMs ? `${fmtN(Math.max(...r.eventLoopMaxMs), 0)} ms` : '-') },
  ]);
  rateTable('w3', `W3 wide: ${fmtN(cfgs.w3.rows)}x${cfgs.w3.width[0]}, ${cfgs.w3.width.join('-')}, mse, sgd, batch ${cfgs.w3.batchSize}, 1 epoch ` +
    `(6 x ${fmtN(w3p)} params FLOP/sample)`, 6 * w3p, []);
  rateTable('w4', `W4 inference: the W2 model on ${fmtN(cfgs.w4.rows)}x784, batch ${cfgs.w4.batchSize} (2 x params FLOP/sample); ` +
    `batch-1 latency over ${fmtN(cfgs.w4.latencyCalls)} calls after ${fmtN(cfgs.w4.latencyWarmup)} untimed ones`, 2 * w2p, [
    { h: 'batch-1 sync p50 / p99 µs', f: (r) => (r.latSync ? `${r.latSync.p50.toFixed(1)} / ${r.latSync.p99.toFixed(1)}` : '-') },
    { h: 'batch-1 async p50 / p99 µs', f: (r) => (r.latAsync ? `${r.latAsync.p50.toFixed(1)} / ${r.latAsync.p99.toFixed(1)}` : '-') },
  ]);
  if (has('w4').length) lines.push(...SB.reportLines(out.gemm?.shapes, peak, nat('w4', 'rates'), fmtN));
  if (get('blasnet-native', 'w4')) lines.push(...WS.reportLines(get('blasnet-native', 'w4').weightSweep, m.caches, cfgs.w4.sweep));
  lines.push(...D1.reportLines(out, cfgs, { get, note, has, fmtS, fmtN, ratio, stats }));
  lines.push('', '\\* peak RSS of a reduced-N run: not comparable with the full-size rows. Batch-1 "sync" is `predictSync` for blasnet, ' +
    '`predict` + `dataSync` for tfjs, a no-grad forward for PyTorch; "async" is blasnet\'s `predict` (worker hop) and onnxruntime\'s `session.run`. ' +
    'brain.js updates per sample and uses relu on every layer (its own semantics); it has no softmax output, so no W4 row. ' +
    `Training GFLOP/s follow issue 5's convention, 6 x params per sample; blasnet (and PyTorch) skip the first layer's input gradient, so the ` +
    `arithmetic done is ${((6 * w2p - 2 * cfgs.w2.inputs * cfgs.w2.hidden[0]) / w2p).toFixed(2)} x params per sample in W2 and ` +
    `${((6 * C.paramCount(cfgs.w3.width) - 2 * cfgs.w3.width[0] * cfgs.w3.width[1]) / C.paramCount(cfgs.w3.width)).toFixed(2)} x params in W3.`);
  if (out.jobs) lines.push('', require('./workloads/jobs').report(out.jobs));
  lines.push(...W5.report(out.w5), ...W5.reportBig(out.w5big));
  lines.push('', T.targets(out, cfgs, { peak, w2p, w3p, nat, js, val, get, w2data, fmtN, ratio }));
  if (R.serve && R.serve.serve) lines.push('', require('./serve/report').serveReport(R.serve.serve, cfgs.serve));
  return lines.join('\n');
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
