// Where a model lives: the directory a save or load path names.
import * as path from 'path';
import { BlasnetError, describe } from '../errors';

/** 'file://dir', 'dir', '.', 'file://dir/model.json' or 'dir/model.json' -> absolute directory path. */
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
  if (p === '') p = '.';
  // A path to the JSON file means its folder, as tfjs's file:// handler reads it.
  if (path.basename(p).toLowerCase().endsWith('.json')) p = path.dirname(p);
  return path.resolve(p);
}

/** The directory an older blasnet's whole-directory save moved a model to while swapping it in. */
export function legacyBackupDir(dir: string): string {
  return path.join(path.dirname(dir), `.${path.basename(dir)}.blasnet-old`);
}
