'use strict';
// Shared by the runner (bench/run.js) and the workload children (bench/workloads/*.js): the workload
// definitions, the seeded data written once per run as raw float32 files (so every peer, PyTorch
// included, reads the very same bytes), the float64 reference forward pass, and small statistics.
const fs = require('fs');
const path = require('path');

/** Full-size workloads as issue 5 defines them; `reduced` gives a smaller N for peers that would take minutes. */
// W1's warm-up is long: a 100-epoch fit of a 121-parameter net takes milliseconds, and V8 keeps optimizing
// the JavaScript around the engine calls for the first ~20 of them (2-3x slower meanwhile; measured 2026-12-02).
// Every peer gets the same count; the first fit's time is reported beside the steady one.
const FULL = {
  w1: { rows: 100, inputs: 10, hidden: 10, outputs: 1, epochs: 100, batchSize: 10, runs: 9, warmup: 24 },
  w2: { rows: 60000, inputs: 784, hidden: [256, 128], classes: 10, epochs: 2, batchSize: 128, lr: 1e-3, runs: 3,
    reduced: { 'tfjs-cpu': 4096, 'tfjs-wasm': 16384, 'brain.js': 300 } },
  w3: { rows: 16384, width: [1024, 4096, 4096, 1024], batchSize: 512, lr: 0.01, runs: 3, checkRows: 32,
    reduced: { 'blasnet-js': 1024, 'tfjs-cpu': 512, 'tfjs-wasm': 512 }, runsFor: { 'blasnet-js': 2, 'tfjs-cpu': 1, 'tfjs-wasm': 2 } },
  // sweep: blasnet-native's one-row predictSync of 784-h-10 MLPs of about these KB of weights (W4's own: 919 KB).
  w4: { rows: 100000, batchSize: 4096, latencyCalls: 2000, latencyWarmup: 2000, runs: 5,
    reduced: { 'blasnet-js': 32768, 'tfjs-cpu': 8192, 'tfjs-wasm': 32768 },
    sweep: { kb: [128, 256, 400, 919, 2048, 4096, 8192], calls: 2000, warmup: 200 } },
  // shapes: W4's three dense layers at its batch, [M, K, N], for the bound of those exact products.
  gemm: { n: 2048, runs: 7, shapes: [[4096, 784, 256], [4096, 256, 128], [4096, 128, 10]], shapeRuns: 9 },
  d1: { mb: 1024, sampleRows: 20000, hidden: 32, epochs: 3, batchSize: 16384, runs: 1 },
  serve: { seconds: 10, warmupS: 2, connections1: 64, connections256: 16 },
};

/** --quick: everything tiny; it checks that the benchmark works, not how fast anything is. */
const QUICK = {
  w1: { rows: 100, inputs: 10, hidden: 10, outputs: 1, epochs: 5, batchSize: 10, runs: 1, warmup: 0 },
  w2: { rows: 1024, inputs: 784, hidden: [256, 128], classes: 10, epochs: 2, batchSize: 128, lr: 1e-3, runs: 1,
    reduced: { 'brain.js': 128 } },
  w3: { rows: 512, width: [256, 1024, 1024, 256], batchSize: 128, lr: 0.01, runs: 1, checkRows: 32, reduced: {} },
  w4: { rows: 4096, batchSize: 1024, latencyCalls: 50, latencyWarmup: 10, runs: 1, reduced: {},
    sweep: { kb: [128, 256, 919], calls: 20, warmup: 5 } },
  gemm: { n: 512, runs: 1, shapes: [[256, 784, 256], [256, 256, 128], [256, 128, 10]], shapeRuns: 1 },
  d1: { mb: 8, sampleRows: 5000, hidden: 32, epochs: 1, batchSize: 4096, runs: 1 },
  serve: { seconds: 1, warmupS: 0.3, connections1: 64, connections256: 16 },
};

/** Rows a peer runs for a workload (reduced N for the slow ones). */
function rowsFor(cfg, peer) {
  const r = cfg.reduced && cfg.reduced[peer];
  return r !== undefined ? Math.min(r, cfg.rows) : cfg.rows;
}

/** Timed runs a peer does for a workload (fewer for the slowest peers). */
function runsFor(cfg, peer) {
  const r = cfg.runsFor && cfg.runsFor[peer];
  return r !== undefined ? r : cfg.runs;
}

/** The layer widths of the W2/W4 model. */
function w2Widths(cfg) {
  return [cfg.inputs, ...cfg.hidden, cfg.classes];
}

/** Parameter count of a dense stack with biases. */
function paramCount(widths) {
  let n = 0;
  for (let i = 1; i < widths.length; i++) n += widths[i - 1] * widths[i] + widths[i];
  return n;
}

