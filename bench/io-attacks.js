'use strict';
// The hostile inputs of loading, saving, tables and training, each against blasnet's dist/ in a fresh
// process: what it answers, how long the call took and the process's peak RSS. `node bench/io-attacks.js
// [--quick]` (--quick: smaller files and fits; checks the script works, says nothing about speed).
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

/** The tables' attacks: a .csv.gz bomb and a single line of 200 MB (sizes scaled down with --quick). */
function tableAttacks(tmp, check) {
  const zlib = require('zlib');
  const MB = 1024 * 1024;
  const bombMB = quick ? 32 : 320;
  // `bombMB` MB of short numeric lines, compressed a megabyte at a time (never held whole).
  const bomb = path.join(tmp, 'bomb.csv.gz');
  const line = Buffer.from('0,0,0,0\n'.repeat(MB / 8));
  // Concatenated gzip members are one valid .gz stream (RFC 1952): one member per MB keeps memory flat.
  const out = fs.openSync(bomb, 'w');
  let written = 0;
  for (let i = 0; i < bombMB; i++) {
    const member = zlib.gzipSync(i === 0 ? Buffer.concat([Buffer.from('a,b,c,d\n'), line.subarray(8)]) : line, { level: 9 });
    fs.writeSync(out, member);
    written += member.length;
  }
  fs.closeSync(out);
  check(`${(written / 1024).toFixed(0)} KB .csv.gz expanding to ${bombMB} MB of lines, data.readCsv, default limits`,
    child('', `const t = await lib.data.readCsv(${JSON.stringify(bomb)}); return t.x.shape.join(' x ') + ' rows x columns'`), /^(resolved|ERR_LIMIT)/);

  const lineMB = quick ? 16 : 200;
  const long = path.join(tmp, 'long.csv');
  const fd = fs.openSync(long, 'w');
  fs.writeSync(fd, 'a,b\n"');
  const block = Buffer.alloc(MB, 'x');
  for (let i = 0; i < lineMB; i++) fs.writeSync(fd, block);
  fs.writeSync(fd, '",1\n');
  fs.closeSync(fd);
  check(`one ${lineMB} MB line, data.readCsv, default maxLineBytes (16M)`,
    child('', `return lib.data.readCsv(${JSON.stringify(long)}, { label: 'b' })`), /^ERR_LIMIT/);
  check(`one ${lineMB} MB line, data.readCsv with maxLineBytes 256M (time: linear?)`,
    child('', `const t = await lib.data.readCsv(${JSON.stringify(long)}, { label: 'b', maxLineBytes: 256 * 2 ** 20 }); return 'rows ' + t.y.shape[0]`), /^(resolved|ERR_)/);
}

/** The engines' attacks, on one engine: thread pool starvation, the event loop during a W2 fit, a very wide layer. */
function engineAttacks(engine, tmp, check) {
  const env = { BLASNET_ENGINE: engine };
  // 16 models fitting at once beside an fs.stat loop on libuv's default 4 threads: the stat latencies.
  check(`${engine}: fs.stat p50/p99 while 16 models fit at once (target p99 < 10 ms)`, child(`
    const rows = 2048, d = 64, k = 10;
    const xs = new Float32Array(rows * d).map((_, i) => ((i * 2654435761) % 1000) / 1000);
    const ys = new Float32Array(rows * k); for (let r = 0; r < rows; r++) ys[r * k + (r % k)] = 1;
    const X = lib.tensor2d(xs, [rows, d]), Y = lib.tensor2d(ys, [rows, k]);
    const models = Array.from({ length: 16 }, () => {
      const m = lib.sequential({ layers: [lib.layers.dense({ units: 256, activation: 'relu', inputShape: [d] }), lib.layers.dense({ units: k, activation: 'softmax' })] });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      return m;
    });`, `
    let done = false;
    const fits = Promise.all(models.map((m) => m.fit(X, Y, { epochs: ${quick ? 1 : 4}, batchSize: 32, verbose: 0 }))).finally(() => { done = true; });
    const lat = [];
    while (!done) { const t = process.hrtime.bigint(); await fs.promises.stat(${JSON.stringify(DIST)}); lat.push(Number(process.hrtime.bigint() - t) / 1e6); }
    await fits;
    lat.sort((a, b) => a - b);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
    return 'p50 ' + q(0.5) + ' ms, p99 ' + q(0.99) + ' ms over ' + lat.length + ' stats'`, env), /^resolved/);

  // The W2 model and batch (784-256-128-10, batch 128, adam) on fewer rows than the benchmark's 60,000 x 2 epochs.
  const w2Rows = quick ? 1024 : 15000;
  check(`${engine}: longest event-loop block during a W2 fit (${w2Rows} rows, 1 epoch; target < 20 ms)`, child(`
    const { monitorEventLoopDelay } = require('perf_hooks');
    const n = ${w2Rows}, d = 784, k = 10;
    const xs = new Float32Array(n * d).map((_, i) => ((i * 2654435761) % 997) / 997);
    const ys = new Float32Array(n * k); for (let r = 0; r < n; r++) ys[r * k + (r % k)] = 1;
    const X = lib.tensor2d(xs, [n, d]), Y = lib.tensor2d(ys, [n, k]);
    lib.setSeed(42);
    const m = lib.sequential({ layers: [lib.layers.dense({ units: 256, activation: 'relu', inputShape: [d] }),
      lib.layers.dense({ units: 128, activation: 'relu' }), lib.layers.dense({ units: k, activation: 'softmax' })] });
    m.compile({ optimizer: lib.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });`, `
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    await m.fit(X, Y, { epochs: 1, batchSize: 128, verbose: 0 });
    h.disable();
    // As the benchmark: the histogram holds whole 10 ms tick intervals, so the period is taken off.
    return 'max block ' + Math.max(0, h.max / 1e6 - 10).toFixed(1) + ' ms'`, env), /^resolved/);

  // A small model.json with a 262,144-unit layer, predicting 1,024 rows: predict's workspace
  // alone would be 1 GiB per layer without row chunks.
  const wide = path.join(tmp, `wide-${engine}`);
  check(`${engine}: predict 1,024 rows through a 262,144-unit layer`, child(`
    const m = lib.sequential({ layers: [lib.layers.dense({ units: 262144, activation: 'relu', inputShape: [4] }), lib.layers.dense({ units: 1 })] });
    await m.save(${JSON.stringify(wide)});
    const bytes = fs.statSync(path.join(${JSON.stringify(wide)}, 'model.json')).size;
    const loaded = await lib.loadModel(${JSON.stringify(wide)});
    const x = lib.tensor2d(new Float32Array(1024 * 4).fill(0.5), [1024, 4]);`, `
    const p = await loaded.predictAsync(x);
    return 'shape ' + p.shape.join('x') + ', model.json ' + bytes + ' bytes'`, env), /^resolved: shape 1024x1/);
}

