// Limits on model.json before JSON.parse sees it, and the same limits on what save() writes.
//
// JSON.parse's cost is not its input size: measured on Node 20 (this machine), 64 MB of nested arrays
// takes 86 s and 3.2 GB of RSS, 64 MB of empty objects 47 s and 2.2 GB, 8M distinct keys 35 s and 2 GB,
// while 64 MB of one flat string is free. So the bytes are scanned once, linearly and without allocating,
// and refused when they would build more than a real model needs:
// - depth 64: tfjs, Keras and blasnet files nest about 10 levels (topology > layers > config > initializer);
// - 500,000 arrays and objects, 1,000,000 keys, 2,000,000 scalars: the largest file the format checks
//   accept (10,000 layers of about 40 keys each plus 100,000 weight entries of up to 7 keys) stays under
//   half of each;
// - 100,000 distinct key names: a key name V8 has not seen costs a hidden class (1M distinct keys: 2.6 s
//   and 300 MB; the same count of repeated ones 0.8 s), and model files use a few hundred names.
// At these caps the worst JSON.parse measured here takes about a second and under 200 MB.
// save() runs the same scan on the text it is about to write, so everything blasnet saves loads again.
import { BlasnetError } from '../errors';

export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_CONTAINERS = 500_000;
export const MAX_JSON_KEYS = 1_000_000;
export const MAX_JSON_DISTINCT_KEYS = 100_000;
export const MAX_JSON_SCALARS = 2_000_000;

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a;
const OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d;

/** 1 for bytes that start a number or a literal (true, false, null). */
const SCALAR_START = new Uint8Array(256);
for (const c of '-0123456789tfn') SCALAR_START[c.charCodeAt(0)] = 1;
/** 1 for bytes that continue one (so "123" or "true" counts once). */
const SCALAR_PART = new Uint8Array(256);
for (const c of '-+.0123456789eEtrufalsn') SCALAR_PART[c.charCodeAt(0)] = 1;

function limitError(what: string, found: string, limit: number, where: string): BlasnetError {
  return new BlasnetError('ERR_LIMIT', `${where} has ${found} ${what} (the limit is ${limit}): not a model file blasnet will parse`);
}

/**
 * Throws ERR_LIMIT when the JSON bytes nest deeper or hold more containers, keys or scalars than the
 * limits above. Linear in the input, no allocation; it does not validate the syntax (JSON.parse does).
 */
export function scanJsonLimits(bytes: Uint8Array, where: string): void {
  if (bytes.byteLength > MAX_MODEL_JSON_BYTES) {
    throw new BlasnetError('ERR_LIMIT', `${where} is ${bytes.byteLength} bytes (the limit is ${MAX_MODEL_JSON_BYTES})`);
  }
  let depth = 0, containers = 0, keys = 0, scalars = 0;
  // Key names are told apart by a 32-bit FNV-1a hash of their bytes (a collision only undercounts).
  const names = new Set<number>();
  let stringStart = 0, stringEnd = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      // Skip the string: a native search for its closing quote (a long string costs nothing), and a byte
      // loop from the first escaped quote on (so a string of many escaped quotes stays linear too).
      let end = bytes.indexOf(QUOTE, i + 1);
      let slashes = 0;
      while (end > 0 && bytes[end - 1 - slashes] === BACKSLASH) slashes++;
      if (end < 0) end = n;
      else if (slashes % 2 === 1) {
        end = i + 1;
        while (end < n) {
          const d = bytes[end]!;
          if (d === BACKSLASH) end += 2;
          else if (d === QUOTE) break;
          else end++;
        }
      }
      stringStart = i + 1;
      stringEnd = end;
      i = end;
      scalars++;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > MAX_JSON_DEPTH) throw limitError('levels of nesting', `more than ${MAX_JSON_DEPTH}`, MAX_JSON_DEPTH, where);
      if (++containers > MAX_JSON_CONTAINERS) throw limitError('arrays and objects', `more than ${MAX_JSON_CONTAINERS}`, MAX_JSON_CONTAINERS, where);
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    } else if (c === COLON) {
      // A key's string was counted as a scalar: move it to the keys.
      scalars--;
      if (++keys > MAX_JSON_KEYS) throw limitError('object keys', `more than ${MAX_JSON_KEYS}`, MAX_JSON_KEYS, where);
      let h = 0x811c9dc5;
      for (let k = stringStart; k < stringEnd; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
      names.add(h);
      if (names.size > MAX_JSON_DISTINCT_KEYS) {
        throw limitError('distinct key names', `more than ${MAX_JSON_DISTINCT_KEYS}`, MAX_JSON_DISTINCT_KEYS, where);
      }
    } else if (SCALAR_START[c]) {
      while (i + 1 < n && SCALAR_PART[bytes[i + 1]!]) i++;
      if (++scalars > MAX_JSON_SCALARS) throw limitError('numbers, strings and literals', `more than ${MAX_JSON_SCALARS}`, MAX_JSON_SCALARS, where);
    }
  }
  if (scalars > MAX_JSON_SCALARS) throw limitError('numbers, strings and literals', `more than ${MAX_JSON_SCALARS}`, MAX_JSON_SCALARS, where);
}

