'use strict';
// D1 for blasnet: read + preprocess + predict a large CSV as a stream (readCsvBatches with the fitted
// preprocessor's columns, transform, predictAsync), after fitting the preprocessor and a small MLP on
// the first rows (untimed). Checked first: the streamed predictions of the first rows equal the
// in-memory pipeline's. Figures: rows/s and MB/s of the whole pass, and the process's peak RSS.
const fs = require('fs');
const C = require('../common');

function peakRssMB() {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS / 1024;
}

async function d1(bn, task) {
  const c = task.cfg;
  const file = task.files.d1.path;
  const { data } = bn;
  let sample = null;
  for await (const t of data.readCsvBatches(file, { batchSize: c.sampleRows, label: 'y' })) { sample = t; break; }
  const pre = data.preprocessor({ label: 'y' }).fit(sample);
  const enc = pre.transform(sample);
  bn.setSeed(7);
  const model = bn.sequential({ layers: [
    bn.layers.dense({ units: c.hidden, activation: 'relu', inputShape: [pre.outputWidth] }),
    bn.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(enc.x, enc.y, { epochs: c.epochs, batchSize: 64, verbose: 0 });
  const schema = pre.inputColumns();
  const checkRows = Math.min(1024, sample.rows);
  const ref = (await model.predictAsync(pre.transform(sample.take(Array.from({ length: checkRows }, (_, i) => i))).x)).dataSync();
  const rates = [], mbs = [];
  const buf = new Float32Array(c.batchSize * pre.outputWidth);
  let detail = '', ok = true, positive = 0, rows = 0;
  for (let run = 0; run < task.runs; run++) {
    const t0 = C.nowMs();
    rows = 0;
    positive = 0;
    let first = true;
    for await (const b of data.readCsvBatches(file, { batchSize: c.batchSize, schema, reuse: true })) {
      const p = (await model.predictAsync(pre.transform(b, null, { out: buf }).x, { batchSize: c.batchSize })).dataSync();
      if (first && run === 0) {
        first = false;
        const diff = C.maxAbsDiff(p.subarray(0, 2 * checkRows), ref);
        ok = diff <= 1e-6;
        detail = `streamed predictions of the first ${checkRows} rows = the in-memory pipeline's (max diff ${diff.toExponential(1)})`;
      }
      for (let i = 1; i < p.length; i += 2) if (p[i] > 0.5) positive++;
      rows += b.rows;
    }
    const s = (C.nowMs() - t0) / 1000;
    rates.push(rows / s);
    mbs.push(fs.statSync(file).size / 2 ** 20 / s);
  }
  if (rows !== task.files.d1.rows) { ok = false; detail = `predicted ${rows} rows of ${task.files.d1.rows}`; }
  return {
    rates, mbPerS: mbs, maxRssMB: peakRssMB(), check: { ok, detail }, inputs: pre.outputWidth,
    trainAccuracy: (await model.evaluateAsync(enc.x, enc.y)).accuracy, positiveShare: positive / rows,
  };
}

module.exports = { d1 };
