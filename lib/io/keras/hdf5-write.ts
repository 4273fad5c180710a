// A minimal HDF5 writer for what a Keras 3 model.weights.h5 holds: nested groups and contiguous
// little-endian float32 / int64 datasets, no attributes. Written from the HDF5 file format specification
// in its most widely read form: superblock version 0, version 1 object headers, and groups as symbol
// tables (a version 1 B-tree of symbol table nodes over a local heap of names).
import { Growable } from '../onnx/growable';

const UNDEF = 0xffffffffffffffffn;
/** Symbol table node capacity is 2 * LEAF_K entries; a group's B-tree has up to 2 * INTERNAL_K nodes. */
const LEAF_K = 32;
const INTERNAL_K = 64;

export type H5Value = { isDataset: true; kind: 'float32'; shape: number[]; data: Float32Array } | { isDataset: true; kind: 'int64'; shape: number[]; data: number[] };
export interface H5WriteGroup { [name: string]: H5WriteGroup | H5Value }

class Out extends Growable {
  constructor() { super(4096); }
  /** Reserves n zero bytes (8-byte aligned start) and returns their address. */
  alloc(n: number): number {
    const pad = (8 - (this.len % 8)) % 8;
    this.reserve(pad + n);
    this.len += pad;
    const at = this.len;
    this.len += n;
    return at;
  }
  view(): DataView { return new DataView(this.buf.buffer, 0, this.len); }
  set(at: number, data: Uint8Array): void { this.buf.set(data, at); }
}

function u64(v: DataView, at: number, x: number | bigint): void { v.setBigUint64(at, BigInt(x), true); }

function ascii(s: string): Uint8Array { return new TextEncoder().encode(s); }

/** A version 1 object header with the given messages ([type, body]); returns its address. */
function objectHeader(out: Out, messages: [number, Uint8Array][]): number {
  const sizes = messages.map(([, body]) => Math.ceil(body.length / 8) * 8);
  const total = sizes.reduce((a, b) => a + 8 + b, 0);
  const at = out.alloc(16 + total);
  const v = out.view();
  v.setUint8(at, 1);
  v.setUint16(at + 2, messages.length, true);
  v.setUint32(at + 4, 1, true);
  v.setUint32(at + 8, total, true);
  let p = at + 16;
  messages.forEach(([type, body], i) => {
    v.setUint16(p, type, true);
    v.setUint16(p + 2, sizes[i]!, true);
    out.set(p + 8, body);
    p += 8 + sizes[i]!;
  });
  return at;
}

function dataspace(shape: number[]): Uint8Array {
  const b = new Uint8Array(8 + 8 * shape.length);
  const v = new DataView(b.buffer);
  v.setUint8(0, 1);
  v.setUint8(1, shape.length);
  shape.forEach((d, i) => u64(v, 8 + 8 * i, d));
  return b;
}

function datatype(kind: H5Value['kind']): Uint8Array {
  if (kind === 'float32') {
    // Class 1 (floating point), version 1; little-endian, implied mantissa MSB, sign at bit 31, IEEE single.
    return Uint8Array.from([0x11, 0x20, 31, 0, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0]);
  }
  // Class 0 (fixed point), version 1; little-endian, signed, 64 bits.
  return Uint8Array.from([0x10, 0x08, 0, 0, 8, 0, 0, 0, 0, 0, 64, 0]);
}

function dataset(out: Out, value: H5Value): number {
  const n = value.data.length;
  const size = n * (value.kind === 'float32' ? 4 : 8);
  const dataAt = out.alloc(size);
  const v = out.view();
  for (let i = 0; i < n; i++) {
    if (value.kind === 'float32') v.setFloat32(dataAt + 4 * i, value.data[i]!, true);
    else v.setBigInt64(dataAt + 8 * i, BigInt(value.data[i]!), true);
  }
  const layout = new Uint8Array(18);
  const lv = new DataView(layout.buffer);
  lv.setUint8(0, 3);
  lv.setUint8(1, 1); // contiguous
  u64(lv, 2, dataAt);
  u64(lv, 10, size);
  // Fill value message version 2: allocated early, never written, no fill value defined.
  const fill = Uint8Array.from([2, 1, 2, 0]);
  return objectHeader(out, [[0x01, dataspace(value.shape)], [0x03, datatype(value.kind)], [0x05, fill], [0x08, layout]]);
}

