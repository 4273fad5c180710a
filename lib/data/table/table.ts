// A table read from a file: typed columns (numbers as float32 with NaN for missing, text as codes into
// the column's categories), the 1-based file line of every row (errors name it after any shuffle or
// split) and the label column's name.
import { BlasnetError, invalidArg } from '../../errors';
import { matrixTensor, type Tensor2D } from '../../tensor';

/** Code of a missing cell; of a value outside a fixed vocabulary; of a value past maxDistinct. */
export const MISSING = -1;
export const UNKNOWN = -2;

export type ColumnKind = 'number' | 'category' | 'boolean';

export interface NumberColumn {
  readonly kind: 'number';
  readonly name: string;
  /** 1-based position in the file (0 for a JSON Lines key). */
  readonly position: number;
  /** One float32 per row, NaN where the cell was missing. */
  readonly values: Float32Array;
  readonly missing: number;
}

export interface CategoryColumn {
  readonly kind: 'category' | 'boolean';
  readonly name: string;
  readonly position: number;
  /** One code per row: an index into categories, -1 missing, -2 not in a fixed vocabulary, -3 past the distinct-value limit. */
  readonly codes: Int32Array;
  /** Distinct values, in the order first seen (or a saved vocabulary's order). */
  readonly categories: readonly string[];
  readonly missing: number;
  /** Values outside a fixed vocabulary (a saved preprocessor's categories). */
  readonly unknown: number;
  /** More distinct values than the reader keeps (maxDistinct): the rest are code -3. */
  readonly truncated: boolean;
}

export type Column = NumberColumn | CategoryColumn;

/** Names in a message: the first ones, then how many more. */
export function nameList(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map((n) => (n.length > 40 ? n.slice(0, 40) + '...' : n));
  return shown.join(', ') + (names.length > max ? `, ... (${(names.length - max).toLocaleString('en-US')} more)` : '');
}

export class Table {
  readonly rows: number;
  /** The file (or 'stdin', or 'CSV text') the rows came from. */
  readonly source: string;
  /** The label column's name, or null. */
  readonly labelColumn: string | null;
  /** A file without a header row (columns are named by 0-based index). */
  readonly headerless: boolean;
  /** Columns are JSON Lines keys. */
  readonly keyed: boolean;
  /** The CSV delimiter the rows were split at (null for JSON Lines and records). */
  readonly delimiter: string | null;
  private readonly cols: readonly Column[];
  private readonly byName: Map<string, number>;
  private readonly lineOf: Int32Array;
  private cache: { x?: Tensor2D; y?: Tensor2D | null } = {};

  constructor(init: {
    columns: readonly Column[]; rows: number; lines: Int32Array; source: string; labelColumn?: string | null;
    headerless?: boolean; keyed?: boolean; delimiter?: string | null;
  }) {
    this.delimiter = init.delimiter ?? null;
    this.cols = init.columns;
    this.rows = init.rows;
    this.lineOf = init.lines;
    this.source = init.source;
    this.headerless = init.headerless ?? false;
    this.keyed = init.keyed ?? false;
    this.byName = new Map(init.columns.map((c, i) => [c.name, i]));
    const label = init.labelColumn ?? null;
    if (label !== null && !this.byName.has(label)) throw invalidArg('labelColumn', `one of the columns (${nameList(this.names)})`, label);
    this.labelColumn = label;
  }

  /** Every column's name, in file order (the label included). */
  get names(): string[] { return this.cols.map((c) => c.name); }

  /** Feature column names: every column but the label. */
  get columns(): string[] { return this.cols.filter((c) => c.name !== this.labelColumn).map((c) => c.name); }

  /** Every column, in file order. */
  get allColumns(): readonly Column[] { return this.cols; }

  has(name: string): boolean { return this.byName.has(name); }

  column(name: string): Column {
    const i = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (i === undefined) throw invalidArg('column name', `one of the columns (${nameList(this.names)})`, name);
    return this.cols[i]!;
  }

  /** The 1-based file line of a row. */
  line(row: number): number { return this.lineOf[row]!; }

  get lines(): Int32Array { return this.lineOf; }

  /** The label column, or null. */
  get label(): Column | null { return this.labelColumn === null ? null : this.column(this.labelColumn); }

