'use strict';
// TensorFlow.js 4.22 (@tensorflow/tfjs) on the backend the runner names: task.backend = cpu | wasm.
// The same model, optimizer, data, initial weights and batch sizes as blasnet's workload.
const C = require('../common');

C.runChild(async (task) => {
  const tf = require('@tensorflow/tfjs');
  if (task.backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  const okSet = await tf.setBackend(task.backend);
  if (!okSet) throw new Error(`tfjs backend ${task.backend} did not initialize`);
  await tf.ready();
  const run = { w1, w2, w3, w4 }[task.workload];
  if (!run) throw new Error(`unknown workload ${task.workload}`);
  const res = await run(tf, task);
  res.version = `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`;
  return res;
});

function denseStack(tf, widths, last) {
  const m = tf.sequential();
  for (let i = 1; i < widths.length; i++) {
    const isLast = i === widths.length - 1;
    m.add(tf.layers.dense({ units: widths[i], activation: isLast ? last : 'relu', ...(i === 1 ? { inputShape: [widths[0]] } : {}) }));
  }
  return m;
}

function setWeights(tf, m, widths, ws) {
  const ts = [];
  for (let l = 1; l < widths.length; l++) {
    ts.push(tf.tensor2d(ws[2 * (l - 1)], [widths[l - 1], widths[l]]), tf.tensor1d(ws[2 * (l - 1) + 1]));
  }
  m.setWeights(ts);
  ts.forEach((t) => t.dispose());
}

function lossCheck(loss) {
  const ok = loss.length >= 2 && loss.every(Number.isFinite) && loss.at(-1) < loss[0];
  return { ok, detail: `loss ${loss[0].toPrecision(4)} -> ${loss.at(-1).toPrecision(4)}` };
}

async function w1(tf, task) {
  const c = task.cfg;
  const x = tf.tensor2d(C.readF32(task.files.w1_x), [c.rows, c.inputs]);
  const y = tf.tensor2d(C.readF32(task.files.w1_y), [c.rows, 1]);
  const once = async () => {
    const m = denseStack(tf, [c.inputs, c.hidden, c.outputs], 'linear');
    m.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
    const t0 = C.nowMs();
    const h = await m.fit(x, y, { epochs: c.epochs, batchSize: c.batchSize, shuffle: true, verbose: 0 });
    const ms = C.nowMs() - t0;
    m.dispose();
    return { ms, loss: h.history.loss };
  };
  const check = await once();
  for (let k = 0; k < (c.warmup || 0); k++) await once(); // untimed: JIT and allocator warm-up, as for every peer
  const times = [];
  for (let r = 0; r < task.runs; r++) times.push((await once()).ms);
  return { times, firstMs: check.ms, check: lossCheck(check.loss) };
}

async function w2(tf, task) {
  const c = task.cfg, n = task.rows;
  const widths = C.w2Widths(c);
  const x = tf.tensor2d(C.readF32(task.files.w2_x, n * c.inputs), [n, c.inputs]);
  const y = tf.tensor2d(C.readF32(task.files.w2_y, n * c.classes), [n, c.classes]);
  const init = C.readWeights(task.files, 'w2_init', widths.length - 1);
  const { monitorEventLoopDelay } = require('perf_hooks');
  const rates = [], checks = [], elMax = [];
  for (let r = 0; r < task.runs; r++) {
    const m = denseStack(tf, widths, 'softmax');
    setWeights(tf, m, widths, init);
    m.compile({ optimizer: tf.train.adam(c.lr), loss: 'categoricalCrossentropy' });
    let t0 = 0, t1 = 0;
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const hist = await m.fit(x, y, {
      epochs: c.epochs, batchSize: c.batchSize, shuffle: true, verbose: 0,
      callbacks: {
        onEpochBegin: async (e) => { if (e === c.epochs - 1) t0 = C.nowMs(); },
        onEpochEnd: async (e) => { if (e === c.epochs - 1) t1 = C.nowMs(); },
      },
    });
    h.disable();
    rates.push(n / ((t1 - t0) / 1000));
    checks.push(lossCheck(hist.history.loss));
    elMax.push(Math.max(0, h.max / 1e6 - 10)); // the histogram holds whole tick intervals: minus the 10 ms period
    m.dispose();
  }
  return { rates, check: { ok: checks.every((k) => k.ok), detail: checks[0].detail }, eventLoopMaxMs: elMax };
}

async function w3(tf, task) {
  const { c, n, din, dout, xAll, yAll, init } = C.readW3(task);
  const make = () => {
    const m = denseStack(tf, c.width, 'linear');
    setWeights(tf, m, c.width, init);
    m.compile({ optimizer: tf.train.sgd(c.lr), loss: 'meanSquaredError' });
    return m;
  };
  const xc = tf.tensor2d(xAll.subarray(0, c.checkRows * din), [c.checkRows, din]);
  const yc = tf.tensor2d(yAll.subarray(0, c.checkRows * dout), [c.checkRows, dout]);
  const cm = make();
  const ch = await cm.fit(xc, yc, { epochs: 3, batchSize: c.checkRows / 2, shuffle: true, verbose: 0 });
  cm.dispose(); xc.dispose(); yc.dispose();
  const x = tf.tensor2d(xAll.subarray(0, n * din), [n, din]);
  const y = tf.tensor2d(yAll.subarray(0, n * dout), [n, dout]);
  const rates = [];
  for (let r = 0; r < task.runs; r++) {
    const m = make();
    const t0 = C.nowMs();
    const h = await m.fit(x, y, { epochs: 1, batchSize: c.batchSize, shuffle: true, verbose: 0 });
    const ms = C.nowMs() - t0;
    if (!Number.isFinite(h.history.loss[0])) throw new Error(`W3 loss not finite: ${h.history.loss[0]}`);
    rates.push(n / (ms / 1000));
    m.dispose();
  }
  return { rates, check: lossCheck(ch.history.loss) };
}

async function w4(tf, task) {
  const c = task.cfg, n = task.rows, w2c = task.w2cfg;
  const widths = C.w2Widths(w2c);
  const d = w2c.inputs, k = w2c.classes;
  const xAll = C.readF32(task.files.w4_x);
  const ref = C.readF32(task.files.w4_ref);
  const m = denseStack(tf, widths, 'softmax');
  setWeights(tf, m, widths, C.readWeights(task.files, 'w4_w', widths.length - 1));
  const predictAll = (arr, rows) => tf.tidy(() => m.predict(tf.tensor2d(arr.subarray(0, rows * d), [rows, d]), { batchSize: c.batchSize }).dataSync());
  const first = predictAll(xAll, C.REF_ROWS);
  const diff = C.maxAbsDiff(first, ref, C.REF_ROWS * k);
  predictAll(xAll, Math.min(n, c.batchSize));
  const rates = [];
  for (let r = 0; r < task.runs; r++) {
    const t0 = C.nowMs();
    const out = predictAll(xAll, n);
    const ms = C.nowMs() - t0;
    if (out.length !== n * k) throw new Error(`W4 output has ${out.length} values`);
    rates.push(n / (ms / 1000));
  }
  const rows = xAll.length / d;
  // Batch 1 as a user serves a request: tensor from the row, predict, read back.
  const latSync = C.latencySync((i) => tf.tidy(() => m.predict(tf.tensor2d(xAll.subarray(i * d, (i + 1) * d), [1, d])).dataSync()),
    rows, c.latencyCalls, c.latencyWarmup);
  return { rates, latSync, check: { ok: diff < 1e-4, detail: `max |diff| ${diff.toExponential(2)} (64 rows)` } };
}
