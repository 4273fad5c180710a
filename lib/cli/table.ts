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

/** Yields the lines of a text stream with their 1-based line numbers, without holding more than a chunk. */
async function* lines(input: Readable, source: string): AsyncGenerator<[string, number]> {
  input.setEncoding('utf8');
  let carry = '';
  let n = 0;
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      let text = carry + chunk;
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        let line = text.slice(start, nl);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        n++;
        yield [line, n];
        start = nl + 1;
      }
      carry = text.slice(start);
      text = '';
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${source}: cannot read: ${(err as Error).message}`);
  }
  if (carry.length > 0) {
    if (carry.endsWith('\r')) carry = carry.slice(0, -1);
    yield [carry, n + 1];
  }
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
    let cols = -1;
    let xBuf: Float32Array | null = null;
    let yBuf: Float32Array | null = null;
    let rows = 0;
    // CSV: header positions of the features and of the label.
    let pick: number[] = [];
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

    let first = true;
    for await (const [raw, ln] of lines(this.input, src)) {
      if (first) {
        first = false;
        const line = raw.replace(/^\uFEFF/, '');
        if (this.format === null) this.format = formatOf(src, line.trimStart()[0]);
        if (this.format === 'csv') {
          this.header = splitCsvLine(line, delim).map((h) => h.trim());
          if (line.trim() === '') throw new CliError(`${src}: line 1: expected a header row with column names`);
          ({ pick, labelAt } = this.resolveCsv());
          cols = pick.length;
          width = this.header.length;
          xBuf = new Float32Array(batchSize * cols);
          yBuf = hasLabel ? new Float32Array(batchSize) : null;
          continue;
        }
      }
      if (this.format === 'csv') {
        if (raw.length === 0 || raw.trim() === '') continue;
        const cells = splitCsvLine(raw, delim);
        if (cells.length !== width) {
          throw new CliError(`${src}: line ${ln}: expected ${width} columns (as the header) but found ${cells.length}`);
        }
        const xb = xBuf!;
        let o = rows * cols;
        for (let j = 0; j < cols; j++) {
          const c = pick[j]!;
          const s = cells[c]!;
          const v = Number(s);
          if (!Number.isFinite(v) || s.trim() === '') {
            throw new CliError(`${src}: line ${ln}, column ${c + 1} (${this.header[c]}): expected a number but found ${show(s)}`);
          }
          xb[o++] = v;
        }
        if (labelAt >= 0) {
          const s = cells[labelAt]!;
          const v = Number(s);
          const name = `${labelAt + 1} (${this.header[labelAt]})`;
          if (!Number.isFinite(v) || s.trim() === '') throw new CliError(`${src}: line ${ln}, column ${name}: expected a number but found ${show(s)}`);
          yBuf![rows] = label(v, ln, name);
        }
      } else {
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
        throw new CliError(`${src}: the model takes ${want} features but the file has ${pick.length} columns${labelAt >= 0 ? ' besides the label' : ''}`);
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