  /** The features as one float32 matrix: every feature column must be numeric with no missing value (else use data.preprocessor()). */
  get x(): Tensor2D {
    if (this.cache.x) return this.cache.x;
    const feats = this.cols.filter((c) => c.name !== this.labelColumn);
    const bad = feats.find((c) => c.kind !== 'number' || c.missing > 0);
    if (bad) {
      throw new BlasnetError('ERR_INVALID_ARG', `${this.source}: column ${bad.name} is ${bad.kind !== 'number' ? `${bad.kind === 'boolean' ? 'boolean' : 'categorical'}` : `numeric with ${bad.missing} missing values`}, ` +
        'so the table is not one numeric matrix: encode it with data.preprocessor()');
    }
    if (feats.length === 0) throw new BlasnetError('ERR_INVALID_ARG', `${this.source}: no feature columns`);
    const w = feats.length;
    const out = new Float32Array(this.rows * w);
    const vals = feats.map((c) => (c as NumberColumn).values);
    // Blocks of rows: the written rows stay in cache while every column is copied in.
    for (let r0 = 0; r0 < this.rows; r0 += 256) {
      const r1 = Math.min(this.rows, r0 + 256);
      for (let j = 0; j < w; j++) {
        const v = vals[j]!;
        for (let r = r0; r < r1; r++) out[r * w + j] = v[r]!;
      }
    }
    this.cache.x = cached(matrixTensor(out, [this.rows, w]));
    return this.cache.x;
  }

  /** The label as a [rows, 1] matrix when it is numeric with no missing value; null without a label column. */
  get y(): Tensor2D | null {
    if (this.cache.y !== undefined) return this.cache.y;
    const c = this.label;
    if (c === null) return (this.cache.y = null);
    if (c.kind !== 'number' || c.missing > 0) {
      throw new BlasnetError('ERR_INVALID_ARG', `${this.source}: the label column ${c.name} is ${c.kind !== 'number' ? 'text' : `numeric with ${c.missing} missing values`}: ` +
        'encode it with data.preprocessor() (classes become indices)');
    }
    this.cache.y = cached(matrixTensor(c.values.slice(), [this.rows, 1]));
    return this.cache.y;
  }

  /** The rows at the given indices (in that order), as a new table. */
  take(indices: ArrayLike<number>): Table {
    const n = indices.length;
    for (let i = 0; i < n; i++) {
      const r = indices[i]!;
      if (!Number.isInteger(r) || r < 0 || r >= this.rows) throw invalidArg(`indices[${i}]`, `a row index in [0, ${this.rows - 1}]`, r);
    }
    const cols = this.cols.map((c): Column => {
      if (c.kind === 'number') {
        const v = new Float32Array(n);
        let missing = 0;
        for (let i = 0; i < n; i++) { const x = c.values[indices[i]!]!; v[i] = x; if (x !== x) missing++; }
        return { ...c, values: v, missing };
      }
      const codes = new Int32Array(n);
      let missing = 0, unknown = 0;
      for (let i = 0; i < n; i++) { const k = c.codes[indices[i]!]!; codes[i] = k; if (k === MISSING) missing++; else if (k === -2) unknown++; }
      return { ...c, codes, missing, unknown };
    });
    const lines = new Int32Array(n);
    for (let i = 0; i < n; i++) lines[i] = this.lineOf[indices[i]!]!;
    return new Table({ columns: cols, rows: n, lines, source: this.source, labelColumn: this.labelColumn, headerless: this.headerless, keyed: this.keyed, delimiter: this.delimiter });
  }

  /** The same rows with another label column (or none). */
  withLabel(name: string | null): Table {
    return new Table({ columns: this.cols, rows: this.rows, lines: this.lineOf, source: this.source, labelColumn: name, headerless: this.headerless, keyed: this.keyed, delimiter: this.delimiter });
  }

  /** Row r as an object by column name (missing cells are null); for looking at data, not for speed. */
  record(r: number): Record<string, number | string | null> {
    const o: Record<string, number | string | null> = Object.create(null) as Record<string, number | string | null>;
    for (const c of this.cols) {
      if (c.kind === 'number') { const v = c.values[r]!; o[c.name] = v === v ? v : null; }
      else { const k = c.codes[r]!; o[c.name] = k >= 0 ? c.categories[k]! : null; }
    }
    return o;
  }
}

/** A tensor the table keeps for later reads: kept out of tidy() scopes (as tf.keep), so a scope cannot free it. */
function cached(t: Tensor2D): Tensor2D {
  t.kept = true;
  return t;
}
