'use strict';
// blasnet through its public API (dist/, `npm run build`), on the engine the runner names
// (task.engine: native | js). One workload per process; prints one BENCH_RESULT JSON line.
const path = require('path');
const { monitorEventLoopDelay } = require('perf_hooks');
const C = require('../common');
const WS = require('../weight-sweep');

C.runChild(async (task) => {
  process.env.BLASNET_ENGINE = task.engine;
  process.env.BLASNET_QUIET = '1';
  const bn = require(path.resolve(__dirname, '..', '..', 'dist', 'index.js'));
  bn.setEngine(task.engine);
  const info = bn.engineInfo();
  const run = { w1, w2, w3, w4, d1: require('./tables').d1 }[task.workload];
  if (!run) throw new Error(`unknown workload ${task.workload}`);
  const res = await run(bn, task);
  res.engineInfo = info;
  return res;
});

const mat = (data, rows, cols) => ({ data: data.subarray(0, rows * cols), shape: [rows, cols] });

function denseStack(bn, widths, last) {
  const ls = [];
  for (let i = 1; i < widths.length; i++) {
    const isLast = i === widths.length - 1;
    ls.push(bn.layers.dense({
      units: widths[i], activation: isLast ? last : 'relu', ...(i === 1 ? { inputShape: [widths[0]] } : {}),
    }));
  }
  return bn.sequential({ layers: ls });
}

async function w1(bn, task) {
  const c = task.cfg;
  const x = mat(C.readF32(task.files.w1_x), c.rows, c.inputs);
  const y = mat(C.readF32(task.files.w1_y), c.rows, 1);
  const once = async () => {
    bn.setSeed(42);
    const m = denseStack(bn, [c.inputs, c.hidden, c.outputs], 'linear');
    m.compile({ optimizer: bn.optimizers.adam({ learningRate: 1e-3 }), loss: 'meanSquaredError' });
    const t0 = C.nowMs();
    const h = await m.fit(x, y, { epochs: c.epochs, batchSize: c.batchSize, shuffle: true, verbose: 0 });
    const ms = C.nowMs() - t0;
    if (typeof m.dispose === 'function') m.dispose();
    return { ms, loss: h.history.loss };
  };
  const check = await once(); // untimed: checks the loss goes down, warms up
  for (let k = 0; k < (c.warmup || 0); k++) await once(); // untimed: JIT and allocator warm-up, as for every peer
  const times = [], losses = [];
  for (let r = 0; r < task.runs; r++) {
    const o = await once();
    times.push(o.ms);
    losses.push(o.loss);
  }
  return { times, firstMs: check.ms, check: lossCheck(check.loss), lossFirst: check.loss[0], lossLast: check.loss.at(-1),
    runsOk: losses.every((l) => l.every(Number.isFinite)) };
}

function lossCheck(loss) {
  const ok = loss.length >= 2 && loss.every(Number.isFinite) && loss.at(-1) < loss[0];
  return { ok, detail: `loss ${fmt(loss[0])} -> ${fmt(loss.at(-1))}` };
}
const fmt = (v) => (typeof v === 'number' ? v.toPrecision(4) : String(v));

async function w2(bn, task) {
  const c = task.cfg, n = task.rows;
  const widths = C.w2Widths(c);
  const x = mat(C.readF32(task.files.w2_x, n * c.inputs), n, c.inputs);
  const y = mat(C.readF32(task.files.w2_y, n * c.classes), n, c.classes);
  const init = C.readWeights(task.files, 'w2_init', widths.length - 1);
  const rates = [], losses = [], elMax = [], epochMs = [];
  for (let r = 0; r < task.runs; r++) {
    bn.setSeed(42);
    const m = denseStack(bn, widths, 'softmax');
    m.setWeights(init.map((a) => a.slice()));
    m.compile({ optimizer: bn.optimizers.adam({ learningRate: c.lr }), loss: 'categoricalCrossentropy' });
    let t0 = 0, t1 = 0;
    const cb = {
      onEpochBegin: (epoch) => { if (epoch === c.epochs - 1) t0 = C.nowMs(); },
      onEpochEnd: (epoch) => { if (epoch === c.epochs - 1) t1 = C.nowMs(); },
    };
    // How long the event loop is held during the fit (issue 6): timer lateness sampled every 10 ms.
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const hist = await m.fit(x, y, { epochs: c.epochs, batchSize: c.batchSize, shuffle: true, verbose: 0, callbacks: [cb] });
    h.disable();
    rates.push(n / ((t1 - t0) / 1000));
    epochMs.push(t1 - t0);
    losses.push(hist.history.loss);
    elMax.push(Math.max(0, h.max / 1e6 - 10)); // the histogram holds whole tick intervals: minus the 10 ms period
    if (typeof m.dispose === 'function') m.dispose();
  }
  const checks = losses.map(lossCheck);
  return { rates, epochMs, check: { ok: checks.every((k) => k.ok), detail: checks[0].detail }, eventLoopMaxMs: elMax };
}

