// Loading a layers model over http(s), as tf.loadLayersModel('https://.../model.json') does: model.json,
// then its shards relative to it, with the same validation and limits as files plus network ones (same
// origin, no escape above model.json's directory, byte counts checked before and while downloading, one
// deadline for the whole load). Every failure is a BlasnetError: ERR_TIMEOUT, ERR_IO, ERR_LIMIT, ERR_FORMAT.
import * as http from 'http';
import * as https from 'https';
import { BlasnetError, describe } from '../errors';
import { checkModelMemory } from './budget';
import { intInRange, orDefault } from '../validate';
import { checkModelJSON, modelJSONToArtifacts, type LoadOptions, type ModelArtifacts } from './tfjs';
import { MAX_MODEL_JSON_BYTES, parseModelJson } from './json-guard';

const DEFAULT_TIMEOUT_MS = 60_000;

export function isHttpUrl(v: unknown): v is string {
  return typeof v === 'string' && /^https?:\/\//i.test(v);
}

/**
 * The load's one deadline. When it passes, every request still open is destroyed (its socket closed):
 * an AbortSignal is not enough, since fetch() keeps delivering a reused connection's body after an abort,
 * and a bare AbortSignal.timeout() that nothing references can be garbage-collected and never fire. The
 * timer holds this object, so it lives as long as the load.
 */
class Deadline {
  private readonly timer: NodeJS.Timeout;
  private readonly open = new Set<http.ClientRequest>();
  expired = false;
  constructor(readonly ms: number, readonly url: string) {
    this.timer = setTimeout(() => {
      this.expired = true;
      for (const req of this.open) req.destroy(this.error('the response'));
    }, ms);
  }
  error(what: string): BlasnetError {
    return new BlasnetError('ERR_TIMEOUT', `Loading ${this.url} took longer than the ${this.ms} ms timeout (while reading ${what}); set it with the timeoutMs option`);
  }
  track(req: http.ClientRequest): void { this.open.add(req); req.once('close', () => this.open.delete(req)); }
  end(): void { clearTimeout(this.timer); }
}

/**
 * Downloads at most `limit` bytes (more is `over`), into `into` at its offset when given (a shard goes
 * straight into the weights buffer), else into a new buffer. Redirects are not followed.
 */
function download(url: string, limit: number, what: string, deadline: Deadline, over: (got: string) => BlasnetError,
  into?: { buffer: Uint8Array; offset: number }): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (deadline.expired) { reject(deadline.error(what)); return; }
    const u = new URL(url);
    const get = u.protocol === 'https:' ? https.get : http.get;
    let failed: BlasnetError | null = null;
    const fail = (err: BlasnetError) => { failed ??= err; req.destroy(err); };
    const req = get(u, { agent: false, headers: { accept: '*/*', 'accept-encoding': 'identity' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        fail(new BlasnetError('ERR_IO', `Cannot fetch ${what} ${url}: HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`));
        return;
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > limit) { fail(over(`${declared} bytes (its Content-Length)`)); return; }
      const chunks: Buffer[] = [];
      let got = 0;
      res.on('data', (chunk: Buffer) => {
        if (failed) return;
        if (got + chunk.byteLength > limit) { fail(over(`more than ${limit} bytes`)); return; }
        if (into) into.buffer.set(chunk, into.offset + got);
        else chunks.push(chunk);
        got += chunk.byteLength;
      });
      res.on('end', () => {
        if (failed) return;
        if (!res.complete) { reject(new BlasnetError('ERR_IO', `Cannot fetch ${what} ${url}: the connection closed before the end of the response`)); return; }
        resolve(into ? into.buffer.subarray(into.offset, into.offset + got) : Buffer.concat(chunks, got));
      });
      res.on('error', () => undefined); // reported through req's 'error' or 'close'
    });
    deadline.track(req);
    req.on('error', (err) => {
      if (failed) reject(failed);
      else if (deadline.expired) reject(deadline.error(what));
      else reject(new BlasnetError('ERR_IO', `Cannot fetch ${what} ${url}: ${err.message}`, { cause: err }));
    });
    req.on('close', () => {
      if (failed) reject(failed);
      else if (deadline.expired) reject(deadline.error(what));
      else reject(new BlasnetError('ERR_IO', `Cannot fetch ${what} ${url}: the connection closed before the end of the response`));
    });
  });
}

