'use strict';
// W5 child: one epoch of model.fitDataset over tf.data.csv, the same program for blasnet (dist/) and
// for @tensorflow/tfjs (task.lib); blasnet also times readCsv + fit and fit alone on the same file.
// Each timed run starts from a fresh model; the check: a few epochs bring the loss well below var(y).
// W5-1G (task.workload 'w5-1g'): one streamed epoch over the big file, the peak RSS read right after it,
// then readCsv + fit on a prefix of it in memory.
const path = require('path');
const fs = require('fs');
const C = require('../common');

C.runChild(async (task) => {
  let tf;
  if (task.lib === 'blasnet') {
    process.env.BLASNET_ENGINE = task.engine;
    process.env.BLASNET_QUIET = '1';
    tf = require(path.resolve(__dirname, '..', '..', 'dist', 'index.js'));
    tf.setEngine(task.engine);
  } else {
    tf = require('@tensorflow/tfjs');
    if (task.backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend(task.backend))) throw new Error(`tfjs backend ${task.backend} did not initialize`);
    await tf.ready();
  }
  const c = task.cfg;
  const model = () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [c.features], units: c.hidden, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 1 }));
    m.compile({ optimizer: tf.train.adam(c.lr), loss: 'meanSquaredError' });
    return m;
  };
  const dataset = () => tf.data.csv(`file://${task.csv}`, { columnConfigs: { y: { isLabel: true } } })
    .map(({ xs, ys }) => ({ xs: Object.values(xs), ys: Object.values(ys) }))
    .batch(c.batchSize);
  if (task.workload === 'w5-1g') return big(tf, task, model, dataset);
  const variance = yVariance(task.csv);

  const streamed = async (epochs) => {
    const m = model();
    const t0 = C.nowMs();
    const h = await m.fitDataset(dataset(), { epochs, verbose: 0 });
    const s = (C.nowMs() - t0) / 1000;
    m.dispose?.();
    return { rate: (epochs * task.rows) / s, loss: h.history.loss };
  };
  // Untimed: warms the JIT and the file cache, and checks that the program learns (several epochs).
  const { loss } = await streamed(c.checkEpochs);
  const rates = [];
  for (let r = 0; r < task.runs; r++) rates.push((await streamed(1)).rate);
  const last = loss[loss.length - 1];
  const res = {
    rates,
    check: { ok: Number.isFinite(last) && last < loss[0] && last < 0.5 * variance,
      detail: `loss ${loss[0].toPrecision(3)} -> ${last.toPrecision(3)} in ${loss.length} epochs, var(y) ${variance.toPrecision(3)}` },
  };
  if (task.lib === 'blasnet') {
    res.memRates = [];
    res.fitRates = [];
    for (let r = 0; r < task.runs; r++) {
      const m = model();
      const t0 = C.nowMs();
      const { x, y } = await tf.data.readCsv(task.csv, { label: 'y' });
      const t1 = C.nowMs();
      await m.fit(x, y, { epochs: 1, batchSize: c.batchSize, shuffle: false, verbose: 0 });
      const t2 = C.nowMs();
      res.memRates.push(task.rows / ((t2 - t0) / 1000));
      res.fitRates.push(task.rows / ((t2 - t1) / 1000));
      m.dispose();
    }
    res.version = `blasnet ${task.engine} engine`;
  } else {
    res.version = `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`;
  }
  return res;
});

async function big(tf, task, model, dataset) {
  const m = model();
  const t0 = C.nowMs();
  const h = await m.fitDataset(dataset(), { epochs: 1, verbose: 0 });
  const s = (C.nowMs() - t0) / 1000;
  const streamRssMB = C.peakRssMB();
  m.dispose();
  const loss = h.history.loss[0];
  const m2 = model();
  const t1 = C.nowMs();
  const { x, y } = await tf.data.readCsv(task.memCsv, { label: 'y' });
  const t2 = C.nowMs();
  await m2.fit(x, y, { epochs: 1, batchSize: task.cfg.batchSize, shuffle: false, verbose: 0 });
  const t3 = C.nowMs();
  m2.dispose();
  const okRss = streamRssMB < task.cfg.rssLimitMB, okLoss = Number.isFinite(loss) && loss < 0.5 * task.yVariance;
  return {
    rate: task.rows / s, seconds: s, streamRssMB, memRate: task.memRows / ((t3 - t1) / 1000), fitRate: task.memRows / ((t3 - t2) / 1000),
    check: { ok: okRss && okLoss, detail: `peak RSS ${streamRssMB.toFixed(0)} MiB (limit ${task.cfg.rssLimitMB}), epoch loss ${loss.toPrecision(3)}, var(y) ${task.yVariance.toPrecision(3)}` },
    version: `blasnet ${task.engine} engine`,
  };
}

/** var(y) of the file: the loss of always predicting the mean, which a trained model must beat. */
function yVariance(file) {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const ys = lines.map((l) => Number(l.slice(l.lastIndexOf(',') + 1)));
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  return ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length;
}
