// The table parser: chunks of bytes in (push/end), a Table out, or Tables of batchSize rows while the
// input streams. CSV (header row or not, delimiter given or detected) and JSON Lines (objects by key,
// or arrays) share the column builders, the limits and the error format.
import { BlasnetError } from '../../errors';
import { checkMemory } from '../../limits';
import { ArrayPool, InferBuilder, NumberBuilder, VocabularyBuilder, show, type CellContext, type ColumnBuilder } from './columns';
import type { ParseOptions } from './options';
import { parseDecimal, OUT_OF_RANGE } from './number';
import { RecordSplitter } from './splitter';
import { nameList, Table } from './table';

const UTF8 = new TextDecoder();

export class TableParser {
  private splitter: RecordSplitter | null = null;
  private format: 'csv' | 'jsonl' | null;
  private readonly ctx: CellContext;
  private headerDone = false;
  private names: string[] = [];
  /** Field index of each builder (CSV). */
  private picks = new Int32Array(0);
  private builders: ColumnBuilder[] = [];
  /** Per builder, the array decimal cells go to directly (numeric columns), else null. */
  private fast: (Float32Array | null)[] = [];
  private makers: (() => ColumnBuilder)[] = [];
  private byKey = new Map<string, number>();
  private width = 0;
  private rows = 0;
  private capacity = 0;
  private lines: Int32Array = new Int32Array(0);
  /** JSON Lines: the last row (+1) each builder got a value in. */
  private keyStamp = new Int32Array(16);
  private labelName: string | null = null;
  private jsonArrays: boolean | null = null;
  private readonly out: Table[] = [];
  /** Fed records in code (pushRecord), not bytes. */
  private records = false;
  /** Rows read in all batches so far. */
  rowsRead = 0;

  constructor(private readonly o: ParseOptions, private readonly batchSize: number | null = null) {
    this.format = o.format;
    this.ctx = {
      source: o.source, keys: false, headerless: !o.header, missing: o.missing, point: o.point, maxDistinct: o.maxDistinct, delimiter: 44,
      pool: new ArrayPool(batchSize ?? -1),
    };
  }

