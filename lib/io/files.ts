// Model files on disk: dir/model.json + dir/weights.bin, written atomically, read defensively.
//
// Atomic save: the new model is written and fsynced in a temporary directory beside the target, then
// swapped in with renames: target -> backup, temp -> target, then the backup is removed. A process killed
// between the two renames leaves no target but a complete backup, which loadDescription reads (and the
// next save keeps as the backup); at every other moment the target is a complete model, old or new.
import * as fs from 'fs';
import * as path from 'path';
import { BlasnetError, describe } from '../errors';
import type { ModelDescription } from './description';
import {
  artifactsToDescription, artifactsToModelJSON, checkModelJSON, descriptionToArtifacts, modelJSONToArtifacts,
  type LoadOptions, type ModelArtifacts,
} from './tfjs';

const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
const MAX_WEIGHT_BYTES = 4 * 1024 * 1024 * 1024;

function ioError(message: string, cause?: unknown): BlasnetError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new BlasnetError('ERR_IO', message + detail, cause === undefined ? undefined : { cause });
}

/** 'file://dir', 'dir', 'file://dir/model.json' or 'dir/model.json' -> absolute directory path. */
export function resolveModelDir(target: unknown, argument: string): string {
  if (typeof target !== 'string' || target.length === 0) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a directory path or file:// URL for ${argument} but received ${describe(target)}`);
  }
  let p = target;
  if (p.startsWith('file://')) p = p.slice('file://'.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a directory path or file:// URL for ${argument} but received ${describe(target)} (only local files are supported)`);
  }
  if (p.includes('\0')) throw new BlasnetError('ERR_INVALID_ARG', `Expected a path without NUL characters for ${argument}`);
  if (path.basename(p).toLowerCase().endsWith('.json')) p = path.dirname(p);
  return path.resolve(p);
}

function siblings(dir: string): { parent: string; base: string; backup: string } {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  return { parent, base, backup: path.join(parent, `.${base}.blasnet-old`) };
}