/** Pre-scanned JSON.parse of model.json bytes: ERR_LIMIT over the limits, ERR_FORMAT when not JSON. */
export function parseModelJson(bytes: Uint8Array, where: string): unknown {
  scanJsonLimits(bytes, where);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BlasnetError('ERR_FORMAT', `${where} is not valid UTF-8 text`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BlasnetError('ERR_FORMAT', `${where} is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

/**
 * A value a user put in the model (userDefinedMetadata), refused with a BlasnetError (ERR_INVALID_ARG)
 * when it nests deeper than loaders accept, refers to itself, holds more values than a loadable
 * model.json, or cannot be serialized (a BigInt, a throwing getter): JSON.stringify would throw a
 * RangeError or TypeError instead, or run for ever on an object that refers to itself twice.
 */
export function checkJsonValue(value: unknown, what: string): void {
  const refuse = (why: string) => new BlasnetError('ERR_INVALID_ARG', `Expected ${what} to be JSON a model file can hold but ${why}`);
  const ancestors = new Set<object>();
  let values = 0;
  const walk = (v: unknown, depth: number): void => {
    if (++values > MAX_JSON_CONTAINERS + MAX_JSON_SCALARS) {
      throw refuse(`it holds more than ${MAX_JSON_CONTAINERS + MAX_JSON_SCALARS} values`);
    }
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'bigint') throw refuse('it holds a BigInt');
      return;
    }
    if (ancestors.has(v)) throw refuse('it refers to itself');
    // model.json wraps the value in a few levels of its own; the total must stay under MAX_JSON_DEPTH.
    if (depth >= MAX_JSON_DEPTH - 8) throw refuse(`it is nested more than ${MAX_JSON_DEPTH - 8} levels deep`);
    ancestors.add(v);
    const items = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const item of items) walk(item, depth + 1);
    ancestors.delete(v);
  };
  try {
    walk(value, 0);
  } catch (err) {
    if (err instanceof BlasnetError) throw err;
    throw new BlasnetError('ERR_INVALID_ARG', `Cannot read ${what}: ${(err as Error)?.message?.slice(0, 200) ?? String(err)}`, { cause: err });
  }
}

/** JSON.stringify for model.json: any failure is a BlasnetError, and the text passes the loader's scan. */
export function modelJsonText(json: unknown, what: string): string {
  let text: string;
  try {
    text = JSON.stringify(json);
  } catch (err) {
    throw new BlasnetError('ERR_INVALID_ARG', `Cannot serialize ${what}: ${(err as Error).message.slice(0, 200)}`, { cause: err });
  }
  scanJsonLimits(Buffer.from(text, 'utf8'), `The model.json to write for ${what}`);
  return text;
}
