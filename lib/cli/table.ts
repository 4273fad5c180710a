// Streaming reader of numeric tables (CSV with a header row, or JSON Lines) in batches of rows.
//
// Why a line-based parser and not a CSV library: a numeric CSV has no quoted newlines (a number cannot
// contain one), so every physical line is one record, which makes exact line numbers in errors trivial and
// keeps the hot loop to split(',') + Number() (several times faster than a general RFC 4180 state machine,
// which matters for files of hundreds of MB). Quoted cells ("1.5", quoted header names, "" escapes) are
// still honoured. Memory stays bounded: one input chunk plus one batch.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { CliError } from './errors';

export type TableFormat = 'csv' | 'jsonl';

export interface TableSpec {
  /** Feature columns by name, in the model's order; null: every column except the label (CSV) or every value (JSONL arrays). */
  features: string[] | null;
  /** The label column, required when given. */
  label?: string | null;
  /** Maps a label value to what y holds (e.g. a class index); throws an Error whose message explains a bad value. */
  mapLabel?: (v: number) => number;
  /** With features null: the number of feature values each row must have (a model's input width). */
  expectedFeatures?: number | null;
  delimiter?: string;
}

export interface Batch {
  /** rows x cols, row-major. */
  x: Float32Array;
  /** One value per row (mapped by mapLabel), when a label column was given. */
  y: Float32Array | null;
  rows: number;
  cols: number;
}

/** Splits one CSV line, honouring double quotes (a numeric CSV's quoted cells or header names). */
export function splitCsvLine(line: string, delim: string): string[] {
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') { if (line[i + 1] === '"') { cur += '"'; i++; } else quoted = false; } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delim) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

function show(s: string): string {
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '...' : s);
}

/** Opens a file for reading, or stdin for '-', with errors a person can act on. */
export function openInput(file: string): Readable {
  if (file === '-') return process.stdin;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${file}: no such file`);
    if (code === 'EACCES') throw new CliError(`${file}: permission denied`);
    throw new CliError(`${file}: cannot read: ${(err as Error).message}`);
  }
  if (st.isDirectory()) throw new CliError(`${file}: is a directory, expected a CSV or JSONL file`);
  return fs.createReadStream(file, { highWaterMark: 256 * 1024 });
}

/** The format from the file name (.jsonl/.ndjson/.json), else from the first character ('{' or '['). */
export function formatOf(file: string, firstChar: string | undefined): TableFormat {
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl';
  if (/\.(csv|tsv|txt)$/i.test(file)) return 'csv';
  return firstChar === '{' || firstChar === '[' ? 'jsonl' : 'csv';
}

/** Yields the complete lines of a byte stream as [buffer, start, end, lineNumber], without decoding them. */
async function* lines(input: Readable, source: string): AsyncGenerator<[Buffer, number, number, number]> {
  let carry: Buffer | null = null;
  let n = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      const c = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const buf: Buffer = carry && carry.length > 0 ? Buffer.concat([carry, c]) : c;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0) break;
        const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
        n++;
        yield [buf, start, end, n];
        start = nl + 1;
      }
      // Copied: a view would keep the whole chunk alive.
      carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${source}: cannot read: ${(err as Error).message}`);
  }
  if (carry && carry.length > 0) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    yield [carry, 0, end, n + 1];
  }
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A decimal number in bytes [s, e) (optional spaces, sign, digits, point, exponent), or NaN when the
 * field is anything else (the caller then reads it as a string). Exact: with at most 15 significant digits
 * and a power of ten up to 1e22, one multiplication or division is correctly rounded, so the result equals
 * Number(text) (Clinger's fast path); longer numbers also return NaN and go through Number().
 */
function parseNumber(b: Buffer, s: number, e: number): number {
  while (s < e && (b[s] === 32 || b[s] === 9)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  if (s === e) return NaN;
  let i = s;
  let neg = false;
  if (b[i] === 45) { neg = true; i++; } else if (b[i] === 43) i++;
  let m = 0, digits = 0, sig = 0, exp = 0;
  while (i < e) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) break;
    if (sig > 0 || d > 0) sig++;
    m = m * 10 + d; digits++; i++;
  }
  if (i < e && b[i] === 46) {
    i++;
    while (i < e) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      if (sig > 0 || d > 0) sig++;
      m = m * 10 + d; digits++; exp--; i++;
    }
  }
  if (digits === 0) return NaN;
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (b[i] === 45) { eneg = true; i++; } else if (b[i] === 43) i++;
    let ev = 0, ed = 0;
    while (i < e) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      ev = ev * 10 + d; ed++; i++;
      if (ev > 1000) return NaN;
    }
    if (ed === 0) return NaN;
    exp += eneg ? -ev : ev;
  }
  if (i !== e || sig > 15) return NaN;
  let v: number;
  if (m === 0) v = 0;
  else if (exp >= 0) { if (exp > 22) return NaN; v = m * POW10[exp]!; }
  else { if (exp < -22) return NaN; v = m / POW10[-exp]!; }
  return neg ? -v : v;
}