function writeFileSynced(file: string, data: Uint8Array | string): void {
  const fd = fs.openSync(file, 'w', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.byteLength) off += fs.writeSync(fd, buf, off, buf.byteLength - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the renames are still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function exists(p: string): boolean {
  try { fs.lstatSync(p); return true; } catch { return false; }
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Temp directories left by saves that were killed (their process is gone). */
function removeStaleTemps(parent: string, base: string): void {
  let names: string[];
  try { names = fs.readdirSync(parent); } catch { return; }
  const prefix = `.${base}.blasnet-tmp-`;
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !pidAlive(pid)) {
      try { fs.rmSync(path.join(parent, n), { recursive: true, force: true }); } catch { /* best effort */ }
    }
  }
}

/** Writes artifacts as dir/model.json + dir/weights.bin, atomically replacing any model already there. */
export function saveArtifacts(artifacts: ModelArtifacts, target: string): { modelJson: string; weights: string; bytes: number } {
  const dir = resolveModelDir(target, 'save path');
  const { parent, base, backup } = siblings(dir);
  const json = JSON.stringify(artifactsToModelJSON(artifacts, ['weights.bin']));
  const data = artifacts.weightData;
  const weights = Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
  let tmp: string | null = null;
  try {
    fs.mkdirSync(parent, { recursive: true });
    if (exists(dir) && !fs.statSync(dir).isDirectory()) {
      throw new BlasnetError('ERR_IO', `Cannot save to ${dir}: it exists and is not a directory`);
    }
    removeStaleTemps(parent, base);
    tmp = fs.mkdtempSync(path.join(parent, `.${base}.blasnet-tmp-${process.pid}-`));
    writeFileSynced(path.join(tmp, 'weights.bin'), weights);
    writeFileSynced(path.join(tmp, 'model.json'), json);
    fsyncDir(tmp);
    const hasTarget = exists(dir);
    if (hasTarget) {
      // A backup beside an existing target is left from a save killed after its swap: stale.
      if (exists(backup)) fs.rmSync(backup, { recursive: true, force: true });
      fs.renameSync(dir, backup);
      fsyncDir(parent);
    }
    // Without a target, an existing backup is the last complete model (a save was killed between its
    // renames): it stays until the new model is in place.
    fs.renameSync(tmp, dir);
    tmp = null;
    fsyncDir(parent);
    if (exists(backup)) fs.rmSync(backup, { recursive: true, force: true });
  } catch (err) {
    if (tmp) { try { fs.rmSync(tmp, { recursive: true, force: true }); } catch { /* best effort */ } }
    if (err instanceof BlasnetError) throw err;
    throw ioError(`Cannot save the model to ${dir}`, err);
  }
  return { modelJson: path.join(dir, 'model.json'), weights: path.join(dir, 'weights.bin'), bytes: weights.byteLength };
}

/** ModelDescription -> files (see saveArtifacts). */
export function saveDescription(desc: ModelDescription, target: string, options: { includeOptimizer?: boolean } = {}): { modelJson: string; weights: string; bytes: number } {
  return saveArtifacts(descriptionToArtifacts(desc, options), target);
}

/** A shard path from the manifest, resolved inside the model directory (no escapes, no absolute paths). */
function shardPath(dir: string, realDir: string, p: string): string {
  const bad = () => new BlasnetError('ERR_FORMAT',
    `Weight file path ${describe(p)} in model.json must be a relative path inside the model directory`);
  if (p.length === 0 || p.length > 4096 || p.includes('\0') || p.includes('\\') || path.isAbsolute(p) || /^[a-z]+:/i.test(p)) throw bad();
  let rel: string;
  try { rel = decodeURIComponent(p); } catch { rel = p; }
  if (rel.split('/').some((seg) => seg === '..')) throw bad();
  const full = path.resolve(dir, rel);
  if (!full.startsWith(dir + path.sep)) throw bad();
  // A symlink inside the directory must not lead outside it either.
  let real: string;
  try { real = fs.realpathSync(full); } catch (err) { throw ioError(`Cannot read weight file ${full}`, err); }
  if (!real.startsWith(realDir + path.sep)) throw bad();
  return real;
}

/** The directory to read: the target, or the backup a killed save left when the target is missing. */
function readableDir(dir: string): string {
  if (exists(path.join(dir, 'model.json'))) return dir;
  const { backup } = siblings(dir);
  if (!exists(dir) && exists(path.join(backup, 'model.json'))) return backup;
  return dir;
}

/** Reads model.json and its shards (validated, sizes checked before reading) into ModelArtifacts. */
export function loadArtifacts(pathOrUrl: string): ModelArtifacts {
  const dir = readableDir(resolveModelDir(pathOrUrl, 'model path'));
  const jsonFile = path.join(dir, 'model.json');
  let text: string;
  try {
    const st = fs.statSync(jsonFile);
    if (!st.isFile()) throw new BlasnetError('ERR_IO', `${jsonFile} is not a file`);
    if (st.size > MAX_MODEL_JSON_BYTES) throw new BlasnetError('ERR_FORMAT', `${jsonFile} is ${st.size} bytes (more than ${MAX_MODEL_JSON_BYTES})`);
    text = fs.readFileSync(jsonFile, 'utf8');
  } catch (err) {
    if (err instanceof BlasnetError) throw err;
    throw ioError(`Cannot read ${jsonFile}`, err);
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch (err) {
    throw new BlasnetError('ERR_FORMAT', `${jsonFile} is not valid JSON: ${(err as Error).message}`);
  }
  const { groups } = checkModelJSON(json);
  let realDir: string;
  try { realDir = fs.realpathSync(dir); } catch (err) { throw ioError(`Cannot read ${dir}`, err); }
  // Sizes first: a manifest that promises more bytes than the files hold is rejected before any read.
  const plan = groups.map((g, gi) => {
    const files = g.paths.map((p) => shardPath(dir, realDir, p));
    const sizes = files.map((f) => {
      try {
        const st = fs.statSync(f);
        if (!st.isFile()) throw new BlasnetError('ERR_IO', `${f} is not a file`);
        return st.size;
      } catch (err) {
        if (err instanceof BlasnetError) throw err;
        throw ioError(`Cannot read weight file ${f}`, err);
      }
    });
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== g.bytes) {
      throw new BlasnetError('ERR_FORMAT',
        `weightsManifest[${gi}] describes ${g.bytes} bytes of weights but its files (${g.paths.join(', ')}) hold ${total} bytes`);
    }
    return { files, total };
  });
  const grand = plan.reduce((n, g) => n + g.total, 0);
  if (grand > MAX_WEIGHT_BYTES) throw new BlasnetError('ERR_FORMAT', `The weights take ${grand} bytes (more than ${MAX_WEIGHT_BYTES})`);
  const out = new Uint8Array(grand);
  let off = 0;
  for (const g of plan) {
    for (const f of g.files) {
      let fd: number | undefined;
      try {
        fd = fs.openSync(f, 'r');
        const size = fs.fstatSync(fd).size;
        if (off + size > grand) throw new BlasnetError('ERR_IO', `${f} changed size while it was read`);
        let got = 0;
        while (got < size) {
          const n = fs.readSync(fd, out, off + got, size - got, got);
          if (n === 0) break;
          got += n;
        }
        if (got !== size) throw new BlasnetError('ERR_IO', `${f} changed size while it was read`);
        off += size;
      } catch (err) {
        if (err instanceof BlasnetError) throw err;
        throw ioError(`Cannot read weight file ${f}`, err);
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    }
  }
  if (off !== grand) throw new BlasnetError('ERR_IO', 'The weight files changed size while they were read');
  return modelJSONToArtifacts(json, out.buffer);
}

/** Reads and validates a saved model: 'file://dir/model.json', 'dir/model.json' or 'dir'. */
export function loadDescription(pathOrUrl: string, options: LoadOptions = {}): ModelDescription {
  return artifactsToDescription(loadArtifacts(pathOrUrl), options);
}
