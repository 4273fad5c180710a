// Column builders: cells (bytes) in, typed columns out. A column read without a declared type starts
// undecided and becomes numeric or text from its first value; numbers are strict decimals within
// float32 range; a word in a column of numbers is an error unless the numbers look like codes (few
// distinct values), in which case the column becomes categories. Text is dictionary-encoded by bytes.
import { BlasnetError } from '../../errors';
import { ByteDictionary, dictionaryOf } from './dictionary';
import { float32Text, numericLookalike, parseDecimal, OUT_OF_RANGE } from './number';
import { MISSING, UNKNOWN, type Column, type ColumnKind } from './table';

export { MISSING, UNKNOWN } from './table';
export const OVERFLOW = -3;

/** A column with at most this many distinct numbers so far turns into categories when a word appears. */
const CODE_LIKE_DISTINCT = 20;

/** Where a cell is, for error messages. */
export interface CellContext {
  source: string;
  /** JSON Lines: columns are keys. */
  keys: boolean;
  /** A file without a header: columns have no names worth printing. */
  headerless: boolean;
  missing: Uint8Array[];
  /** The decimal separator's byte. */
  point: number;
  /** The CSV delimiter's byte (a comma there cannot be a decimal comma). */
  delimiter: number;
  maxDistinct: number;
  /** Arrays of finished batches handed back for reuse (a stream's memory stays flat). */
  pool: ArrayPool;
}

/** Column arrays of one length, kept for the next batch instead of becoming garbage. */
export class ArrayPool {
  readonly f32: Float32Array[] = [];
  readonly i32: Int32Array[] = [];
  constructor(readonly length: number) {}
  f32Of(n: number): Float32Array | null { return n === this.length ? this.f32.pop() ?? null : null; }
  i32Of(n: number): Int32Array | null { return n === this.length ? this.i32.pop() ?? null : null; }
  /** Takes back the arrays of a finished batch (full-length ones only; at most a few of each). */
  give(a: Float32Array | Int32Array): void {
    if (a.length !== this.length || a.byteOffset !== 0 || a.buffer.byteLength !== a.byteLength) return;
    if (a instanceof Float32Array) { if (this.f32.length < 64) this.f32.push(a); } else if (this.i32.length < 64) this.i32.push(a);
  }
}

export function show(text: string): string {
  return JSON.stringify(text.length > 40 ? text.slice(0, 40) + '...' : text);
}

const UTF8 = new TextDecoder();
function text(b: Uint8Array, s: number, e: number): string {
  return UTF8.decode(b.subarray(s, e));
}

/** True for a cell equal to a missing marker (after trimming; empty is always missing). */
function isMissing(ctx: CellContext, b: Uint8Array, s: number, e: number): boolean {
  const len = e - s;
  if (len === 0) return true;
  for (const m of ctx.missing) {
    if (m.length !== len) continue;
    let k = 0;
    while (k < len && m[k] === b[s + k]) k++;
    if (k === len) return true;
  }
  return false;
}

export abstract class ColumnBuilder {
  missing = 0;
  constructor(readonly name: string, readonly position: number, protected readonly ctx: CellContext) {}

  abstract add(b: Uint8Array, s: number, e: number, row: number, line: number): void;
  abstract addMissing(row: number, line: number): void;
  abstract grow(capacity: number): void;
  abstract finish(rows: number): Column;
  /** Bytes per row of what this column keeps. */
  get bytesPerRow(): number { return 4; }
  /** The array a decimal cell may be written to directly (the parser's fast path), or null. */
  fastValues(): Float32Array | null { return null; }

  addNumber(v: number, row: number, line: number): void {
    const s = String(v);
    const bytes = Buffer.from(s, 'latin1');
    this.add(bytes, 0, bytes.length, row, line);
  }

  addString(v: string, row: number, line: number): void {
    const bytes = Buffer.from(v, 'utf8');
    this.add(bytes, 0, bytes.length, row, line);
  }

  error(line: number, what: string, code: 'ERR_FORMAT' | 'ERR_LIMIT' = 'ERR_FORMAT'): BlasnetError {
    return new BlasnetError(code, `${this.ctx.source}: ${cellPlace(this.ctx, line, this.position, this.name)}: ${what}`);
  }

