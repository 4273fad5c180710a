// Protocol Buffers wire format, only as far as ONNX needs it: varints, fixed32/64 and length-delimited
// fields. Written from the wire-format specification. The reader trusts nothing: every length is checked
// against the bytes left, nesting is bounded, and 64-bit integers beyond 2^53 are refused rather than rounded.
import { BlasnetError } from '../../errors';
import { Growable } from './growable';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

function malformed(message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: ${message}`);
}

/** Appends fields to a growing buffer. Nested messages are encoded first and written as bytes. */
export class ProtoWriter extends Growable {

  private rawVarint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new BlasnetError('ERR_INVALID_ARG', `Cannot encode ${v} as a protobuf integer`);
    this.reserve(10);
    if (v < 0) {
      // Negative int64: two's complement over 64 bits, always 10 bytes.
      let big = BigInt.asUintN(64, BigInt(v));
      for (let i = 0; i < 9; i++) { this.buf[this.len++] = Number(big & 0x7fn) | 0x80; big >>= 7n; }
      this.buf[this.len++] = Number(big);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  private tag(field: number, wire: number): void { this.rawVarint(field * 8 + wire); }

  int(field: number, v: number): this { this.tag(field, WIRE_VARINT); this.rawVarint(v); return this; }

  float(field: number, v: number): this {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.rawVarint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  string(field: number, s: string): this { return this.bytes(field, new TextEncoder().encode(s)); }

  message(field: number, m: ProtoWriter): this { return this.bytes(field, m.finish()); }

  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: readonly number[]): this {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, data);
  }

}

export interface Field {
  field: number;
  wire: number;
  /** Varint or fixed value (fixed32 as its float, fixed64 as its double). */
  value: number;
  /** Length-delimited payload (a view into the input, not a copy). */
  bytes: Uint8Array | null;
}

/** Reads the fields of one message. */
export class ProtoReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array, readonly depth = 0) {
    if (depth > 32) throw malformed('messages nested more than 32 levels deep');
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get done(): boolean { return this.pos >= this.data.length; }

  /** One varint (int32/int64/enum/bool), as a safe integer; negative int64 values come as 10 bytes. */
  readVarint(): number {
    let result = 0;
    let scale = 1;
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.data.length) throw malformed('a varint runs past the end of the data (truncated file?)');
      const b = this.data[this.pos++]!;
      if (i < 7) {
        result += (b & 0x7f) * scale;
        scale *= 0x80;
        if (b < 0x80) return result;
        continue;
      }
      if (b < 0x80 || i === 9) return this.wideVarint(start, i + 1);
    }
    throw malformed('a varint longer than 10 bytes');
  }

  /** A varint of 8 to 10 bytes, decoded exactly as a signed 64-bit integer. */
  private wideVarint(start: number, length: number): number {
    if (this.data[start + length - 1]! >= 0x80) throw malformed('a varint longer than 10 bytes');
    let v = 0n;
    for (let i = length - 1; i >= 0; i--) v = (v << 7n) | BigInt(this.data[start + i]! & 0x7f);
    const signed = BigInt.asIntN(64, v);
    if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) throw malformed(`an integer beyond 2^53 (${signed})`);
    return Number(signed);
  }

  next(): Field {
    const key = this.readVarint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field < 1) throw malformed(`field number ${field}`);
    switch (wire) {
      case WIRE_VARINT: return { field, wire, value: this.readVarint(), bytes: null };
      case WIRE_FIXED64: {
        if (this.pos + 8 > this.data.length) throw malformed('a 64-bit field runs past the end of the data');
        const value = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return { field, wire, value, bytes: null };
      }
      case WIRE_FIXED32: {
        if (this.pos + 4 > this.data.length) throw malformed('a 32-bit field runs past the end of the data');
        const value = this.view.getFloat32(this.pos, true);
        this.pos += 4;
        return { field, wire, value, bytes: null };
      }
      case WIRE_BYTES: {
        const n = this.readVarint();
        if (n > this.data.length - this.pos) {
          throw malformed(`field ${field} declares ${n} bytes but only ${this.data.length - this.pos} remain (truncated file?)`);
        }
        const bytes = this.data.subarray(this.pos, this.pos + n);
        this.pos += n;
        return { field, wire, value: n, bytes };
      }
      default:
        throw malformed(`unknown wire type ${wire} for field ${field}`);
    }
  }

  /** A nested message reader one level deeper. */
  sub(bytes: Uint8Array): ProtoReader { return new ProtoReader(bytes, this.depth + 1); }
}

export function decodeString(f: Field): string {
  if (!f.bytes) throw malformed(`field ${f.field} should be a string`);
  return new TextDecoder('utf-8', { fatal: false }).decode(f.bytes);
}

/** Repeated integers, packed (one bytes field) or not (one varint per field). */
export function readInts(f: Field, into: number[], limit: number): void {
  if (f.wire === WIRE_VARINT) { into.push(f.value); }
  else if (f.bytes) {
    const r = new ProtoReader(f.bytes);
    while (!r.done) {
      if (into.length >= limit) throw malformed(`more than ${limit} integers in field ${f.field}`);
      into.push(r.readVarint());
    }
  } else throw malformed(`field ${f.field} should hold integers`);
  if (into.length > limit) throw malformed(`more than ${limit} integers in field ${f.field}`);
}

/** Repeated floats (4 bytes) or doubles (8 bytes), packed or not. */
function readFixed(f: Field, into: number[], limit: number, width: 4 | 8): void {
  const what = width === 4 ? 'floats' : 'doubles';
  if (f.wire === (width === 4 ? WIRE_FIXED32 : WIRE_FIXED64)) { into.push(f.value); }
  else if (f.bytes) {
    if (f.bytes.length % width !== 0) throw malformed(`packed ${what} in field ${f.field} are not a multiple of ${width} bytes`);
    if (into.length + f.bytes.length / width > limit) throw malformed(`more than ${limit} ${what} in field ${f.field}`);
    const v = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
    for (let i = 0; i < f.bytes.length; i += width) into.push(width === 4 ? v.getFloat32(i, true) : v.getFloat64(i, true));
  } else throw malformed(`field ${f.field} should hold ${what}`);
  if (into.length > limit) throw malformed(`more than ${limit} ${what} in field ${f.field}`);
}

export function readFloats(f: Field, into: number[], limit: number): void { readFixed(f, into, limit, 4); }
export function readDoubles(f: Field, into: number[], limit: number): void { readFixed(f, into, limit, 8); }