/**
 * Reads a numeric table in batches of `batchSize` rows. CSV: the first line is the header, columns are
 * picked by name. JSONL: one object ({column: number}) or array of numbers per line.
 */
export class TableReader {
  /** The feature column names in x's order (after the header or the first JSONL object was read). */
  columns: string[] = [];
  /** Names of every column of a CSV file's header. */
  header: string[] = [];
  format: TableFormat | null;
  rowsRead = 0;

  constructor(private readonly input: Readable, private readonly source: string, private readonly spec: TableSpec,
    format: TableFormat | null = null) {
    this.format = format;
  }

  async *batches(batchSize: number): AsyncGenerator<Batch> {
    const delim = this.spec.delimiter ?? ',';
    const delimByte = Buffer.from(delim, 'utf8');
    if (delimByte.length !== 1) throw new CliError(`the delimiter must be one byte, not ${JSON.stringify(delim)}`, 2);
    const D = delimByte[0]!;
    let cols = -1;
    let xBuf: Float32Array | null = null;
    let yBuf: Float32Array | null = null;
    let rows = 0;
    // CSV: for each header column, the x column it fills (-1: none, -2: the label).
    let target: Int32Array = new Int32Array(0);
    let labelAt = -1;
    let width = 0;
    const hasLabel = this.spec.label !== undefined && this.spec.label !== null;
    const mapLabel = this.spec.mapLabel;
    const src = this.source;
    const flush = (): Batch => {
      const b: Batch = { x: rows === batchSize ? xBuf! : xBuf!.slice(0, rows * cols), y: yBuf ? (rows === batchSize ? yBuf : yBuf.slice(0, rows)) : null, rows, cols };
      xBuf = new Float32Array(batchSize * cols);
      yBuf = hasLabel ? new Float32Array(batchSize) : null;
      rows = 0;
      return b;
    };
    const label = (v: number, line: number, col: string): number => {
      if (!mapLabel) return v;
      try { return mapLabel(v); } catch (err) { throw new CliError(`${src}: line ${line}, column ${col}: ${(err as Error).message}`); }
    };
    const badCell = (ln: number, c: number, text: string): CliError =>
      new CliError(`${src}: line ${ln}, column ${c + 1} (${this.header[c]}): expected a number but found ${show(text)}`);
    // The string path: quoted cells, or a field the byte parser does not take (it then reports or reads it).
    const slowRow = (line: string, ln: number): void => {
      const cells = splitCsvLine(line, delim);
      if (cells.length !== width) throw new CliError(`${src}: line ${ln}: expected ${width} columns (as the header) but found ${cells.length}`);
      const o = rows * cols;
      for (let c = 0; c < width; c++) {
        const t = target[c]!;
        if (t === -1) continue;
        const s = cells[c]!;
        const v = Number(s);
        if (!Number.isFinite(v) || s.trim() === '') throw badCell(ln, c, s);
        if (t === -2) yBuf![rows] = label(v, ln, `${c + 1} (${this.header[c]})`);
        else xBuf![o + t] = v;
      }
    };

    let first = true;
    for await (const [buf, s, e, ln] of lines(this.input, src)) {
      if (first) {
        first = false;
        const line = buf.toString('utf8', s, e).replace(/^\uFEFF/, '');
        if (this.format === null) this.format = formatOf(src, line.trimStart()[0]);
        if (this.format === 'csv') {
          if (line.trim() === '') throw new CliError(`${src}: line 1: expected a header row with column names`);
          this.header = splitCsvLine(line, delim).map((h) => h.trim());
          const r = this.resolveCsv();
          labelAt = r.labelAt;
          width = this.header.length;
          target = new Int32Array(width).fill(-1);
          r.pick.forEach((c, j) => { target[c] = j; });
          if (labelAt >= 0) target[labelAt] = -2;
          cols = r.pick.length;
          xBuf = new Float32Array(batchSize * cols);
          yBuf = hasLabel ? new Float32Array(batchSize) : null;
          continue;
        }
      }
      if (this.format === 'csv') {
        let blank = true;
        for (let i = s; i < e; i++) { const ch = buf[i]; if (ch !== 32 && ch !== 9) { blank = false; break; } }
        if (blank) continue;
        // Fast path over the bytes; any quote sends the line to the string path.
        if (buf.indexOf(34, s) >= 0 && buf.indexOf(34, s) < e) {
          slowRow(buf.toString('utf8', s, e), ln);
        } else {
          const xb = xBuf!;
          const o = rows * cols;
          let c = 0, fs0 = s;
          for (let i = s; i <= e; i++) {
            if (i < e && buf[i] !== D) continue;
            if (c < width) {
              const t = target[c]!;
              if (t !== -1) {
                let v = parseNumber(buf, fs0, i);
                if (Number.isNaN(v)) {
                  const text = buf.toString('utf8', fs0, i);
                  v = Number(text);
                  if (!Number.isFinite(v) || text.trim() === '') {
                    // Count the columns first: a short or long row is reported as such.
                    let n = 1;
                    for (let k = s; k < e; k++) if (buf[k] === D) n++;
                    if (n !== width) throw new CliError(`${src}: line ${ln}: expected ${width} columns (as the header) but found ${n}`);
                    throw badCell(ln, c, text);
                  }
                }
                if (t === -2) yBuf![rows] = label(v, ln, `${c + 1} (${this.header[c]})`);
                else xb[o + t] = v;
              }
            }
            c++;
            fs0 = i + 1;
          }
          if (c !== width) throw new CliError(`${src}: line ${ln}: expected ${width} columns (as the header) but found ${c}`);
        }
      } else {
        const raw = buf.toString('utf8', s, e);
        if (raw.trim() === '') continue;
        let rec: unknown;
        try { rec = JSON.parse(raw); } catch (err) {
          throw new CliError(`${src}: line ${ln}: not valid JSON: ${(err as Error).message}`);
        }
        if (cols < 0) {
          cols = this.resolveJsonl(rec, ln);
          xBuf = new Float32Array(batchSize * cols);
          yBuf = hasLabel ? new Float32Array(batchSize) : null;
        }
        this.jsonRow(rec, ln, xBuf!, rows * cols, cols, yBuf, rows, label);
      }
      rows++;
      this.rowsRead++;
      if (rows === batchSize) yield flush();
    }
    if (first) throw new CliError(`${src}: the file is empty`);
    if (rows > 0) yield flush();
  }