  protected trimStart(b: Uint8Array, s: number, e: number): number {
    while (s < e && (b[s] === 32 || b[s] === 9)) s++;
    return s;
  }

  protected trimEnd(b: Uint8Array, s: number, e: number): number {
    while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
    return e;
  }
}

/** "line 3, column 2 (b)", "line 3, column 2" without a header, 'line 3, key "b"' in JSON Lines. */
export function cellPlace(ctx: Pick<CellContext, 'keys' | 'headerless'>, line: number, position: number, name: string): string {
  if (ctx.keys) return `line ${line}, key ${show(name)}`;
  return ctx.headerless ? `line ${line}, column ${position}` : `line ${line}, column ${position} (${name.length > 60 ? name.slice(0, 60) + '...' : name})`;
}

function growF32(a: Float32Array, n: number, pool?: ArrayPool): Float32Array {
  if (a.length === 0 && pool) { const p = pool.f32Of(n); if (p) return p.fill(NaN); }
  const g = new Float32Array(n);
  g.set(a.subarray(0, Math.min(a.length, n)));
  if (n > a.length) g.fill(NaN, a.length);
  return g;
}

function growI32(a: Int32Array, n: number, fill: number, pool?: ArrayPool): Int32Array {
  if (a.length === 0 && pool) { const p = pool.i32Of(n); if (p) return p.fill(fill); }
  const g = new Int32Array(n);
  g.set(a.subarray(0, Math.min(a.length, n)));
  if (n > a.length) g.fill(fill, a.length);
  return g;
}

/** A column declared numeric (or numeric in a saved preprocessor): anything but a decimal or a missing marker is an error. */
export class NumberBuilder extends ColumnBuilder {
  private values: Float32Array = new Float32Array(0);
  constructor(name: string, position: number, ctx: CellContext, private readonly allowMissing = true) { super(name, position, ctx); }

  add(b: Uint8Array, s: number, e: number, row: number, line: number): void {
    const v = parseDecimal(b, s, e, this.ctx.point);
    if (v === v && v !== OUT_OF_RANGE) { this.values[row] = v; return; }
    s = this.trimStart(b, s, e);
    e = this.trimEnd(b, s, e);
    if (this.allowMissing && isMissing(this.ctx, b, s, e)) { this.values[row] = NaN; this.missing++; return; }
    throw this.badNumber(b, s, e, v, line);
  }

  badNumber(b: Uint8Array, s: number, e: number, v: number, line: number): BlasnetError {
    const t = text(b, s, e);
    if (v === OUT_OF_RANGE) return this.error(line, `expected a number within float32 range (magnitude up to 3.4e38) but found ${show(t)}`);
    const hint = numericLookalike(t, this.ctx.point, this.ctx.delimiter);
    return this.error(line, `expected a number but found ${show(t)}${hint ? ` (${hint})` : ''}`);
  }

  override addNumber(v: number, row: number, line: number): void {
    if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
      throw this.error(line, `expected a number within float32 range (magnitude up to 3.4e38) but found ${v}`);
    }
    this.values[row] = v;
  }

  addMissing(row: number, line: number): void {
    if (!this.allowMissing) throw this.error(line, 'expected a number but found nothing');
    this.values[row] = NaN;
    this.missing++;
  }

  grow(capacity: number): void { this.values = growF32(this.values, capacity, this.ctx.pool); }
  override fastValues(): Float32Array { return this.values; }

  finish(rows: number): Column {
    return { kind: 'number', name: this.name, position: this.position, values: this.values.subarray(0, rows), missing: this.missing };
  }
}

/** A column with a fixed vocabulary (a saved preprocessor's categories): other values are UNKNOWN and counted. */
export class VocabularyBuilder extends ColumnBuilder {
  private codes: Int32Array = new Int32Array(0);
  private readonly dict: ByteDictionary;
  unknown = 0;
  constructor(name: string, position: number, ctx: CellContext, private readonly kind: 'category' | 'boolean', readonly categories: readonly string[]) {
    super(name, position, ctx);
    this.dict = dictionaryOf(categories);
  }

