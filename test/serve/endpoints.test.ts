// Every endpoint of both protocols on a real server on loopback, and each error status.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, engineInfo, layers, loadModel, sequential, serve, setSeed, type InferenceServer } from '../../lib/index';
import { close, direct, mlp, postChunked, request, rows, tempDir, v2Body } from './helpers';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const CLASSES = ['setosa', 'versicolor', 'virginica'];

let dir: string;
let server: InferenceServer;
let url: string;

beforeAll(async () => {
  dir = tempDir('blasnet-serve-endpoints-');
  // clf: a classifier saved as the CLI saves one (feature names, class labels, the scaler).
  const clf = mlp([4, 8, 3], 1);
  const train = rows(50, 4, 7).map((r) => r.map((v, j) => 5 * v + j));
  clf.userDefinedMetadata = { blasnetCli: { task: 'classification', label: 'species', features: FEATURES, classes: CLASSES } };
  await clf.save(path.join(dir, 'clf'), { scaler: data.standardScaler().fit(train) });
  // reg: a versioned regressor; version 3 is the newest and the one served.
  for (const [v, seed] of [[1, 2], [3, 3]] as const) {
    setSeed(seed);
    const reg = sequential({ layers: [layers.dense({ units: 5, activation: 'relu', inputShape: [3] }), layers.dense({ units: 1 })] });
    await reg.save(path.join(dir, 'reg', String(v)));
  }
  server = await serve({ models: dir, port: 0, log: false, pollIntervalMs: 0 });
  url = server.url;
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('serve: health and metadata', () => {
  it('binds 127.0.0.1 by default and answers liveness, readiness and server metadata', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect((server.httpServer.address() as { address: string }).address).toBe('127.0.0.1');
    expect(await request(`${url}/v2/health/live`)).toMatchObject({ status: 200, body: { live: true } });
    expect(await request(`${url}/v2/health/ready`)).toMatchObject({ status: 200, body: { ready: true } });
    expect((await request(`${url}/v2`)).body).toMatchObject({ name: 'blasnet', extensions: [] });
    expect(server.models().map((m) => [m.name, m.version])).toEqual([['clf', '1'], ['reg', '3']]);
  });

  it('gives v2 model metadata and readiness, by model and by version', async () => {
    const m = await request(`${url}/v2/models/clf`);
    expect(m.status).toBe(200);
    expect(m.body).toEqual({
      name: 'clf', versions: ['1'], platform: 'blasnet',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }],
      parameters: { features: FEATURES, classes: CLASSES },
    });
    expect((await request(`${url}/v2/models/reg`)).body.versions).toEqual(['3']);
    expect((await request(`${url}/v2/models/reg/versions/3`)).status).toBe(200);
    const old = await request(`${url}/v2/models/reg/versions/1`);
    expect(old.status).toBe(404);
    expect(old.body.error).toMatch(/Version "1" of model reg is not served \(it serves version 3\)/);
    expect(await request(`${url}/v2/models/clf/ready`)).toMatchObject({ status: 200, body: { name: 'clf', ready: true } });
    expect((await request(`${url}/v2/models/reg/versions/3/ready`)).status).toBe(200);
  });

  it('gives TF Serving model status and metadata', async () => {
    expect((await request(`${url}/v1/models/reg`)).body).toEqual({
      model_version_status: [{ version: '3', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }],
    });
    expect((await request(`${url}/v1/models/reg/versions/3`)).status).toBe(200);
    expect((await request(`${url}/v1/models/reg/versions/2`)).status).toBe(404);
    const meta = (await request(`${url}/v1/models/clf/metadata`)).body;
    expect(meta.model_spec).toEqual({ name: 'clf', signature_name: '', version: '1' });
    expect(meta.records).toBeUndefined(); // no saved preprocessor: no raw-records schema
    const sig = meta.metadata.signature_def.signature_def.serving_default;
    expect(sig.inputs.input.tensor_shape.dim.map((d: { size: string }) => d.size)).toEqual(['-1', '4']);
    expect(sig.outputs.output.tensor_shape.dim.map((d: { size: string }) => d.size)).toEqual(['-1', '3']);
  });
});

