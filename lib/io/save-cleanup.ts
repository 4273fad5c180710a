// What a save may remove besides the shards it replaced: leftovers of saves that died, each matched by
// our own naming pattern and removed only when its writer is provably gone.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { legacyBackupDir } from './paths';
import { MAX_MODEL_JSON_BYTES } from './json-guard';
import { eachChunk, readRegular } from './read-regular';
import { LOCK_NAME, pidAlive } from './save-lock';
import { SHARD_PATTERN, shardName, STAGING_PATTERN } from './save-patterns';

const LOCK_ASIDE_PATTERN = new RegExp(`^${LOCK_NAME.replace(/\./g, '\\.')}\\.stale-(\\d+)-[0-9a-f]+$`);
/** Temporary directories of the older whole-directory save: .<name>.blasnet-tmp-<pid>-<random> */
const LEGACY_TMP_PATTERN = /^\.(.+)\.blasnet-tmp-(\d+)-[A-Za-z0-9]+$/;

function list(dir: string): string[] {
  try { return fs.readdirSync(dir); } catch { return []; }
}

export function tryUnlink(file: string): void {
  try { fs.unlinkSync(file); } catch { /* already gone */ }
}

/** Whether a file's bytes hash to the name our naming gives them (so our save wrote it, not a user). */
function isOurShard(file: string, name: string): boolean {
  const hash = createHash('sha256');
  return eachChunk(file, (chunk) => hash.update(chunk)) && name === shardName(hash.digest('hex'));
}

/**
 * Called by a save that holds the lock, after its commit. Staging files and set-aside locks of dead
 * processes go. So do shards that the new model.json does not list and whose bytes hash to their name:
 * savers create such names only while holding the lock, which we hold, so their writer is gone (a save
 * killed before its commit, or before it removed the shards it replaced). Shards another JSON file of
 * the folder names stay (removeUnlisted).
 */
export function removeLeftovers(dir: string, referenced: string[]): void {
  const candidates: string[] = [];
  for (const name of list(dir)) {
    const staging = STAGING_PATTERN.exec(name) ?? LOCK_ASIDE_PATTERN.exec(name);
    if (staging) {
      if (!pidAlive(Number(staging[1]))) tryUnlink(path.join(dir, name));
    } else if (SHARD_PATTERN.test(name) && !referenced.includes(name)) {
      candidates.push(name);
    }
  }
  removeUnlisted(dir, candidates.filter((name) => isOurShard(path.join(dir, name), name)));
}

/**
 * Removes shards that no JSON file of the folder mentions: a copy of an older model.json that a user
 * kept (model-v1.json) keeps its weights.
 */
export function removeUnlisted(dir: string, shards: string[]): void {
  if (shards.length === 0) return;
  const keep = new Set<string>();
  for (const name of list(dir)) {
    if (name === 'model.json' || !name.toLowerCase().endsWith('.json')) continue;
    const bytes = readRegular(path.join(dir, name), MAX_MODEL_JSON_BYTES);
    if (bytes) for (const s of shards) if (bytes.includes(s)) keep.add(s);
  }
  for (const s of shards) if (!keep.has(s)) tryUnlink(path.join(dir, s));
}

/**
 * An older blasnet swapped whole directories; killed between its two renames it left no directory and
 * the complete previous one as .<name>.blasnet-old (with whatever else that directory held). Put it back
 * before saving into it, so nothing in it is lost.
 */
export function restoreLegacyBackup(dir: string): void {
  const backup = legacyBackupDir(dir);
  try {
    fs.lstatSync(dir);
    return;
  } catch { /* the directory is missing */ }
  try {
    if (fs.statSync(path.join(backup, 'model.json')).isFile()) fs.renameSync(backup, dir);
  } catch { /* no backup, or another process restored it */ }
}

/** The older save's temporary directories of dead processes, when they hold nothing but its two files. */
export function cleanLegacySiblings(dir: string): void {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  for (const name of list(parent)) {
    const m = LEGACY_TMP_PATTERN.exec(name);
    if (!m || m[1] !== base || pidAlive(Number(m[2]))) continue;
    const tmp = path.join(parent, name);
    const inside = list(tmp);
    if (!inside.every((f) => f === 'model.json' || f === 'weights.bin')) continue;
    for (const f of inside) tryUnlink(path.join(tmp, f));
    try { fs.rmdirSync(tmp); } catch { /* not empty after all, or gone */ }
  }
}
