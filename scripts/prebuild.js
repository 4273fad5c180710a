#!/usr/bin/env node
'use strict';
// npm run build:prebuild (not "prebuild": npm would run a script of that name before every `npm run build`):
// builds prebuilds/<platform>-<arch>/blasnet.napi.node with prebuildify (--napi --strip),
// OpenBLAS linked statically (binding.gyp's openblas_static variable, passed through GYP_DEFINES) and
// every symbol but the module registration hidden. The build runs in a staging copy of the sources so
// that the tree's own build/ (the source build the tests use) is left alone.
//
// Options (environment):
//   BLASNET_OPENBLAS_STATIC  path of libopenblas.a (default: Debian's libopenblas-dev location)
//   BLASNET_PREBUILD_OUT     directory that receives prebuilds/ (default: the package root)
//   BLASNET_OPENBLAS_INCLUDE directory of that OpenBLAS's cblas.h, when not in a standard place
//   BLASNET_PREBUILD_BLAS    "accelerate" on macOS: link Accelerate instead of a static OpenBLAS
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');

const DEBIAN_OPENBLAS = [
  `/usr/lib/${os.arch() === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/openblas-pthread/libopenblas.a`,
  `/usr/lib/${os.arch() === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/libopenblas.a`,
  '/usr/lib/libopenblas.a', // Alpine (openblas-static), from-source installs
  '/usr/local/lib/libopenblas.a',
  '/opt/homebrew/opt/openblas/lib/libopenblas.a',
  '/usr/local/opt/openblas/lib/libopenblas.a',
];

function fail(msg) {
  console.error(`prebuild: ${msg}`);
  process.exit(1);
}

function findStaticOpenblas() {
  const env = process.env.BLASNET_OPENBLAS_STATIC;
  if (env) {
    if (!fs.existsSync(env)) fail(`BLASNET_OPENBLAS_STATIC=${env} does not exist`);
    return path.resolve(env);
  }
  const found = DEBIAN_OPENBLAS.find((p) => fs.existsSync(p));
  if (!found) fail('no libopenblas.a found (apt-get install libopenblas-dev, or set BLASNET_OPENBLAS_STATIC)');
  return found;
}

// node-gyp: the project's own, else npm's bundled copy.
function nodeGyp() {
  if (process.env.PREBUILD_NODE_GYP) return process.env.PREBUILD_NODE_GYP;
  const candidates = [];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }));
  } catch { /* not installed locally */ }
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  candidates.push(path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = candidates.find((c) => c && fs.existsSync(c));
  if (!found) fail('node-gyp not found (npm ships it; or npm install -g node-gyp)');
  // prebuildify spawns it directly on POSIX (the file has a node shebang), through cmd.exe on Windows.
  return process.platform === 'win32' ? `"${process.execPath}" "${found}"` : found;
}

// Node's headers next to the running node let node-gyp build offline.
function localNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function stage() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-prebuild-'));
  for (const f of ['binding.gyp', 'package.json']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  fs.cpSync(path.join(root, 'native'), path.join(dir, 'native'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(__dirname, 'prebuild-exports.map'), path.join(dir, 'scripts', 'prebuild-exports.map'));
  // binding.gyp resolves node-addon-api with require() from the build directory.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'junction');
  return dir;
}

// GYP_DEFINES is split like a shell command line: forward slashes keep Windows paths intact.
function gypPath(p) {
  return path.resolve(p).replace(/\\/g, '/');
}

function main() {
  const defines = [];
  if (process.platform === 'darwin' && process.env.BLASNET_PREBUILD_BLAS === 'accelerate') {
    defines.push('blas=accelerate');
  } else {
    defines.push(`openblas_static=${gypPath(findStaticOpenblas())}`);
  }
  if (process.env.BLASNET_OPENBLAS_INCLUDE) defines.push(`openblas_include=${gypPath(process.env.BLASNET_OPENBLAS_INCLUDE)}`);
  const out = path.resolve(process.env.BLASNET_PREBUILD_OUT || root);
  const dir = stage();
  const env = { ...process.env };
  env.GYP_DEFINES = [process.env.GYP_DEFINES, ...defines].filter(Boolean).join(' ');
  env.PREBUILD_NODE_GYP = nodeGyp();
  const nodedir = localNodeDir();
  if (nodedir) env.npm_config_nodedir = nodedir;
  const bin = require.resolve('prebuildify/bin.js', { paths: [root] });
  // prebuildify renames its output into place: keep it in the staging directory, then copy it out.
  // Target this node: with Node-API the binary runs on every later version, and its headers are local.
  const args = [bin, '--napi', '--strip', `--target=node@${process.versions.node}`, `--cwd=${dir}`];
  if (process.platform === 'linux' && fs.existsSync('/etc/alpine-release')) args.push('--tag-libc');
  console.log(`prebuild: ${env.GYP_DEFINES || '(system BLAS)'} -> ${path.join(out, 'prebuilds')}`);
  const r = spawnSync(process.execPath, args, { cwd: dir, env, stdio: 'inherit' });
  const tuple = `${process.platform}-${process.arch}`;
  const builds = path.join(out, 'prebuilds', tuple);
  if (r.status === 0) {
    fs.mkdirSync(builds, { recursive: true });
    // prebuildify 6 names a Node-API build <name>.node; node-gyp-build reads the napi tag from the file
    // name, so give it the name it documents for Node-API builds (blasnet.napi.node).
    for (const f of fs.readdirSync(path.join(dir, 'prebuilds', tuple))) {
      const name = f.replace(/^blasnet\.(?!napi\.)/, 'blasnet.napi.');
      fs.copyFileSync(path.join(dir, 'prebuilds', tuple, f), path.join(builds, name));
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) fail(`prebuildify exited with ${r.status ?? r.signal}`);
  for (const f of fs.readdirSync(builds)) {
    console.log(`prebuild: ${path.join(builds, f)} (${fs.statSync(path.join(builds, f)).size} bytes)`);
  }
}

main();
