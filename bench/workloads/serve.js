'use strict';
// The serving benchmark (workload `serve`): HTTP servers on loopback under autocannon. Two models with
// the same seeded weights in every server: W4 (784-256-128-10, the W4 weights) and wide
// (784-2048-2048-10). Cases: 1-row requests from 64 connections and 256-row requests from 16, on
// blasnet's server with batching on and off and on the same HTTP layer calling onnxruntime-node's
// session.run per request; the HTTP layer alone (an empty endpoint); node:http against fastify under the
// same handler. Each server runs in its own process, is checked against the float64 reference first,
// warmed, then loaded for `seconds`; every answer must be a 200.
const { fork } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const C = require('../common');
const { onnxMlp } = require('../onnx-mlp');

const autocannon = require('autocannon');
const DIST = path.resolve(__dirname, '..', '..', 'dist');

C.runChild(async (task) => {
  process.env.BLASNET_ENGINE = 'native';
  const bn = require(path.join(DIST, 'index.js'));
  const c = task.cfg;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-bench-serve-'));
  try {
    const models = await writeModels(bn, task, tmp);
    const xAll = C.readF32(task.files.w4_x);
    const cases = [];
    for (const plan of casePlan(c)) {
      const m = models[plan.model];
      process.stderr.write(`[serve] ${plan.label} ...\n`);
      const res = await runCase(plan, m, xAll, c);
      process.stderr.write(`[serve] ${plan.label}: ${res.error ? `ERROR ${res.error}` : `${Math.round(res.reqPerSec)} req/s, p50 ${res.p50Ms} ms, p99 ${res.p99Ms} ms`}\n`);
      cases.push({ ...plan, ...res });
    }
    const bad = cases.filter((k) => k.error || !k.check.ok);
    return {
      cases, version: `autocannon ${require('autocannon/package.json').version}, fastify ${require('fastify/package.json').version}, ` +
        `onnxruntime-node ${require('onnxruntime-node/package.json').version}`,
      check: { ok: bad.length === 0, detail: bad.length ? bad.map((k) => `${k.label}: ${k.error || k.check.detail}`).join('; ') : `${cases.length} cases, every answer a 200 and the outputs within 1e-4 of the reference` },
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

/** Both models as blasnet folders and ONNX files, with their float64 reference on the first rows. */
async function writeModels(bn, task, dir) {
  const w2c = task.w2cfg;
  const defs = {
    w4: { widths: C.w2Widths(w2c), weights: C.readWeights(task.files, 'w4_w', C.w2Widths(w2c).length - 1) },
    wide: { widths: [784, 2048, 2048, 10], weights: C.glorot([784, 2048, 2048, 10], 20261201) },
  };
  const out = {};
  const x = C.readF32(task.files.w4_x, 8 * 784);
  for (const [name, d] of Object.entries(defs)) {
    const layers = [];
    for (let i = 1; i < d.widths.length; i++) {
      layers.push(bn.layers.dense({ units: d.widths[i], activation: i === d.widths.length - 1 ? 'softmax' : 'relu', ...(i === 1 ? { inputShape: [d.widths[0]] } : {}) }));
    }
    const m = bn.sequential({ layers });
    m.setWeights(d.weights.map((a) => a.slice()));
    const mdir = path.join(dir, name);
    await m.save(mdir);
    m.dispose();
    const onnx = path.join(dir, `${name}.onnx`);
    fs.writeFileSync(onnx, onnxMlp(d.widths, d.weights));
    out[name] = { name, dir: mdir, onnx, inputDim: d.widths[0], outputDim: d.widths.at(-1), ref: C.referenceForward(x, 8, d.widths, d.weights, 'softmax') };
  }
  return out;
}

function casePlan(c) {
  const plans = [];
  const add = (p) => plans.push({ engine: 'native', ...p,
    label: `${p.model} ${p.rows}-row ${p.variant}${p.engine === 'js' ? ' (TS engine)' : ''}${p.batching === false ? ' batching off' : p.batching ? ' batching on' : ''}${p.endpoint === 'live' ? ' (empty endpoint)' : ''}` });
  for (const model of ['w4', 'wide']) {
    for (const rows of [1, 256]) {
      const connections = rows === 1 ? c.connections1 : c.connections256;
      add({ model, rows, connections, variant: 'blasnet', batching: true, maxBatchSize: rows === 1 ? 256 : 1024, endpoint: 'infer' });
      add({ model, rows, connections, variant: 'blasnet', batching: false, maxBatchSize: 1, endpoint: 'infer' });
      add({ model, rows, connections, variant: 'onnxruntime', endpoint: 'infer' });
    }
  }
  // The TypeScript engine under the same 1-row load (its event-loop delay is the figure to watch).
  for (const model of ['w4', 'wide']) {
    add({ model, rows: 1, connections: c.connections1, variant: 'blasnet', engine: 'js', batching: true, maxBatchSize: 256, endpoint: 'infer' });
  }
  // The HTTP layer: its own cost (an empty endpoint) and node:http against fastify under the same handler.
  // Interleaved, so that the two layers see the same machine.
  for (const endpoint of ['live', 'infer']) {
    for (const variant of ['blasnet', 'blasnet-fastify']) {
      add({ model: 'w4', rows: endpoint === 'live' ? 0 : 1, connections: c.connections1, variant, batching: true, maxBatchSize: 256, endpoint, group: 'http' });
    }
  }
  return plans;
}

function startServer(cfg) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, '..', 'serve', 'server.js'), [JSON.stringify(cfg)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, BLASNET_QUIET: '1' },
    });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('server did not start in 120 s')); }, 120000);
    child.stdout.on('data', (b) => {
      out += b;
      const m = /SERVE_READY (\{.*\})/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, port: JSON.parse(m[1]).port }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code} before it was ready`)); });
  });
}

function ask(child, cmd) {
  return new Promise((resolve) => {
    const on = (m) => { if (m.cmd === cmd) { child.off('message', on); resolve(m.stats ?? m); } };
    child.on('message', on);
    child.send({ cmd });
  });
}

function inferBody(xAll, rows, offset, d) {
  const n = Math.max(1, rows);
  const data = Array.from(xAll.subarray(offset * d, (offset + n) * d));
  return JSON.stringify({ inputs: [{ name: 'input', shape: [n, d], datatype: 'FP32', data }] });
}

function load(url, opts) {
  return new Promise((resolve, reject) => {
    autocannon({ url, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function runCase(plan, m, xAll, c) {
  const cfg = { variant: plan.variant, model: m.name, dir: m.dir, onnx: m.onnx, inputDim: m.inputDim, outputDim: m.outputDim,
    maxBatchSize: plan.maxBatchSize, threads: Math.min(2, os.availableParallelism()), engine: plan.engine };
  let srv;
  try {
    srv = await startServer(cfg);
    const base = `http://127.0.0.1:${srv.port}`;
    // Correctness first: 8 rows against the float64 reference.
    const r = await fetch(`${base}/v2/models/${m.name}/infer`, { method: 'POST', body: inferBody(xAll, 8, 0, m.inputDim) });
    const got = (await r.json()).outputs[0].data;
    const diff = C.maxAbsDiff(got, m.ref, 8 * m.outputDim);
    const check = { ok: r.status === 200 && diff < 1e-4, detail: `max |diff| ${diff.toExponential(2)} on 8 rows` };
    const req = plan.endpoint === 'live'
      ? { method: 'GET', path: '/v2/health/live' }
      : { method: 'POST', path: `/v2/models/${m.name}/infer`, body: inferBody(xAll, plan.rows, 8, m.inputDim), headers: { 'content-type': 'application/json' } };
    const opts = { connections: plan.connections, pipelining: 1, timeout: 60, ...req };
    await load(`${base}${req.path}`, { ...opts, duration: c.warmupS });
    await ask(srv.child, 'reset');
    const before = await ask(srv.child, 'stats');
    const res = await load(`${base}${req.path}`, { ...opts, duration: c.seconds });
    const stats = await ask(srv.child, 'stats');
    const answered = res.requests.total;
    const failed = res.non2xx + res.errors + res.timeouts;
    if (failed > 0) { check.ok = false; check.detail += `; ${res.non2xx} non-2xx, ${res.errors} errors, ${res.timeouts} timeouts`; }
    return {
      check, reqPerSec: answered / c.seconds, rowsPerSec: (answered * plan.rows) / c.seconds,
      // With nothing answered in the run (a slow case in --quick) there is no latency to report.
      p50Ms: answered ? res.latency.p50 : null, p99Ms: answered ? res.latency.p99 : null, meanMs: answered ? res.latency.mean : null, answered,
      lagMaxMs: stats.lagMaxMs, lagP99Ms: stats.lagP99Ms,
      // The server's own CPU time per answer (all its threads): steadier than throughput on a shared machine.
      cpuUsPerRequest: answered ? (stats.cpuUs - before.cpuUs) / answered : null,
      meanBatchRows: stats.batches > before.batches ? (stats.batchRows - before.batchRows) / (stats.batches - before.batches) : null,
    };
  } catch (err) {
    return { error: String(err && err.message ? err.message : err), check: { ok: false, detail: 'error' } };
  } finally {
    if (srv && srv.child.exitCode === null) {
      const exited = new Promise((resolve) => srv.child.once('exit', resolve));
      srv.child.kill('SIGTERM');
      await exited;
    }
  }
}
