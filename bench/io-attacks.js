'use strict';
// The hostile inputs of loading and saving, each against blasnet's dist/ in a fresh process: what it
// answers, how long the call took and the process's peak RSS. `node bench/io-attacks.js [--quick]`
// (--quick: 8 MB files instead of 64 MB; checks the script works, says nothing about speed).
// A wrong answer (anything but the expected typed error, or a save that removed a user's file) exits 1.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist', 'index.js');
const quick = process.argv.includes('--quick');
const SIZE = (quick ? 8 : 64) * 1024 * 1024 - 256;

/** model.json texts of about SIZE bytes whose parse would cost far more than their size. */
function hostileJson(kind) {
  const wrap = (inner) => `{"modelTopology":{},"userDefinedMetadata":${inner}}`;
  switch (kind) {
    case 'nested arrays': return '['.repeat(SIZE / 2) + ']'.repeat(SIZE / 2);
    case 'tiny numbers': return wrap(`[${'0,'.repeat(SIZE / 2 - 40)}0]`);
    case 'empty objects': return wrap(`[${'{},'.repeat(Math.floor(SIZE / 3) - 40)}{}]`);
    case 'distinct keys': {
      const parts = [];
      for (let i = 0, n = 0; n < SIZE - 100; i++) { const p = `"${i.toString(36)}":0`; parts.push(p); n += p.length + 1; }
      return wrap(`{${parts.join(',')}}`);
    }
  }
  throw new Error(kind);
}

/** Code run in the child: `setup` (untimed) then `call` (timed); prints one JSON line. */
function child(setup, call, env = {}) {
  const script = `
    const lib = require(${JSON.stringify(DIST)});
    const fs = require('fs'), path = require('path'), http = require('http');
    (async () => {
      ${setup}
      const t = process.hrtime.bigint();
      let outcome;
      try { outcome = 'resolved: ' + String(await (async () => { ${call} })()); }
      catch (e) { outcome = (e.code || e.constructor.name) + ': ' + String(e.message).slice(0, 100); }
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      console.log(JSON.stringify({ outcome, ms, rssMB: process.resourceUsage().maxRSS / 1024 }));
      process.exit(0);
    })();`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
  const line = (r.stdout || '').trim().split('\n').pop();
  try { return JSON.parse(line); } catch { return { outcome: `child failed: ${r.status} ${r.signal || ''} ${(r.stderr || '').slice(0, 200)}`, ms: NaN, rssMB: NaN }; }
}

function main() {
  if (!fs.existsSync(DIST)) throw new Error('build first: npm run build');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-attacks-'));
  const rows = [];
  const check = (name, r, expected) => rows.push({ name, ...r, ok: expected.test(r.outcome) });
  try {
    for (const kind of ['nested arrays', 'tiny numbers', 'empty objects', 'distinct keys']) {
      const dir = path.join(tmp, kind.replace(/ /g, '-'));
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'model.json'), hostileJson(kind));
      check(`${SIZE >> 20} MB model.json of ${kind}`, child('', `return lib.loadLayersModel(${JSON.stringify(dir)})`), /^ERR_LIMIT/);
    }
    // A model.json promising a 1 GiB kernel, its shard a sparse file: refused from model.json alone.
    const big = path.join(tmp, 'big');
    fs.mkdirSync(big);
    fs.writeFileSync(path.join(big, 'model.json'), JSON.stringify({
      modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd', units: 16384, batch_input_shape: [null, 16384] } }] } },
      format: 'layers-model',
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [16384, 16384], dtype: 'float32' }, { name: 'd/bias', shape: [16384], dtype: 'float32' }] }],
    }));
    const fd = fs.openSync(path.join(big, 'w.bin'), 'w');
    fs.ftruncateSync(fd, 4 * (16384 * 16384 + 16384));
    fs.closeSync(fd);
    check('1 GiB of weights (sparse shard), BLASNET_MEMORY_LIMIT=2G', child('', `return lib.loadLayersModel(${JSON.stringify(big)})`, { BLASNET_MEMORY_LIMIT: '2G' }), /^ERR_LIMIT/);
    check('http server sending a byte a second, timeoutMs 2000, gc every 100 ms', child(`
      const s = http.createServer((req, res) => { res.writeHead(200); const t = setInterval(() => res.write(' '), 1000); res.on('close', () => clearInterval(t)); });
      await new Promise((r) => s.listen(0, '127.0.0.1', r));
      setInterval(() => global.gc(), 100).unref();`,
    `return lib.loadLayersModel('http://127.0.0.1:' + s.address().port + '/model.json', { timeoutMs: 2000 })`), /^ERR_TIMEOUT/);
    const work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, 'notes.txt'), 'mine\n');
    check("model.save('.') in a folder holding notes.txt", child(`process.chdir(${JSON.stringify(work)});
      const m = lib.sequential({ layers: [lib.layers.dense({ units: 2, inputShape: [2] })] });`,
    `await m.save('.'); return fs.readdirSync('.').sort().join(' ')`), /resolved: model\.json notes\.txt weights-[0-9a-f]{16}\.bin$/);
    check('re-save with userDefinedMetadata nested 100,000 deep', child(`
      const m = lib.sequential({ layers: [lib.layers.dense({ units: 2, inputShape: [2] })] });
      let v = {}; for (let i = 0; i < 100000; i++) v = { v };
      m.userDefinedMetadata = { v };`, `return m.save(${JSON.stringify(path.join(tmp, 'deep'))})`), /^ERR_INVALID_ARG/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`| attack${quick ? ' (--quick sizes)' : ''} | answer | time of the call, ms | peak RSS of the process, MB |`);
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.ok ? '' : 'WRONG: '}${r.outcome.replace(/\|/g, '/').replace(/\/tmp\/\S+/g, '<file>')} | ${r.ms.toFixed(0)} | ${r.rssMB.toFixed(0)} |`);
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

main();
