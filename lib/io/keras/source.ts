// The bytes of a single-file model (.keras, .h5, .onnx) from a path, a file:// URL, an http(s) URL or a
// Buffer, with the size checked against the memory budget before anything is read or downloaded.
import * as fs from 'fs';
import * as path from 'path';
import { BlasnetError, describe } from '../../errors';
import { checkMemory } from '../../limits';
import { fetchBytes, isHttpUrl } from '../http';

export type ModelSource = string | Uint8Array | ArrayBuffer;
export type ForeignFormat = 'keras' | 'h5' | 'onnx';

export interface SourceBytes {
  bytes: Uint8Array;
  /** The file's directory (external ONNX data lives beside it); null for Buffers and URLs. */
  dir: string | null;
  /** How the source is named in messages. */
  label: string;
}

/** The format a path or URL names by its extension, or null (a model directory, model.json, ...). */
export function formatOfName(name: string): ForeignFormat | null {
  const base = name.replace(/[?#].*$/, '').toLowerCase();
  if (base.endsWith('.keras')) return 'keras';
  if (base.endsWith('.h5') || base.endsWith('.hdf5')) return 'h5';
  if (base.endsWith('.onnx')) return 'onnx';
  return null;
}

/** The format of bytes by their signature: zip (a .keras file), HDF5, or else ONNX's protobuf. */
export function formatOfBytes(bytes: Uint8Array): ForeignFormat | null {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'keras';
  const hdf5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (const at of [0, 512, 1024, 2048]) {
    if (bytes.length >= at + 8 && hdf5.every((b, i) => bytes[at + i] === b)) return 'h5';
  }
  // An ONNX ModelProto starts with ir_version (field 1, varint: tag 0x08) in every exporter we know.
  if (bytes.length >= 2 && bytes[0] === 0x08) return 'onnx';
  return null;
}

/** True when loadModel should read `source` as a Keras or ONNX file rather than a tfjs model. */
export function isSingleFileModel(source: unknown): source is ModelSource {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return true;
  return typeof source === 'string' && formatOfName(source) !== null;
}

/** Reads the whole model file (at most `limit` bytes). */
export async function readSource(source: ModelSource, limit: number): Promise<SourceBytes> {
  if (source instanceof Uint8Array) {
    checkMemory(source.byteLength, 'The model bytes', limit);
    return { bytes: source, dir: null, label: 'the model bytes' };
  }
  if (source instanceof ArrayBuffer) {
    checkMemory(source.byteLength, 'The model bytes', limit);
    return { bytes: new Uint8Array(source), dir: null, label: 'the model bytes' };
  }
  if (typeof source !== 'string' || source.length === 0) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a path, URL, Buffer or ArrayBuffer for the model but received ${describe(source)}`);
  }
  if (isHttpUrl(source)) return { bytes: await fetchBytes(source, limit, 'the model'), dir: null, label: source };
  return readLocalFile(source, limit);
}

/** A path or file:// URL: its size is checked before it is read. */
function readLocalFile(source: string, limit: number): SourceBytes {
  let p = source.startsWith('file://') ? source.slice('file://'.length) : source;
  if (p.includes('\0')) throw new BlasnetError('ERR_INVALID_ARG', 'Expected a model path without NUL characters');
  p = path.resolve(p);
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch (err) {
    throw new BlasnetError('ERR_IO', `Cannot read ${p}: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isFile()) throw new BlasnetError('ERR_IO', `Cannot read ${p}: not a file`);
  checkMemory(st.size, `The model file ${p}`, limit);
  try {
    return { bytes: fs.readFileSync(p), dir: path.dirname(p), label: p };
  } catch (err) {
    throw new BlasnetError('ERR_IO', `Cannot read ${p}: ${(err as Error).message}`, { cause: err });
  }
}
