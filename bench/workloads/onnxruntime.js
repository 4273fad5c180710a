'use strict';
// onnxruntime-node (its own CPU kernels, not OpenBLAS): W4 only (it is an inference runtime).
// The W2 model with the W4 weights is written as an ONNX graph (MatMul/Add/Relu ... Softmax) by the
// small protobuf encoder below, so no converter or Python is needed.
const C = require('../common');

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

// ---- a minimal protobuf writer, enough for an ONNX ModelProto ----
function varint(v) {
  const out = [];
  let x = BigInt(v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return Buffer.from(out);
}
const key = (field, wire) => varint((field << 3) | wire);
const vint = (field, v) => Buffer.concat([key(field, 0), varint(v)]);
const bytes = (field, buf) => Buffer.concat([key(field, 2), varint(buf.length), buf]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field, ...parts) => bytes(field, Buffer.concat(parts));

function node(op, inputs, output, name) {
  return msg(1, ...inputs.map((i) => str(1, i)), str(2, output), str(3, name), str(4, op));
}
function tensor(name, dims, data) {
  return msg(5, ...dims.map((dv) => vint(1, dv)), vint(2, 1 /* FLOAT */), str(8, name),
    bytes(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
}
function valueInfo(field, name, dims) {
  const dimMsgs = dims.map((dv) => (typeof dv === 'string' ? msg(1, str(2, dv)) : msg(1, vint(1, dv))));
  return msg(field, str(1, name), msg(2, msg(1, vint(1, 1 /* FLOAT */), msg(2, ...dimMsgs))));
}

/** ONNX bytes of a dense relu stack with a softmax output; weights [k0 (in x out, row-major), b0, ...]. */
function onnxMlp(widths, weights) {
  const nodes = [], inits = [];
  let cur = 'x';
  for (let l = 1; l < widths.length; l++) {
    const w = `w${l}`, b = `b${l}`;
    inits.push(tensor(w, [widths[l - 1], widths[l]], weights[2 * (l - 1)]), tensor(b, [widths[l]], weights[2 * (l - 1) + 1]));
    nodes.push(node('MatMul', [cur, w], `mm${l}`, `matmul${l}`));
    nodes.push(node('Add', [`mm${l}`, b], `z${l}`, `add${l}`));
    const last = l === widths.length - 1;
    nodes.push(node(last ? 'Softmax' : 'Relu', [`z${l}`], last ? 'y' : `a${l}`, last ? 'softmax' : `relu${l}`));
    cur = `a${l}`;
  }
  const graph = msg(7, ...nodes, str(2, 'blasnet_bench_mlp'), ...inits,
    valueInfo(11, 'x', ['batch', widths[0]]), valueInfo(12, 'y', ['batch', widths.at(-1)]));
  return new Uint8Array(Buffer.concat([vint(1, 8), str(2, 'blasnet-bench'), graph, msg(8, str(1, ''), vint(2, 13))]));
}