  private resolveCsv(): { pick: number[]; labelAt: number } {
    const h = this.header;
    const src = this.source;
    const find = (name: string, what: string): number => {
      const i = h.indexOf(name);
      if (i < 0) throw new CliError(`${src}: no ${what} named ${JSON.stringify(name)}; the columns are: ${h.join(', ')}`);
      return i;
    };
    const labelAt = this.spec.label ? find(this.spec.label, 'label column') : -1;
    let pick: number[];
    if (this.spec.features) {
      pick = this.spec.features.map((f) => find(f, 'column'));
    } else {
      pick = h.map((_, i) => i).filter((i) => i !== labelAt);
      const want = this.spec.expectedFeatures;
      if (want !== undefined && want !== null && pick.length !== want) {
        throw new CliError(`${src}: the model takes ${want} features but the file has ${pick.length} column${pick.length === 1 ? '' : 's'}${labelAt >= 0 ? ' besides the label' : ''}`);
      }
    }
    if (pick.length === 0) throw new CliError(`${src}: no feature columns${labelAt >= 0 ? ' besides the label' : ''}`);
    this.columns = pick.map((i) => h[i]!);
    return { pick, labelAt };
  }

  private resolveJsonl(rec: unknown, ln: number): number {
    const src = this.source;
    if (Array.isArray(rec)) {
      if (this.spec.label) throw new CliError(`${src}: line ${ln}: rows are arrays, so there is no column ${JSON.stringify(this.spec.label)}; use objects {"column": value}`);
      const n = this.spec.features ? this.spec.features.length : (this.spec.expectedFeatures ?? rec.length);
      this.columns = this.spec.features ?? rec.map((_, i) => `x${i}`);
      return n;
    }
    if (rec === null || typeof rec !== 'object') throw new CliError(`${src}: line ${ln}: expected an object or an array of numbers`);
    const keys = Object.keys(rec);
    this.columns = this.spec.features ?? keys.filter((k) => k !== this.spec.label);
    const want = this.spec.expectedFeatures;
    if (!this.spec.features && want !== undefined && want !== null && this.columns.length !== want) {
      throw new CliError(`${src}: line ${ln}: the model takes ${want} features but the object has ${this.columns.length} keys${this.spec.label ? ' besides the label' : ''}`);
    }
    return this.columns.length;
  }