  /** The delimiter in use (after detection), as a character. */
  get delimiter(): string | null { return this.splitter && this.format === 'csv' ? String.fromCharCode(this.splitter.delimiter) : null; }
  get detectedFormat(): 'csv' | 'jsonl' | null { return this.format; }
  /** Column names of the file (after its first line). */
  get fileColumns(): readonly string[] { return this.names; }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (!this.splitter) {
      if (this.format === null) {
        let i = 0;
        if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
        while (i < chunk.length && (chunk[i] === 32 || chunk[i] === 9 || chunk[i] === 10 || chunk[i] === 13)) i++;
        if (i === chunk.length) { this.pending.push(chunk); return; }
        this.format = chunk[i] === 123 || chunk[i] === 91 ? 'jsonl' : 'csv';
      }
      this.start();
      for (const p of this.pending) this.feed(p);
      this.pending = [];
    }
    this.feed(chunk);
  }

  private pending: Uint8Array[] = [];

  private feed(chunk: Uint8Array): void {
    this.splitter!.push(chunk);
  }

  private start(): void {
    const jsonl = this.format === 'jsonl';
    this.ctx.keys = jsonl;
    if (jsonl) this.ctx.headerless = false;
    this.splitter = new RecordSplitter(
      { delimiter: this.o.delimiter, maxLineBytes: this.o.maxLineBytes, maxColumns: this.o.maxColumns, source: this.o.source, lines: jsonl },
      (b, starts, ends, n, line, fieldLines) => this.record(b, starts, ends, n, line, fieldLines),
      jsonl ? (b, s, e, line) => this.jsonLine(b, s, e, line) : null,
    );
  }

  /** Ends the input; the last batch (or the whole table) is then ready. */
  end(): void {
    if (!this.splitter && !this.records) {
      if (this.pending.length > 0) { this.format ??= 'csv'; this.start(); for (const p of this.pending) this.feed(p); }
      else throw new BlasnetError('ERR_FORMAT', `${this.o.source}: the file is empty`);
    }
    this.splitter?.end();
    if (!this.headerDone) throw new BlasnetError('ERR_FORMAT', `${this.o.source}: the file is empty`);
    if (this.o.label !== null && this.labelName === null && !this.o.labelOptional) {
      throw new BlasnetError('ERR_INVALID_ARG', `${this.o.source}: no line has the label key ${show(String(this.o.label))}`);
    }
    if (this.batchSize !== null) { if (this.rows > 0) this.flush(); }
  }

  /**
   * Hands back batches the caller is done with: their arrays fill later batches (batch mode; a
   * recycled table must not be used again).
   */
  recycle(tables: readonly Table[]): void {
    const pool = this.ctx.pool;
    for (const t of tables) {
      if (t.rows !== this.batchSize) continue;
      for (const c of t.allColumns) pool.give(c.kind === 'number' ? c.values : c.codes);
      pool.give(t.lines);
    }
  }

  /** Tables of batchSize rows completed so far (batch mode). */
  takeBatches(): Table[] {
    return this.out.splice(0, this.out.length);
  }

  /** The whole table (after end()). */
  table(): Table {
    if (this.rows === 0) {
      throw new BlasnetError('ERR_FORMAT', `${this.o.source}: no data rows${this.format === 'csv' && this.o.header ? ' after the header' : ''}`);
    }
    return this.finishTable();
  }

  private finishTable(): Table {
    const columns = this.builders.map((b) => b.finish(this.rows));
    const lines = this.rows === this.lines.length ? this.lines : this.lines.slice(0, this.rows);
    const t = new Table({
      columns, rows: this.rows, lines, source: this.o.source, labelColumn: this.labelName,
      headerless: this.ctx.headerless, keyed: this.ctx.keys, delimiter: this.delimiter,
    });
    return t;
  }

  private flush(): void {
    this.out.push(this.finishTable());
    this.rowsRead += this.rows;
    this.rows = 0;
    this.builders = this.makers.map((m) => m());
    this.fast = this.builders.map(() => null);
    this.capacity = 0;
    this.lines = new Int32Array(0);
    this.ensure(1);
  }

  private ensure(rows: number): void {
    if (rows <= this.capacity) return;
    let cap = this.batchSize ?? Math.max(64, this.capacity * 2);
    while (cap < rows) cap *= 2;
    const perRow = 4 + this.builders.reduce((a, b) => a + b.bytesPerRow, 0);
    checkMemory(cap * perRow, `reading ${this.o.source} (${this.rows.toLocaleString('en-US')} rows so far, ${this.builders.length} columns)`, this.o.memoryLimit);
    for (const b of this.builders) b.grow(cap);
    this.fast = this.builders.map((b) => b.fastValues());
    const pooled = this.rows === 0 ? this.ctx.pool.i32Of(cap) : null;
    const l = pooled ?? new Int32Array(cap);
    if (!pooled) l.set(this.lines.subarray(0, this.rows));
    this.lines = l;
    this.capacity = cap;
  }

  private endRow(line: number): void {
    this.lines[this.rows] = line;
    this.rows++;
    if (this.batchSize !== null && this.rows === this.batchSize) this.flush();
  }

  // ------------------------------------------------------------------ CSV

  private record(b: Uint8Array, starts: Int32Array, ends: Int32Array, n: number, line: number, fieldLines: Int32Array | null): void {
    if (!this.headerDone) {
      this.headerDone = true;
      this.ctx.delimiter = this.splitter!.delimiter;
      if (this.o.header) {
        const names: string[] = [];
        for (let i = 0; i < n; i++) names.push(UTF8.decode(b.subarray(starts[i]!, ends[i]!)).trim());
        this.setColumns(uniqueNames(names), line);
        return;
      }
      this.setColumns(Array.from({ length: n }, (_, i) => String(i)), 0);
    }
    if (n !== this.width) {
      throw new BlasnetError('ERR_FORMAT', `${this.o.source}: line ${line}: expected ${this.width} columns (as the ${this.o.header ? 'header' : 'first line'}) but found ${n}`);
    }
    if (this.rows >= this.capacity) this.ensure(this.rows + 1);
    const picks = this.picks, bs = this.builders, row = this.rows, fast = this.fast, point = this.ctx.point;
    for (let j = 0; j < bs.length; j++) {
      const c = picks[j]!;
      const s = starts[c]!, e = ends[c]!;
      const arr = fast[j]!;
      if (arr !== null) {
        const v = parseDecimal(b, s, e, point);
        if (v === v && v !== OUT_OF_RANGE) { arr[row] = v; continue; }
      }
      const bj = bs[j]!;
      bj.add(b, s, e, row, fieldLines === null ? line : fieldLines[c]!);
      if (bj instanceof InferBuilder) fast[j] = bj.fastValues();
    }
    this.endRow(line);
  }

  /** Resolves the label, the selected columns and their builders from the file's column names. */
  private setColumns(names: string[], headerLine: number): void {
    this.names = names;
    this.width = names.length;
    const index = new Map(names.map((n, i) => [n, i]));
    const o = this.o;
    const where = `${o.source}: `;
    void headerLine;
    const find = (name: string, what: string): number => {
      const i = index.get(name);
      if (i === undefined) throw new BlasnetError('ERR_INVALID_ARG', `${where}no ${what} named ${show(name)}; the columns are: ${nameList(names)}`);
      return i;
    };
    let labelAt = -1;
    if (o.label !== null) {
      if (typeof o.label === 'number') {
        if (o.label >= names.length) {
          throw new BlasnetError('ERR_INVALID_ARG', `${where}label column index ${o.label} is out of range: the file has ${names.length} columns (0 to ${names.length - 1})`);
        }
        labelAt = o.label;
      } else if (index.has(o.label)) {
        labelAt = index.get(o.label)!;
      } else if (/^\d+$/.test(o.label) && Number(o.label) < names.length && !o.header) {
        labelAt = Number(o.label);
      } else if (!o.labelOptional) {
        find(o.label, 'label column');
      }
      this.labelName = labelAt >= 0 ? names[labelAt]! : null;
    }
    const picks: number[] = [];
    const makers: (() => ColumnBuilder)[] = [];
    if (o.schema) {
      for (const spec of o.schema) {
        const i = index.get(spec.name);
        if (i === undefined) {
          if (spec.optional) continue;
          find(spec.name, 'column');
        }
        picks.push(i!);
        makers.push(this.makerFor(spec.name, i! + 1, spec));
      }
      if (labelAt >= 0 && !o.schema.some((s) => s.name === names[labelAt])) {
        picks.push(labelAt);
        makers.push(this.makerFor(names[labelAt]!, labelAt + 1, null));
      }
    } else {
      const wanted = o.columns ? new Set(o.columns.map((c) => names[find(c, 'column')]!)) : null;
      for (let i = 0; i < names.length; i++) {
        if (wanted && !wanted.has(names[i]!) && i !== labelAt) continue;
        picks.push(i);
        makers.push(this.makerFor(names[i]!, i + 1, null));
      }
    }
    this.picks = Int32Array.from(picks);
    this.makers = makers;
    this.builders = makers.map((m) => m());
    this.fast = this.builders.map(() => null);
    this.byKey = new Map(this.builders.map((b, i) => [b.name, i]));
  }

  private makerFor(name: string, position: number, spec: { kind: string; categories?: readonly string[]; allowMissing?: boolean } | null): () => ColumnBuilder {
    const ctx = this.ctx;
    if (spec) {
      if (spec.kind === 'number') return () => new NumberBuilder(name, position, ctx, spec.allowMissing !== false);
      if ((spec.kind === 'category' || spec.kind === 'boolean') && spec.categories) {
        const kind = spec.kind, cats = spec.categories;
        return () => new VocabularyBuilder(name, position, ctx, kind, cats);
      }
    }
    const declared = this.o.types.get(name) ?? (spec ? (spec.kind as 'number' | 'category' | 'boolean') : null);
    if (declared === 'number') return () => new NumberBuilder(name, position, ctx);
    return () => new InferBuilder(name, position, ctx, declared);
  }

  // ------------------------------------------------------------------ JSON Lines

  private jsonLine(b: Uint8Array, s: number, e: number, line: number): void {
    let i = s;
    while (i < e && (b[i] === 32 || b[i] === 9)) i++;
    if (i === e) return;
    let rec: unknown;
    try {
      rec = JSON.parse(UTF8.decode(b.subarray(s, e)));
    } catch (err) {
      throw new BlasnetError('ERR_FORMAT', `${this.o.source}: line ${line}: not valid JSON (${(err as Error).message.slice(0, 100)})`);
    }
    this.pushRecord(rec, line);
  }

  /** One record: an object by column name (a JSON Lines line, or a record given in code), or an array. */
  pushRecord(rec: unknown, line: number): void {
    if (!this.splitter) { this.format = 'jsonl'; this.ctx.keys = true; this.ctx.headerless = false; this.records = true; }
    if (!this.headerDone) {
      this.headerDone = true;
      this.jsonArrays = Array.isArray(rec);
      if (this.jsonArrays) {
        const n = (rec as unknown[]).length;
        if (n > this.o.maxColumns) throw this.tooManyKeys(line);
        const schema = this.o.schema?.filter((c) => !c.optional);
        if (schema && schema.length !== n) {
          throw new BlasnetError('ERR_FORMAT', `${this.o.source}: line ${line}: expected ${schema.length} values (${nameList(schema.map((c) => c.name))}) but found ${n}`);
        }
        // Arrays are positional: a schema's columns in its order, else columns named 0, 1, ...
        this.setColumns(schema ? schema.map((c) => c.name) : Array.from({ length: n }, (_, k) => String(k)), 0);
      } else if (this.o.schema) {
        for (const spec of this.o.schema) this.addKey(spec.name, spec);
      }
    }
    if (this.rows >= this.capacity) this.ensure(this.rows + 1);
    const row = this.rows;
    if (this.jsonArrays) {
      if (!Array.isArray(rec)) throw new BlasnetError('ERR_FORMAT', `${this.o.source}: line ${line}: expected an array (as line ${this.lines[0] ?? 1}) but found ${describeJson(rec)}`);
      if (rec.length !== this.width) throw new BlasnetError('ERR_FORMAT', `${this.o.source}: line ${line}: expected ${this.width} values (as the first line) but found ${rec.length}`);
      const bs = this.builders;
      for (let j = 0; j < bs.length; j++) this.jsonValue(bs[j]!, rec[this.picks[j]!], row, line);
    } else {
      if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
        throw new BlasnetError('ERR_FORMAT', `${this.o.source}: line ${line}: expected an object {"column": value} but found ${describeJson(rec)}`);
      }
      const stamp = row + 1 + this.rowsRead;
      for (const k of Object.keys(rec)) {
        let j = this.byKey.get(k);
        if (j === undefined) {
          if (this.o.schema || (this.o.columns && !this.o.columns.includes(k) && k !== this.o.label)) continue;
          j = this.addKey(k, null);
        }
        const bld = this.builders[j]!;
        this.jsonValue(bld, (rec as Record<string, unknown>)[k], row, line);
        this.keyStamp[j] = stamp;
      }
      const bs = this.builders;
      for (let j = 0; j < bs.length; j++) if (this.keyStamp[j] !== stamp) bs[j]!.addMissing(row, line);
    }
    this.endRow(line);
  }

  private tooManyKeys(line: number): BlasnetError {
    return new BlasnetError('ERR_LIMIT', `${this.o.source}: line ${line}: more than ${this.o.maxColumns.toLocaleString('en-US')} columns ` +
      '(the limit; raise it with the maxColumns option, or --max-columns)');
  }

  /** A column first seen at this row (earlier rows are missing in it). */
  private addKey(name: string, spec: { kind: string; categories?: readonly string[]; allowMissing?: boolean } | null): number {
    if (this.builders.length >= this.o.maxColumns) throw this.tooManyKeys(this.rows > 0 ? this.lines[this.rows - 1]! + 1 : 1);
    const maker = this.makerFor(name, 0, spec);
    const b = maker();
    const j = this.builders.length;
    this.builders.push(b);
    this.fast.push(null);
    this.makers.push(maker);
    this.byKey.set(name, j);
    if (this.o.label !== null && name === this.o.label) this.labelName = name;
    if (this.keyStamp.length < this.builders.length) { const s = new Int32Array(this.builders.length * 2); s.set(this.keyStamp); this.keyStamp = s; }
    if (this.capacity > 0) b.grow(this.capacity);
    for (let r = 0; r < this.rows; r++) b.addMissing(r, 0);
    return j;
  }

  private jsonValue(b: ColumnBuilder, v: unknown, row: number, line: number): void {
    if (v === null || v === undefined) b.addMissing(row, line);
    else if (typeof v === 'number') b.addNumber(v, row, line);
    else if (typeof v === 'string') b.addString(v, row, line);
    else if (typeof v === 'boolean') b.addString(v ? 'true' : 'false', row, line);
    else throw b.error(line, `expected a number, a string, true/false or null but found ${describeJson(v)}`);
  }
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return show(JSON.stringify(v));
}

/** Header names made usable: blanks named by position, repeats numbered as pandas does (a, a.1, a.2). */
function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((raw, i) => {
    let n = raw === '' ? `column${i + 1}` : raw;
    if (seen.has(n)) {
      let k = 1;
      while (seen.has(`${n}.${k}`)) k++;
      n = `${n}.${k}`;
    }
    seen.add(n);
    return n;
  });
}
