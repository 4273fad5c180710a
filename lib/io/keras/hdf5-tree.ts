// An HDF5 file read into plain objects: groups with their attributes and children, datasets with their
// shape, type and values. Runs on a worker thread (hdf5-worker.ts) so that a hostile file that makes
// the parser loop or allocate is stopped by a deadline and a heap limit instead of taking the process.
import * as hdf5 from 'jsfive';

export type H5Attr = string | number | boolean | null | (string | number)[];

export interface H5Dataset {
  kind: 'dataset';
  attrs: Record<string, H5Attr>;
  shape: number[];
  dtype: string;
  /** Numeric values as float64 (exact for every float32 and for integers up to 2^53). */
  data: Float64Array | null;
  /** String values (a string dataset). */
  strings: string[] | null;
}

export interface H5Group {
  kind: 'group';
  attrs: Record<string, H5Attr>;
  children: Record<string, H5Group | H5Dataset>;
}

export interface TreeLimits {
  /** Numeric values the datasets may hold in all. */
  maxValues: number;
  maxObjects: number;
  maxDepth: number;
}

/** Fixed-length HDF5 strings come padded with NULs. */
const unpad = (s: string) => s.replace(/\0+$/, '');

function cleanAttr(v: unknown): H5Attr {
  if (typeof v === 'string') return unpad(v);
  if ( typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const out: (string | number)[] = [];
    for (const x of Array.from(v as ArrayLike<unknown>)) {
      if (out.length >= 1_000_000) break;
      out.push(typeof x === 'string' ? unpad(x) : Number(x));
    }
    return out;
  }
  return null;
}

function attrsOf(obj: { attrs: Record<string, unknown> }): Record<string, H5Attr> {
  const out: Record<string, H5Attr> = Object.create(null) as Record<string, H5Attr>;
  for (const [k, v] of Object.entries(obj.attrs ?? {})) out[k] = cleanAttr(v);
  return out;
}

/** Parses the whole file. Throws (anything) on a malformed file; the caller turns that into ERR_FORMAT. */
export function readTree(buffer: ArrayBuffer, limits: TreeLimits): H5Group {
  const file = new hdf5.File(buffer, 'model');
  let objects = 0;
  let values = 0;
  const walk = (group: hdf5.Group, depth: number): H5Group => {
    if (depth > limits.maxDepth) throw new Error(`groups nested more than ${limits.maxDepth} deep`);
    const node: H5Group = { kind: 'group', attrs: attrsOf(group), children: Object.create(null) as H5Group['children'] };
    for (const key of group.keys) {
      if (++objects > limits.maxObjects) throw new Error(`more than ${limits.maxObjects} groups and datasets`);
      const child = group.get(key);
      if (child instanceof hdf5.Dataset) {
        const shape = (child.shape as number[]).map(Number);
        const count = shape.reduce((a, b) => a * b, 1);
        if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`dataset ${key} has shape ${JSON.stringify(shape)}`);
        values += count;
        if (values > limits.maxValues) throw new RangeError(`LIMIT:the datasets hold more than ${limits.maxValues} values`);
        const dtype = typeof child.dtype === 'string' ? child.dtype : JSON.stringify(child.dtype);
        const raw = child.value as unknown;
        let data: Float64Array | null = null;
        let strings: string[] | null = null;
        if (Array.isArray(raw) || ArrayBuffer.isView(raw)) {
          const list = raw as ArrayLike<unknown>;
          if (list.length > 0 && typeof list[0] === 'string') strings = Array.from(list, String);
          else {
            if (list.length !== count) throw new Error(`dataset ${key} has shape ${JSON.stringify(shape)} but ${list.length} values`);
            data = Float64Array.from(list as ArrayLike<number>, Number);
          }
        }
        node.children[key] = { kind: 'dataset', attrs: attrsOf(child), shape, dtype, data, strings };
      } else if (child instanceof hdf5.Group) {
        node.children[key] = walk(child, depth + 1);
      }
    }
    return node;
  };
  return walk(file, 0);
}
