// Single-file model formats beside the tfjs folder: .keras and .onnx (read and write), .h5 (read).
// loadModel, model.save and the CLI dispatch here by extension (or, for bytes, by signature).
import * as fs from 'fs';
import * as path from 'path';
import { BlasnetError, describe } from '../../errors';
import { checkMemory, resolveMemoryLimit } from '../../limits';
import type { ModelDescription } from '../description';
import { descriptionToOnnx, onnxToDescription, type OnnxExportOptions } from '../onnx';
import { h5ToDescription, kerasToDescription, type KerasLoadOptions } from './index';
import { descriptionToKeras } from './write';
import { writeFileAtomic } from '../files';
import { formatOfBytes, formatOfName, readSource, type ForeignFormat, type ModelSource } from './source';

export { isSingleFileModel, formatOfName, type ModelSource } from './source';

export interface ForeignLoadOptions extends Omit<KerasLoadOptions, 'memoryLimit'> {
  /** Read the bytes as this format instead of guessing from the name or signature. */
  format?: ForeignFormat;
  /** Bytes, or a size such as "2G", the model may take while it is read (default: the process budget of lib/limits). */
  memoryLimit?: number | string;
}

/** External ONNX tensor data, read from files beside the model (inside its directory only). */
function externalReader(dir: string, memoryLimit: number) {
  const real = fs.realpathSync(dir);
  let used = 0;
  return (location: string, offset: number, length: number | null): Uint8Array => {
    const bad = () => new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: external data location ${describe(location)} must be a relative path beside the model`);
    if (location.includes('\0') || path.isAbsolute(location) || location.split(/[\\/]/).includes('..')) throw bad();
    let file: string;
    try { file = fs.realpathSync(path.join(dir, location)); } catch (err) {
      throw new BlasnetError('ERR_IO', `Cannot read the ONNX external data file ${location}: ${(err as Error).message}`, { cause: err });
    }
    if (!file.startsWith(real + path.sep)) throw bad();
    const size = fs.statSync(file).size;
    const n = length ?? size - offset;
    if (offset + n > size || n < 0) {
      throw new BlasnetError('ERR_FORMAT', `Not a valid ONNX file: external data ${location} has ${size} bytes, fewer than offset ${offset} + length ${n}`);
    }
    used += n;
    checkMemory(used, 'The ONNX external data', memoryLimit);
    const out = Buffer.alloc(n);
    const fd = fs.openSync(file, 'r');
    try { fs.readSync(fd, out, 0, n, offset); } finally { fs.closeSync(fd); }
    return out;
  };
}

/** Reads a .keras, .h5 or .onnx model (a path, file:// or http(s) URL, Buffer or ArrayBuffer). */
export async function loadForeignDescription(source: ModelSource, options: ForeignLoadOptions = {}): Promise<ModelDescription> {
  const memoryLimit = resolveMemoryLimit(options.memoryLimit);
  const src = await readSource(source, memoryLimit);
  const format = options.format ?? (typeof source === 'string' ? formatOfName(source) : null) ?? formatOfBytes(src.bytes);
  switch (format) {
    case 'keras': return kerasToDescription(src.bytes, { ...options, memoryLimit }, src.label);
    case 'h5': return h5ToDescription(src.bytes, { ...options, memoryLimit }, src.label);
    case 'onnx':
      return onnxToDescription(src.bytes, {
        allowNonFinite: options.allowNonFinite, memoryLimit, externalData: src.dir ? externalReader(src.dir, memoryLimit) : undefined,
      });
    default:
      throw new BlasnetError('ERR_FORMAT', `${src.label} is neither a .keras archive, an HDF5 file nor an ONNX model`);
  }
}

/** True when model.save(target) writes a single-file format (.onnx, .keras, .h5) rather than a tfjs folder. */
export function isSingleFileTarget(target: unknown): target is string {
  return typeof target === 'string' && formatOfName(target) !== null;
}

/** Whether a save to `target` keeps the optimizer state unless told otherwise (.keras does, as Keras's save). */
export function keepsOptimizerByDefault(target: string): boolean {
  return formatOfName(target) === 'keras';
}

/** Writes a description to a .onnx or .keras file (atomically). .h5 is read only. */
export function saveForeignDescription(desc: ModelDescription, target: string, options: OnnxExportOptions = {}): { bytes: number } {
  const format = formatOfName(target);
  if (format === 'h5') {
    throw new BlasnetError('ERR_UNSUPPORTED', 'blasnet reads legacy Keras .h5 files but does not write them: save to a .keras file, a folder (TensorFlow.js format) or a .onnx file');
  }
  const bytes = format === 'keras' ? descriptionToKeras(desc) : descriptionToOnnx(desc, options);
  writeFileAtomic(target, bytes);
  return { bytes: bytes.length };
}
