#!/usr/bin/env node
'use strict';
// The prebuilt engine against a source build, same benchmark: a W2-like MNIST MLP (784-256-128-10, relu,
// softmax, adam, batch 128) on synthetic pixel-like data, one warm-up epoch then timed epochs.
//
//   npm run build && node scripts/prebuild-bench.js [--rows=60000] [--epochs=2]
//       runs on whatever the package loads (build/Release from a source build, if present)
//   BLASNET_PREBUILD=<dir with prebuilds/> node scripts/prebuild-bench.js
//       node-gyp-build then loads <dir>/prebuilds/<platform>-<arch>/ (the loader checks it first)
const fs = require('fs');
const path = require('path');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const rows = Number(args.rows ?? 60000);
const epochs = Number(args.epochs ?? 2);

const b = require(path.join(__dirname, '..', 'dist', 'index.js'));

// xorshift32: the same data in every process.
let s = 12345;
const rand = () => ((s ^= s << 13, s ^= s >>> 17, s ^= s << 5) >>> 0) / 4294967296;

async function main() {
  b.setSeed(7);
  const x = new Float32Array(rows * 784);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let acc = 0;
    for (let p = 0; p < 784; p += 97) acc += x[i * 784 + p];
    y[i] = Math.floor(acc * 10 / 9) % 10;
  }
  const model = b.sequential({ layers: [
    b.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }),
    b.layers.dense({ units: 128, activation: 'relu' }),
    b.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: b.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
  const xt = b.tensor2d(x, [rows, 784]);
  const yt = b.tensor2d(y, [rows, 1]);
  await model.fit(xt, yt, { epochs: 1, batchSize: 128, verbose: 0 }); // warm-up (pool, workspaces)
  const times = [];
  const cpu = [];
  let loss = NaN;
  for (let e = 0; e < epochs; e++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const h = await model.fit(xt, yt, { epochs: 1, batchSize: 128, verbose: 0 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    loss = h.history.loss[0];
  }
  const maps = fs.readFileSync('/proc/self/maps', 'utf8');
  const binary = [...new Set(maps.split('\n').map((l) => l.split(/\s+/).pop()).filter((f) => f && f.endsWith('.node')))];
  const info = b.engineInfo();
  console.log(JSON.stringify({
    binary, engine: info.engine, blas: info.blasConfig, core: info.blasCore, threads: info.threads, rows,
    epochMs: times.map((t) => Math.round(t)), bestEpochMs: Math.round(Math.min(...times)),
    // CPU time of the whole process (all threads): less sensitive than wall time to a shared machine.
    epochCpuMs: cpu.map((t) => Math.round(t)), loss: Number(loss.toFixed(4)),
  }));
}

main().catch((e) => { console.error(e); process.exit(1); });
