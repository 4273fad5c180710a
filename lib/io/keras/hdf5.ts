// Reading an HDF5 file (a legacy Keras .h5, or the model.weights.h5 inside a .keras) into plain objects.
// The parser (jsfive) runs on a worker thread with a deadline and a heap limit: a malformed or hostile
// file ends as a typed error, never as a hung or exhausted process.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { BlasnetError } from '../../errors';
import { checkMemory, formatBytes } from '../../limits';
import type { H5Dataset, H5Group, TreeLimits } from './hdf5-tree';

export type { H5Dataset, H5Group, H5Attr } from './hdf5-tree';

export interface Hdf5Options {
  /** Bytes the parsed values may take (default: the process budget). */
  memoryLimit: number;
  /** Deadline for parsing (default 60 s). */
  timeoutMs?: number;
  /** What the file is, for messages. */
  label: string;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function workerScript(): string | null {
  const candidates = [
    path.join(__dirname, 'hdf5-worker.js'),
    path.resolve(__dirname, '..', '..', '..', 'dist', 'io', 'keras', 'hdf5-worker.js'),
  ];
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

function formatError(label: string, message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', `${label} is not a valid HDF5 file: ${message}`);
}

function failure(label: string, message: string): BlasnetError {
  if (message.startsWith('LIMIT:')) return new BlasnetError('ERR_LIMIT', `${label}: ${message.slice(6)}`);
  return formatError(label, message);
}

export async function readHdf5(bytes: Uint8Array, options: Hdf5Options): Promise<H5Group> {
  const { label } = options;
  if (bytes.length < 8 || !SIGNATURE.every((b, i) => bytes[i] === b)) throw formatError(label, 'no HDF5 signature at its start');
  // Parsed values take 8 bytes each (float64) plus the parser's own copies: 24 bytes of budget per value.
  const maxValues = Math.max(0, Math.floor(options.memoryLimit / 24));
  checkMemory(bytes.length * 2, `Parsing ${label}`, options.memoryLimit);
  const limits: TreeLimits = { maxValues, maxObjects: 100_000, maxDepth: 32 };
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const script = workerScript();
  if (!script) {
    // No compiled worker (sources run directly): parse here. The parser loads only when a file is read.
    const { readTree } = await import('./hdf5-tree');
    try { return readTree(buffer, limits); } catch (err) { throw failure(label, err instanceof Error ? err.message : String(err)); }
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  // The heap a legitimate file needs is a few times its size; past that the parser is being led astray.
  const heapMb = Math.min(Math.max(256, Math.ceil((bytes.length * 16) / 2 ** 20) + 128), Math.max(64, Math.floor(options.memoryLimit / 2 ** 20)));
  return new Promise<H5Group>((resolve, reject) => {
    const worker = new Worker(script, { workerData: { buffer, limits }, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new BlasnetError('ERR_TIMEOUT', `Parsing ${label} took more than ${timeoutMs} ms (a malformed HDF5 file?)`))), timeoutMs);
    worker.on('message', (m: { ok: true; tree: H5Group } | { ok: false; message: string }) => {
      finish(() => (m.ok ? resolve(m.tree) : reject(failure(label, m.message))));
    });
    worker.on('error', (err: Error & { code?: string }) => {
      finish(() => reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new BlasnetError('ERR_LIMIT', `Parsing ${label} needed more than ${formatBytes(heapMb * 2 ** 20)} of memory (a malformed HDF5 file?)`)
        : failure(label, err.message)));
    });
    worker.on('exit', (code) => finish(() => reject(failure(label, `the parser stopped (exit code ${code})`))));
  });
}

/** A child of a group by path ('model_weights/dense'), or null. */
export function h5Get(root: H5Group, p: string): H5Group | H5Dataset | null {
  let node: H5Group | H5Dataset = root;
  for (const part of p.split('/').filter((s) => s.length > 0)) {
    if (node.kind !== 'group') return null;
    const next: H5Group | H5Dataset | undefined = Object.prototype.hasOwnProperty.call(node.children, part) ? node.children[part] : undefined;
    if (!next) return null;
    node = next;
  }
  return node;
}

/** A string-list attribute, also when Keras split it over name0, name1, ... (the HDF5 header limit). */
export function stringList(node: H5Group | H5Dataset, name: string): string[] | null {
  const direct = node.attrs[name];
  if (direct !== undefined) return toStrings(direct);
  if (node.attrs[`${name}0`] === undefined) return null;
  const out: string[] = [];
  for (let k = 0; node.attrs[`${name}${k}`] !== undefined; k++) out.push(...toStrings(node.attrs[`${name}${k}`]!));
  return out;
}

function toStrings(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return [v];
  return [];
}
