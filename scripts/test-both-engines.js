'use strict';
// The README's test command: runs the whole vitest suite once per engine (native, then js).
// The native pass runs when the native engine loads; BLASNET_REQUIRE_NATIVE=1 (set by .ci/run) makes
// its absence a failure instead of a notice. A first argument `--engine=native` or `--engine=js` runs that
// engine's pass alone (npm run test:native, test:js); there a native engine that does not load is a failure.
// Extra arguments go to vitest (e.g. a test file filter).
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const ENGINE_FLAG = /^--engine=(.*)$/;
const only = process.argv[2]?.match(ENGINE_FLAG)?.[1];
if (only !== undefined && only !== 'native' && only !== 'js') {
  console.error(`--engine must be native or js, received "${only}"`);
  process.exit(2);
}
const extra = process.argv.slice(only === undefined ? 2 : 3);

function nativeLoads() {
  const probe = spawnSync(process.execPath, ['-e', "require('./dist/engine/native.js').loadNativeEngine()"], {
    cwd: root, encoding: 'utf8',
  });
  return { ok: probe.status === 0, why: (probe.stderr || '').trim().split('\n').slice(-3).join(' ') };
}

const engines = [];
if (only === undefined || only === 'native') {
  const native = nativeLoads();
  const required = only === 'native' || process.env.BLASNET_REQUIRE_NATIVE === '1';
  if (native.ok) engines.push('native');
  else if (required) {
    console.error(`The native engine does not load${only ? '' : ' and BLASNET_REQUIRE_NATIVE=1'}: ${native.why || 'not built'}`);
    process.exit(1);
  } else {
    console.log(`Native engine unavailable (${native.why || 'not built'}): testing the TypeScript engine only.`);
  }
}
if (only === undefined || only === 'js') engines.push('js');

const results = [];
for (const engine of engines) {
  console.log(`\n=== blasnet test suite on the ${engine} engine ===\n`);
  const run = spawnSync(process.execPath, [vitest, 'run', ...extra], {
    cwd: root, stdio: 'inherit',
    env: { ...process.env, BLASNET_ENGINE: engine, ...(only === 'native' ? { BLASNET_REQUIRE_NATIVE: '1' } : {}) },
  });
  results.push({ engine, status: run.status ?? 1 });
}
console.log('');
for (const r of results) console.log(`${r.engine} engine: ${r.status === 0 ? 'passed' : 'FAILED'}`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
