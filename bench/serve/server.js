'use strict';
// One server of the serving benchmark, in its own process: blasnet's server (node:http, or the same
// handler behind fastify), or the same HTTP layer and JSON code calling onnxruntime-node's session.run
// once per request. Prints SERVE_READY {port}; answers {cmd:'stats'} over IPC with the event loop's
// delay since the last {cmd:'reset'}, the process's CPU time (all its threads) and blasnet's batch counts; exits on {cmd:'exit'} or SIGTERM.
const path = require('path');
const { monitorEventLoopDelay } = require('perf_hooks');

const DIST = path.resolve(__dirname, '..', '..', 'dist');
const cfg = JSON.parse(process.argv[2]);

async function blasnetServer(bn) {
  const server = await bn.serve({
    models: { [cfg.model]: cfg.dir }, port: 0, host: '127.0.0.1', log: false, pollIntervalMs: 0,
    maxBatchSize: cfg.maxBatchSize, maxQueueRows: 1 << 20, maxRowsPerRequest: 4096, bodyLimit: 64 * 2 ** 20, timeoutMs: 120000,
  });
  if (cfg.variant === 'blasnet') return { port: server.port, server };
  // The very same handler behind fastify (its router, request and reply objects, its body reading).
  const fastify = require('fastify')({ bodyLimit: 64 * 2 ** 20, logger: false });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => done(null, body));
  const handler = async (req, reply) => {
    const url = req.raw.url;
    const q = url.indexOf('?');
    const r = await server.handle({
      method: req.method, path: q < 0 ? url : url.slice(0, q), headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : null, arrived: performance.now(),
    });
    reply.code(r.status).header('content-type', r.contentType || 'application/json');
    for (const [k, v] of Object.entries(r.headers || {})) reply.header(k, v);
    return reply.send(r.body);
  };
  fastify.get('/v2/health/live', handler);
  fastify.post('/v2/models/:model/infer', handler);
  fastify.all('/*', handler);
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  return { port: fastify.server.address().port, server };
}

async function onnxServer(bn) {
  const ort = require('onnxruntime-node');
  const { createHttpServer } = require(path.join(DIST, 'serve', 'http.js'));
  const v2 = require(path.join(DIST, 'serve', 'protocol-v2.js'));
  const { toHttpError } = require(path.join(DIST, 'serve', 'errors.js'));
  const session = await ort.InferenceSession.create(cfg.onnx, {
    intraOpNumThreads: cfg.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'],
  });
  const info = { inputDim: cfg.inputDim, outputDim: cfg.outputDim, features: null, classes: null, label: null, outputActivation: 'softmax' };
  const err = (e) => { const h = toHttpError(e); return { status: h.status, body: JSON.stringify({ error: h.message, code: h.code }) }; };
  const http = createHttpServer(async (req) => {
    if (req.path === '/v2/health/live') return { status: 200, body: '{"live":true}' };
    if (req.method !== 'POST' || req.path !== `/v2/models/${cfg.model}/infer`) return { status: 404, body: '{"error":"no such endpoint"}' };
    try {
      const r = v2.parseInfer(JSON.parse(req.body.toString('utf8')), info, cfg.model, 4096);
      const out = (await session.run({ x: new ort.Tensor('float32', r.x, [r.rows, cfg.inputDim]) })).y.data;
      return { status: 200, body: v2.inferResponse(cfg.model, '1', r.id, out, cfg.outputDim) };
    } catch (e) { return err(e); }
  }, {
    bodyLimit: 64 * 2 ** 20, requestTimeoutMs: 120000, keepAliveTimeoutMs: 5000, closing: () => false, onActivity: () => undefined,
    tooLarge: () => ({ status: 413, body: '{"error":"too large"}' }), onError: err,
    bodyBudget: 2 ** 30, overloaded: () => ({ status: 503, body: '{"error":"busy"}' }),
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { port: http.address().port, server: null };
}

async function main() {
  process.env.BLASNET_ENGINE = cfg.engine || 'native';
  const bn = require(path.join(DIST, 'index.js'));
  const { port, server } = cfg.variant === 'onnxruntime' ? await onnxServer(bn) : await blasnetServer(bn);
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  process.on('message', async (m) => {
    if (m.cmd === 'reset') { lag.reset(); process.send({ cmd: 'reset', ok: true }); }
    else if (m.cmd === 'stats') {
      const cpu = process.cpuUsage();
      const stats = { lagMaxMs: lag.max / 1e6, lagP99Ms: lag.percentile(99) / 1e6, lagMeanMs: lag.mean / 1e6, cpuUs: cpu.user + cpu.system };
      if (server) {
        const text = await server.metrics();
        const num = (name) => { const r = new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text); return r ? Number(r[1]) : null; };
        stats.batches = num('blasnet_batch_rows_count');
        stats.batchRows = num('blasnet_batch_rows_sum');
        stats.engine = bn.engineInfo().engine;
      }
      process.send({ cmd: 'stats', stats });
    } else if (m.cmd === 'exit') process.exit(0);
  });
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write(`SERVE_READY ${JSON.stringify({ port })}\n`);
}

main().catch((e) => { process.stderr.write(`${e && e.stack ? e.stack : e}\n`); process.exit(1); });
