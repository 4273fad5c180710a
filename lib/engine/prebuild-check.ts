// Checks a native binary that was not built on this machine (a prebuild from prebuilds/) before this
// process loads it: a child process loads it and runs a small GEMM. A binary that crashes there (illegal
// instruction on an old CPU, a missing shared library, a truncated file) would otherwise take the whole
// process down, so the verdict decides between the native and the TypeScript engine. Verdicts are cached
// per binary (path, size, mtime) in os.tmpdir(), so the check runs once per binary, not once per process.
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface BinaryVerdict {
  ok: boolean;
  /** Why the binary was rejected (null when ok). */
  reason: string | null;
  /** True when the verdict came from the cache. */
  cached: boolean;
}

interface CacheEntry {
  key: string;
  ok: boolean;
  reason: string | null;
}

// Loads the binary, checks its exports and runs a 67x35x41 GEMM (odd sizes reach the edge kernels, big
// enough to leave OpenBLAS's small-matrix path) against a naive float64 product.
const CHILD = `
const file = process.argv[1];
const b = require(file);
if (typeof b.sgemm !== 'function' || typeof b.NetHandle !== 'function' || typeof b.blasInfo !== 'function') {
  console.error('the binary does not export sgemm, NetHandle and blasInfo'); process.exit(3);
}
b.blasInfo();
const M = 67, N = 35, K = 41;
const A = new Float32Array(M * K).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
const B = new Float32Array(K * N).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
const C = new Float32Array(M * N);
b.sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C, N);
for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
  let s = 0;
  for (let k = 0; k < K; k++) s += A[i * K + k] * B[k * N + j];
  if (!(Math.abs(C[i * N + j] - s) <= 1e-4)) { console.error('sgemm gave a wrong result'); process.exit(4); }
}
process.stdout.write('ok');
`;

/** True for a binary node-gyp-build found in a prebuilds/ directory (one this machine did not build). */
export function isPrebuilt(file: string): boolean {
  return file.split(/[\\/]/).includes('prebuilds');
}

function cacheFile(key: string): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const hash = createHash('sha1').update(key).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `blasnet-binary-check-${uid}-${hash}.json`);
}

function readCache(file: string, key: string): CacheEntry | null {
  try {
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheEntry;
    return entry.key === key && typeof entry.ok === 'boolean' ? entry : null;
  } catch {
    return null;
  }
}

function writeCache(file: string, entry: CacheEntry): void {
  // Written to a temporary name and renamed: concurrent processes never read half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(entry));
    fs.renameSync(tmp, file);
  } catch {
    try { fs.unlinkSync(tmp); } catch { /* nothing to remove */ }
  }
}

function runChild(file: string): { ok: boolean; reason: string | null; definite: boolean } {
  const r = spawnSync(process.execPath, ['-e', CHILD, file], {
    encoding: 'utf8',
    timeout: 60_000,
    // One BLAS thread: the check is about the instructions and the libraries, not the thread pool.
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  if (r.error) {
    // Could not run or timed out (a loaded machine): no verdict to keep, the binary is not used now.
    return { ok: false, reason: `the check could not run: ${r.error.message}`, definite: false };
  }
  if (r.status === 0 && r.stdout === 'ok') return { ok: true, reason: null, definite: true };
  const lastLine = (r.stderr ?? '').trim().split('\n').filter((l) => /\S/.test(l))
    .find((l) => /Error|error:/.test(l)) ?? (r.stderr ?? '').trim().split('\n').pop() ?? '';
  const how = r.signal ? `crashed with ${r.signal}` : `exited with code ${r.status}`;
  return { ok: false, reason: `${how}${lastLine ? `: ${lastLine.trim().slice(0, 300)}` : ''}`, definite: true };
}

/**
 * Checks `file` in a child process (or returns the cached verdict for this path, size and mtime).
 * Never throws.
 */
export function checkBinary(file: string): BinaryVerdict {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    return { ok: false, reason: `cannot stat ${file}: ${(err as Error).message}`, cached: false };
  }
  const key = `${path.resolve(file)}|${st.size}|${st.mtimeMs}`;
  const cache = cacheFile(key);
  if (process.env.BLASNET_BINARY_CHECK_CACHE !== '0') {
    const hit = readCache(cache, key);
    if (hit) return { ok: hit.ok, reason: hit.reason, cached: true };
  }
  const v = runChild(file);
  if (v.definite) writeCache(cache, { key, ok: v.ok, reason: v.reason });
  return { ok: v.ok, reason: v.reason, cached: false };
}
