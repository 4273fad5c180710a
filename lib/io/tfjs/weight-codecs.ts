// Weight bytes <-> Float32Array: little-endian float32 and int32, float16 and the uint8 / uint16
// affine quantization of tensorflowjs_converter (tfjs io_utils), and weight data given as several buffers.
import { describe } from '../../errors';
import { formatError, type Quantization, type WeightSpec } from './artifacts';

/** Bytes per stored element, by stored dtype (the quantized dtype when there is one). */
export const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** A weight spec that has been validated, with its element count and stored byte length. */
export interface CheckedSpec extends WeightSpec { size: number; bytes: number }

/** IEEE 754 half precision -> number (subnormals, infinities and NaN included). */
export function float16ToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** The values of one weight stored at `offset`. */
export function decodeWeight(view: DataView, offset: number, spec: CheckedSpec): Float32Array {
  const out = new Float32Array(spec.size);
  const q: Quantization | undefined = spec.quantization;
  if (!q) {
    if (spec.dtype === 'int32') for (let i = 0; i < spec.size; i++) out[i] = view.getInt32(offset + 4 * i, true);
    else for (let i = 0; i < spec.size; i++) out[i] = view.getFloat32(offset + 4 * i, true);
  } else if (q.dtype === 'float16') {
    for (let i = 0; i < spec.size; i++) out[i] = float16ToFloat32(view.getUint16(offset + 2 * i, true));
  } else {
    // tfjs io_utils: value = quantized * scale + min (rounded for int32 originals).
    const scale = q.scale!, min = q.min!;
    const wide = q.dtype === 'uint16';
    for (let i = 0; i < spec.size; i++) {
      const v = (wide ? view.getUint16(offset + 2 * i, true) : view.getUint8(offset + i)) * scale + min;
      out[i] = spec.dtype === 'int32' ? Math.round(v) : v;
    }
  }
  return out;
}

/** Tensors as one buffer of little-endian float32 (or int32, rounded) values, in order. */
export function encodeWeights(chunks: { data: Float32Array; int: boolean }[]): ArrayBuffer {
  const total = chunks.reduce((n, c) => n + c.data.length, 0);
  const weightData = new ArrayBuffer(total * 4);
  const view = new DataView(weightData);
  let off = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.data.length; i++, off += 4) {
      if (c.int) view.setInt32(off, Math.round(c.data[i]!), true);
      else view.setFloat32(off, c.data[i]!, true);
    }
  }
  return weightData;
}

/** Weight data as one ArrayBuffer, whether it came as one, as a list, or as a typed-array view. */
export function concatBuffers(data: ArrayBuffer | ArrayBuffer[] | ArrayBufferView | undefined | null): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
  if (Array.isArray(data)) {
    let total = 0;
    for (const b of data) {
      if (!(b instanceof ArrayBuffer)) throw formatError(`Expected ArrayBuffers in weightData but received ${describe(b)}`);
      total += b.byteLength;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const b of data as ArrayBuffer[]) { out.set(new Uint8Array(b), off); off += b.byteLength; }
    return out.buffer;
  }
  if (data === undefined || data === null) return new ArrayBuffer(0);
  throw formatError(`Expected an ArrayBuffer for weightData but received ${describe(data)}`);
}