/** The shard URL for a manifest path: relative, inside model.json's directory, same origin. */
function shardUrl(base: URL, p: string): string {
  const bad = () => new BlasnetError('ERR_FORMAT', `Weight file path ${describe(p)} in model.json must be a relative path inside the model directory`);
  if (p.length === 0 || p.length > 4096 || p.includes('\\') || p.includes('\0') || p.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(p)) throw bad();
  let decoded: string;
  try { decoded = decodeURIComponent(p); } catch { decoded = p; }
  if (decoded.split('/').some((s) => s === '..')) throw bad();
  const u = new URL(p, base);
  const dir = base.href.slice(0, base.href.lastIndexOf('/') + 1);
  if (u.origin !== base.origin || !u.href.startsWith(dir)) throw bad();
  return u.href;
}

/** The timeoutMs load option, checked on every load (a local one ignores it, but takes no bad value either). */
export function timeoutOption(v: unknown): number {
  // At most what a Node timer holds: a longer one fires at once.
  return orDefault(v, DEFAULT_TIMEOUT_MS, (x) => intInRange(x, 'options.timeoutMs', 1, 2 ** 31 - 1));
}

/** Downloads one file (a .keras, .h5 or .onnx model) of at most `limit` bytes within one deadline. */
export async function fetchBytes(url: string, limit: number, what: string, options: Pick<LoadOptions, 'timeoutMs'> = {}): Promise<Uint8Array> {
  const deadline = new Deadline(timeoutOption(options.timeoutMs), url);
  try {
    return await download(url, limit, what, deadline, (got) => new BlasnetError('ERR_LIMIT', `${what} at ${url} is ${got} (the limit is ${limit} bytes)`));
  } finally {
    deadline.end();
  }
}

/** Fetches model.json and its shards within one deadline; limits are checked before each download. */
export async function fetchArtifacts(url: string, options: Pick<LoadOptions, 'memoryLimit' | 'timeoutMs'> = {}): Promise<ModelArtifacts> {
  const deadline = new Deadline(timeoutOption(options.timeoutMs), url);
  try {
    let base: URL;
    try { base = new URL(url); } catch { throw new BlasnetError('ERR_INVALID_ARG', `Expected a valid URL but received ${describe(url)}`); }
    const bytes = await download(base.href, MAX_MODEL_JSON_BYTES, 'model.json', deadline,
      (got) => new BlasnetError('ERR_LIMIT', `model.json at ${url} is ${got} (the limit is ${MAX_MODEL_JSON_BYTES})`));
    const json = parseModelJson(bytes, url);
    const { weightSpecs, groups } = checkModelJSON(json);
    const total = groups.reduce((n, g) => n + g.bytes, 0);
    checkModelMemory(url, (json as { modelTopology: unknown }).modelTopology, weightSpecs, total, options.memoryLimit);
    const urls = groups.map((g) => g.paths.map((p) => shardUrl(base, p)));
    const seen = new Set<string>();
    for (const u of urls.flat()) {
      if (seen.has(u)) throw new BlasnetError('ERR_FORMAT', `Weight file ${u} is listed more than once in model.json`);
      seen.add(u);
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const [gi, g] of groups.entries()) {
      const start = off;
      for (const [k, p] of g.paths.entries()) {
        const room = g.bytes - (off - start);
        const shard = await download(urls[gi]![k]!, room, `weight file ${p} of`, deadline, () => new BlasnetError('ERR_FORMAT',
          `weightsManifest[${gi}] describes ${g.bytes} bytes of weights but its files (${g.paths.join(', ')}) hold more`), { buffer: out, offset: off });
        off += shard.byteLength;
      }
      if (off - start !== g.bytes) {
        throw new BlasnetError('ERR_FORMAT', `weightsManifest[${gi}] describes ${g.bytes} bytes of weights but its files (${g.paths.join(', ')}) hold ${off - start} bytes`);
      }
    }
    return modelJSONToArtifacts(json, out.buffer);
  } finally {
    deadline.end();
  }
}
