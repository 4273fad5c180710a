// Dynamic batching: concurrent requests answered by one engine call, each with its own rows; the queue
// filling while the engine is busy (the default, no delay); maxBatchSize; batching off; one bad
// request among good ones. The engine calls are counted (and held, where a test needs the engine busy)
// by wrapping the model's own predictAsync.
import { afterEach, describe, expect, it } from 'vitest';
import { BlasnetError, serve, type InferenceServer, type Sequential } from '../../lib/index';
import { close, direct, mlp, request, rows, v2Body } from './helpers';

interface Calls { rows: number[]; release: () => void }

/** Counts engine calls; while `hold` is set, each call waits for release() before it runs. */
function instrument(model: Sequential, opts: { hold?: boolean; failOn?: number } = {}): Calls {
  const orig = model.predictAsync.bind(model);
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  if (opts.hold) gate = new Promise<void>((resolve) => { open = resolve; });
  const calls: Calls = { rows: [], release: () => open() };
  model.predictAsync = async (x: unknown, args?: { batchSize?: number }) => {
    // The server passes {data, shape}; the tests' own reference calls (arrays) pass through uncounted.
    if (Array.isArray(x)) return orig(x, args);
    const m = x as { data: Float32Array; shape: [number, number] };
    calls.rows.push(m.shape[0]);
    await gate;
    // An engine failure caused by one request's rows: the marker value.
    if (opts.failOn !== undefined && m.data.includes(opts.failOn)) throw new BlasnetError('ERR_NON_FINITE', 'the engine rejected these rows');
    return orig(x, args);
  };
  return calls;
}

