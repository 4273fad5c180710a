// Loading a layers model over http(s), as tf.loadLayersModel('https://.../model.json') does: model.json,
// then its shards relative to it, with the same validation and limits as files plus network ones (same
// origin, no escape above model.json's directory, byte counts checked before and while downloading, one
// deadline for the whole load). Every failure is a BlasnetError: ERR_TIMEOUT, ERR_IO, ERR_LIMIT, ERR_FORMAT.
import { BlasnetError, describe } from '../errors';
import { checkModelMemory } from './budget';
import { checkModelJSON, modelJSONToArtifacts, type LoadOptions, type ModelArtifacts } from './format';
import { MAX_MODEL_JSON_BYTES, parseModelJson } from './json-guard';

const DEFAULT_TIMEOUT_MS = 60_000;

export function isHttpUrl(v: unknown): v is string {
  return typeof v === 'string' && /^https?:\/\//i.test(v);
}

/**
 * The load's deadline. The timer holds the controller, so the signal lives until the load ends (a bare
 * AbortSignal.timeout() that nothing else references can be garbage-collected, and then never fires).
 */
class Deadline {
  readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  expired = false;
  constructor(readonly ms: number) {
    this.timer = setTimeout(() => { this.expired = true; this.controller.abort(); }, ms);
  }
  get signal(): AbortSignal { return this.controller.signal; }
  /** The error for a failure: ERR_TIMEOUT when the deadline caused it, else ERR_IO. */
  failure(what: string, url: string, err: unknown): BlasnetError {
    if (err instanceof BlasnetError) return err;
    if (this.expired) return new BlasnetError('ERR_TIMEOUT', `Loading ${url} took longer than the ${this.ms} ms timeout (while reading ${what}); set it with the timeoutMs option`);
    const cause = (err as { cause?: { message?: string } })?.cause?.message;
    return new BlasnetError('ERR_IO', `Cannot fetch ${what} ${url}: ${(err as Error)?.message ?? String(err)}${cause ? ` (${cause})` : ''}`, { cause: err });
  }
  end(): void { clearTimeout(this.timer); }
}

/**
 * Downloads at most `limit` bytes (more is `over`), into `into` at its offset when given (a shard goes
 * straight into the weights buffer), else into a new buffer.
 */
async function fetchBytes(url: string, limit: number, what: string, deadline: Deadline, over: (got: string) => BlasnetError,
  into?: { buffer: Uint8Array; offset: number }): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: deadline.signal, redirect: 'error' });
  } catch (err) {
    throw deadline.failure(what, url, err);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new BlasnetError('ERR_IO', `Cannot fetch ${what} ${url}: HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw over(`${declared} bytes (its Content-Length)`);
  }
  const chunks: Uint8Array[] = [];
  let got = 0;
  const reader = res.body?.getReader();
  if (reader) {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (got + value.byteLength > limit) throw over(`more than ${limit} bytes`);
        if (into) into.buffer.set(value, into.offset + got);
        else chunks.push(value);
        got += value.byteLength;
      }
    } catch (err) {
      await reader.cancel().catch(() => undefined);
      throw deadline.failure(what, url, err);
    }
  }
  return into ? into.buffer.subarray(into.offset, into.offset + got) : Buffer.concat(chunks, got);
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

function timeoutOption(v: unknown): number {
  if (v === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof v !== 'number' || !(v > 0) || v > 2 ** 31 - 1) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a number of milliseconds in (0, ${2 ** 31 - 1}] for options.timeoutMs but received ${describe(v)}`);
  }
  return v;
}

/** Fetches model.json and its shards within one deadline; limits are checked before each download. */
export async function fetchArtifacts(url: string, options: Pick<LoadOptions, 'memoryLimit' | 'timeoutMs'> = {}): Promise<ModelArtifacts> {
  const deadline = new Deadline(timeoutOption(options.timeoutMs));
  try {
    let base: URL;
    try { base = new URL(url); } catch { throw new BlasnetError('ERR_INVALID_ARG', `Expected a valid URL but received ${describe(url)}`); }
    const bytes = await fetchBytes(base.href, MAX_MODEL_JSON_BYTES, 'model.json', deadline,
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
        const shard = await fetchBytes(urls[gi]![k]!, room, `weight file ${p} of`, deadline, () => new BlasnetError('ERR_FORMAT',
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
