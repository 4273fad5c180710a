// The Linux prebuild (npm run build:prebuild): OpenBLAS linked in, only the module registration
// exported, and the loader's child-process check that keeps a broken prebuild from killing the process.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBinary, isPrebuilt } from '../../lib/engine/prebuild-check';
import { missingPrerequisite, prebuiltBinary, run, TUPLE } from '../helpers/prebuild';

const missing = missingPrerequisite();
if (missing) console.warn(`prebuild-binary tests skipped: ${missing}`);

describe.skipIf(missing !== null)('Linux prebuild', () => {
  let binary = '';
  let tmp = '';

  beforeAll(() => {
    binary = prebuiltBinary();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-prebuild-binary-'));
    console.log(`prebuild: ${binary} (${fs.statSync(binary).size} bytes)`);
  }, 600_000); // a source change rebuilds the static prebuild first (one build, shared by both files)
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('needs no OpenBLAS, gfortran, quadmath or libstdc++ from the system', () => {
    const ldd = run('ldd', [binary]);
    expect(ldd).not.toMatch(/openblas|gfortran|quadmath|libblas|libstdc\+\+|not found/);
    const needed = [...run('readelf', ['-d', binary]).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)]
      .map((m) => m[1]);
    // Only the C library (glibc or musl): nothing the user has to install.
    expect(needed.every((n) => /^(libc|libm|ld-linux-[\w-]+|libc\.musl-\w+)\.so/.test(n ?? ''))).toBe(true);
    expect(needed.some((n) => /^libc[.]/.test(n ?? ''))).toBe(true);
  });

  it('exports only the Node-API module registration', () => {
    const names = run('nm', ['-D', '--defined-only', binary]).trim().split('\n')
      .map((l) => l.trim().split(/\s+/).pop()).sort();
    expect(names).toEqual(['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
  });

  it('carries OpenBLAS with run-time kernel selection (DYNAMIC_ARCH), not this CPU\'s kernels', () => {
    const out = run(process.execPath, ['-e',
      `const b = require(${JSON.stringify(binary)}); process.stdout.write(JSON.stringify(b.blasInfo()))`]);
    const info = JSON.parse(out) as { config: string; core: string };
    expect(info.config).toMatch(/OpenBLAS/);
    expect(info.config).toMatch(/DYNAMIC_ARCH/);
    // OPENBLAS_CORETYPE (set on this project's machines) picks the kernel at run time.
    if (process.env.OPENBLAS_CORETYPE) expect(info.core.toLowerCase()).toBe(process.env.OPENBLAS_CORETYPE.toLowerCase());
  });

  it('passes the loader check once, then the cached verdict is used', () => {
    expect(isPrebuilt(binary)).toBe(true);
    expect(isPrebuilt(path.join('pkg', 'build', 'Release', 'blasnet.node'))).toBe(false);
    const copy = path.join(tmp, 'prebuilds', TUPLE, path.basename(binary));
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(binary, copy);
    const first = checkBinary(copy);
    expect(first).toEqual({ ok: true, reason: null, cached: false });
    expect(checkBinary(copy)).toEqual({ ok: true, reason: null, cached: true });
  });

  it('rejects a truncated binary with the reason, and caches that verdict', () => {
    const broken = path.join(tmp, 'broken', 'prebuilds', TUPLE, path.basename(binary));
    fs.mkdirSync(path.dirname(broken), { recursive: true });
    fs.writeFileSync(broken, fs.readFileSync(binary).subarray(0, 4096));
    const v = checkBinary(broken);
    expect(v.ok).toBe(false);
    expect(v.cached).toBe(false);
    // dlopen maps the segments the ELF header promises: past the end of a truncated file that is SIGBUS,
    // which would have killed this process, not thrown (a shorter stub fails with "file too short").
    expect(v.reason).toMatch(/crashed with SIG(BUS|SEGV)|exited with code 1: .*(too short|invalid ELF)/);
    expect(checkBinary(broken)).toEqual({ ...v, cached: true });
    // A changed file (size, mtime) is checked again.
    fs.copyFileSync(binary, broken);
    expect(checkBinary(broken)).toEqual({ ok: true, reason: null, cached: false });
  });

  it('rejects a binary that kills its process (the check runs in a child)', () => {
    // A module whose load crashes with SIGSEGV, like an illegal instruction would with SIGILL.
    const crash = path.join(tmp, 'crash', 'prebuilds', TUPLE, 'blasnet.napi.node');
    fs.mkdirSync(path.dirname(crash), { recursive: true });
    const js = crash.replace(/\.node$/, '.js');
    fs.writeFileSync(js, "process.kill(process.pid, 'SIGSEGV');\n");
    const v = checkBinary(js);
    expect(v.ok).toBe(false);
    expect(v.reason).toMatch(/crashed with SIGSEGV/);
  });
});
