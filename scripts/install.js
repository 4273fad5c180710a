'use strict';
// The package's install script. Uses a prebuild from prebuilds/ when one matches this platform, else
// builds the native engine from source with node-gyp (binding.gyp). If neither works (no compiler,
// no OpenBLAS, no Python), it prints one line and exits 0: the install never fails, and blasnet then
// runs on its TypeScript engine.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const HINT = 'blasnet: native engine not built; the TypeScript engine will be used. ' +
  'For the native engine: apt-get install libopenblas-dev g++ make python3 && npm rebuild blasnet';

function prebuildLoads() {
  try {
    const nodeGypBuild = require('node-gyp-build');
    const file = nodeGypBuild.resolve ? nodeGypBuild.resolve(root) : null;
    return typeof file === 'string' && file.includes(`${path.sep}prebuilds${path.sep}`) && loads(file);
  } catch {
    return false;
  }
}

// Loads a binary in a child process first, so a broken one cannot crash this one.
function loads(file) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { stdio: 'ignore' });
  return r.status === 0;
}

// node-gyp: from PATH, else npm's own copy (npm_config_node_gyp), else next to npm.
function nodeGypCommand() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }));
  } catch { /* not a dependency */ }
  const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  candidates.push(path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const c of candidates) {
    if (c && fs.existsSync(c)) return { cmd: process.execPath, args: [c] };
  }
  return { cmd: process.platform === 'win32' ? 'node-gyp.cmd' : 'node-gyp', args: [] };
}

// Node's own headers when they sit next to the running node (official builds and distro packages ship
// them): lets node-gyp build offline instead of downloading them.
function localNodeDir() {
  if (process.env.npm_config_nodedir) return null;  // npm passes its setting through already
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function buildFromSource() {
  const { cmd, args } = nodeGypCommand();
  const nodedir = localNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const r = spawnSync(cmd, [...args, 'rebuild'], {
    cwd: root,
    stdio: process.env.BLASNET_INSTALL_VERBOSE === '1' ? 'inherit' : 'pipe',
    encoding: 'utf8',
  });
  if (r.status !== 0) return false;
  const out = path.join(root, 'build', 'Release', 'blasnet.node');
  return fs.existsSync(out) && loads(out);
}

function main() {
  if (process.env.BLASNET_SKIP_NATIVE === '1') {
    console.log(HINT);
    return;
  }
  if (prebuildLoads()) return;
  if (buildFromSource()) return;
  console.log(HINT);
}

try {
  main();
} catch {
  console.log(HINT);
}
process.exit(0);
