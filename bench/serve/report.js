'use strict';
// The serving benchmark's section of the report: throughput and latency per case, the ratios and the
// goals of the serving issue.
const fmt = (v, d = 0) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(d));
const ratio = (v) => (v === null || !Number.isFinite(v) ? '-' : `${v.toFixed(2)}x`);

function serveReport(res, cfg) {
  if (!res) return '';
  const lines = [`### Serving: HTTP servers on loopback under autocannon, ${cfg.seconds} s per case after ${cfg.warmupS} s of warm-up`, ''];
  if (res.error) return [...lines, `error: ${res.error}`].join('\n');
  const cases = res.cases;
  const find = (q) => cases.find((k) => Object.entries({ engine: 'native', group: undefined, ...q }).every(([key, v]) => k[key] === v) && !k.error && k.answered > 0) || null;
  lines.push(`Models: W4 784-256-128-10 and wide 784-2048-2048-10 (softmax outputs), Open Inference Protocol v2 JSON requests. ` +
    `1-row requests from ${cfg.connections1} connections, 256-row requests from ${cfg.connections256}. "onnxruntime": the same HTTP ` +
    'layer and JSON code calling onnxruntime-node\'s `session.run` once per request. blasnet runs on the native engine unless marked. Batching on: up to 256 rows per engine call ' +
    '(1024 for 256-row requests), no queue delay. Every server is checked against the float64 reference before it is loaded; ' +
    `every answer must be a 200. ${res.version ?? ''}.`, '');
  lines.push('| model | rows/request | server | requests/s | rows/s | p50 ms | p99 ms | server CPU µs/request | mean rows per engine call | event loop max delay ms | notes |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const k of cases) {
    const server = k.variant === 'onnxruntime' ? 'onnxruntime session.run' : `${k.variant === 'blasnet' ? 'blasnet' : 'blasnet via fastify'}` +
      `${k.engine === 'js' ? ' (TS engine)' : ''}${k.endpoint === 'live' ? ', empty endpoint' : k.batching ? ', batching on' : ', batching off'}`;
    const note = k.error ? `error: ${k.error.slice(0, 100)}` : !k.check.ok ? `CHECK FAILED: ${k.check.detail}` : k.answered === 0 ? 'no answer within the run' : '';
    lines.push(`| ${k.model} | ${k.rows || '-'} | ${server} | ${fmt(k.reqPerSec)} | ${k.rows ? fmt(k.rowsPerSec) : '-'} | ${fmt(k.p50Ms, 1)} | ${fmt(k.p99Ms, 1)} | ${fmt(k.cpuUsPerRequest)} | ` +
      `${k.meanBatchRows ? fmt(k.meanBatchRows, 1) : '-'} | ${fmt(k.lagMaxMs, 1)} | ${note} |`);
  }
  const goals = [];
  const add = (target, measured, met) => goals.push(`| ${target} | ${measured} | ${met === null ? 'n/a' : met ? 'yes' : '**no**'} |`);
  for (const [model, want] of [['wide', 4], ['w4', 1.3]]) {
    const on = find({ model, rows: 1, variant: 'blasnet', batching: true, endpoint: 'infer' });
    const off = find({ model, rows: 1, variant: 'blasnet', batching: false });
    const r = on && off ? on.reqPerSec / off.reqPerSec : null;
    add(`${model} 1-row: batching on >= ${want}x the throughput of batching off, at a lower p99`,
      on && off ? `${ratio(r)}, p99 ${fmt(on.p99Ms, 1)} vs ${fmt(off.p99Ms, 1)} ms` : '-', on && off ? r >= want && on.p99Ms < off.p99Ms : null);
  }
  for (const model of ['w4', 'wide']) {
    for (const rows of [1, 256]) {
      const on = find({ model, rows, variant: 'blasnet', batching: true, endpoint: 'infer' });
      const ort = find({ model, rows, variant: 'onnxruntime' });
      const r = on && ort ? on.reqPerSec / ort.reqPerSec : null;
      add(`${model} ${rows}-row: blasnet > onnxruntime throughput at an equal or lower p99`,
        on && ort ? `${ratio(r)}, p99 ${fmt(on.p99Ms, 1)} vs ${fmt(ort.p99Ms, 1)} ms` : '-', on && ort ? r > 1 && on.p99Ms <= ort.p99Ms : null);
    }
  }
  const live = find({ variant: 'blasnet', endpoint: 'live', group: 'http' });
  const liveF = find({ variant: 'blasnet-fastify', endpoint: 'live', group: 'http' });
  const inf = find({ variant: 'blasnet', endpoint: 'infer', group: 'http' });
  const infF = find({ variant: 'blasnet-fastify', endpoint: 'infer', group: 'http' });
  lines.push('', '| goal | measured | met |', '|---|---|---|', ...goals);
  lines.push('', `HTTP layer: the empty endpoint (GET /v2/health/live) answers ${live ? fmt(live.reqPerSec) : '-'} requests/s on node:http ` +
    `(${live ? fmt(1e6 / live.reqPerSec, 1) : '-'} µs of the server's time per request, under the same ${cfg.connections1} connections), ` +
    `${liveF ? fmt(liveF.reqPerSec) : '-'} behind fastify (${live && liveF ? ratio(live.reqPerSec / liveF.reqPerSec) : '-'} for node:http); ` +
    `W4 1-row inference ${inf ? fmt(inf.reqPerSec) : '-'} on node:http, ${infF ? fmt(infF.reqPerSec) : '-'} behind fastify ` +
    `(${inf && infF ? ratio(inf.reqPerSec / infF.reqPerSec) : '-'}). The load generator shares the machine's cores with the server.`);
  return lines.join('\n');
}

module.exports = { serveReport };