  private jsonRow(rec: unknown, ln: number, xb: Float32Array, o: number, cols: number, yb: Float32Array | null, r: number,
    label: (v: number, line: number, col: string) => number): void {
    const src = this.source;
    const num = (v: unknown, where: string): number => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new CliError(`${src}: line ${ln}, ${where}: expected a number but found ${v === undefined ? 'nothing' : show(JSON.stringify(v))}`);
      }
      return v;
    };
    if (Array.isArray(rec)) {
      if (rec.length !== cols) throw new CliError(`${src}: line ${ln}: expected ${cols} values but found ${rec.length}`);
      for (let j = 0; j < cols; j++) xb[o + j] = num(rec[j], `value ${j + 1}`);
      return;
    }
    if (rec === null || typeof rec !== 'object') throw new CliError(`${src}: line ${ln}: expected an object or an array of numbers`);
    const obj = rec as Record<string, unknown>;
    for (let j = 0; j < cols; j++) {
      const k = this.columns[j]!;
      if (!(k in obj)) throw new CliError(`${src}: line ${ln}: no key ${JSON.stringify(k)}`);
      xb[o + j] = num(obj[k], `key ${JSON.stringify(k)}`);
    }
    if (yb && this.spec.label) {
      const k = this.spec.label;
      if (!(k in obj)) throw new CliError(`${src}: line ${ln}: no label key ${JSON.stringify(k)}`);
      yb[r] = label(num(obj[k], `key ${JSON.stringify(k)}`), ln, `key ${JSON.stringify(k)}`);
    }
  }
}

/** Reads the whole table into memory (training needs every row at once). */
export async function readTable(file: string, spec: TableSpec): Promise<{ x: Float32Array; y: Float32Array | null; rows: number; cols: number; columns: string[] }> {
  const reader = new TableReader(openInput(file), file === '-' ? 'stdin' : file, spec);
  const parts: Batch[] = [];
  let rows = 0;
  for await (const b of reader.batches(8192)) { parts.push(b); rows += b.rows; }
  const cols = parts[0]?.cols ?? 0;
  if (rows === 0) throw new CliError(`${file}: no data rows`);
  const x = new Float32Array(rows * cols);
  const y = parts[0]?.y ? new Float32Array(rows) : null;
  let r = 0;
  for (const b of parts) {
    x.set(b.x, r * cols);
    if (y && b.y) y.set(b.y, r);
    r += b.rows;
  }
  return { x, y, rows, cols, columns: reader.columns };
}