/** Model files that lie about where their parts are or what trained them, and tables that trip naive parsers. */
function trickAttacks(tmp, check) {
  const saved = path.join(tmp, 'saved');
  const save = `const m = lib.sequential({ layers: [lib.layers.dense({ units: 2, inputShape: [2] })] });
    m.compile({ optimizer: lib.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    await m.save(${JSON.stringify(saved)}, { includeOptimizer: true });`;
  const r = child(save, 'return 1');
  if (!/^resolved/.test(r.outcome)) throw new Error(`saving the base model failed: ${r.outcome}`);
  const json = () => JSON.parse(fs.readFileSync(path.join(saved, 'model.json'), 'utf8'));
  const variant = (name, edit) => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    for (const f of fs.readdirSync(saved)) if (f !== 'model.json') fs.copyFileSync(path.join(saved, f), path.join(dir, f));
    const mj = json();
    edit(mj, dir);
    if (!fs.existsSync(path.join(dir, 'model.json'))) fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(mj));
    return dir;
  };
  const load = (dir) => child('', `return lib.loadLayersModel(${JSON.stringify(dir)})`);
  const outside = variant('link-out', (mj, dir) => fs.symlinkSync(path.join(saved, 'model.json'), path.join(dir, 'model.json')));
  check('model.json a symlink out of its folder', load(outside), /^ERR_/);
  check('a shard path listed twice', load(variant('dup-shard', (mj) => { mj.weightsManifest[0].paths.push(mj.weightsManifest[0].paths[0]); })), /^ERR_/);
  const lr = (o) => { for (const [k, v] of Object.entries(o)) { if (/^learning_?rate$/i.test(k)) o[k] = 1e300; else if (v && typeof v === 'object') lr(v); } };
  check('saved training config with learning rate 1e300', load(variant('lr', (mj) => { lr(mj.trainingConfig); lr(mj.blasnetTrainingConfig); })), /^ERR_FORMAT/);
  const wide = path.join(tmp, 'wide.csv');
  fs.writeFileSync(wide, Array.from({ length: 1e6 }, (_, i) => `c${i}`).join(',') + '\n' + '0,'.repeat(1e6 - 1) + '0\n');
  check('CSV with a 1,000,000-column header, data.readCsv', child('', `return lib.data.readCsv(${JSON.stringify(wide)})`), /^ERR_LIMIT/);
  const ctor = path.join(tmp, 'ctor.csv');
  fs.writeFileSync(ctor, 'constructor,__proto__,y\n' + Array.from({ length: 50 }, (_, i) => `${i},${i % 7},${i % 2}`).join('\n') + '\n');
  check("CSV columns named constructor and __proto__, CLI train", child('', `
    const r = require('child_process').spawnSync(process.execPath, [${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'main.js'))}, 'train', ${JSON.stringify(ctor)},
      '--label', 'y', '--epochs', '2', '-q', '--out', ${JSON.stringify(path.join(tmp, 'ctor-model'))}], { encoding: 'utf8' });
    return 'exit ' + r.status + (r.stderr ? ' ' + r.stderr.trim().split('\\n').pop().slice(0, 80) : '')`), /^resolved: exit 0/);
  check('onEpochEnd awaiting predictAsync and save of the model being fitted', child(`
    const m = lib.sequential({ layers: [lib.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), lib.layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = lib.tensor2d(new Float32Array(4096).fill(0.5), [1024, 4]), y = lib.tensor2d(new Float32Array(1024), [1024, 1]);`, `
    const h = await m.fit(x, y, { epochs: 3, verbose: 0, callbacks: { onEpochEnd: async () => {
      await m.predictAsync(x); await m.save(${JSON.stringify(path.join(tmp, 'in-fit'))}); } } });
    return h.epoch.length + ' epochs'`), /^resolved: 3 epochs/);
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
    trickAttacks(tmp, check);
    tableAttacks(tmp, check);
    for (const engine of ['native', 'js']) engineAttacks(engine, tmp, check);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`| attack${quick ? ' (--quick sizes)' : ''} | answer | time of the call, ms | peak RSS of the process, MB |`);
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.ok ? '' : 'WRONG: '}${r.outcome.replace(/\|/g, '/').replace(/\/tmp\/\S+/g, '<file>')} | ${r.ms.toFixed(0)} | ${r.rssMB.toFixed(0)} |`);
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

main();