async function w3(bn, task) {
  const { c, n, din, dout, xAll, yAll, init } = C.readW3(task);
  const make = () => {
    bn.setSeed(42);
    const m = denseStack(bn, c.width, 'linear');
    m.setWeights(init.map((a) => a.slice()));
    m.compile({ optimizer: bn.optimizers.sgd({ learningRate: c.lr }), loss: 'meanSquaredError' });
    return m;
  };
  // Check (and warm-up): checkRows rows in two batches, three epochs; the loss must go down.
  const cm = make();
  const ch = await cm.fit(mat(xAll, c.checkRows, din), mat(yAll, c.checkRows, dout),
    { epochs: 3, batchSize: c.checkRows / 2, shuffle: true, verbose: 0 });
  if (typeof cm.dispose === 'function') cm.dispose();
  const rates = [];
  for (let r = 0; r < task.runs; r++) {
    const m = make();
    const t0 = C.nowMs();
    const h = await m.fit(mat(xAll, n, din), mat(yAll, n, dout), { epochs: 1, batchSize: c.batchSize, shuffle: true, verbose: 0 });
    const ms = C.nowMs() - t0;
    if (!Number.isFinite(h.history.loss[0])) throw new Error(`W3 loss not finite: ${h.history.loss[0]}`);
    rates.push(n / (ms / 1000));
    if (typeof m.dispose === 'function') m.dispose();
  }
  return { rates, check: lossCheck(ch.history.loss) };
}

async function w4(bn, task) {
  const c = task.cfg, n = task.rows, w2c = task.w2cfg;
  const widths = C.w2Widths(w2c);
  const xAll = C.readF32(task.files.w4_x);
  const ref = C.readF32(task.files.w4_ref);
  const m = denseStack(bn, widths, 'softmax');
  m.setWeights(C.readWeights(task.files, 'w4_w', widths.length - 1));
  const k = w2c.classes, d = w2c.inputs;
  const data = async (t) => (typeof t.data === 'function' ? t.data() : t.dataSync());
  // Check before timing: the first REF_ROWS rows against the float64 reference.
  const first = await data(await m.predictAsync(mat(xAll, C.REF_ROWS, d), { batchSize: c.batchSize }));
  const diff = C.maxAbsDiff(first, ref, C.REF_ROWS * k);
  const syncOne = m.predictSync(mat(xAll, 1, d)).dataSync();
  const diff1 = C.maxAbsDiff(syncOne, ref, k);
  const ok = diff < 1e-4 && diff1 < 1e-4;
  const x = mat(xAll, n, d);
  await m.predictAsync(mat(xAll, Math.min(n, c.batchSize), d), { batchSize: c.batchSize }); // warm-up
  const rates = [];
  for (let r = 0; r < task.runs; r++) {
    const t0 = C.nowMs();
    const out = await data(await m.predictAsync(x, { batchSize: c.batchSize }));
    const ms = C.nowMs() - t0;
    if (out.length !== n * k) throw new Error(`W4 output has ${out.length} values, expected ${n * k}`);
    rates.push(n / (ms / 1000));
  }
  const rows = xAll.length / d;
  const one = Array.from({ length: 256 }, (_, i) => mat(xAll.subarray(i * d), 1, d));
  const latSync = C.latencySync((i) => m.predictSync(one[i % 256]).dataSync(), rows, c.latencyCalls, c.latencyWarmup);
  const latAsync = await C.latency(async (i) => (await m.predictAsync(one[i % 256])).dataSync(), rows, c.latencyCalls, c.latencyWarmup);
  // The reason behind predictSync's figure (the targets table): its time against the weights' size.
  const weightSweep = task.engine === 'native' && c.sweep ? WS.sweep(bn, denseStack, d, k, c.sweep) : undefined;
  return { rates, latSync, latAsync, weightSweep, check: { ok, detail: `max |diff| ${diff.toExponential(2)} (64 rows), ${diff1.toExponential(2)} (predictSync)` } };
}