// xoshiro128** : fast, seedable, identical in every process that calls it with the same seed.
function rng(seed) {
  let a = seed >>> 0, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  const next = () => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
    return r;
  };
  for (let i = 0; i < 16; i++) next();
  const uniform = () => next() / 4294967296;
  let spare = null;
  const normal = () => {
    if (spare !== null) { const s = spare; spare = null; return s; }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const m = Math.sqrt(-2 * Math.log(u));
    spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal };
}
function rotl(x, k) {
  return (x << k) | (x >>> (32 - k));
}

/** Glorot-uniform kernels (row-major [in, out]) and zero biases for `widths`: [k0, b0, k1, b1, ...]. */
function glorot(widths, seed) {
  const r = rng(seed);
  const out = [];
  for (let i = 1; i < widths.length; i++) {
    const fanIn = widths[i - 1], fanOut = widths[i];
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    const k = new Float32Array(fanIn * fanOut);
    for (let j = 0; j < k.length; j++) k[j] = (r.uniform() * 2 - 1) * lim;
    // Small non-zero biases so the reference check also covers the bias add.
    const b = new Float32Array(fanOut);
    for (let j = 0; j < fanOut; j++) b[j] = (r.uniform() * 2 - 1) * 0.05;
    out.push(k, b);
  }
  return out;
}

/** Float64 forward pass of a dense relu stack with a final 'softmax' or 'linear' layer (the check reference). */
function referenceForward(x, rows, widths, weights, last) {
  let cur = Float64Array.from(x.subarray(0, rows * widths[0]));
  for (let l = 1; l < widths.length; l++) {
    const nin = widths[l - 1], nout = widths[l];
    const k = weights[2 * (l - 1)], b = weights[2 * (l - 1) + 1];
    const next = new Float64Array(rows * nout);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < nout; j++) {
        let s = b[j];
        for (let p = 0; p < nin; p++) s += cur[i * nin + p] * k[p * nout + j];
        next[i * nout + j] = s;
      }
    }
    const isLast = l === widths.length - 1;
    if (!isLast) {
      for (let i = 0; i < next.length; i++) if (next[i] < 0) next[i] = 0;
    } else if (last === 'softmax') {
      for (let i = 0; i < rows; i++) {
        let m = -Infinity;
        for (let j = 0; j < nout; j++) m = Math.max(m, next[i * nout + j]);
        let s = 0;
        for (let j = 0; j < nout; j++) { next[i * nout + j] = Math.exp(next[i * nout + j] - m); s += next[i * nout + j]; }
        for (let j = 0; j < nout; j++) next[i * nout + j] /= s;
      }
    }
    cur = next;
  }
  return cur;
}

const REF_ROWS = 64;

/**
 * Writes every workload's data to `dir` once (raw little-endian float32, row-major) and returns the
 * manifest the children read. The same bytes go to every peer.
 */
