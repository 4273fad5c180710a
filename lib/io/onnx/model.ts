// The ONNX protobuf messages blasnet reads and writes (onnx.proto's ModelProto, GraphProto, NodeProto,
// AttributeProto, TensorProto, ValueInfoProto), as plain objects. Field numbers are those of the ONNX
// specification; fields we have no use for are skipped when reading and never written.
import { BlasnetError } from '../../errors';
import {
  ProtoReader, ProtoWriter, WIRE_BYTES, decodeString, readDoubles, readFloats, readInts, type Field,
} from './protobuf';

/** TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values. */
export const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array | null;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  /** external_data key/value pairs (location, offset, length) when dataLocation is EXTERNAL (1). */
  externalData: Record<string, string>;
  dataLocation: number;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
  /** A subgraph attribute was present (If/Loop bodies): such nodes are never supported. */
  hasGraph: boolean;
}

export interface OnnxNode {
  inputs: string[];
  outputs: string[];
  name: string;
  opType: string;
  domain: string;
  attributes: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType of a tensor type; 0 for sequences, maps and the like. */
  elemType: number;
  /** Dimension sizes; a string for a symbolic dimension, null when unknown. Null for no shape. */
  dims: (number | string | null)[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: OnnxGraph;
  metadata: Record<string, string>;
}

const MAX_NODES = 100_000;
const MAX_LIST = 1 << 24;

function malformed(message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: ${message}`);
}

function bytesOf(f: Field, what: string): Uint8Array {
  if (f.wire !== WIRE_BYTES || !f.bytes) throw malformed(`${what} should be a length-delimited field`);
  return f.bytes;
}

// ------------------------------------------------------------------------------------------ reading

function readStringEntry(r: ProtoReader): [string, string] {
  let key = '';
  let value = '';
  while (!r.done) {
    const f = r.next();
    if (f.field === 1) key = decodeString(f);
    else if (f.field === 2) value = decodeString(f);
  }
  return [key, value];
}

export function readTensor(r: ProtoReader): OnnxTensor {
  const t: OnnxTensor = {
    name: '', dims: [], dataType: 0, rawData: null, floatData: [], int32Data: [], int64Data: [], doubleData: [],
    externalData: {}, dataLocation: 0,
  };
  while (!r.done) {
    const f = r.next();
    switch (f.field) {
      case 1: readInts(f, t.dims, 64); break;
      case 2: t.dataType = f.value; break;
      case 3: throw new BlasnetError('ERR_UNSUPPORTED', 'ONNX tensors split in segments are not supported');
      case 4: readFloats(f, t.floatData, MAX_LIST); break;
      case 5: readInts(f, t.int32Data, MAX_LIST); break;
      case 7: readInts(f, t.int64Data, MAX_LIST); break;
      case 8: t.name = decodeString(f); break;
      case 9: t.rawData = bytesOf(f, 'raw_data'); break;
      case 10: readDoubles(f, t.doubleData, MAX_LIST); break;
      case 13: {
        const [k, v] = readStringEntry(r.sub(bytesOf(f, 'external_data')));
        if (Object.keys(t.externalData).length > 16) throw malformed('too many external_data entries');
        if (k !== '__proto__') t.externalData[k] = v;
        break;
      }
      case 14: t.dataLocation = f.value; break;
      default: break;
    }
  }
  return t;
}

function readAttribute(r: ProtoReader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0, floats: [], ints: [], hasGraph: false };
  while (!r.done) {
    const f = r.next();
    switch (f.field) {
      case 1: a.name = decodeString(f); break;
      case 20: a.type = f.value; break;
      case 2: a.f = f.value; break;
      case 3: a.i = f.value; break;
      case 4: a.s = decodeString(f); break;
      case 5: a.t = readTensor(r.sub(bytesOf(f, 'attribute tensor'))); break;
      case 6: case 11: a.hasGraph = true; break;
      case 7: readFloats(f, a.floats, MAX_LIST); break;
      case 8: readInts(f, a.ints, MAX_LIST); break;
      default: break;
    }
  }
  return a;
}

function readNode(r: ProtoReader): OnnxNode {
  const n: OnnxNode = { inputs: [], outputs: [], name: '', opType: '', domain: '', attributes: [] };
  while (!r.done) {
    const f = r.next();
    switch (f.field) {
      case 1: n.inputs.push(decodeString(f)); break;
      case 2: n.outputs.push(decodeString(f)); break;
      case 3: n.name = decodeString(f); break;
      case 4: n.opType = decodeString(f); break;
      case 5: if (n.attributes.length < 1000) n.attributes.push(readAttribute(r.sub(bytesOf(f, 'attribute')))); break;
      case 7: n.domain = decodeString(f); break;
      default: break;
    }
    if (n.inputs.length > 10_000 || n.outputs.length > 10_000) throw malformed('a node with more than 10000 inputs or outputs');
  }
  return n;
}

function readShape(r: ProtoReader): (number | string | null)[] {
  const dims: (number | string | null)[] = [];
  while (!r.done) {
    const f = r.next();
    if (f.field !== 1) continue;
    if (dims.length >= 64) throw malformed('a shape with more than 64 dimensions');
    const d = r.sub(bytesOf(f, 'dimension'));
    let dim: number | string | null = null;
    while (!d.done) {
      const g = d.next();
      if (g.field === 1) dim = g.value;
      else if (g.field === 2) dim = decodeString(g);
    }
    dims.push(dim);
  }
  return dims;
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, dims: null };
  while (!r.done) {
    const f = r.next();
    if (f.field === 1) v.name = decodeString(f);
    else if (f.field === 2) {
      const type = r.sub(bytesOf(f, 'type'));
      while (!type.done) {
        const g = type.next();
        if (g.field !== 1) continue; // sequence, map, optional: elemType stays 0
        const tensor = type.sub(bytesOf(g, 'tensor type'));
        while (!tensor.done) {
          const h = tensor.next();
          if (h.field === 1) v.elemType = h.value;
          else if (h.field === 2) v.dims = readShape(tensor.sub(bytesOf(h, 'shape')));
        }
      }
    }
  }
  return v;
}

function readGraph(r: ProtoReader): OnnxGraph {
  const g: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  while (!r.done) {
    const f = r.next();
    switch (f.field) {
      case 1: g.nodes.push(readNode(r.sub(bytesOf(f, 'node')))); break;
      case 2: g.name = decodeString(f); break;
      case 5: g.initializers.push(readTensor(r.sub(bytesOf(f, 'initializer')))); break;
      case 15: throw new BlasnetError('ERR_UNSUPPORTED', 'ONNX sparse initializers are not supported');
      case 11: g.inputs.push(readValueInfo(r.sub(bytesOf(f, 'input')))); break;
      case 12: g.outputs.push(readValueInfo(r.sub(bytesOf(f, 'output')))); break;
      default: break;
    }
    if (g.nodes.length > MAX_NODES || g.initializers.length > MAX_NODES || g.inputs.length > MAX_NODES) {
      throw malformed(`more than ${MAX_NODES} nodes, initializers or inputs`);
    }
  }
  return g;
}

/** Decodes a ModelProto. Views into `bytes` are kept (raw_data): the caller keeps the buffer alive. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const r = new ProtoReader(bytes);
  const m: OnnxModel = { irVersion: 0, opsets: [], producerName: '', producerVersion: '', docString: '', graph: null as unknown as OnnxGraph, metadata: {} };
  let graphs = 0;
  while (!r.done) {
    const f = r.next();
    switch (f.field) {
      case 1: m.irVersion = f.value; break;
      case 2: m.producerName = decodeString(f); break;
      case 3: m.producerVersion = decodeString(f); break;
      case 6: m.docString = decodeString(f); break;
      case 7: m.graph = readGraph(r.sub(bytesOf(f, 'graph'))); graphs++; break;
      case 8: {
        const o = r.sub(bytesOf(f, 'opset_import'));
        const opset = { domain: '', version: 0 };
        while (!o.done) {
          const g = o.next();
          if (g.field === 1) opset.domain = decodeString(g);
          else if (g.field === 2) opset.version = g.value;
        }
        if (m.opsets.length < 100) m.opsets.push(opset);
        break;
      }
      case 14: {
        const [k, v] = readStringEntry(r.sub(bytesOf(f, 'metadata_props')));
        if (k !== '__proto__' && Object.keys(m.metadata).length < 1000) m.metadata[k] = v;
        break;
      }
      default: break;
    }
  }
  if (graphs !== 1) throw malformed(graphs === 0 ? 'no graph (is this an ONNX model file?)' : 'more than one graph');
  if (m.irVersion < 3) throw malformed(`IR version ${m.irVersion} (expected 3 or later)`);
  return m;
}

// ------------------------------------------------------------------------------------------ writing

export function encodeTensor(name: string, dims: number[], data: Float32Array | number[], dataType: number = DT.FLOAT): ProtoWriter {
  const w = new ProtoWriter();
  w.packedInts(1, dims).int(2, dataType).string(8, name);
  if (dataType === DT.FLOAT) {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    const raw = new Uint8Array(f.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < f.length; i++) view.setFloat32(i * 4, f[i]!, true);
    w.bytes(9, raw);
  } else if (dataType === DT.INT64) {
    w.packedInts(7, Array.from(data));
  } else {
    throw new BlasnetError('ERR_INVALID_ARG', `Cannot write ONNX tensors of data type ${dataType}`);
  }
  return w;
}

export type AttrValue = number | string | number[] | { floats: number[] } | { int: number };

/** An attribute: a JS number is a FLOAT, {int} an INT, a string a STRING, number[] INTS, {floats} FLOATS. */
function encodeAttribute(name: string, v: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof v === 'number') w.int(20, AT.FLOAT).float(2, v);
  else if (typeof v === 'string') w.int(20, AT.STRING).string(4, v);
  else if (Array.isArray(v)) w.int(20, AT.INTS).packedInts(8, v);
  else if ('floats' in v) w.int(20, AT.FLOATS).packedFloats(7, v.floats);
  else w.int(20, AT.INT).int(3, v.int);
  return w;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, AttrValue>;
}

function encodeValueInfo(name: string, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensor = new ProtoWriter().int(1, DT.FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
}

export interface ModelSpec {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  docString?: string;
  nodes: NodeSpec[];
  initializers: ProtoWriter[];
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: { name: string; dims: (number | string)[] }[];
  metadata: Record<string, string>;
}

export function encodeModel(spec: ModelSpec): Uint8Array {
  const graph = new ProtoWriter();
  for (const n of spec.nodes) {
    const node = new ProtoWriter();
    for (const i of n.inputs) node.string(1, i);
    for (const o of n.outputs) node.string(2, o);
    node.string(3, n.name).string(4, n.op);
    for (const [k, v] of Object.entries(n.attributes ?? {})) node.message(5, encodeAttribute(k, v));
    graph.message(1, node);
  }
  graph.string(2, spec.graphName);
  for (const t of spec.initializers) graph.message(5, t);
  for (const i of spec.inputs) graph.message(11, encodeValueInfo(i.name, i.dims));
  for (const o of spec.outputs) graph.message(12, encodeValueInfo(o.name, o.dims));
  const model = new ProtoWriter()
    .int(1, spec.irVersion)
    .string(2, spec.producerName)
    .string(3, spec.producerVersion);
  if (spec.docString) model.string(6, spec.docString);
  model.message(7, graph).message(8, new ProtoWriter().string(1, '').int(2, spec.opset));
  for (const [k, v] of Object.entries(spec.metadata)) model.message(14, new ProtoWriter().string(1, k).string(2, v));
  return model.finish();
}
