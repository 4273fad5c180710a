'use strict';
// A dense relu stack with a softmax output as ONNX bytes (ModelProto, opset 13), written by a minimal
// protobuf encoder: the onnxruntime peers (W4 and the serving benchmark) run the very weights blasnet runs.
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

module.exports = { onnxMlp };
