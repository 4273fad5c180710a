// Saving a model into a directory without touching anything else in it.
//
// A save writes one shard named after its content (weights-<16 hex of sha256>.bin; the layers format
// lets weightsManifest list any relative path), fsyncs it, writes model.json under a temporary name in
// the same directory, fsyncs it and renames it into place, fsyncs the directory, and only then removes
// the shards of the save it replaced. So model.json always names shards that are complete, a loader
// holding the old model.json either reads the old shards or finds them gone and re-reads model.json, and
// a crash leaves the old model or the new one. The directory itself is never renamed, removed or
// re-permissioned (a symlinked directory is written through), and of its files only these are ever
// removed: shards of our naming pattern that the replaced model.json listed (unless another JSON file
// of the folder names them), and leftovers of saves that died (see save-cleanup.ts). One saver at a time holds the directory's lock (save-lock.ts).
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as fsp from 'fs/promises';
import * as path from 'path';
import { BlasnetError } from '../errors';
import type { ModelDescription } from './description';
import { artifactsToModelJSON, descriptionToArtifacts, type ModelArtifacts } from './tfjs';
import { checkJsonValue, MAX_MODEL_JSON_BYTES, modelJsonText, scanJsonLimits } from './json-guard';
import { readRegular } from './read-regular';
import { resolveModelDir } from './paths';
import { acquireDirLock } from './save-lock';
import { cleanLegacySiblings, removeLeftovers, removeUnlisted, restoreLegacyBackup, tryUnlink } from './save-cleanup';
import { SHARD_PATTERN, shardName } from './save-patterns';

export interface SaveFilesOptions {
  /** How long to wait for another process's save to the same directory to finish (ms, default 30,000). */
  lockWaitMs?: number;
}

export interface SavedFiles { modelJson: string; weights: string; bytes: number }

function ioError(message: string, cause?: unknown): BlasnetError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new BlasnetError('ERR_IO', message + detail, cause === undefined ? undefined : { cause });
}

