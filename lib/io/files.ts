// Model files on disk, read defensively: model.json and its shards are opened once and checked on the
// opened descriptor (a regular file, inside the model directory, of the size the manifest promises), so
// nothing can be swapped between a check and the read. Shards are opened without following symlinks.
// Memory is checked against the limit from model.json alone, before any shard is read.
// Writing is in save.ts.
import * as fs from 'fs';
import * as path from 'path';
import { BlasnetError, describe } from '../errors';
import { checkModelMemory } from './budget';
import type { ModelDescription } from './description';
import { artifactsToDescription, checkModelJSON, modelJSONToArtifacts, type LoadOptions, type ModelArtifacts } from './tfjs';
import { MAX_MODEL_JSON_BYTES, parseModelJson } from './json-guard';
import { legacyBackupDir, resolveModelDir } from './paths';

export { saveArtifacts, saveDescription, type SaveFilesOptions, type SavedFiles } from './save';
export { resolveModelDir } from './paths';

/** A FIFO or device opened for reading must not block the open; fstat then refuses it. */
const NONBLOCK = fs.constants.O_NONBLOCK ?? 0;
/** How often a load starts over when a shard vanished because a save replaced the model meanwhile. */
const MAX_RELOADS = 5;
/** Loads that started over for that reason in this process (tests show the race they exercise). */
export const loadStats = { reloads: 0 };

function ioError(message: string, cause?: unknown): BlasnetError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new BlasnetError('ERR_IO', message + detail, cause === undefined ? undefined : { cause });
}

function exists(p: string): boolean {
  try { fs.lstatSync(p); return true; } catch { return false; }
}

/** The directory to read: the target, or the backup a killed save of an older blasnet left when the target is missing. */
function readableDir(dir: string): string {
  if (exists(path.join(dir, 'model.json'))) return dir;
  const backup = legacyBackupDir(dir);
  if (!exists(dir) && exists(path.join(backup, 'model.json'))) return backup;
  return dir;
}

/**
 * Writes one file atomically (.onnx, .keras): a synced temporary file beside it, renamed over the target,
 * so a reader sees the old file or the new one. A symlinked target stays a link (its target is replaced)
 * and an existing file keeps its mode.
 */
export function writeFileAtomic(target: string, data: Uint8Array): void {
  let file = path.resolve(target.startsWith('file://') ? target.slice('file://'.length) : target);
  let mode = 0o666 & ~process.umask();
  try {
    if (fs.lstatSync(file).isSymbolicLink()) file = fs.realpathSync(file);
    const st = fs.statSync(file);
    if (!st.isFile()) throw new BlasnetError('ERR_IO', `Cannot save to ${file}: it exists and is not a file`);
    mode = st.mode & 0o7777;
  } catch (err) {
    if (err instanceof BlasnetError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`Cannot save the model to ${file}`, err);
  }
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.blasnet-tmp-${process.pid}-${Date.now()}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      // One writeSync may write less than asked (a large file, a signal): write until all is out.
      for (let off = 0; off < data.byteLength;) off += fs.writeSync(fd, data, off, data.byteLength - off);
      fs.fchmodSync(fd, mode);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch (err) {
    try { fs.rmSync(tmp, { force: true }); } catch { /* best effort */ }
    throw ioError(`Cannot save the model to ${file}`, err);
  }
}

/** A manifest path resolved inside the model directory by its text alone (no escapes, no absolute paths). */
function shardPath(dir: string, p: string): string {
  const bad = () => new BlasnetError('ERR_FORMAT',
    `Weight file path ${describe(p)} in model.json must be a relative path inside the model directory`);
  if (p.length === 0 || p.length > 4096 || p.includes('\0') || p.includes('\\') || path.isAbsolute(p) || /^[a-z]+:/i.test(p)) throw bad();
  let rel: string;
  try { rel = decodeURIComponent(p); } catch { rel = p; }
  if (rel.split('/').some((seg) => seg === '..')) throw bad();
  const full = path.resolve(dir, rel);
  if (!full.startsWith(dir + path.sep)) throw bad();
  return full;
}

/** A file was replaced (renamed over) between its open and its check: read it again. */
class Replaced extends Error {}

/**
 * Checks the file behind an open descriptor: a regular file, and (whatever links led to it) the same
 * inode as a path inside realDir. Returns its size. A path inside whose inode is another one now was
 * replaced by a save meanwhile (Replaced); a path that leads outside is refused.
 */
function checkOpened(fd: number, file: string, realDir: string, what: string): number {
  const st = fs.fstatSync(fd);
  if (!st.isFile()) throw new BlasnetError('ERR_IO', `${what} ${file} is not a regular file`);
  let real: string;
  let at: fs.Stats;
  try {
    real = fs.realpathSync(file);
    at = fs.statSync(real);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Replaced(file);
    throw ioError(`Cannot read ${what} ${file}`, err);
  }
  if (!real.startsWith(realDir + path.sep)) {
    throw new BlasnetError('ERR_FORMAT', `${what} ${file} must be a file inside the model directory (it is a link to ${describe(real)})`);
  }
  if (at.ino !== st.ino || at.dev !== st.dev) throw new Replaced(file);
  return st.size;
}

