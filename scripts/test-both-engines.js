'use strict';
// The README's test command: runs the whole vitest suite once per engine (native, then js).
// The native pass runs when the native engine loads; BLASNET_REQUIRE_NATIVE=1 (set by .ci/run) makes
// its absence a failure instead of a notice. Extra arguments go to vitest (e.g. a test file filter).
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const extra = process.argv.slice(2);

function nativeLoads() {
  const probe = spawnSync(process.execPath, ['-e', "require('./dist/engine/native.js').loadNativeEngine()"], {
    cwd: root, encoding: 'utf8',
  });
  return { ok: probe.status === 0, why: (probe.stderr || '').trim().split('\n').slice(-3).join(' ') };
}

const engines = [];
const native = nativeLoads();
if (native.ok) engines.push('native');
else if (process.env.BLASNET_REQUIRE_NATIVE === '1') {
  console.error(`The native engine does not load and BLASNET_REQUIRE_NATIVE=1: ${native.why}`);
  process.exit(1);
} else {
  console.log(`Native engine unavailable (${native.why || 'not built'}): testing the TypeScript engine only.`);
}
engines.push('js');

const results = [];
for (const engine of engines) {
  console.log(`\n=== blasnet test suite on the ${engine} engine ===\n`);
  const run = spawnSync(process.execPath, [vitest, 'run', ...extra], {
    cwd: root, stdio: 'inherit', env: { ...process.env, BLASNET_ENGINE: engine },
  });
  results.push({ engine, status: run.status ?? 1 });
}
console.log('');
for (const r of results) console.log(`${r.engine} engine: ${r.status === 0 ? 'passed' : 'FAILED'}`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
