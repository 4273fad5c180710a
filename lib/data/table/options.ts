// The options of every table read (readCsv, readCsvSync, parseCsv, readCsvBatches, the CLI), checked once.
import { invalidArg } from '../../errors';
import { parseByteSize, resolveMemoryLimit } from '../../limits';
import { orDefault, positiveInt as positiveIntOf } from '../../validate';
import type { ColumnKind } from './table';

/** Cells read as missing unless `missing` says otherwise (an empty cell always is). */
export const DEFAULT_MISSING = ['NA', 'N/A', 'n/a', 'NaN', 'nan', 'null', 'NULL', '?'];

export interface ReadCsvOptions {
  /** The label column: its name, or a 0-based index (files without a header: the index, as a number or a string). */
  label?: string | number;
  /** One character; default: detected from the first lines (',', ';', tab or '|'; tab for .tsv files). */
  delimiter?: string;
  /** The first line names the columns (default true); false: columns are named '0', '1', ... */
  header?: boolean;
  /** Cells that mean "no value" (default NA, N/A, n/a, NaN, nan, null, NULL, ?); an empty cell is always missing. */
  missing?: string[];
  /** The decimal separator (default '.'). */
  decimal?: '.' | ',';
  /** Read only these columns (and the label). */
  columns?: string[];
  /** Column types by name instead of inferring them: 'number', 'category' or 'boolean'. */
  types?: Record<string, ColumnKind>;
  /** 'csv' or 'jsonl' (default: from the file name, else from the first character). */
  format?: 'csv' | 'jsonl';
  /** Longest line or quoted record, in bytes (default 16 MiB). */
  maxLineBytes?: number;
  /** Most columns (default 100,000). */
  maxColumns?: number;
  /** Most bytes of table text, after decompression (default: unlimited for plain files, the memory limit for gzip). */
  maxBytes?: number | string;
  /** Most distinct values kept per text column (default 100,000; later new values are counted, not kept). */
  maxDistinct?: number;
  /** Memory the table may take (default: a quarter of RAM, or BLASNET_MEMORY_LIMIT). */
  memoryLimit?: number | string;
}

/** A column a saved preprocessor needs, with its type (and vocabulary) fixed. */
export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** A fixed vocabulary: other values read as unknown (code -2). */
  categories?: readonly string[];
  /** false: a missing cell is an error (models without imputation). */
  allowMissing?: boolean;
  /** Absent from the file is fine (all missing). */
  optional?: boolean;
}

export interface ParseOptions {
  source: string;
  format: 'csv' | 'jsonl' | null;
  delimiter: number | null;
  header: boolean;
  missing: Uint8Array[];
  point: number;
  label: string | number | null;
  labelOptional: boolean;
  columns: string[] | null;
  types: Map<string, ColumnKind>;
  schema: ColumnSpec[] | null;
  maxLineBytes: number;
  maxColumns: number;
  /** null: the default (unlimited for plain text, the memory limit for gzip). */
  maxBytes: number | null;
  maxDistinct: number;
  memoryLimit: number;
}

const KINDS: readonly string[] = ['number', 'category', 'boolean'];
const KNOWN = ['label', 'delimiter', 'header', 'missing', 'decimal', 'columns', 'types', 'format', 'maxLineBytes', 'maxColumns',
  'maxBytes', 'maxDistinct', 'memoryLimit'];

function positiveIntOr(v: unknown, name: string, fallback: number): number {
  return orDefault(v, fallback, (x) => positiveIntOf(x, name));
}

function bytes(v: unknown, name: string, fallback: () => number): number {
  if (v === undefined) return fallback();
  if (typeof v === 'number' && (v === Infinity || (Number.isSafeInteger(v) && v > 0))) return v;
  if (typeof v === 'string') { const b = parseByteSize(v); if (b !== null) return b; }
  throw invalidArg(name, 'a byte count or a size such as 512M', v);
}