/** Writes a group (recursively); returns [object header address, B-tree address, heap address]. */
function group(out: Out, children: H5WriteGroup): [number, number, number] {
  const names = Object.keys(children).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length > 2 * LEAF_K * 2 * INTERNAL_K) throw new Error(`an HDF5 group of more than ${4 * LEAF_K * INTERNAL_K} members`);
  const addresses = names.map((n) => {
    const c = children[n]!;
    return (c as H5Value).isDataset === true ? dataset(out, c as H5Value) : group(out, c as H5WriteGroup)[0];
  });
  // Local heap of names: offset 0 is the empty string.
  const offsets: number[] = [];
  let heapLen = 8;
  const encoded = names.map((n) => ascii(n));
  for (const e of encoded) { offsets.push(heapLen); heapLen += Math.ceil((e.length + 1) / 8) * 8; }
  const heapData = out.alloc(heapLen);
  encoded.forEach((e, i) => out.set(heapData + offsets[i]!, e));
  const heap = out.alloc(32);
  let v = out.view();
  out.set(heap, ascii('HEAP'));
  u64(v, heap + 8, heapLen);
  u64(v, heap + 16, 1); // no free block (the library's "free list is empty" value)
  u64(v, heap + 24, heapData);
  // Symbol table nodes of up to 2 * LEAF_K entries, each allocated at full capacity.
  const per = 2 * LEAF_K;
  const nodes: { at: number; last: number }[] = [];
  for (let start = 0; start < Math.max(names.length, 1); start += per) {
    const count = Math.min(per, names.length - start);
    const at = out.alloc(8 + 40 * per);
    v = out.view();
    out.set(at, ascii('SNOD'));
    v.setUint8(at + 4, 1);
    v.setUint16(at + 6, Math.max(count, 0), true);
    for (let i = 0; i < count; i++) {
      const e = at + 8 + 40 * i;
      u64(v, e, offsets[start + i]!);
      u64(v, e + 8, addresses[start + i]!);
    }
    nodes.push({ at, last: count > 0 ? offsets[start + count - 1]! : 0 });
    if (names.length === 0) break;
  }
  const entries = names.length === 0 ? 0 : nodes.length;
  const tree = out.alloc(24 + (2 * INTERNAL_K) * 16 + 8);
  v = out.view();
  out.set(tree, ascii('TREE'));
  v.setUint8(tree + 4, 0); // group nodes
  v.setUint8(tree + 5, 0); // leaf level
  v.setUint16(tree + 6, entries, true);
  u64(v, tree + 8, UNDEF);
  u64(v, tree + 16, UNDEF);
  let p = tree + 24;
  u64(v, p, 0);
  for (let i = 0; i < entries; i++) {
    u64(v, p + 8, nodes[i]!.at);
    u64(v, p + 16, nodes[i]!.last);
    p += 16;
  }
  const stab = new Uint8Array(16);
  const sv = new DataView(stab.buffer);
  u64(sv, 0, tree);
  u64(sv, 8, heap);
  return [objectHeader(out, [[0x11, stab]]), tree, heap];
}

/** The bytes of an HDF5 file holding `root`. */
export function writeHdf5(root: H5WriteGroup): Uint8Array {
  const out = new Out();
  const sb = out.alloc(96);
  const [header, tree, heap] = group(out, root);
  const v = out.view();
  out.set(sb, Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
  // Versions 0 (superblock, free space, root symbol table, shared header); 8-byte offsets and lengths.
  v.setUint8(sb + 13, 8);
  v.setUint8(sb + 14, 8);
  v.setUint16(sb + 16, LEAF_K, true);
  v.setUint16(sb + 18, INTERNAL_K, true);
  u64(v, sb + 24, 0);
  u64(v, sb + 32, UNDEF);
  u64(v, sb + 40, out.len);
  u64(v, sb + 48, UNDEF);
  // Root group symbol table entry, with its B-tree and heap cached in the scratch pad.
  u64(v, sb + 56, 0);
  u64(v, sb + 64, header);
  v.setUint32(sb + 72, 1, true);
  u64(v, sb + 80, tree);
  u64(v, sb + 88, heap);
  return out.finish();
}