/** Resolves once `n` engine calls have started. */
async function calls(c: Calls, n: number): Promise<void> {
  const t0 = Date.now();
  while (c.rows.length < n) {
    if (Date.now() - t0 > 10_000) throw new Error(`only ${c.rows.length} of ${n} engine calls started`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves once the model's queue holds `n` rows (bounded), so a test's requests have all arrived. */
async function queuedRowsReach(s: InferenceServer, n: number): Promise<void> {
  const t0 = Date.now();
  while (s.models()[0]!.queuedRows < n) {
    if (Date.now() - t0 > 10_000) throw new Error(`only ${s.models()[0]!.queuedRows} of ${n} rows queued`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let server: InferenceServer | null = null;
afterEach(async () => { await server?.close(); server = null; });

const infer = (s: InferenceServer, x: number[][]) => request(`${s.url}/v2/models/m/infer`, { body: v2Body(x) });

describe('serve: dynamic batching', () => {
  it('concurrent requests are answered by one engine call, each with its own rows', async () => {
    const model = mlp([6, 16, 4], 3);
    server = await serve({ models: { m: model }, port: 0, log: false, maxQueueDelayMicros: 300_000, maxBatchSize: 64 });
    const c = instrument(model);
    const inputs = [1, 3, 2, 4, 1, 2, 5, 1].map((n, i) => rows(n, 6, 100 + i));
    const replies = await Promise.all(inputs.map((x) => infer(server!, x)));
    expect(c.rows).toEqual([19]);
    for (let i = 0; i < inputs.length; i++) {
      expect(replies[i]!.status).toBe(200);
      expect(replies[i]!.body.outputs[0].shape).toEqual([inputs[i]!.length, 4]);
      expect(close(replies[i]!.body.outputs[0].data, await direct(model, inputs[i]!), 1e-5)).toBe(true);
    }
    const m = (await request(`${server.url}/metrics`)).text;
    expect(m).toMatch(/blasnet_batch_requests_bucket\{le="8",model="m"\} 1\b/);
    expect(m).toMatch(/blasnet_batch_rows_bucket\{le="16",model="m"\} 0\b/);
  });

  it('with no queue delay, what queues while the engine is busy is the next batch', async () => {
    const model = mlp([6, 16, 4], 4);
    server = await serve({ models: { m: model }, port: 0, log: false });
    const c = instrument(model, { hold: true });
    const first = infer(server, rows(2, 6, 1));
    await calls(c, 1);
    const later = [3, 1, 2, 1].map((n, i) => rows(n, 6, 10 + i));
    const pending = later.map((x) => infer(server!, x));
    // Wait (bounded) for every request to arrive and queue behind the held call: a fixed pause was too short under load.
    await queuedRowsReach(server, 7);
    expect(server.models()[0]!.queuedRows).toBe(7);
    c.release();
    const replies = await Promise.all([first, ...pending]);
    expect(c.rows).toEqual([2, 7]);
    expect(replies.every((r) => r.status === 200)).toBe(true);
    for (let i = 0; i < later.length; i++) expect(close(replies[i + 1]!.body.outputs[0].data, await direct(model, later[i]!))).toBe(true);
  });

  it('a batch stops at maxBatchSize rows; a larger request runs alone; maxBatchSize 1 turns batching off', async () => {
    const model = mlp([6, 8, 3], 5);
    server = await serve({ models: { m: model }, port: 0, log: false, maxBatchSize: 6 });
    let c = instrument(model, { hold: true });
    const first = infer(server, rows(1, 6, 1));
    await calls(c, 1);
    const pending = [3, 3, 3, 9, 2].map((n, i) => infer(server!, rows(n, 6, 20 + i)));
    await queuedRowsReach(server, 20);
    c.release();
    expect((await Promise.all([first, ...pending])).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // In arrival order: 3+3, then 3 (3+9 is over 6), 9 alone, 2.
    expect(c.rows.slice(1).reduce((a, b) => a + b, 0)).toBe(20);
    expect(Math.max(...c.rows.slice(1).filter((n) => n !== 9))).toBeLessThanOrEqual(6);
    expect(c.rows).toContain(9);
    await server.close();

    server = await serve({ models: { m: model }, port: 0, log: false, maxBatchSize: 1 });
    c = instrument(model, { hold: true });
    const one = infer(server, rows(1, 6, 1));
    await calls(c, 1);
    const each = [1, 1, 2].map((n, i) => infer(server!, rows(n, 6, 30 + i)));
    await queuedRowsReach(server, 4);
    c.release();
    expect((await Promise.all([one, ...each])).every((r) => r.status === 200)).toBe(true);
    expect(c.rows.sort()).toEqual([1, 1, 1, 2]);
  });

  it('a bad request among good ones fails alone, whether it is caught when parsed or by the engine', async () => {
    const model = mlp([6, 16, 4], 6);
    server = await serve({ models: { m: model }, port: 0, log: false, maxQueueDelayMicros: 300_000 });
    let c = instrument(model);
    const good = [2, 1, 3].map((n, i) => rows(n, 6, 40 + i));
    const bad = '{"inputs":[{"name":"input","shape":[1,6],"datatype":"FP32","data":[1,2,3,1e999,5,6]}]}';
    const replies = await Promise.all([
      infer(server, good[0]!), request(`${server.url}/v2/models/m/infer`, { body: bad }), infer(server, good[1]!), infer(server, good[2]!),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 400, 200, 200]);
    expect(replies[1]!.body.code).toBe('ERR_NON_FINITE');
    expect(c.rows).toEqual([6]);
    for (const [i, r] of [[0, 0], [1, 2], [2, 3]] as const) expect(close(replies[r]!.body.outputs[0].data, await direct(model, good[i]!))).toBe(true);

    // Rows the engine itself rejects: the merged call fails, then each request runs alone.
    await server.close();
    server = await serve({ models: { m: model }, port: 0, log: false, maxQueueDelayMicros: 300_000 });
    c = instrument(model, { failOn: 7777 });
    const poison = rows(2, 6, 50);
    poison[1]![3] = 7777;
    const mixed = await Promise.all([infer(server, good[0]!), infer(server, poison), infer(server, good[2]!)]);
    expect(mixed.map((r) => r.status)).toEqual([200, 400, 200]);
    expect(mixed[1]!.body).toMatchObject({ code: 'ERR_NON_FINITE', error: 'the engine rejected these rows' });
    expect(c.rows[0]).toBe(7);
    expect(c.rows.slice(1).sort()).toEqual([2, 2, 3]);
    expect(close(mixed[2]!.body.outputs[0].data, await direct(model, good[2]!))).toBe(true);
  });
});