/** Checks and completes options; `source` names the input in errors. */
export function parseOptions(options: unknown, source: string, extra: { schema?: ColumnSpec[] | null; labelOptional?: boolean } = {}): ParseOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) throw invalidArg('options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN.includes(k)) throw invalidArg('options', `only the keys ${KNOWN.join(', ')}`, k);
  }
  let delimiter: number | null = null;
  if (o.delimiter !== undefined) {
    const d = o.delimiter;
    if (typeof d !== 'string' || Buffer.byteLength(d) !== 1 || d === '"' || d === '\n' || d === '\r') {
      throw invalidArg('delimiter', 'one character (not a quote or a line break), such as "," ";" "\\t" or "|"', d);
    }
    delimiter = d.charCodeAt(0);
  } else if (/\.tsv(\.gz)?$/i.test(source)) {
    delimiter = 9;
  }
  const header = o.header ?? true;
  if (typeof header !== 'boolean') throw invalidArg('header', 'a boolean', header);
  const missingList = o.missing ?? DEFAULT_MISSING;
  if (!Array.isArray(missingList) || missingList.length > 100 || !missingList.every((m) => typeof m === 'string' && m.length <= 100)) {
    throw invalidArg('missing', 'an array of at most 100 strings (cells that mean "no value")', missingList);
  }
  const missing = (missingList as string[]).map((m) => m.trim()).filter((m) => m !== '').map((m) => Buffer.from(m, 'utf8'));
  const decimal = o.decimal ?? '.';
  if (decimal !== '.' && decimal !== ',') throw invalidArg('decimal', '"." or ","', decimal);
  if (decimal === ',' && delimiter === 44) throw invalidArg('decimal', 'a separator other than the delimiter', decimal);
  let label: string | number | null = null;
  if (o.label !== undefined && o.label !== null) {
    if (typeof o.label === 'string' && o.label !== '') label = o.label;
    else if (typeof o.label === 'number' && Number.isSafeInteger(o.label) && o.label >= 0) label = o.label;
    else throw invalidArg('label', 'a column name or a 0-based column index', o.label);
  }
  let columns: string[] | null = null;
  if (o.columns !== undefined) {
    if (!Array.isArray(o.columns) || !o.columns.every((c) => typeof c === 'string')) throw invalidArg('columns', 'an array of column names', o.columns);
    columns = o.columns as string[];
  }
  const types = new Map<string, ColumnKind>();
  if (o.types !== undefined) {
    if (o.types === null || typeof o.types !== 'object' || Array.isArray(o.types)) throw invalidArg('types', 'an object {column: "number" | "category" | "boolean"}', o.types);
    for (const [k, v] of Object.entries(o.types as Record<string, unknown>)) {
      if (typeof v !== 'string' || !KINDS.includes(v)) throw invalidArg(`types[${JSON.stringify(k.slice(0, 40))}]`, '"number", "category" or "boolean"', v);
      types.set(k, v as ColumnKind);
    }
  }
  let format: 'csv' | 'jsonl' | null = null;
  if (o.format !== undefined) {
    if (o.format !== 'csv' && o.format !== 'jsonl') throw invalidArg('format', '"csv" or "jsonl"', o.format);
    format = o.format;
  } else if (/\.(jsonl|ndjson|json)(\.gz)?$/i.test(source)) format = 'jsonl';
  else if (/\.(csv|tsv|txt)(\.gz)?$/i.test(source)) format = 'csv';
  // Unlike maxBytes, the memory limit cannot be lifted with Infinity: it is what bounds the reader.
  const memoryLimit = resolveMemoryLimit(o.memoryLimit, 'memoryLimit');
  return {
    source, format, delimiter, header, missing, point: decimal === ',' ? 44 : 46, label, labelOptional: extra.labelOptional ?? false,
    columns, types, schema: extra.schema ?? null,
    maxLineBytes: positiveIntOr(o.maxLineBytes, 'maxLineBytes', 16 * 2 ** 20),
    maxColumns: positiveIntOr(o.maxColumns, 'maxColumns', 100_000),
    maxBytes: o.maxBytes === undefined ? null : bytes(o.maxBytes, 'maxBytes', () => Infinity),
    maxDistinct: positiveIntOr(o.maxDistinct, 'maxDistinct', 100_000),
    memoryLimit,
  };
}