  add(b: Uint8Array, s: number, e: number, row: number): void {
    s = this.trimStart(b, s, e);
    e = this.trimEnd(b, s, e);
    const code = this.dict.lookup(b, s, e);
    if (code >= 0) { this.codes[row] = code; return; }
    if (isMissing(this.ctx, b, s, e)) { this.codes[row] = MISSING; this.missing++; return; }
    this.codes[row] = UNKNOWN;
    this.unknown++;
  }

  addMissing(row: number): void { this.codes[row] = MISSING; this.missing++; }
  grow(capacity: number): void { this.codes = growI32(this.codes, capacity, MISSING, this.ctx.pool); }

  finish(rows: number): Column {
    return {
      kind: this.kind, name: this.name, position: this.position, codes: this.codes.subarray(0, rows), categories: this.categories,
      missing: this.missing, unknown: this.unknown, truncated: false,
    };
  }
}

const enum State { Empty, Number, Text }

/**
 * A column whose type comes from the data (or is declared 'category' / 'boolean': text from the start).
 * Text codes are first-seen order; numbers turn into text only while they look like codes.
 */
export class InferBuilder extends ColumnBuilder {
  private state: State = State.Empty;
  private capacity = 0;
  private values: Float32Array | null = null;
  private codes: Int32Array | null = null;
  private dict: ByteDictionary | null = null;
  private truncated = false;

  constructor(name: string, position: number, ctx: CellContext, private readonly declared: ColumnKind | null = null) {
    super(name, position, ctx);
    if (declared === 'category' || declared === 'boolean') this.toText();
  }

  add(b: Uint8Array, s: number, e: number, row: number, line: number): void {
    if (this.state === State.Number) {
      const v = parseDecimal(b, s, e, this.ctx.point);
      if (v === v && v !== OUT_OF_RANGE) { this.storeNumber(v, row); return; }
    }
    s = this.trimStart(b, s, e);
    e = this.trimEnd(b, s, e);
    if (this.state === State.Text) {
      const code = this.dict!.lookup(b, s, e);
      if (code >= 0) { this.codes![row] = code; return; }
      if (isMissing(this.ctx, b, s, e)) { this.addMissing(row); return; }
      this.codes![row] = this.newCode(b, s, e);
      return;
    }
    if (isMissing(this.ctx, b, s, e)) { this.addMissing(row); return; }
    const v = parseDecimal(b, s, e, this.ctx.point);
    if (v === v && v !== OUT_OF_RANGE) {
      if (this.state === State.Empty) this.toNumber();
      this.storeNumber(v, row);
      return;
    }
    const t = text(b, s, e);
    if (v === OUT_OF_RANGE) throw this.error(line, `expected a number within float32 range (magnitude up to 3.4e38) but found ${show(t)}`);
    const hint = numericLookalike(t, this.ctx.point, this.ctx.delimiter);
    if (hint) throw this.error(line, `expected a number but found ${show(t)} (${hint})`);
    if (this.state === State.Number) {
      const { numbers, distinct } = this.countNumbers(row);
      if (distinct > CODE_LIKE_DISTINCT) {
        throw this.error(line, `found ${show(t)} in a column of numbers (${numbers.toLocaleString('en-US')} rows before it, more than ${CODE_LIKE_DISTINCT} distinct values); ` +
          'add it to the missing markers (missing option, --missing), or read the column as categories (types option, --categorical)');
      }
      this.numbersToText();
    } else {
      this.toText();
    }
    this.codes![row] = this.newCode(b, s, e);
  }

  override addNumber(v: number, row: number, line: number): void {
    if (this.state === State.Text) { super.addNumber(v, row, line); return; }
    if (!Number.isFinite(Math.fround(v))) throw this.error(line, `expected a number within float32 range (magnitude up to 3.4e38) but found ${v}`);
    if (this.state === State.Empty) this.toNumber();
    this.storeNumber(v, row);
  }

  addMissing(row: number): void {
    this.missing++;
    if (this.values) this.values[row] = NaN;
    else if (this.codes) this.codes[row] = MISSING;
  }

  grow(capacity: number): void {
    this.capacity = capacity;
    if (this.values) this.values = growF32(this.values, capacity);
    if (this.codes) this.codes = growI32(this.codes, capacity, MISSING);
  }

