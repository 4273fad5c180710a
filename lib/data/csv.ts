// The public table readers: readCsv (streams a file, stdin or a stream), readCsvSync, parseCsv (text or
// bytes in memory) and readCsvBatches (tables of N rows while the input streams). One parser behind all
// of them and behind the command line.
import { invalidArg } from '../errors';
import { parseOptions, type ColumnSpec, type ReadCsvOptions } from './table/options';
import { readBatches, readTable, readTableSync, type TableSource } from './table/source';
import type { Table } from './table/table';
import { TableParser } from './table/parse';

export type { ReadCsvOptions, ColumnSpec } from './table/options';
export type { TableSource } from './table/source';

function sourceName(input: unknown): string {
  if (typeof input === 'string') return input === '-' ? 'stdin' : input;
  return 'stream';
}

function checkPath(file: unknown, fn: string): asserts file is string {
  if (typeof file !== 'string' || file === '') throw invalidArg(`${fn}(path)`, 'a file path', file);
}

function checkSource(input: unknown, fn: string): void {
  if (typeof input === 'string') { checkPath(input, fn); return; }
  if (input === null || typeof input !== 'object' || typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
    throw invalidArg(`${fn}(source)`, 'a file path, "-" for stdin, or a readable stream', input);
  }
}

/**
 * Reads a CSV or JSON Lines table (gzip too, recognised by its content) from a file, '-' (stdin) or a
 * stream: column types are inferred (numbers, categories, booleans), missing markers read as missing,
 * the delimiter detected. Memory: the table itself, plus one chunk.
 */
export async function readCsv(source: TableSource, options: ReadCsvOptions = {}): Promise<Table> {
  checkSource(source, 'readCsv');
  return readTable(source, parseOptions(options, sourceName(source)));
}

/** readCsv for a file path, synchronously (a .gz is inflated whole, within maxBytes). */
export function readCsvSync(file: string, options: ReadCsvOptions = {}): Table {
  checkPath(file, 'readCsvSync');
  return readTableSync(file, parseOptions(options, file), true);
}

/** Parses table text or bytes in memory (gzip bytes too). `source` names it in errors. */
export function parseCsv(text: string | Uint8Array, options: ReadCsvOptions = {}, source = 'CSV text'): Table {
  if (typeof text !== 'string' && !(text instanceof Uint8Array)) throw invalidArg('parseCsv(text)', 'a string or bytes', text);
  if (typeof source !== 'string') throw invalidArg('parseCsv source', 'a name for error messages', source);
  return readTableSync(text, parseOptions(options, source), false);
}

export interface ReadBatchesOptions extends ReadCsvOptions {
  /** Rows per table (default 4096). */
  batchSize?: number;
  /** Read these columns with these types (e.g. preprocessor.inputColumns()); others are skipped. */
  schema?: ColumnSpec[];
  /** Reuse the arrays of a batch once the next one is asked for (memory stays flat; do not keep batches). */
  reuse?: boolean;
}

/**
 * Tables of `batchSize` rows while the source streams (memory: one batch and one chunk). With a schema
 * (a fitted preprocessor's inputColumns()), every batch has the same columns and vocabularies; without,
 * each batch infers its own types.
 */
export async function* readCsvBatches(source: TableSource, options: ReadBatchesOptions = {}): AsyncGenerator<Table> {
  checkSource(source, 'readCsvBatches');
  const { batchSize = 4096, schema, reuse = false, ...rest } = (options ?? {}) as ReadBatchesOptions;
  if (typeof reuse !== 'boolean') throw invalidArg('reuse', 'a boolean', reuse);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw invalidArg('batchSize', 'a positive integer', batchSize);
  if (schema !== undefined && !Array.isArray(schema)) throw invalidArg('schema', 'an array of column specs', schema);
  yield* readBatches(source, parseOptions(rest, sourceName(source), { schema: schema ?? null, labelOptional: true }), batchSize, undefined, reuse);
}

/**
 * A table from records in code: objects by column name (absent fields and null are missing) or arrays.
 * With a schema (a fitted preprocessor's inputColumns()), those columns with those types.
 */
export function tableFromRecords(records: readonly unknown[], options: ReadCsvOptions & { schema?: ColumnSpec[] } = {}): Table {
  if (!Array.isArray(records)) throw invalidArg('tableFromRecords(records)', 'an array of objects (or arrays)', records);
  const { schema, ...rest } = (options ?? {}) as ReadCsvOptions & { schema?: ColumnSpec[] };
  const o = parseOptions({ ...rest, format: 'jsonl' }, 'records', { schema: schema ?? null, labelOptional: true });
  const parser = new TableParser(o);
  for (let i = 0; i < records.length; i++) parser.pushRecord(records[i], i + 1);
  parser.end();
  return parser.table();
}
