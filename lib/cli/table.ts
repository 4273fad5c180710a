// The command line's tables: the options every data command takes (--delimiter, --no-header,
// --missing, --categorical, limits), reading a whole table for train, and batches for evaluate and
// predict, all through the library's one reader (lib/data/table).
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { BlasnetError } from '../errors';
import { parseByteSize } from '../limits';
import { parseOptions, type ColumnSpec, type ReadCsvOptions } from '../data/table/options';
import { openSource, readBatches, readTable as readWhole } from '../data/table/source';
import type { TableParser } from '../data/table/parse';
import type { NumberColumn, Table } from '../data/table/table';
import { usageError } from './errors';
import { intFromFlag, intOption } from './flags';

export type TableFormat = 'csv' | 'jsonl';

/** The data options of train, evaluate and predict, as commander gives them. */
export interface DataFlags {
  delimiter?: string;
  header?: boolean;
  missing?: string;
  decimal?: string;
  categorical?: string;
  numeric?: string;
  maxLineBytes?: string;
  maxColumns?: number;
  maxBytes?: string;
}

function list(v: string | undefined): string[] {
  if (v === undefined) return [];
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function size(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const b = parseByteSize(v);
  if (b === null) throw usageError(`${flag} ${JSON.stringify(v)}: expected a size such as 64M, 1G or a byte count`);
  return b;
}

/** readCsv options from the command line's flags. */
export function readOptionsOf(f: DataFlags, extra: { label?: string | number } = {}): ReadCsvOptions {
  const o: ReadCsvOptions = {};
  if (f.delimiter !== undefined) {
    const d = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|', space: ' ' }[f.delimiter.toLowerCase()] ?? f.delimiter;
    if (Buffer.byteLength(d) !== 1 || d === '"' || d === '\n') throw usageError(`--delimiter ${JSON.stringify(f.delimiter)}: expected one character such as , ; | or tab`);
    o.delimiter = d;
  }
  if (f.header === false) o.header = false;
  if (f.missing !== undefined) o.missing = f.missing.split(',').map((s) => s.trim());
  if (f.decimal !== undefined) {
    if (f.decimal !== '.' && f.decimal !== ',') throw usageError(`--decimal ${JSON.stringify(f.decimal)}: expected . or ,`);
    o.decimal = f.decimal;
  }
  const types: Record<string, 'number' | 'category'> = {};
  for (const c of list(f.categorical)) types[c] = 'category';
  for (const c of list(f.numeric)) {
    if (types[c]) throw usageError(`column ${c} is in both --categorical and --numeric`);
    types[c] = 'number';
  }
  if (Object.keys(types).length) o.types = types;
  const lineBytes = size(f.maxLineBytes, '--max-line-bytes');
  if (lineBytes !== undefined) o.maxLineBytes = lineBytes;
  if (f.maxColumns !== undefined) o.maxColumns = f.maxColumns;
  const bytes = size(f.maxBytes, '--max-bytes');
  if (bytes !== undefined) o.maxBytes = bytes;
  if (extra.label !== undefined) o.label = extra.label;
  return o;
}

/** The label as the reader takes it: a name, or with --no-header a 0-based index. */
export function labelArg(label: string, header: boolean | undefined): string | number {
  if (header === false) {
    return intFromFlag(label, '--label (a file without a header names its label by 0-based column index, e.g. --label 0)', 0);
  }
  return label;
}

function sourceName(file: string): string { return file === '-' ? 'stdin' : file; }

/** Reads a whole table (training needs every row). */
export async function readTrainingTable(file: string, label: string, flags: DataFlags): Promise<Table> {
  const options = readOptionsOf(flags, { label: labelArg(label, flags.header) });
  const input: Readable = openSource(file);
  return readWhole(input, parseOptions(options, sourceName(file)));
}

/**
 * Batches of rows with the given columns (a saved preprocessor's inputs, or a legacy model's numeric
 * features); `format` is known after the first batch.
 */
export function tableBatches(file: string, schema: ColumnSpec[] | null, flags: DataFlags, batchSize: number,
  extra: { label?: string | null } = {}): { batches: AsyncGenerator<Table>; format: () => TableFormat | null } {
  const options = readOptionsOf(flags, extra.label ? { label: extra.label } : {});
  let parser: TableParser | null = null;
  const o = parseOptions(options, sourceName(file), { schema, labelOptional: !extra.label });
  // Each batch is used up before the next is read: its arrays are reused.
  const batches = readBatches(openSource(file), o, batchSize, (p) => { parser = p; }, true);
  return { batches, format: () => (parser as TableParser | null)?.detectedFormat ?? null };
}

/**
 * The numeric features of a batch as one row-major matrix, in the given order (models saved without a
 * preprocessor read numeric columns only).
 */
export function numericMatrix(t: Table, names: readonly string[]): Float32Array {
  const w = names.length;
  const out = new Float32Array(t.rows * w);
  names.forEach((n, j) => {
    const c = t.column(n);
    if (c.kind !== 'number') throw new BlasnetError('ERR_FORMAT', `${t.source}: column ${n} is not numeric`);
    const v = (c as NumberColumn).values;
    for (let r = 0; r < t.rows; r++) out[r * w + j] = v[r]!;
  });
  return out;
}

/** The whole numeric table as matrices (the demo reads its digits this way). */
export async function readTable(file: string, spec: { features: null; label: string }): Promise<{ x: Float32Array; y: Float32Array | null; rows: number; cols: number; columns: string[] }> {
  const t = await readWhole(openSource(file), parseOptions({ label: spec.label }, sourceName(file)));
  const x = t.x, y = t.y;
  return { x: x.dataSync(), y: y ? y.dataSync() : null, rows: t.rows, cols: x.shape[1], columns: t.columns };
}

/** Adds the table options every data command takes. */
export function addDataOptions(cmd: Command): Command {
  return cmd
    .option('--delimiter <char>', 'field delimiter: , ; | tab ... (default: detected from the first lines)')
    .option('--no-header', 'the first line is data; columns are named by 0-based index (--label 0)')
    .option('--missing <list>', 'comma-separated cells that mean "no value" (default: NA,N/A,n/a,NaN,nan,null,NULL,?; an empty cell always does)')
    .option('--decimal <char>', 'decimal separator, . or , (default .)')
    .option('--categorical <columns>', 'comma-separated columns to read as categories even when they hold numbers')
    .option('--numeric <columns>', 'comma-separated columns that must hold numbers (anything else is an error)')
    .option('--max-line-bytes <size>', 'longest line or quoted record (default 16M)')
    .addOption(intOption('--max-columns <n>', 'most columns (default 100000)', 1))
    .option('--max-bytes <size>', 'most bytes of table text after decompression (default: unlimited, the memory limit for .gz)');
}

/** The data flags out of a command's options. */
export function dataFlagsOf(o: Record<string, unknown>): DataFlags {
  const f: DataFlags = {};
  for (const k of ['delimiter', 'missing', 'decimal', 'categorical', 'numeric', 'maxLineBytes', 'maxBytes'] as const) {
    if (typeof o[k] === 'string') f[k] = o[k] as string;
  }
  if (typeof o.maxColumns === 'number') f.maxColumns = o.maxColumns;
  if (o.header === false) f.header = false;
  return f;
}