  private storeNumber(v: number, row: number): void {
    this.values![row] = v;
  }

  override fastValues(): Float32Array | null { return this.state === State.Number ? this.values : null; }

  /** Rows before `row` holding a number, and how many distinct numbers (counted up to just past the threshold). */
  private countNumbers(row: number): { numbers: number; distinct: number } {
    const v = this.values!;
    const seen = new Set<number>();
    let numbers = 0;
    for (let r = 0; r < row; r++) {
      const x = v[r]!;
      if (x !== x) continue;
      numbers++;
      if (seen.size <= CODE_LIKE_DISTINCT) seen.add(x);
    }
    return { numbers, distinct: seen.size };
  }

  private newCode(b: Uint8Array, s: number, e: number): number {
    const dict = this.dict!;
    if (dict.size >= this.ctx.maxDistinct) { this.truncated = true; return OVERFLOW; }
    return dict.intern(b, s, e);
  }

  private toNumber(): void {
    this.state = State.Number;
    this.values = new Float32Array(this.capacity).fill(NaN);
  }

  private toText(): void {
    this.state = State.Text;
    this.dict = new ByteDictionary();
    this.codes = new Int32Array(this.capacity).fill(MISSING);
  }

  /** The numbers so far become categories named by their shortest float32 text. */
  private numbersToText(): void {
    const values = this.values!;
    this.values = null;
    this.toText();
    const codes = this.codes!;
    const byValue = new Map<number, number>();
    for (let r = 0; r < values.length; r++) {
      const v = values[r]!;
      if (v !== v) continue;
      let code = byValue.get(v);
      if (code === undefined) { code = this.dict!.internString(float32Text(v)); byValue.set(v, code); }
      codes[r] = code;
    }
  }

  finish(rows: number): Column {
    if (this.state === State.Number || (this.state === State.Empty && this.declared === 'number')) {
      return { kind: 'number', name: this.name, position: this.position, values: (this.values ?? new Float32Array(rows).fill(NaN)).subarray(0, rows), missing: this.missing };
    }
    if (this.state === State.Empty) {
      // Only missing values: an empty column (kept, so that reports and preprocessors can say so).
      return { kind: 'number', name: this.name, position: this.position, values: new Float32Array(rows).fill(NaN), missing: this.missing };
    }
    const categories = this.dict!.values.slice();
    let kind: 'category' | 'boolean' = 'category';
    if (this.declared === 'boolean' || (this.declared === null && !this.truncated && isBooleanVocabulary(categories))) {
      // Declared boolean with every cell missing: an empty boolean column, not an error.
      if (categories.length > 0 && !isBooleanVocabulary(categories)) {
        const bad = categories.find((c) => booleanValue(c) === null) ?? '';
        throw new BlasnetError('ERR_FORMAT', `${this.ctx.source}: column ${this.position} (${this.name}) was declared boolean but holds ${show(bad)}`);
      }
      kind = 'boolean';
    }
    return {
      kind, name: this.name, position: this.position, codes: this.codes!.subarray(0, rows), categories, missing: this.missing,
      unknown: 0, truncated: this.truncated,
    };
  }
}

const TRUE_WORDS = ['true', 'yes', 'y', 't'];
const FALSE_WORDS = ['false', 'no', 'n', 'f'];

/** true / false for a boolean word (true/false, yes/no, y/n, t/f in any case), else null. */
export function booleanValue(text: string): boolean | null {
  const t = text.toLowerCase();
  const i = TRUE_WORDS.indexOf(t);
  if (i >= 0) return true;
  return FALSE_WORDS.includes(t) ? false : null;
}

/** Words of one pair only (yes/no, not yes/false), at least one of them. */
export function isBooleanVocabulary(values: readonly string[]): boolean {
  if (values.length === 0 || values.length > 8) return false;
  let pair = -1;
  for (const v of values) {
    const t = v.toLowerCase();
    const p = Math.max(TRUE_WORDS.indexOf(t), FALSE_WORDS.indexOf(t));
    if (p < 0) return false;
    if (pair >= 0 && p !== pair) return false;
    pair = p;
  }
  return true;
}
