// Shared by test/package/prebuild-*.test.ts: builds the Linux x64 prebuild once per source state (npm run
// build:prebuild into a directory under os.tmpdir() keyed by a hash of the native sources and the
// libopenblas.a in use), so both engine passes and both test files reuse one build.
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../..');
const MULTIARCH = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
export const STATIC_OPENBLAS = process.env.BLASNET_OPENBLAS_STATIC
  ?? `/usr/lib/${MULTIARCH}/openblas-pthread/libopenblas.a`;
export const TUPLE = `${process.platform}-${process.arch}`;

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

/**
 * Why the prebuild cannot be built here (null when it can). In CI (.ci/run installs g++, make and
 * libopenblas-dev) a missing prerequisite is an error, not a reason to skip.
 */
export function missingPrerequisite(): string | null {
  // Linux only (ldd, nm, readelf, /proc): macOS and Windows prebuilds are tested by the suite running on them.
  if (process.platform !== 'linux') return `the prebuild tests are for Linux (this is ${TUPLE})`;
  let why: string | null = null;
  if (!onPath('g++') || !onPath('make')) why = 'no C++ compiler (g++) or make on PATH';
  else if (!fs.existsSync(STATIC_OPENBLAS)) why = `no ${STATIC_OPENBLAS} (apt-get install libopenblas-dev)`;
  else if (!onPath('ldd') || !onPath('nm') || !onPath('readelf')) why = 'ldd, nm or readelf missing (binutils)';
  if (why && process.env.CI) throw new Error(`prebuild tests cannot run in CI: ${why}`);
  return why;
}

function sourceHash(): string {
  const h = createHash('sha256');
  const files = ['binding.gyp', 'scripts/prebuild.js', 'scripts/prebuild-exports.map'];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (/\.(cc|h)$/.test(e.name)) files.push(rel);
    }
  };
  walk('native');
  for (const f of files) h.update(f).update('\0').update(fs.readFileSync(path.join(ROOT, f))).update('\0');
  const st = fs.statSync(STATIC_OPENBLAS);
  h.update(`${STATIC_OPENBLAS}|${st.size}|${st.mtimeMs}|${process.versions.node}`);
  return h.digest('hex').slice(0, 16);
}

function findBinary(dir: string): string | null {
  const builds = path.join(dir, 'prebuilds', TUPLE);
  const f = fs.existsSync(builds) ? fs.readdirSync(builds).find((n) => /^blasnet\.napi\..*node$/.test(n)) : undefined;
  return f ? path.join(builds, f) : null;
}

/** Path of prebuilds/<platform>-<arch>/blasnet.napi[.musl].node built from the current sources (built if needed). */
export function prebuiltBinary(): string {
  const final = path.join(os.tmpdir(), `blasnet-test-prebuild-${sourceHash()}`);
  const existing = findBinary(final);
  if (existing) return existing;
  // One build at a time: test files run in parallel and would otherwise each build the same binary.
  const lock = `${final}.lock`;
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const done = findBinary(final);
      if (done) return done;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 10 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch { /* released meanwhile */ }
      if (Date.now() > deadline) throw new Error(`timed out waiting for another prebuild (${lock})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return buildInto(final);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
    removeStale(final);
  }
}

// Builds of earlier source states (25 MB each) left by earlier runs: removed once an hour old.
function removeStale(keep: string): void {
  const dir = path.dirname(keep);
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (!name.startsWith('blasnet-test-prebuild-') || full === keep || name.endsWith('.lock')) continue;
    try {
      if (Date.now() - fs.statSync(full).mtimeMs > 3600_000) fs.rmSync(full, { recursive: true, force: true });
    } catch { /* removed by another run */ }
  }
}

function buildInto(final: string): string {
  const existing = findBinary(final);
  if (existing) return existing;
  const work = fs.mkdtempSync(`${final}-work-`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js')], {
    cwd: ROOT, env: { ...process.env, BLASNET_PREBUILD_OUT: work }, encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new Error(`npm run build:prebuild failed (${r.status ?? r.signal}):\n${(r.stdout + r.stderr).slice(-3000)}`);
  }
  // Another test file may have finished the same build first: either copy is the same build.
  try {
    fs.renameSync(work, final);
  } catch {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const binary = findBinary(final);
  if (!binary) throw new Error(`the prebuild did not produce prebuilds/${TUPLE}/blasnet.napi*.node in ${final}`);
  return binary;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
}