describe('serve: inference', () => {
  it('v2 infer answers outputs as the model computes them, flat or nested data, echoing the id', async () => {
    const x = rows(3, 4, 11);
    const want = await direct(await loadModel(path.join(dir, 'clf')), x);
    const r = await request(`${url}/v2/models/clf/infer`, { body: v2Body(x, { id: 'req-42' }) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ model_name: 'clf', model_version: '1', id: 'req-42' });
    expect(r.body.outputs).toHaveLength(1);
    expect(r.body.outputs[0]).toMatchObject({ name: 'output', datatype: 'FP32', shape: [3, 3] });
    expect(close(r.body.outputs[0].data, want, 1e-6)).toBe(true);
    const nested = await request(`${url}/v2/models/clf/versions/1/infer`, {
      body: { inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP64', data: x }], outputs: [{ name: 'output' }] },
    });
    expect(nested.status).toBe(200);
    expect(nested.body.outputs[0].data).toEqual(r.body.outputs[0].data);
    expect(nested.body.id).toBeUndefined();
  });

  it('TF Serving predict takes row and columnar forms, named or not, on the served version or by number', async () => {
    const x = rows(4, 3, 5);
    const want = Array.from(await direct(await loadModel(path.join(dir, 'reg', '3')), x));
    const check = (out: number[][]) => expect(close(out.flat(), want, 1e-6)).toBe(true);
    const a = await request(`${url}/v1/models/reg:predict`, { body: { instances: x } });
    expect(a.status).toBe(200);
    expect(a.body.predictions).toHaveLength(4);
    check(a.body.predictions);
    check((await request(`${url}/v1/models/reg/versions/3:predict`, { body: { signature_name: 'serving_default', instances: x.map((r) => ({ input: r })) } })).body.predictions);
    check((await request(`${url}/v1/models/reg:predict`, { body: { inputs: x } })).body.outputs);
    check((await request(`${url}/v1/models/reg:predict`, { body: { inputs: { input: x } } })).body.outputs);
    expect((await request(`${url}/v1/models/reg/versions/1:predict`, { body: { instances: x } })).status).toBe(404);
    // The colon may come percent-encoded.
    expect((await request(`${url}/v1/models/reg%3Apredict`, { body: { instances: x } })).status).toBe(200);
  });

  it('raw records by column name go through the saved scaler and come back as class names and probabilities', async () => {
    const model = await loadModel(path.join(dir, 'clf'));
    const x = rows(3, 4, 21).map((r) => r.map((v, j) => 5 * v + j));
    const want = await direct(model, model.getScaler()!.transform(x).arraySync());
    const records = x.map((r) => ({ ...Object.fromEntries(FEATURES.map((f, j) => [f, r[j]])), id: 'ignored', species: 'unknown' }));
    const a = await request(`${url}/v1/models/clf:predict`, { body: { instances: records } });
    expect(a.status).toBe(200);
    expect(a.body.predictions).toHaveLength(3);
    a.body.predictions.forEach((p: { class: string; probabilities: Record<string, number> }, r: number) => {
      expect(Object.keys(p.probabilities)).toEqual(CLASSES);
      const probs = CLASSES.map((c) => p.probabilities[c]!);
      expect(close(probs, want.subarray(r * 3, r * 3 + 3), 1e-6)).toBe(true);
      expect(p.class).toBe(CLASSES[probs.indexOf(Math.max(...probs))]);
    });
    const columns = Object.fromEntries(FEATURES.map((f, j) => [f, x.map((r) => r[j])]));
    const b = await request(`${url}/v1/models/clf:predict`, { body: { inputs: columns } });
    expect(b.status).toBe(200);
    expect(b.body.outputs).toEqual(a.body.predictions);
    const missing = await request(`${url}/v1/models/clf:predict`, { body: { instances: [{ sepal_length: 1 }] } });
    expect(missing).toMatchObject({ status: 400, body: { code: 'ERR_INVALID_ARG' } });
    expect(missing.body.error).toMatch(/instances\[0\]\.sepal_width/);
    const noNames = await request(`${url}/v1/models/reg:predict`, { body: { instances: [{ a: 1, b: 2, c: 3 }] } });
    expect(noNames).toMatchObject({ status: 400, body: { code: 'ERR_UNSUPPORTED' } });
  });
});

describe('serve: bad requests', () => {
  const infer = (body: unknown) => request(`${url}/v2/models/clf/infer`, { body });
  it.each([
    ['malformed JSON', '{"inputs": [', 'ERR_FORMAT', /Malformed JSON/],
    ['an empty body', '', 'ERR_FORMAT', /has none/],
    ['a shape that is not the model\'s', { inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }] }, 'ERR_SHAPE_MISMATCH', /shape \[rows, 4\]/],
    ['data that does not fill the shape', { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 'ERR_SHAPE_MISMATCH', /Expected 8 values/],
    ['a non-finite value', '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,1e999,4]}]}', 'ERR_NON_FINITE', /inputs\[0\]\.data\[2\] but received Infinity/],
    ['a value beyond float32', '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,-1e39,4]}]}', 'ERR_NON_FINITE', /float32's ±3\.4e38\) at inputs\[0\]\.data\[2\] but received -Infinity/],
    ['a string value', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 'x', 4] }] }, 'ERR_INVALID_ARG', /Expected a number at inputs\[0\]\.data\[2\]/],
    ['an unknown input name', { inputs: [{ name: 'pixels', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 'ERR_UNKNOWN_NAME', /"pixels"/],
    ['an unknown output name', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }], outputs: [{ name: 'probs' }] }, 'ERR_UNKNOWN_NAME', /"probs"/],
    ['a BYTES datatype', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'BYTES', data: ['a', 'b', 'c', 'd'] }] }, 'ERR_UNSUPPORTED', /numeric datatype/],
    ['fractions for an integer datatype', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'INT32', data: [1, 2.5, 3, 4] }] }, 'ERR_INVALID_ARG', /integers/],
    ['no inputs', { id: 'x' }, 'ERR_INVALID_ARG', /inputs/],
  ])('v2 infer with %s is 400 with the library\'s code and message', async (_what, body, code, message) => {
    const r = await infer(body);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(code);
    expect(r.body.error).toMatch(message);
  });

  it.each([
    ['a row of the wrong width', { instances: [[1, 2, 3], [1, 2]] }, 'ERR_SHAPE_MISMATCH', /instances\[1\]/],
    ['both instances and inputs', { instances: [[1, 2, 3]], inputs: [[1, 2, 3]] }, 'ERR_INVALID_ARG', /not both/],
    ['neither', { rows: [[1, 2, 3]] }, 'ERR_INVALID_ARG', /exactly one/],
    ['an unknown signature', { signature_name: 'classify', instances: [[1, 2, 3]] }, 'ERR_UNKNOWN_NAME', /serving_default/],
    ['null in a row', { instances: [[1, null, 3]] }, 'ERR_INVALID_ARG', /instances\[0\]\[1\]/],
  ])('TF Serving predict with %s is 400', async (_what, body, code, message) => {
    const r = await request(`${url}/v1/models/reg:predict`, { body });
    expect(r).toMatchObject({ status: 400, body: { code } });
    expect(r.body.error).toMatch(message);
  });

  it('unknown models, versions and paths are 404, a wrong method 405; URL paths never reach the file system', async () => {
    const body = v2Body([[1, 2, 3, 4]]);
    expect((await request(`${url}/v2/models/nope/infer`, { body })).status).toBe(404);
    expect((await request(`${url}/v2/models/clf/versions/7/infer`, { body })).status).toBe(404);
    expect((await request(`${url}/v2/nothing`)).status).toBe(404);
    for (const evil of ['..%2F..%2Fetc%2Fpasswd', '%2E%2E', '..', 'clf%2F..%2Freg']) {
      const r = await request(`${url}/v2/models/${evil}/infer`, { body });
      expect(r.status).toBe(404);
    }
    expect((await request(`${url}/v2/models/%E0%A4%A/infer`, { body })).status).toBe(400);
    const wrong = await request(`${url}/v2/models/clf/infer`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('counts requests by model and status in the metrics, with the engine and its BLAS core', async () => {
    await request(`${url}/v2/models/nope/infer`, { body: v2Body([[1]]) });
    const m = await request(`${url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(m.text).toMatch(/blasnet_requests_total\{model="clf",route="v2-infer",status="200"\} [1-9]/);
    expect(m.text).toMatch(/blasnet_requests_total\{model="clf",route="v2-infer",status="400"\} [1-9]/);
    expect(m.text).toMatch(/blasnet_requests_total\{model="",route="v2-infer",status="404"\} [1-9]/);
    expect(m.text).not.toMatch(/model="nope"/);
    expect(m.text).toMatch(/blasnet_request_duration_seconds_bucket\{le="0.005",model="clf",route="v2-infer"\}/);
    expect(m.text).toMatch(/blasnet_batch_rows_count\{model="clf"\} [1-9]/);
    expect(m.text).toMatch(/blasnet_queue_rows\{model="reg"\} 0/);
    expect(m.text).toMatch(/nodejs_eventloop_lag_seconds \d/);
    expect(m.text).toMatch(/blasnet_model_version_served\{model="reg",version="3"\} 1/);
    expect(m.text).toContain(`blasnet_engine_info{engine="${engineInfo().engine}",blas_core="${engineInfo().blasCore ?? 'none'}"`);
  });
});

describe('serve: limits, deadlines and the token', () => {
  const model = mlp([4, 8, 3], 5);
  let limited: InferenceServer;
  beforeAll(async () => {
    limited = await serve({
      models: { m: model }, port: 0, log: false, bodyLimit: 2048, maxRowsPerRequest: 8,
      maxQueueRows: 4, maxQueueDelayMicros: 400_000, maxBatchSize: 64, timeoutMs: 1500, authToken: 's3cret',
    });
  });
  afterAll(async () => { await limited?.close(); });
  const auth = { Authorization: 'Bearer s3cret' };

  it('a body over the limit is 413, by its Content-Length or while it streams, and the server goes on', async () => {
    const big = JSON.stringify(v2Body(rows(30, 4, 1)));
    expect(big.length).toBeGreaterThan(2048);
    const r = await request(`${limited.url}/v2/models/m/infer`, { body: big, headers: auth });
    expect(r).toMatchObject({ status: 413, body: { code: 'ERR_LIMIT' } });
    expect(r.body.error).toMatch(/over the limit of 2048 bytes/);
    const chunks = Array.from({ length: 64 }, () => Buffer.alloc(1024, 32));
    const s = await postChunked(`${limited.url}/v2/models/m/infer`, chunks);
    expect(s.status).toBe(413);
    expect((await request(`${limited.url}/v2/health/live`)).status).toBe(200);
  });

  it('bodies held at once over all connections share one budget: past it 503, and the budget comes back', async () => {
    const budget = await serve({ models: { m: model }, port: 0, log: false, bodyLimit: 4096, bodyBudget: 6000 });
    try {
      // A holds 3,000 bytes and waits; B's 4,000 would take the server over 6,000.
      const a = http.request(`${budget.url}/v2/models/m/infer`, { method: 'POST', agent: false });
      const aReply = new Promise<number>((resolve) => a.on('response', (res) => { res.resume(); resolve(res.statusCode!); }));
      a.write(' '.repeat(3000));
      await new Promise((r) => setTimeout(r, 200));
      const b = await postChunked(`${budget.url}/v2/models/m/infer`, [Buffer.alloc(2000, 32), Buffer.alloc(2000, 32)]);
      expect(b.status).toBe(503);
      expect(JSON.parse(b.text)).toMatchObject({ code: 'ERR_LIMIT', error: expect.stringMatching(/budget of 6000/) });
      a.end(JSON.stringify(v2Body([[1, 2, 3, 4]])));
      expect(await aReply).toBe(200);
      // A's share is released: a body of 4,000 bytes now fits.
      const c = await postChunked(`${budget.url}/v2/models/m/infer`, [Buffer.from(JSON.stringify(v2Body([[1, 2, 3, 4]])).padEnd(4000, ' '))]);
      expect(c.status).toBe(200);
    } finally { await budget.close(); }
  });

  it('more rows than the per-request limit is 413', async () => {
    const r = await request(`${limited.url}/v1/models/m:predict`, { body: { instances: rows(9, 4, 2) }, headers: auth });
    expect(r).toMatchObject({ status: 413, body: { code: 'ERR_LIMIT' } });
    expect(r.body.error).toMatch(/9 rows, more than the limit of 8/);
  });

  it('a full queue is 503 with Retry-After; the queued requests are answered', async () => {
    // The queue holds 4 rows and an idle engine waits 400 ms for company: the fifth row finds it full.
    const sends = Array.from({ length: 5 }, (_, i) => request(`${limited.url}/v1/models/m:predict`, { body: { instances: rows(1, 4, i) }, headers: auth }));
    const replies = await Promise.all(sends);
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 503]);
    const full = replies.find((r) => r.status === 503)!;
    expect(full.headers.get('retry-after')).toBe('1');
    expect(full.body).toMatchObject({ code: 'ERR_LIMIT' });
    expect(full.body.error).toMatch(/queue of model m .* is full/);
  });

  it('a request past its deadline is 504', async () => {
    const slow = await serve({ models: { m: model }, port: 0, log: false, maxQueueDelayMicros: 2_000_000, timeoutMs: 100 });
    try {
      const t0 = performance.now();
      const r = await request(`${slow.url}/v2/models/m/infer`, { body: v2Body([[1, 2, 3, 4]]) });
      expect(r).toMatchObject({ status: 504, body: { code: 'ERR_TIMEOUT' } });
      expect(r.body.error).toMatch(/deadline of 100 ms/);
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally { await slow.close(); }
  });

  it('the bearer token guards the model endpoints; probes and metrics stay open', async () => {
    const body = v2Body([[1, 2, 3, 4]]);
    const none = await request(`${limited.url}/v2/models/m/infer`, { body });
    expect(none).toMatchObject({ status: 401, body: { code: 'ERR_UNAUTHORIZED' } });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await request(`${limited.url}/v2/models/m/infer`, { body, headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await request(`${limited.url}/v2/models/m/infer`, { body, headers: { Authorization: 's3cret' } })).status).toBe(401);
    expect((await request(`${limited.url}/v2/models/m`)).status).toBe(401);
    expect((await request(`${limited.url}/v1/models/m`)).status).toBe(401);
    expect((await request(`${limited.url}/v2/models/m/infer`, { body, headers: { Authorization: 'bearer s3cret' } })).status).toBe(200);
    expect((await request(`${limited.url}/v2/health/ready`)).status).toBe(200);
    expect((await request(`${limited.url}/v2/models/m/ready`)).status).toBe(200);
    expect((await request(`${limited.url}/metrics`)).status).toBe(200);
  });
});

describe('serve: options', () => {
  it('rejects unknown options, bad values and missing folders with the library\'s errors', async () => {
    await expect(serve({ models: dir, port: 0, log: false, batchSize: 3 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(serve({ models: dir, port: -1, log: false })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/options\.port/) });
    await expect(serve({ models: path.join(dir, 'missing'), port: 0, log: false })).rejects.toMatchObject({ code: 'ERR_IO' });
    await expect(serve({ models: { 'a/b': path.join(dir, 'clf') }, port: 0, log: false })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    const empty = tempDir('blasnet-serve-empty-');
    try {
      await expect(serve({ models: empty, port: 0, log: false })).rejects.toMatchObject({ code: 'ERR_IO' });
    } finally { fs.rmSync(empty, { recursive: true, force: true }); }
  });
});
