// loadLayersModel('http://...') against a hostile server on loopback: its deadline fires (even when
// the garbage collector runs while it waits), sizes are capped as for files, memory is checked before a
// shard is requested, and every failure is typed: ERR_TIMEOUT, ERR_IO, ERR_LIMIT or ERR_FORMAT.
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as v8 from 'v8';
import * as vm from 'vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequential, layers, setSeed } from '../../lib';
import { BlasnetError } from '../../lib/errors';
import { artifactsToModelJSON } from '../../lib/io';
import { loadLayersModel, toArtifacts } from '../../lib/model/saving';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let server: http.Server;
let base: string;
const requests: string[] = [];
const sockets = new Set<import('net').Socket>();
let modelJson = '';
let weights: Buffer;

function bigJson(): string {
  return JSON.stringify({
    modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd', units: 16384, batch_input_shape: [null, 16384] } }] } },
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [16384, 16384], dtype: 'float32' }, { name: 'd/bias', shape: [16384], dtype: 'float32' }] }],
  });
}

const routes: Record<string, (res: http.ServerResponse) => void> = {
  '/ok/model.json': (res) => res.end(modelJson),
  '/ok/weights.bin': (res) => res.end(weights),
  // Headers at once, then a byte a second for ever.
  '/slow/model.json': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const t = setInterval(() => res.write(' '), 1000);
    res.on('close', () => clearInterval(t));
  },
  // Accepts the request and never answers.
  '/silent/model.json': () => undefined,
  '/slowshard/model.json': (res) => res.end(modelJson),
  '/slowshard/weights.bin': (res) => {
    res.writeHead(200);
    res.write(weights.subarray(0, 4));
    const t = setInterval(() => res.write(weights.subarray(4, 5)), 1000);
    res.on('close', () => clearInterval(t));
  },
  '/declared/model.json': (res) => { res.writeHead(200, { 'content-length': String(2 ** 30) }); res.write('{'); },
  '/endless/model.json': (res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(1 << 20, 0x20);
    const pump = () => { while (res.write(chunk)); };
    res.on('drain', pump);
    pump();
  },
  '/nested/model.json': (res) => res.end('['.repeat(100_000) + ']'.repeat(100_000)),
  '/notjson/model.json': (res) => res.end('{"modelTopology": '),
  '/reset/model.json': (res) => { res.writeHead(200, { 'content-length': '1000' }); res.write('{"model'); setTimeout(() => res.socket?.destroy(), 50); },
  '/error/model.json': (res) => { res.writeHead(500); res.end('no'); },
  '/big/model.json': (res) => res.end(bigJson()),
  '/big/w.bin': (res) => res.end(Buffer.alloc(16)),
  '/dup/model.json': (res) => res.end(JSON.stringify(artifactsToModelJSON(toArtifacts(model()), ['weights.bin', './weights.bin']))),
  '/dup/weights.bin': (res) => res.end(weights.subarray(0, weights.length / 2)),
};

function model() {
  setSeed(9);
  return sequential({ layers: [layers.dense({ units: 3, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1 })] });
}

beforeAll(async () => {
  const m = model();
  const art = toArtifacts(m);
  m.dispose();
  modelJson = JSON.stringify(artifactsToModelJSON(art, ['weights.bin']));
  weights = Buffer.from(art.weightData as ArrayBuffer);
  server = http.createServer((req, res) => {
    requests.push(req.url!);
    const route = routes[req.url!];
    if (route) route(res);
    else res.writeHead(404).end();
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

async function outcome(url: string, options: Record<string, unknown> = {}): Promise<{ code: string; message: string; ms: number }> {
  const t = Date.now();
  try {
    const m = await loadLayersModel(url, options);
    m.dispose();
    return { code: 'ok', message: '', ms: Date.now() - t };
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(BlasnetError);
    return { code: (err as BlasnetError).code, message: (err as Error).message, ms: Date.now() - t };
  }
}

describe('loadLayersModel over http, against a hostile server', () => {
  it('loads from a well-behaved server', async () => {
    expect((await outcome(`${base}/ok/model.json`)).code).toBe('ok');
  });

  it('the timeout fires while a server sends a byte a second, even when the garbage collector runs meanwhile', async () => {
    const gcs = setInterval(gc, 50);
    try {
      for (const route of ['slow', 'silent', 'slowshard']) {
        const r = await outcome(`${base}/${route}/model.json`, { timeoutMs: 1500 });
        console.log(`io-http ${route}: ${r.code} after ${r.ms} ms (timeout 1500 ms)`);
        expect(r.code, route).toBe('ERR_TIMEOUT');
        expect(r.message).toMatch(/1500 ms timeout/);
        expect(r.ms, route).toBeGreaterThanOrEqual(1400);
        expect(r.ms, route).toBeLessThan(15_000);
      }
    } finally {
      clearInterval(gcs);
    }
  });

  it('sizes are capped as for files: ERR_LIMIT for a declared or streamed model.json over 64 MB and for hostile structure', async () => {
    const declared = await outcome(`${base}/declared/model.json`);
    expect(declared).toMatchObject({ code: 'ERR_LIMIT', message: expect.stringMatching(/1073741824 bytes \(its Content-Length\)/) });
    const endless = await outcome(`${base}/endless/model.json`);
    expect(endless).toMatchObject({ code: 'ERR_LIMIT', message: expect.stringMatching(/more than 67108864 bytes/) });
    expect((await outcome(`${base}/nested/model.json`)).code).toBe('ERR_LIMIT');
  });

  it('memory is checked from model.json before any shard is requested', async () => {
    requests.length = 0;
    const r = await outcome(`${base}/big/model.json`, { memoryLimit: '256M' });
    expect(r).toMatchObject({ code: 'ERR_LIMIT', message: expect.stringMatching(/memory limit of 256\.0 MiB/) });
    expect(requests).toEqual(['/big/model.json']);
  });

  it('every other failure is typed: refused connection, reset, HTTP error, bad JSON, duplicate shard, bad options', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect((await outcome(`http://127.0.0.1:${port}/model.json`)).code).toBe('ERR_IO');
    expect((await outcome(`${base}/reset/model.json`)).code).toBe('ERR_IO');
    expect((await outcome(`${base}/error/model.json`)).message).toMatch(/HTTP 500/);
    expect((await outcome(`${base}/missing/model.json`)).code).toBe('ERR_IO');
    expect((await outcome(`${base}/notjson/model.json`)).code).toBe('ERR_FORMAT');
    expect((await outcome(`${base}/dup/model.json`))).toMatchObject({ code: 'ERR_FORMAT', message: expect.stringMatching(/listed more than once/) });
    for (const bad of [0, -5, 'soon', 2 ** 40]) {
      expect((await outcome(`${base}/ok/model.json`, { timeoutMs: bad })).code, String(bad)).toBe('ERR_INVALID_ARG');
    }
  });
});
