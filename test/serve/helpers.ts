// Shared by the server tests: small seeded models, model folders, a real HTTP client on loopback.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { layers, sequential, setSeed, type Sequential } from '../../lib/index';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A dense relu stack with a softmax output, seeded (the same seed gives the same weights). */
export function mlp(widths: number[], seed: number): Sequential {
  setSeed(seed);
  return sequential({
    layers: widths.slice(1).map((units, i) => layers.dense({
      units, activation: i === widths.length - 2 ? 'softmax' : 'relu', ...(i === 0 ? { inputShape: [widths[0]!] } : {}),
    })),
  });
}

/** Seeded rows of `d` values in [-1, 1). */
export function rows(n: number, d: number, seed: number): number[][] {
  let s = seed >>> 0 || 1;
  const next = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1; };
  return Array.from({ length: n }, () => Array.from({ length: d }, next));
}

export interface Reply { status: number; headers: Headers; body: any; text: string }

export async function request(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const r = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), body, headers: init.headers });
  const text = await r.text();
  let parsed: unknown = null;
  try { parsed = JSON.parse(text); } catch { /* metrics text */ }
  return { status: r.status, headers: r.headers, body: parsed, text };
}

/** A v2 inference request body for these rows. */
export function v2Body(x: number[][], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, inputs: [{ name: 'input', shape: [x.length, x[0]!.length], datatype: 'FP32', data: x.flat() }] };
}

/** A POST whose body is sent in chunks without a Content-Length (chunked transfer encoding). */
export function postChunked(url: string, chunks: Buffer[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    let i = 0;
    const more = (): void => {
      while (i < chunks.length) {
        if (!req.write(chunks[i++]!)) { req.once('drain', more); return; }
      }
      req.end();
    };
    more();
  });
}

/** Rows x outputs of the model on x, computed directly (the reference for what the server answers). */
export async function direct(model: Sequential, x: number[][]): Promise<Float32Array> {
  return (await model.predictAsync(x, { batchSize: x.length })).dataSync();
}

export function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= tol)) return false;
  return true;
}
