// Values of ONNX tensors (initializers, Constant nodes), checked against their declared dims before
// anything is allocated: a tensor that claims more values than its bytes hold is refused, not padded.
import { BlasnetError, describe } from '../../errors';
import { checkMemory } from '../../limits';
import { DT, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './model';

export const MAX_TENSOR_ELEMENTS = 1 << 28;

/** Reads `length` bytes at `offset` of an external data file named by `location`. */
export type ExternalDataReader = (location: string, offset: number, length: number | null) => Uint8Array;

function malformed(message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: ${message}`);
}

export function elementCount(t: OnnxTensor): number {
  let n = 1;
  for (const d of t.dims) {
    if (!Number.isInteger(d) || d < 0) throw malformed(`tensor ${describe(t.name)} has dimension ${d}`);
    n *= d;
    if (n > MAX_TENSOR_ELEMENTS) throw new BlasnetError('ERR_LIMIT', `ONNX tensor ${describe(t.name)} has more than ${MAX_TENSOR_ELEMENTS} elements`);
  }
  return n;
}

const ELEMENT_BYTES: Record<number, number> = { [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.INT64]: 8, [DT.INT32]: 4, [DT.BOOL]: 1 };

function externalBytes(t: OnnxTensor, reader: ExternalDataReader | undefined, expected: number): Uint8Array {
  const e = t.externalData;
  if (!reader) {
    throw new BlasnetError('ERR_UNSUPPORTED',
      `ONNX tensor ${describe(t.name)} keeps its data in an external file (${describe(e.location)}): load the model from its path so the file beside it can be read`);
  }
  const location = e.location;
  if (typeof location !== 'string' || location.length === 0) throw malformed(`tensor ${describe(t.name)} has external data without a location`);
  const offset = e.offset === undefined ? 0 : Number(e.offset);
  const length = e.length === undefined ? null : Number(e.length);
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== null && (!Number.isSafeInteger(length) || length < 0))) {
    throw malformed(`tensor ${describe(t.name)} has external data offset ${describe(e.offset)} / length ${describe(e.length)}`);
  }
  if (length !== null && length !== expected) {
    throw malformed(`tensor ${describe(t.name)} declares ${expected} bytes of values but its external data length is ${length}`);
  }
  return reader(location, offset, expected);
}

/** The tensor's values as float32 (float, double, int32, int64 and bool tensors), checked against its dims. */
export function floatValues(t: OnnxTensor, external?: ExternalDataReader, memoryLimit?: number): Float32Array {
  const n = elementCount(t);
  checkMemory(n * 4, `ONNX tensor ${describe(t.name)}`, memoryLimit);
  const size = ELEMENT_BYTES[t.dataType];
  if (size === undefined) throw new BlasnetError('ERR_UNSUPPORTED', `ONNX tensor ${describe(t.name)} has data type ${t.dataType}; blasnet reads float, double, int32, int64 and bool tensors`);
  let raw = t.rawData;
  if (t.dataLocation === 1) raw = externalBytes(t, external, n * size);
  const out = new Float32Array(n);
  if (raw) {
    if (raw.length !== n * size) {
      throw malformed(`tensor ${describe(t.name)} has dims [${t.dims.join(', ')}] (${n * size} bytes) but holds ${raw.length} bytes`);
    }
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    switch (t.dataType) {
      case DT.FLOAT: for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true); break;
      case DT.DOUBLE: for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true); break;
      case DT.INT32: for (let i = 0; i < n; i++) out[i] = v.getInt32(i * 4, true); break;
      case DT.INT64: for (let i = 0; i < n; i++) out[i] = Number(v.getBigInt64(i * 8, true)); break;
      case DT.BOOL: for (let i = 0; i < n; i++) out[i] = v.getUint8(i) === 0 ? 0 : 1; break;
    }
    return out;
  }
  // Bool values live in int32_data when not raw (as int32, uint8 and the other small types do).
  const list = t.dataType === DT.FLOAT ? t.floatData : t.dataType === DT.DOUBLE ? t.doubleData
    : t.dataType === DT.INT64 ? t.int64Data : t.int32Data;
  if (list.length !== n) throw malformed(`tensor ${describe(t.name)} has dims [${t.dims.join(', ')}] (${n} values) but holds ${list.length}`);
  out.set(list);
  return out;
}

/** The tensor a Constant node produces (value, value_float(s), value_int(s)), or null for other attributes. */
export function constantTensor(node: OnnxNode): OnnxTensor | null {
  const attr = node.attributes[0] as OnnxAttribute | undefined;
  if (node.attributes.length !== 1 || !attr) return null;
  const base: OnnxTensor = {
    name: node.outputs[0] ?? '', dims: [], dataType: DT.FLOAT, rawData: null, floatData: [], int32Data: [], int64Data: [],
    doubleData: [], externalData: {}, dataLocation: 0,
  };
  switch (attr.name) {
    case 'value': return attr.t ? { ...attr.t, name: base.name } : null;
    case 'value_float': return { ...base, floatData: [attr.f ?? 0] };
    case 'value_floats': return { ...base, dims: [attr.floats.length], floatData: attr.floats };
    case 'value_int': return { ...base, dataType: DT.INT64, int64Data: [attr.i ?? 0] };
    case 'value_ints': return { ...base, dataType: DT.INT64, dims: [attr.ints.length], int64Data: attr.ints };
    default: return null;
  }
}
