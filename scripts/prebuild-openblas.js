#!/usr/bin/env node
'use strict';
// Builds a small static OpenBLAS for the Linux prebuilds from Debian's source package (the only source
// reachable from this project's machines): DYNAMIC_ARCH (kernels picked at run time for every CPU of the
// architecture), single precision only, no LAPACK, no Fortran. Measured on linux-x64 (OpenBLAS 0.3.21):
// the prebuild is 6.6 MB instead of 26 MB with Debian's libopenblas.a (2.1 MB instead of 6.7 MB gzipped),
// at the same speed. Root only (apt-get); the machine's own Debian mirror is used, with a temporary
// deb-src list, so the system's apt configuration is not touched.
//
//   node scripts/prebuild-openblas.js [outdir]     prints the path of libopenblas.a
//   BLASNET_OPENBLAS_STATIC=$(node scripts/prebuild-openblas.js) npm run build:prebuild
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const out = path.resolve(process.argv[2] || path.join(os.tmpdir(), 'blasnet-openblas'));
const lib = path.join(out, 'lib', 'libopenblas.a');

function fail(msg) {
  console.error(`prebuild-openblas: ${msg}`);
  process.exit(1);
}

function osRelease() {
  const text = fs.readFileSync('/etc/os-release', 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^"|"$/g, '')]));
}

// The Debian archive this machine installs from (one-line or deb822 sources), for codename's main suite.
function debianMirror(codename) {
  const files = [];
  if (fs.existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  const dir = '/etc/apt/sources.list.d';
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) files.push(path.join(dir, f));
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s/gm)) {
      if (m[2] === codename && /debian\/?$/.test(m[1] ?? '')) return m[1];
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uri && suites.includes(codename) && /debian\/?$/.test(uri)) return uri;
    }
  }
  return null;
}

function main() {
  if (fs.existsSync(lib)) {
    console.log(lib);
    return;
  }
  if (process.platform !== 'linux') fail('Linux only (macOS prebuilds use Accelerate, Windows ones vcpkg)');
  const { VERSION_CODENAME: codename } = osRelease();
  const mirror = codename && debianMirror(codename);
  if (!mirror) fail(`no Debian archive for "${codename}" in the apt sources: the OpenBLAS source cannot be fetched here`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-openblas-src-'));
  const lists = path.join(work, 'lists');
  fs.mkdirSync(path.join(lists, 'partial'), { recursive: true });
  fs.writeFileSync(path.join(work, 'src.list'), `deb-src ${mirror} ${codename} main\n`);
  const apt = ['-o', `Dir::Etc::SourceList=${path.join(work, 'src.list')}`, '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${lists}`, '-qq'];
  const log = { stdio: ['ignore', 'ignore', 'inherit'] };
  execFileSync('apt-get', [...apt, 'update'], log);
  execFileSync('apt-get', [...apt, 'source', '--download-only', 'openblas'], { ...log, cwd: work });
  const orig = fs.readdirSync(work).find((f) => /^openblas_.*\.orig\.tar\.\w+$/.test(f));
  if (!orig) fail('apt-get source gave no openblas orig tarball');
  execFileSync('tar', ['xf', orig], { ...log, cwd: work });
  const src = fs.readdirSync(work).map((f) => path.join(work, f)).find((f) => /OpenBLAS-/.test(f) && fs.statSync(f).isDirectory());
  if (!src) fail('the OpenBLAS source tree is missing from the tarball');
  // Debian's own choices (TARGET=GENERIC baseline, DYNAMIC_ARCH/DYNAMIC_OLDER on x86-64, NO_AFFINITY,
  // 64 threads) minus everything the engine does not call.
  const arch = os.arch() === 'x64' ? ['DYNAMIC_ARCH=1', 'DYNAMIC_OLDER=1', 'TARGET=GENERIC'] : ['DYNAMIC_ARCH=1', 'TARGET=ARMV8'];
  const flags = [...arch, 'NO_LAPACK=1', 'NO_LAPACKE=1', 'NOFORTRAN=1', 'NO_FORTRAN=1', 'BUILD_SINGLE=1', 'NO_SHARED=1',
    'NO_AFFINITY=1', 'NO_WARMUP=1', 'USE_OPENMP=0', 'NUM_THREADS=64'];
  console.error(`prebuild-openblas: building ${path.basename(src)} with ${flags.join(' ')} (10-30 minutes on 2 cores)`);
  execFileSync('make', [`-j${os.availableParallelism()}`, 'libs', ...flags], { cwd: src, stdio: ['ignore', 'ignore', 'inherit'] });
  fs.mkdirSync(path.dirname(lib), { recursive: true });
  fs.copyFileSync(path.join(src, 'libopenblas.a'), lib);
  fs.rmSync(work, { recursive: true, force: true });
  console.log(lib);
}

main();
