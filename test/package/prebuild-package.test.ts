// From npm pack to a running model without a compiler: the packed tarball, installed into a fresh project
// with no compiler on PATH, runs on the prebuild (native engine, OpenBLAS inside the binary, the system's
// libopenblas never mapped); without the prebuild it installs with the install script's one line and runs
// on the TypeScript engine; a truncated prebuild falls back to the TypeScript engine with the notice.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPrerequisite, prebuiltBinary, ROOT, run, TUPLE } from '../helpers/prebuild';

const noDist = fs.existsSync(path.join(ROOT, 'dist', 'index.js')) ? null : 'dist/ is not built (npm run build; npm test does it)';
if (noDist && process.env.CI) throw new Error(`prebuild-package tests cannot run in CI: ${noDist}`);
const missing = missingPrerequisite() ?? noDist;
if (missing) console.warn(`prebuild-package tests skipped: ${missing}`);

const NPM_CLI = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');

// A tiny fit through the public API of the installed package; prints what the test checks.
const APP = `
const fs = require('fs');
const b = require('blasnet');
(async () => {
  b.setSeed(1);
  const x = [[0, 0], [0, 1], [1, 0], [1, 1]], y = [[0], [1], [1], [0]];
  const model = b.sequential({ layers: [
    b.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
    b.layers.dense({ units: 1, activation: 'sigmoid' }),
  ] });
  model.compile({ optimizer: b.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy' });
  const h = await model.fit(x, y, { epochs: 200, batchSize: 4, verbose: 0 });
  const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/).pop())
    .filter((f) => f && f.startsWith('/'));
  const info = b.engineInfo();
  process.stdout.write(JSON.stringify({
    engine: info.engine, blasConfig: info.blasConfig ?? null, reason: info.nativeUnavailableReason ?? null,
    firstLoss: h.history.loss[0], lastLoss: h.history.loss[h.history.loss.length - 1],
    systemBlasMapped: maps.some((f) => /libopenblas|libblas|libgfortran/.test(f)),
    blasnetBinaries: [...new Set(maps.filter((f) => f.endsWith('.node')))],
  }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface AppResult {
  engine: string; blasConfig: string | null; reason: string | null; firstLoss: number; lastLoss: number;
  systemBlasMapped: boolean; blasnetBinaries: string[];
}

describe.skipIf(missing !== null)(`npm pack tarball with the ${TUPLE} prebuild`, () => {
  let tmp = '';
  let env: NodeJS.ProcessEnv = {};
  let withPrebuild = '';
  let withoutPrebuild = '';
  let binaryName = '';

  // A package directory holding what package.json's `files` names, plus (optionally) the prebuild.
  function pack(name: string, binary: string | null): string {
    const stage = path.join(tmp, name);
    fs.mkdirSync(stage);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(stage, 'package.json'));
    for (const f of pkg.files) {
      const src = path.join(ROOT, f);
      if (f.startsWith('prebuilds') || !fs.existsSync(src)) continue;
      fs.cpSync(src, path.join(stage, f), { recursive: true });
    }
    if (binary) {
      const dest = path.join(stage, 'prebuilds', TUPLE, path.basename(binary));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(binary, dest);
    }
    // --ignore-scripts: dist/ is already built (prepare would rebuild it from sources not copied here).
    const dest = path.join(tmp, `${name}-tgz`);
    fs.mkdirSync(dest);
    const out = run(process.execPath, [NPM_CLI, 'pack', '--ignore-scripts', '--json', '--pack-destination', dest],
      { cwd: stage, env });
    const info = (JSON.parse(out) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[])[0]!;
    console.log(`${name}: ${info.filename} ${info.size} bytes packed, ${info.unpackedSize} unpacked, ${info.files.length} files`);
    return path.join(dest, info.filename);
  }

  // A fresh project that installs the tarball with no compiler on PATH; returns the install output.
  function install(name: string, tarball: string): { dir: string; output: string } {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    // npm 11 blocks dependency install scripts unless the project allows them: allow ours, so the test
    // covers the install script too (with it blocked, the loader still finds the prebuild at run time).
    fs.writeFileSync(path.join(dir, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', private: true, allowScripts: { blasnet: true } }));
    fs.writeFileSync(path.join(dir, 'app.js'), APP);
    const output = run(process.execPath, [NPM_CLI, 'install', tarball, '--prefer-offline', '--no-audit', '--no-fund',
      '--foreground-scripts'], { cwd: dir, env });
    return { dir, output };
  }

  function app(dir: string): { result: AppResult; stderr: string } {
    const r = require('child_process').spawnSync(process.execPath, ['app.js'], { cwd: dir, env, encoding: 'utf8' }) as
      { status: number | null; stdout: string; stderr: string };
    if (r.status !== 0) throw new Error(`app.js failed (${r.status}): ${r.stderr}`);
    return { result: JSON.parse(r.stdout) as AppResult, stderr: r.stderr };
  }

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-prebuild-package-'));
    // PATH holds node and sh (npm runs scripts with it) only: no g++, make, python3 or cc for node-gyp.
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
    env = { ...process.env, PATH: bin, npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), '.npm') };
    for (const k of ['BLASNET_ENGINE', 'BLASNET_REQUIRE_NATIVE', 'BLASNET_QUIET', 'BLASNET_PREBUILD', 'BLASNET_SKIP_NATIVE',
      'LD_PRELOAD', 'LD_LIBRARY_PATH', 'NODE_OPTIONS', 'VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID']) delete env[k];
    for (const k of Object.keys(env)) if (k.startsWith('npm_')) if (k !== 'npm_config_cache') delete env[k];
    const binary = prebuiltBinary();
    binaryName = path.basename(binary);
    withPrebuild = pack('with-prebuild', binary);
    withoutPrebuild = pack('without-prebuild', null);
    console.log(`prebuild ${fs.statSync(binary).size} bytes; tarballs: ${fs.statSync(withPrebuild).size} bytes with it, ` +
      `${fs.statSync(withoutPrebuild).size} without`);
  }, 600_000); // a source change rebuilds the static prebuild first (one build, shared by both files)
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('ships the prebuild and no build output, tests or sources beyond what a source build needs', () => {
    const list = run('tar', ['-tzf', withPrebuild]).trim().split('\n');
    expect(list.filter((f) => f.startsWith('package/prebuilds/'))).toEqual([`package/prebuilds/${TUPLE}/${binaryName}`]);
    expect(list).toContain('package/scripts/install.js');
    expect(list).toContain('package/binding.gyp');
    expect(list.filter((f) => /^package\/(build|test|lib|bench|node_modules)\//.test(f))).toEqual([]);
    expect(list.filter((f) => /\.tgz$|\.o$/.test(f))).toEqual([]);
  });

  it('installs without a compiler and trains on the prebuild, with the system OpenBLAS never loaded', () => {
    const { dir, output } = install('app-prebuild', withPrebuild);
    // The install script took the prebuild: it neither built nor printed its fallback line.
    expect(output).not.toMatch(/native engine not built/);
    expect(fs.existsSync(path.join(dir, 'node_modules', 'blasnet', 'build'))).toBe(false);
    const { result, stderr } = app(dir);
    expect(result.engine).toBe('native');
    expect(result.blasConfig).toMatch(/OpenBLAS .*DYNAMIC_ARCH/);
    const file = path.join(fs.realpathSync(dir), 'node_modules', 'blasnet', 'prebuilds', TUPLE, binaryName);
    expect(result.blasnetBinaries).toEqual([file]);
    expect(result.systemBlasMapped).toBe(false);
    expect(result.lastLoss).toBeLessThan(result.firstLoss * 0.5);
    expect(stderr).not.toMatch(/TypeScript engine/);

    // The package's own demo, from the installed bin, on the prebuild.
    const demo = require('child_process').spawnSync(process.execPath,
      [path.join(dir, 'node_modules', 'blasnet', 'dist', 'cli', 'main.js'), 'demo'], { cwd: dir, env, encoding: 'utf8' }) as
      { status: number | null; stdout: string; stderr: string };
    expect(demo.stderr).toBe('');
    expect(demo.status).toBe(0);
    expect(demo.stdout).toMatch(/^Engine: native/m);

    // The same install with the prebuild truncated: the loader's check rejects it, the notice says why.
    const size = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(size / 2));
    const broken = app(dir);
    expect(broken.result.engine).toBe('js');
    expect(broken.result.reason).toMatch(/failed its check/);
    expect(broken.result.blasnetBinaries).toEqual([]);
    expect(broken.result.lastLoss).toBeLessThan(broken.result.firstLoss * 0.5);
    expect(broken.stderr).toMatch(/blasnet: native engine unavailable .*prebuilt binary .* failed its check .*using the TypeScript engine/);
  });

  it('installs without the prebuild and without a compiler: one line from the install script, then the TypeScript engine', () => {
    const { dir, output } = install('app-source', withoutPrebuild);
    const lines = output.split('\n').filter((l) => /^blasnet: /.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/native engine not built; the TypeScript engine will be used/);
    const { result, stderr } = app(dir);
    expect(result.engine).toBe('js');
    expect(result.lastLoss).toBeLessThan(result.firstLoss * 0.5);
    expect(stderr).toMatch(/using the TypeScript engine/);
  });
});