function writeData(dir, cfgs, seed) {
  fs.mkdirSync(dir, { recursive: true });
  const files = {};
  const put = (name, arr) => {
    const p = path.join(dir, `${name}.f32`);
    // Flushed before anything is timed: ~650 MB of dirty pages written back during the first
    // workloads took a core from them (W1 and W2 native ran 30-50% slower first in a full run).
    const fd = fs.openSync(p, 'w');
    try {
      fs.writeSync(fd, Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    files[name] = p;
  };

  // W1: X standardized normal, y linear in X plus a little noise.
  {
    const c = cfgs.w1, r = rng(seed + 1);
    const x = new Float32Array(c.rows * c.inputs), y = new Float32Array(c.rows);
    const w = Array.from({ length: c.inputs }, () => r.normal());
    for (let i = 0; i < c.rows; i++) {
      let s = 0;
      for (let j = 0; j < c.inputs; j++) { const v = r.normal(); x[i * c.inputs + j] = v; s += v * w[j]; }
      y[i] = s + 0.1 * r.normal();
    }
    put('w1_x', x); put('w1_y', y);
  }

  // W2: pixel-like X in [0,1), labels from a fixed random projection (learnable), one-hot.
  const w2 = cfgs.w2;
  {
    const r = rng(seed + 2);
    const x = new Float32Array(w2.rows * w2.inputs);
    for (let i = 0; i < x.length; i++) x[i] = r.uniform();
    const proj = new Float32Array(w2.inputs * w2.classes);
    for (let i = 0; i < proj.length; i++) proj[i] = r.normal();
    const y = new Float32Array(w2.rows * w2.classes);
    const labels = new Float32Array(w2.rows);
    const s = new Float64Array(w2.classes);
    for (let i = 0; i < w2.rows; i++) {
      s.fill(0);
      for (let p = 0; p < w2.inputs; p++) {
        const v = x[i * w2.inputs + p] - 0.5;
        for (let c = 0; c < w2.classes; c++) s[c] += v * proj[p * w2.classes + c];
      }
      let best = 0;
      for (let c = 1; c < w2.classes; c++) if (s[c] > s[best]) best = c;
      y[i * w2.classes + best] = 1;
      labels[i] = best;
    }
    put('w2_x', x); put('w2_y', y); put('w2_labels', labels);
    const weights = glorot(w2Widths(w2), seed + 3);
    weights.forEach((a, i) => put(`w2_init_${i}`, a));
  }

  // W3: X normal, Y an elementwise function of X (cheap to make, learnable by the MLP).
  {
    const c = cfgs.w3, r = rng(seed + 4);
    const din = c.width[0], dout = c.width[c.width.length - 1];
    const x = new Float32Array(c.rows * din), y = new Float32Array(c.rows * dout);
    for (let i = 0; i < x.length; i++) x[i] = r.normal();
    for (let i = 0; i < c.rows; i++) {
      for (let j = 0; j < dout; j++) {
        y[i * dout + j] = Math.sin(x[i * din + (j % din)]) + 0.5 * x[i * din + ((j + 1) % din)];
      }
    }
    put('w3_x', x); put('w3_y', y);
    glorot(c.width, seed + 5).forEach((a, i) => put(`w3_init_${i}`, a));
  }

  // W4: the W2 model's weights (fixed, shared by every peer) on 100,000 pixel-like rows, and the
  // float64 reference output of the first REF_ROWS rows.
  {
    const c = cfgs.w4, r = rng(seed + 6);
    const x = new Float32Array(c.rows * w2.inputs);
    for (let i = 0; i < x.length; i++) x[i] = r.uniform();
    const weights = glorot(w2Widths(w2), seed + 7);
    put('w4_x', x);
    weights.forEach((a, i) => put(`w4_w_${i}`, a));
    put('w4_ref', Float32Array.from(referenceForward(x, REF_ROWS, w2Widths(w2), weights, 'softmax')));
  }
  return files;
}

/**
 * Reads a float32 file written by writeData; with `count`, only its first `count` values (so a
 * reduced-N peer's peak RSS holds only the rows it uses).
 */
function readF32(file, count) {
  const total = fs.statSync(file).size / 4;
  const n = count === undefined ? total : Math.min(count, total);
  const out = new Float32Array(n);
  const fd = fs.openSync(file, 'r');
  try {
    const bytes = new Uint8Array(out.buffer);
    let off = 0;
    while (off < bytes.length) {
      const got = fs.readSync(fd, bytes, off, Math.min(1 << 26, bytes.length - off), off);
      if (got <= 0) throw new Error(`short read of ${file}`);
      off += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** The W2/W3/W4 weight arrays [k0, b0, ...] from the manifest under `prefix`. */
function readWeights(files, prefix, layers) {
  const out = [];
  for (let i = 0; i < 2 * layers; i++) out.push(readF32(files[`${prefix}_${i}`]));
  return out;
}

/** W3's config, rows, widths, x and y (n rows each) and initial weights, the same for every peer. */
function readW3(task) {
  const c = task.cfg, n = task.rows;
  const din = c.width[0], dout = c.width.at(-1);
  return {
    c, n, din, dout,
    xAll: readF32(task.files.w3_x, n * din), yAll: readF32(task.files.w3_y, n * dout),
    init: readWeights(task.files, 'w3_init', c.width.length - 1),
  };
}

/** Largest |a - b| over the first rows*cols values. */
function maxAbsDiff(a, b, n) {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Batch-1 latency in microseconds: p50/p99 (and mean) over `calls` timed calls after `warmup` untimed. */
async function latency(fn, rows, calls, warmup) {
  for (let i = 0; i < warmup; i++) await fn(i % rows);
  const t = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i % rows);
    t[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  const s = Array.from(t).sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

function latencySync(fn, rows, calls, warmup) {
  for (let i = 0; i < warmup; i++) fn(i % rows);
  const t = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    fn(i % rows);
    t[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  const s = Array.from(t).sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Child side: the task the runner passed, and how to hand back the result. */
function childTask() {
  return JSON.parse(process.argv[2]);
}
const RESULT_TAG = 'BENCH_RESULT ';
/**
 * Peak RSS of this process in MiB: VmHWM (the high-water mark of this process's own address space;
 * getrusage's maxRSS would also count the runner's RSS at fork time, which Linux carries across exec).
 */
function peakRssMB() {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}

function emit(result) {
  result.maxRssMB = peakRssMB();
  process.stdout.write(`\n${RESULT_TAG}${JSON.stringify(result)}\n`);
}

/** Runs `main(task)` in a child and reports its result or error as JSON. */
function runChild(main) {
  const task = childTask();
  Promise.resolve()
    .then(() => main(task))
    .then((res) => { emit(res); process.exit(0); })
    .catch((err) => {
      emit({ error: err && err.stack ? String(err.stack).split('\n').slice(0, 4).join(' | ') : String(err) });
      process.exit(0);
    });
}

module.exports = {
  FULL, QUICK, REF_ROWS, RESULT_TAG, rowsFor, runsFor, w2Widths, paramCount, rng, glorot, referenceForward, writeData,
  readF32, readWeights, readW3, maxAbsDiff, median, percentile, latency, latencySync, nowMs, childTask, emit, runChild, peakRssMB,
};
