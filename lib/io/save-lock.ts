// One saver at a time per model directory.
//
// Design: a lock file created with O_CREAT | O_EXCL (atomic on local file systems and NFSv3+) holding
// the owner's host, boot id, pid, process start time and a random token. A lock whose owner is gone is
// stale and taken over: same host and boot, and the pid is dead or now belongs to a process that started
// at another time (pid reuse), or a lock written before the last reboot. A lock from another host is
// never judged stale (its pid means nothing here); the error names the file to remove. Why not flock:
// Node has no flock, and native add-ons for it would make `npm install` need a compiler. Why not mtime
// heartbeats: a saver would need a timer to refresh them, and a slow disk would make live locks look
// stale. Taking over is a rename to a private name followed by a check of the token that was judged
// stale, so two processes that both find the same stale lock cannot both end up owning the directory.
// Every save verifies its token just before it commits; the save that finds it gone fails with ERR_IO
// instead of writing. Savers that find the lock held wait (polling, without blocking the event loop)
// until it is released or their deadline passes, then fail with ERR_IO naming the owner.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BlasnetError } from '../errors';
import { readRegular } from './read-regular';

export const LOCK_NAME = '.model.json.blasnet-lock';
/** A lock file still empty after this long was left by a process killed between create and write. */
const EMPTY_LOCK_STALE_MS = 5_000;
const POLL_MS = 20;

interface LockInfo { host: string; boot: string; pid: number; start: string; token: string }

function readOr(file: string, fallback: string): string {
  return readRegular(file, 4096)?.toString('utf8').trim() ?? fallback;
}

/** Clock ticks since boot at which a process started (field 22 of /proc/<pid>/stat), or '' off Linux. */
function processStart(pid: number): string {
  const stat = readOr(`/proc/${pid}/stat`, '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? '';
}

let me: Omit<LockInfo, 'token'> | null = null;
function self(): Omit<LockInfo, 'token'> {
  me ??= { host: os.hostname(), boot: readOr('/proc/sys/kernel/random/boot_id', ''), pid: process.pid, start: processStart(process.pid) };
  return me;
}

/** Whether a process of this pid exists here (EPERM: it exists, under another user). */
export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Whether the owner described by a lock file is certainly gone. */
function isStale(info: LockInfo | null, ageMs: number): boolean {
  if (info === null) return ageMs > EMPTY_LOCK_STALE_MS;
  const here = self();
  if (info.host !== here.host) return false;
  if (info.boot && here.boot && info.boot !== here.boot) return true;
  if (info.pid === process.pid) return false;
  if (!pidAlive(info.pid)) return true;
  const start = processStart(info.pid);
  return info.start !== '' && start !== '' && start !== info.start;
}

function parseLock(text: string): LockInfo | null {
  try {
    const j = JSON.parse(text) as LockInfo;
    return typeof j.pid === 'number' && typeof j.token === 'string' && typeof j.host === 'string' ? j : null;
  } catch {
    return null;
  }
}

export interface DirLock {
  /** ERR_IO unless this process still owns the lock. */
  verify(): void;
  release(): void;
}

function ioError(message: string, cause?: unknown): BlasnetError {
  return new BlasnetError('ERR_IO', message, cause === undefined ? undefined : { cause });
}

/** Takes the directory's save lock, waiting up to waitMs for a live owner to release it. */
export async function acquireDirLock(dir: string, waitMs: number): Promise<DirLock> {
  const file = path.join(dir, LOCK_NAME);
  const info: LockInfo = { ...self(), token: randomBytes(12).toString('hex') };
  const deadline = Date.now() + waitMs;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o644);
      fs.writeSync(fd, JSON.stringify(info));
      fs.closeSync(fd);
      return makeLock(file, info.token);
    } catch (err) {
      if (fd !== undefined) { try { fs.closeSync(fd); } catch { /* already closed */ } }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`Cannot create the save lock ${file}: ${(err as Error).message}`, err);
    }
    let st: fs.Stats;
    try { st = fs.lstatSync(file); } catch { continue; } // released meanwhile: try again at once
    if (!st.isFile()) throw ioError(`Cannot save to ${dir}: ${file} is not a regular file`);
    const text = readOr(file, '');
    const owner = parseLock(text);
    if (isStale(owner, Date.now() - st.mtimeMs)) {
      takeOver(file, owner);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = owner ? `process ${owner.pid} on ${owner.host}` : 'a process that is creating it';
      throw ioError(`Cannot save to ${dir}: another save is in progress (${who}, lock file ${file}); ` +
        `if no save is running there, remove the lock file`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Moves a stale lock out of the way. Renaming is atomic, so of several processes that judged the same
 * lock stale exactly one moves it; the others find a different file (or none) and start over. A mover
 * that got a newer, live lock by mistake (it was created between its read and its rename) puts it back.
 */
function takeOver(file: string, judged: LockInfo | null): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try { fs.renameSync(file, aside); } catch { return; }
  const moved = parseLock(readOr(aside, ''));
  const wrong = judged === null ? moved !== null : moved?.token !== judged.token;
  // Put a live lock back; if yet another owner exists meanwhile, that one keeps the directory and the
  // owner of the moved lock fails its verify() instead of committing.
  if (wrong) { try { fs.linkSync(aside, file); } catch { /* see above */ } }
  try { fs.unlinkSync(aside); } catch { /* gone */ }
}

function makeLock(file: string, token: string): DirLock {
  const owned = (): boolean => parseLock(readOr(file, ''))?.token === token;
  return {
    verify() {
      if (!owned()) throw ioError(`The save lock ${file} was taken by another process during this save; the save was abandoned`);
    },
    release() {
      if (owned()) { try { fs.unlinkSync(file); } catch { /* already gone */ } }
    },
  };
}
