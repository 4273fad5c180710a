// Where table bytes come from: a file (plain or gzip, recognised by its magic bytes), stdin, a stream,
// or bytes in memory; fed to the parser chunk by chunk, asynchronously (streams, never the whole file in
// memory) or synchronously (readSync in chunks; a .gz is inflated at once, within maxBytes).
import * as fs from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { BlasnetError } from '../../errors';
import { formatBytes } from '../../limits';
import type { ParseOptions } from './options';
import { TableParser } from './parse';
import type { Table } from './table';

const CHUNK = 256 << 10;

/** A path ('-' is stdin), a readable stream, or any async iterable of byte (or string) chunks. */
export type TableSource = string | Readable | AsyncIterable<Uint8Array | string>;

function ioError(source: string, err: unknown): BlasnetError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new BlasnetError('ERR_IO', `${source}: no such file`, { cause: err });
  if (code === 'EACCES') return new BlasnetError('ERR_IO', `${source}: permission denied`, { cause: err });
  if (code === 'EISDIR') return new BlasnetError('ERR_IO', `${source}: is a directory, expected a CSV or JSON Lines file`, { cause: err });
  return new BlasnetError('ERR_IO', `${source}: cannot read: ${(err as Error).message}`, { cause: err });
}

function gzipError(source: string, err: unknown): BlasnetError {
  return new BlasnetError('ERR_FORMAT', `${source}: not a valid gzip file (${(err as Error).message})`, { cause: err });
}

/** Opens a path for streaming, with errors a person can act on (checked before the first read). */
export function openSource(file: string): Readable {
  if (file === '-') return process.stdin;
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch (err) { throw ioError(file, err); }
  if (st.isDirectory()) throw ioError(file, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
  return fs.createReadStream(file, { highWaterMark: CHUNK });
}

function limitError(o: ParseOptions, limit: number, gz: boolean): BlasnetError {
  return new BlasnetError('ERR_LIMIT', `${o.source}: more than ${formatBytes(limit)} of ${gz ? 'decompressed ' : ''}text (the limit; raise it with ` +
    'the maxBytes option, or --max-bytes)');
}

/** The chunks of a source as bytes, gunzipped when they start with the gzip magic bytes. */
async function* bytesOf(src: AsyncIterable<Uint8Array | string>, o: ParseOptions): AsyncGenerator<Uint8Array> {
  const it = src[Symbol.asyncIterator]();
  const asBytes = (c: Uint8Array | string): Uint8Array => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  let head: Uint8Array = new Uint8Array(0);
  let done = false;
  try {
    while (head.length < 2) {
      const n = await it.next();
      if (n.done) { done = true; break; }
      const c = asBytes(n.value);
      head = head.length === 0 ? c : Buffer.concat([head, c]);
    }
  } catch (err) {
    throw err instanceof BlasnetError ? err : ioError(o.source, err);
  }
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const limit = o.maxBytes ?? (gz ? o.memoryLimit : Infinity);
  let total = 0;
  const count = (c: Uint8Array): Uint8Array => {
    total += c.length;
    if (total > limit) throw limitError(o, limit, gz);
    return c;
  };
  if (!gz) {
    if (head.length > 0) yield count(head);
    if (done) return;
    try {
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        yield count(asBytes(n.value));
      }
    } catch (err) {
      throw err instanceof BlasnetError ? err : ioError(o.source, err);
    } finally {
      await it.return?.();
    }
  }
  const rest = (async function* () {
    yield head;
    if (done) return;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield asBytes(n.value);
    }
  })();
  const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
  const input = Readable.from(rest, { objectMode: false });
  let sourceError: unknown = null;
  pipeline(input, gunzip, (err) => { if (err) sourceError = err; });
  try {
    for await (const c of gunzip) yield count(c as Buffer);
  } catch (err) {
    if (err instanceof BlasnetError) throw err;
    const e = sourceError ?? err;
    if ((e as NodeJS.ErrnoException).code?.startsWith('Z_')) throw gzipError(o.source, e);
    throw ioError(o.source, e);
  } finally {
    gunzip.destroy();
    input.destroy();
  }
}

function sourceStream(input: TableSource): AsyncIterable<Uint8Array | string> {
  return typeof input === 'string' ? openSource(input) : input;
}

/** Reads a whole table from a source. */
export async function readTable(input: TableSource, o: ParseOptions): Promise<Table> {
  const parser = new TableParser(o);
  for await (const c of bytesOf(sourceStream(input), o)) parser.push(c);
  parser.end();
  return parser.table();
}

/** Tables of batchSize rows (the last one shorter) while the source streams. */
export async function* readBatches(input: TableSource, o: ParseOptions, batchSize: number,
  onParser?: (p: TableParser) => void, reuse = false): AsyncGenerator<Table> {
  const parser = new TableParser(o, batchSize);
  onParser?.(parser);
  for await (const c of bytesOf(sourceStream(input), o)) {
    parser.push(c);
    const ready = parser.takeBatches();
    for (const t of ready) yield t;
    // With reuse, a batch is the caller's until it asks for the next one; then its arrays fill later batches.
    if (reuse) parser.recycle(ready);
  }
  parser.end();
  for (const t of parser.takeBatches()) yield t;
}

/** Feeds bytes in memory (already whole) to a parser, gunzipping them when needed. */
function feedBytes(parser: TableParser, bytes: Uint8Array, o: ParseOptions): void {
  let data = bytes;
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const limit = o.maxBytes ?? (gz ? o.memoryLimit : Infinity);
  if (gz) {
    try {
      data = zlib.gunzipSync(bytes, { maxOutputLength: Math.min(limit, 2 ** 32 - 1) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw limitError(o, limit, true);
      throw gzipError(o.source, err);
    }
  } else if (data.length > limit) {
    throw limitError(o, limit, false);
  }
  for (let i = 0; i < data.length; i += CHUNK) parser.push(data.subarray(i, Math.min(i + CHUNK, data.length)));
}

/** Reads a whole table synchronously: a file read in chunks, or bytes / text in memory. */
export function readTableSync(input: string | Uint8Array, o: ParseOptions, isPath: boolean): Table {
  const parser = new TableParser(o);
  if (!isPath) {
    feedBytes(parser, typeof input === 'string' ? Buffer.from(input, 'utf8') : input, o);
  } else {
    const file = input as string;
    let fd: number;
    try { fd = fs.openSync(file, 'r'); } catch (err) { throw ioError(file, err); }
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw ioError(file, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
      const magic = Buffer.alloc(2);
      const m = fs.readSync(fd, magic, 0, 2, 0);
      if (m === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
        feedBytes(parser, fs.readFileSync(fd), o);
      } else {
        const limit = o.maxBytes ?? Infinity;
        let total = 0;
        for (;;) {
          const buf = Buffer.allocUnsafe(CHUNK);
          const n = fs.readSync(fd, buf, 0, CHUNK, null);
          if (n === 0) break;
          total += n;
          if (total > limit) throw limitError(o, limit, false);
          parser.push(buf.subarray(0, n));
        }
      }
    } catch (err) {
      if (err instanceof BlasnetError) throw err;
      throw ioError(file, err);
    } finally {
      fs.closeSync(fd);
    }
  }
  parser.end();
  return parser.table();
}