function stagingName(final: string): string {
  return `.${final}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the renames are still atomic there.
  } finally {
    await fh?.close();
  }
}

/** Writes a new file (never an existing one) and fsyncs it. mode null: the default (0o666 less the umask). */
async function writeNew(file: string, data: Uint8Array, mode: number | null): Promise<void> {
  const fh = await fsp.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o666);
  try {
    if (mode !== null) await fh.chmod(mode);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The directory as a directory: created when missing (with its parents), refused when something else. */
function ensureDir(dir: string): void {
  let st: fs.Stats | undefined;
  try { st = fs.statSync(dir); } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`Cannot save to ${dir}`, err);
  }
  if (st) {
    if (!st.isDirectory()) throw new BlasnetError('ERR_IO', `Cannot save to ${dir}: it exists and is not a directory`);
    return;
  }
  let link: fs.Stats | undefined;
  try { link = fs.lstatSync(dir); } catch { /* nothing there */ }
  if (link?.isSymbolicLink()) throw new BlasnetError('ERR_IO', `Cannot save to ${dir}: it is a symbolic link to a directory that does not exist`);
  try { fs.mkdirSync(dir, { recursive: true }); } catch (err) { throw ioError(`Cannot create the directory ${dir}`, err); }
}

/** What the model.json being replaced says about its files: shard paths, who wrote it, its mode. */
export interface CurrentModel { paths: string[]; blasnet: boolean; mode: number }

function readCurrent(dir: string): CurrentModel | null {
  const file = path.join(dir, 'model.json');
  let st: fs.Stats;
  try { st = fs.lstatSync(file); } catch { return null; }
  // Not a regular file (a link, say): nothing of it is removed, and new files get the default mode.
  if (!st.isFile()) return null;
  const bytes = readRegular(file, MAX_MODEL_JSON_BYTES);
  if (!bytes) return { paths: [], blasnet: false, mode: st.mode & 0o7777 };
  try {
    scanJsonLimits(bytes, file);
    const j = JSON.parse(bytes.toString('utf8')) as { weightsManifest?: { paths?: unknown }[]; generatedBy?: unknown };
    const paths = (Array.isArray(j.weightsManifest) ? j.weightsManifest : [])
      .flatMap((g) => (Array.isArray(g?.paths) ? g.paths : []))
      .filter((p): p is string => typeof p === 'string')
      .map((p) => p.replace(/^\.\//, ''));
    return { paths, blasnet: typeof j.generatedBy === 'string' && j.generatedBy.startsWith('blasnet'), mode: st.mode & 0o7777 };
  } catch {
    return { paths: [], blasnet: false, mode: st.mode & 0o7777 };
  }
}

/** Shards of the replaced save that the new one does not use: ours by name, or the old layout's weights.bin. */
function replacedShards(old: CurrentModel | null, keep: string): string[] {
  if (!old) return [];
  return old.paths.filter((p) => p !== keep && (SHARD_PATTERN.test(p) || (old.blasnet && p === 'weights.bin')));
}

/**
 * The bytes a save writes: the shard (named after its content) and model.json listing it. Metadata that
 * cannot be written as JSON, or that loaders would refuse, is a BlasnetError here.
 */
export function modelFiles(artifacts: ModelArtifacts, fixedName?: string): { shard: string; weights: Uint8Array; json: Buffer } {
  if (artifacts.userDefinedMetadata != null) checkJsonValue(artifacts.userDefinedMetadata, 'userDefinedMetadata');
  const data = artifacts.weightData;
  const weights = Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
  const shard = fixedName ?? shardName(createHash('sha256').update(weights).digest('hex'));
  const json = Buffer.from(modelJsonText(artifactsToModelJSON(artifacts, [shard]), 'the model'), 'utf8');
  return { shard, weights, json };
}

/** Writes artifacts as dir/model.json + dir/weights-<hash>.bin, replacing the model already there (see above). */
export async function saveArtifacts(artifacts: ModelArtifacts, target: string, options: SaveFilesOptions = {}): Promise<SavedFiles> {
  const dir = resolveModelDir(target, 'save path');
  const lockWaitMs = options.lockWaitMs ?? 30_000;
  if (!(Number.isFinite(lockWaitMs) && lockWaitMs >= 0)) throw new BlasnetError('ERR_INVALID_ARG', `Expected a number of ms >= 0 for lockWaitMs but received ${lockWaitMs}`);
  const { shard, weights, json } = modelFiles(artifacts);

  restoreLegacyBackup(dir);
  ensureDir(dir);
  const lock = await acquireDirLock(dir, lockWaitMs);
  const staged: string[] = [];
  let shardCreated = false;
  try {
    const old = readCurrent(dir);
    const mode = old ? old.mode : null;
    const shardFile = path.join(dir, shard);
    const shardExisted = fs.existsSync(shardFile);
    const shardTmp = path.join(dir, stagingName(shard));
    staged.push(shardTmp);
    await writeNew(shardTmp, weights, mode);
    await fsp.rename(shardTmp, shardFile);
    shardCreated = !shardExisted;
    // The shard's name is durable before model.json can point at it.
    await fsyncDir(dir);
    const jsonTmp = path.join(dir, stagingName('model.json'));
    staged.push(jsonTmp);
    await writeNew(jsonTmp, json, mode);
    lock.verify();
    await fsp.rename(jsonTmp, path.join(dir, 'model.json'));
    shardCreated = false;
    await fsyncDir(dir);
    removeUnlisted(dir, replacedShards(old, shard));
    removeLeftovers(dir, [shard]);
    cleanLegacySiblings(dir);
    return { modelJson: path.join(dir, 'model.json'), weights: shardFile, bytes: weights.byteLength };
  } catch (err) {
    for (const f of staged) tryUnlink(f);
    if (shardCreated) tryUnlink(path.join(dir, shard));
    if (err instanceof BlasnetError) throw err;
    throw ioError(`Cannot save the model to ${dir}`, err);
  } finally {
    lock.release();
  }
}

/** ModelDescription -> files (see saveArtifacts). */
export function saveDescription(desc: ModelDescription, target: string, options: { includeOptimizer?: boolean } & SaveFilesOptions = {}): Promise<SavedFiles> {
  return saveArtifacts(descriptionToArtifacts(desc, options), target, options);
}

