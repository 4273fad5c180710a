// Loading a layers model over http(s), as tf.loadLayersModel('https://.../model.json') does: model.json,
// then its shards relative to it, with the same validation as files plus network limits (same origin,
// no escape above model.json's directory, byte counts checked before and while downloading).
import { BlasnetError, describe } from '../errors';
import { checkModelJSON, modelJSONToArtifacts, type ModelArtifacts } from './tfjs';

const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

export function isHttpUrl(v: unknown): v is string {
  return typeof v === 'string' && /^https?:\/\//i.test(v);
}

async function fetchBytes(url: string, limit: number, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
  } catch (err) {
    throw new BlasnetError('ERR_IO', `Cannot fetch ${what} ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw new BlasnetError('ERR_IO', `Cannot fetch ${what} ${url}: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel();
    throw new BlasnetError('ERR_FORMAT', `${what} ${url} is ${declared} bytes but at most ${limit} are expected`);
  }
  const chunks: Uint8Array[] = [];
  let got = 0;
  const reader = res.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (got + value.byteLength > limit) {
        await reader.cancel();
        throw new BlasnetError('ERR_FORMAT', `${what} ${url} has more than the ${limit} bytes expected`);
      }
      chunks.push(value);
      got += value.byteLength;
    }
  }
  return Buffer.concat(chunks, got);
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

/** Fetches model.json and its shards; validates sizes before trusting any of them. */
export async function fetchArtifacts(url: string): Promise<ModelArtifacts> {
  const base = new URL(url);
  const text = new TextDecoder().decode(await fetchBytes(base.href, MAX_MODEL_JSON_BYTES, 'model.json'));
  let json: unknown;
  try { json = JSON.parse(text); } catch (err) {
    throw new BlasnetError('ERR_FORMAT', `${url} is not valid JSON: ${(err as Error).message}`);
  }
  const { groups } = checkModelJSON(json);
  const total = groups.reduce((n, g) => n + g.bytes, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const [gi, g] of groups.entries()) {
    const start = off;
    for (const p of g.paths) {
      const bytes = await fetchBytes(shardUrl(base, p), g.bytes - (off - start), `weight file ${p} of`);
      out.set(bytes, off);
      off += bytes.byteLength;
    }
    if (off - start !== g.bytes) {
      throw new BlasnetError('ERR_FORMAT', `weightsManifest[${gi}] describes ${g.bytes} bytes of weights but its files (${g.paths.join(', ')}) hold ${off - start} bytes`);
    }
  }
  return modelJSONToArtifacts(json, out.buffer);
}
