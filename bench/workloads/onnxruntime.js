'use strict';
// onnxruntime-node (its own CPU kernels, not OpenBLAS): W4 only (it is an inference runtime).
// The W2 model with the W4 weights is written as an ONNX graph (MatMul/Add/Relu ... Softmax) by the
// small protobuf encoder in ../onnx-mlp.js, so no converter or Python is needed.
const C = require('../common');
const { onnxMlp } = require('../onnx-mlp');

C.runChild(async (task) => {
  if (task.workload !== 'w4') throw new Error(`onnxruntime runs only w4, not ${task.workload}`);
  const ort = require('onnxruntime-node');
  const c = task.cfg, n = task.rows, w2c = task.w2cfg;
  const widths = C.w2Widths(w2c);
  const d = w2c.inputs, k = w2c.classes;
  const weights = C.readWeights(task.files, 'w4_w', widths.length - 1);
  const model = onnxMlp(widths, weights);
  const threads = Math.min(2, require('os').availableParallelism());
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'],
  });
  const xAll = C.readF32(task.files.w4_x);
  const ref = C.readF32(task.files.w4_ref);
  const runRows = async (start, rows) => {
    const feeds = { x: new ort.Tensor('float32', xAll.subarray(start * d, (start + rows) * d), [rows, d]) };
    return (await session.run(feeds)).y.data;
  };
  const first = await runRows(0, C.REF_ROWS);
  const diff = C.maxAbsDiff(first, ref, C.REF_ROWS * k);
  await runRows(0, Math.min(n, c.batchSize));
  const rates = [];
  const out = new Float32Array(n * k);
  for (let r = 0; r < task.runs; r++) {
    const t0 = C.nowMs();
    for (let s = 0; s < n; s += c.batchSize) {
      const rows = Math.min(c.batchSize, n - s);
      out.set(await runRows(s, rows), s * k);
    }
    rates.push(n / ((C.nowMs() - t0) / 1000));
  }
  const total = xAll.length / d;
  const latAsync = await C.latency((i) => runRows(i, 1), total, c.latencyCalls, c.latencyWarmup);
  await session.release();
  return { rates, latAsync, version: `onnxruntime-node ${require('onnxruntime-node/package.json').version}, ${threads} intra-op threads`,
    check: { ok: diff < 1e-4, detail: `max |diff| ${diff.toExponential(2)} (64 rows)` } };
});