function readFully(fd: number, into: Uint8Array, offset: number, size: number, file: string): void {
  let got = 0;
  while (got < size) {
    const n = fs.readSync(fd, into, offset + got, size - got, got);
    if (n === 0) throw new BlasnetError('ERR_IO', `${file} changed size while it was read`);
    got += n;
  }
}

function openOrThrow(file: string, flags: number, what: string, missing?: () => Error): number {
  try {
    return fs.openSync(file, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && missing) throw missing();
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw new BlasnetError('ERR_FORMAT', `${what} ${file} is a symbolic link; weight files must be regular files inside the model directory`);
    }
    throw ioError(`Cannot read ${what} ${file}`, err);
  }
}

function readModelJson(jsonFile: string, realDir: string): unknown {
  const fd = openOrThrow(jsonFile, fs.constants.O_RDONLY | NONBLOCK, 'model file');
  try {
    const size = checkOpened(fd, jsonFile, realDir, 'model file');
    if (size > MAX_MODEL_JSON_BYTES) throw new BlasnetError('ERR_LIMIT', `${jsonFile} is ${size} bytes (the limit is ${MAX_MODEL_JSON_BYTES})`);
    const bytes = Buffer.allocUnsafe(size);
    readFully(fd, bytes, 0, size, jsonFile);
    return parseModelJson(bytes, jsonFile);
  } finally {
    fs.closeSync(fd);
  }
}

class ShardVanished extends Error {}

/** Reads the shards model.json lists, in order, into one buffer of the size the manifest declares. */
function readShards(dir: string, realDir: string, groups: { paths: string[]; bytes: number }[]): ArrayBuffer {
  const files = groups.map((g) => g.paths.map((p) => shardPath(dir, p)));
  const seen = new Set<string>();
  for (const f of files.flat()) {
    if (seen.has(f)) throw new BlasnetError('ERR_FORMAT', `Weight file ${f} is listed more than once in model.json`);
    seen.add(f);
  }
  const total = groups.reduce((n, g) => n + g.bytes, 0);
  const out = new Uint8Array(total);
  let off = 0;
  groups.forEach((g, gi) => {
    const start = off;
    for (const f of files[gi]!) {
      const fd = openOrThrow(f, fs.constants.O_RDONLY | NONBLOCK | (fs.constants.O_NOFOLLOW ?? 0), 'weight file', () => new ShardVanished(f));
      try {
        const size = checkOpened(fd, f, realDir, 'weight file');
        if (off - start + size > g.bytes) {
          throw new BlasnetError('ERR_FORMAT', `weightsManifest[${gi}] describes ${g.bytes} bytes of weights but its files (${g.paths.join(', ')}) hold more`);
        }
        readFully(fd, out, off, size, f);
        off += size;
      } finally {
        fs.closeSync(fd);
      }
    }
    if (off - start !== g.bytes) {
      throw new BlasnetError('ERR_FORMAT', `weightsManifest[${gi}] describes ${g.bytes} bytes of weights but its files (${g.paths.join(', ')}) hold ${off - start} bytes`);
    }
  });
  return out.buffer;
}

/**
 * Reads model.json and its shards into ModelArtifacts: limits first (JSON structure, then the memory the
 * model needs), then the shards. A shard that vanished because a save replaced model.json meanwhile
 * makes the load start over from the new model.json.
 */
export function loadArtifacts(pathOrUrl: string, options: Pick<LoadOptions, 'memoryLimit'> = {}): ModelArtifacts {
  const dir = readableDir(resolveModelDir(pathOrUrl, 'model path'));
  const jsonFile = path.join(dir, 'model.json');
  let realDir: string;
  try { realDir = fs.realpathSync(dir); } catch (err) { throw ioError(`Cannot read ${jsonFile}`, err); }
  for (let attempt = 0; ; attempt++) {
    let json: unknown;
    try {
      json = readModelJson(jsonFile, realDir);
    } catch (err) {
      if (!(err instanceof Replaced) || attempt >= MAX_RELOADS) throw err instanceof Replaced ? new BlasnetError('ERR_IO', `${jsonFile} keeps being replaced`) : err;
      loadStats.reloads++;
      continue;
    }
    const { weightSpecs, groups } = checkModelJSON(json);
    const stored = groups.reduce((n, g) => n + g.bytes, 0);
    checkModelMemory(jsonFile, (json as { modelTopology: unknown }).modelTopology, weightSpecs, stored, options.memoryLimit);
    try {
      return modelJSONToArtifacts(json, readShards(dir, realDir, groups));
    } catch (err) {
      if (!(err instanceof ShardVanished || err instanceof Replaced)) throw err;
      // Retried whether or not model.json looks replaced: a save can free the old model.json's inode and
      // the next save's model.json can get the same number, so its identity proves nothing.
      if (attempt >= MAX_RELOADS) {
        throw new BlasnetError('ERR_IO', `Cannot read weight file ${err.message}: it ${err instanceof ShardVanished ? 'does not exist' : 'keeps being replaced'}`);
      }
      loadStats.reloads++;
    }
  }
}

/** Reads and validates a saved model: 'file://dir/model.json', 'dir/model.json' or 'dir'. */
export function loadDescription(pathOrUrl: string, options: LoadOptions = {}): ModelDescription {
  return artifactsToDescription(loadArtifacts(pathOrUrl, options), options);
}
