// The one memory budget that every loader and engine call checks before it allocates: a model's weights,
// a predict's workspace, a decompressed file. A request over it is ERR_LIMIT with the figure, never an
// allocation that takes the process down.
import * as os from 'os';
import { BlasnetError, invalidArg } from './errors';

const ENV_VAR = 'BLASNET_MEMORY_LIMIT';

/** "512M", "2G", "1048576" -> bytes; null when the text is not a size. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) return null;
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const bytes = Math.floor(Number(m[1]) * scale);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

// Read once: physical memory does not change under a running process, and os.totalmem() is a system
// call that takes ~17 us on some virtual machines, paid by every engine call (a W1 epoch is ~80 us).
let quarterOfMemory: number | undefined;

/**
 * The default budget: a quarter of physical memory (a process shares its machine), or BLASNET_MEMORY_LIMIT
 * ("4G", "512M" or bytes) when set. A malformed variable is an error, not a silent default.
 */
export function defaultMemoryLimit(): number {
  const fromEnv = process.env[ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== '') {
    const bytes = parseByteSize(fromEnv);
    if (bytes === null) {
      throw new BlasnetError('ERR_INVALID_ARG', `Expected a size such as 4G, 512M or a byte count for ${ENV_VAR} but received ${JSON.stringify(fromEnv.slice(0, 40))}`);
    }
    return bytes;
  }
  quarterOfMemory ??= Math.floor(os.totalmem() / 4);
  return quarterOfMemory;
}

/**
 * The limit a caller asked for (the memoryLimit option: bytes, or a size such as "2G"), or the default
 * when it gave none.
 */
export function resolveMemoryLimit(option: unknown, argument = 'options.memoryLimit'): number {
  if (option === undefined || option === null) return defaultMemoryLimit();
  const bytes = typeof option === 'string' ? parseByteSize(option)
    : typeof option === 'number' && Number.isSafeInteger(option) && option > 0 ? option : null;
  if (bytes === null) throw invalidArg(argument, 'a positive byte count or a size such as "4G" or "512M"', option);
  return bytes;
}

/** Throws ERR_LIMIT when `bytes` (what `what` would take) is over `limit`. */
export function checkMemory(bytes: number, what: string, limit: number = defaultMemoryLimit()): void {
  if (!(bytes <= limit)) {
    throw new BlasnetError('ERR_LIMIT',
      `${what} would take ${formatBytes(bytes)}, more than the memory limit of ${formatBytes(limit)} (set it with the memoryLimit option or ${ENV_VAR})`);
  }
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${bytes} bytes` : `${v.toFixed(1)} ${units[i]}`;
}
