// tf.data.csv: a CSV file or URL streamed line by line (memory bounded by one chunk, never the file),
// each row an object by column name ({xs, ys} when columns are labels), parsed as tfjs parses it:
// its quoting rules, numbers where Number() reads one, strings otherwise, columnConfigs' dtype,
// default, required and isLabel.
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { BlasnetError, invalidArg } from '../../errors';
import { Dataset } from './dataset';
import { LazyIterator, type Result } from './iterators';

export interface ColumnConfig {
  required?: boolean;
  dtype?: 'float32' | 'int32' | 'bool' | 'string';
  default?: number | boolean | string;
  isLabel?: boolean;
}

export interface CSVConfig {
  hasHeader?: boolean;
  columnNames?: string[];
  columnConfigs?: { [key: string]: ColumnConfig };
  configuredColumnsOnly?: boolean;
  delimiter?: string;
  delimWhitespace?: boolean;
}

type Row = Record<string, unknown>;
const CHUNK = 1 << 20;

/** Text chunks of a local file (file://path or a path), read with positional reads: no descriptor stays open between chunks. */
async function* fileChunks(file: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(CHUNK);
  for (let pos = 0; ;) {
    let n: number;
    let handle: fs.promises.FileHandle | null = null;
    try {
      handle = await fs.promises.open(file, 'r');
      n = (await handle.read(buf, 0, CHUNK, pos)).bytesRead;
    } catch (err) {
      throw new BlasnetError('ERR_IO', `Cannot read ${file}: ${(err as Error).message}`, { cause: err });
    } finally {
      await handle?.close();
    }
    if (n === 0) break;
    pos += n;
    yield decoder.write(buf.subarray(0, n));
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

async function* urlChunks(url: string): AsyncGenerator<string> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new BlasnetError('ERR_IO', `Cannot fetch ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok || !res.body) throw new BlasnetError('ERR_IO', `Cannot fetch ${url}: HTTP ${res.status}`);
  const decoder = new StringDecoder('utf8');
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield decoder.write(Buffer.from(value));
    }
  } finally {
    reader.releaseLock();
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

function chunksOf(source: string): () => AsyncGenerator<string> {
  if (/^https?:\/\//i.test(source)) return () => urlChunks(source);
  const file = source.startsWith('file://') ? source.slice(7) : source;
  return () => fileChunks(file);
}

/** Lines without their \n (and \r); a last line without a newline counts. */
class LineIterator extends LazyIterator<string> {
  private readonly chunks: AsyncGenerator<string>;
  private pending: string[] = [];
  private carry = '';
  private ended = false;
  constructor(open: () => AsyncGenerator<string>) {
    super();
    this.chunks = open();
  }
  protected async serialNext(): Promise<Result<string>> {
    while (this.pending.length === 0) {
      if (this.ended) return { value: null, done: true };
      const c = await this.chunks.next();
      if (c.done) {
        this.ended = true;
        if (this.carry !== '') { this.pending.push(this.carry); this.carry = ''; }
        continue;
      }
      const lines = (this.carry + c.value).split('\n');
      this.carry = lines.pop()!;
      this.pending = lines;
      this.pending.reverse();
    }
    const line = this.pending.pop()!;
    return { value: line.endsWith('\r') ? line.slice(0, -1) : line, done: false };
  }
  async close(): Promise<void> { await this.chunks.return(undefined); }
}

export class CSVDataset extends Dataset<Row> {
  private readonly open: () => AsyncGenerator<string>;
  private readonly hasHeader: boolean;
  private fullColumnNames: string[] | null;
  private readonly columnConfigs: { [key: string]: ColumnConfig } | null;
  private readonly configuredColumnsOnly: boolean;
  private readonly delimiter: string;
  private readonly delimWhitespace: boolean;
  private validated = false;

  constructor(readonly source: string, config: CSVConfig = {}) {
    super();
    if (typeof source !== 'string' || source === '') throw invalidArg('tf.data.csv(source)', 'a file path, a file:// URL or an http(s):// URL', source);
    if (config === null || typeof config !== 'object') throw invalidArg('tf.data.csv config', 'an object', config);
    this.open = chunksOf(source);
    this.hasHeader = config.hasHeader !== false;
    this.fullColumnNames = config.columnNames ? [...config.columnNames] : null;
    this.columnConfigs = config.columnConfigs ?? null;
    this.configuredColumnsOnly = config.configuredColumnsOnly === true;
    if (config.delimWhitespace) {
      if (config.delimiter !== undefined && config.delimiter !== null) {
        throw new BlasnetError('ERR_INVALID_ARG', 'Delimiter should not be provided when delimWhitespace is true.');
      }
      this.delimWhitespace = true;
      this.delimiter = ' ';
    } else {
      this.delimWhitespace = false;
      this.delimiter = config.delimiter || ',';
    }
    if (this.delimiter.length !== 1) throw invalidArg('tf.data.csv delimiter', 'a single character', this.delimiter);
  }

  /** The column names (those of columnConfigs only, with configuredColumnsOnly). */
  async columnNames(): Promise<string[]> {
    if (!this.validated) await this.setColumnNames();
    return this.configuredColumnsOnly ? Object.keys(this.columnConfigs ?? {}) : [...this.fullColumnNames!];
  }

  private async setColumnNames(): Promise<void> {
    let fromFile: string[] | null = null;
    if (this.hasHeader) {
      const lines = new LineIterator(this.open);
      const first = await lines.next();
      await lines.close();
      if (first.done) throw new BlasnetError('ERR_FORMAT', `${this.source}: no data was found for CSV parsing`);
      fromFile = this.parseRow(first.value.replace(/^\uFEFF/, ''), 1, false);
    }
    if (!this.fullColumnNames && !fromFile) {
      throw new BlasnetError('ERR_INVALID_ARG', 'Column names must be provided if there is no header line.');
    }
    if (this.fullColumnNames && fromFile && fromFile.length !== this.fullColumnNames.length) {
      throw new BlasnetError('ERR_FORMAT', `The length of provided columnNames (${this.fullColumnNames.length}) does not match ` +
        `the length of the header line read from file (${fromFile.length}).`);
    }
    const names = this.fullColumnNames ?? fromFile!;
    const dup = names.filter((n, i) => names.indexOf(n) !== i);
    if (dup.length > 0) throw new BlasnetError('ERR_FORMAT', `Duplicate column names found: ${[...new Set(dup)].join(',')}`);
    for (const key of Object.keys(this.columnConfigs ?? {})) {
      if (!names.includes(key)) {
        throw new BlasnetError('ERR_INVALID_ARG', `The key "${key}" provided in columnConfigs does not match any of the column names (${names.join(',')}).`);
      }
    }
    this.fullColumnNames = names;
    this.validated = true;
  }

  async iterator(): Promise<LazyIterator<Row>> {
    if (!this.validated) await this.setColumnNames();
    const lines = new LineIterator(this.open);
    let lineNo = 0;
    const skipBlank = this.fullColumnNames!.length > 1;
    const plan = this.plan();
    const hasLabels = plan.some((c) => c.config?.isLabel);
    // Rows are copies of objects that already have every key, in file order: filling them in is
    // stores into existing fields, not a new hidden class per added key.
    const shapes = {
      features: Object.fromEntries(plan.filter((c) => !c.config?.isLabel).map((c) => [c.key, undefined])) as Row,
      labels: Object.fromEntries(plan.filter((c) => c.config?.isLabel).map((c) => [c.key, undefined])) as Row,
    };
    const rows = new RowIterator(lines, (line) => {
      lineNo++;
      if (this.hasHeader && lineNo === 1) return null;
      if (skipBlank && line === '') return null;
      return this.makeElement(line, lineNo, plan, hasLabels, shapes);
    });
    return rows;
  }

  /** The columns an element has, in file order, with their configs (worked out once per pass). */
  private plan(): { key: string; index: number; config: ColumnConfig | undefined }[] {
    return this.fullColumnNames!.map((key, index) => ({ key, index, config: this.columnConfigs?.[key] }))
      .filter((c) => !this.configuredColumnsOnly || c.config);
  }

  private makeElement(line: string, lineNo: number, plan: ReturnType<CSVDataset['plan']>, hasLabels: boolean,
    shapes: { features: Row; labels: Row }): Row {
    const values = this.parseRow(line, lineNo, true);
    const features: Row = { ...shapes.features }, labels: Row = { ...shapes.labels };
    for (let c = 0; c < plan.length; c++) {
      const { key, index, config } = plan[c]!;
      const value = values[index]!;
      if (config === undefined) {
        // The common case, a column without a config: a number where Number() reads one.
        const num = value === '' ? NaN : +value;
        features[key] = num === num ? num : value === '' ? undefined : value;
        continue;
      }
      let parsed: unknown;
      if (value === '') {
        if (config?.default !== undefined) parsed = config.default;
        else if (config?.required || config?.isLabel) {
          throw new BlasnetError('ERR_FORMAT', `${this.source}: line ${lineNo}: required column ${key} is empty in this line: ${line.slice(0, 200)}`);
        } else parsed = undefined;
      } else {
        const num = Number(value);
        if (Number.isNaN(num)) parsed = config?.dtype === 'bool' ? boolOf(value) : value;
        else if (!config?.dtype) parsed = num;
        else if (config.dtype === 'int32') parsed = Math.floor(num);
        else if (config.dtype === 'bool') parsed = boolOf(value);
        else parsed = num;
      }
      if (config?.isLabel) labels[key] = parsed; else features[key] = parsed;
    }
    return hasLabels ? { xs: features, ys: labels } : features;
  }

  /** tfjs's CSV field rules (quoted fields, "" inside quotes); rows without quotes take the fast split. */
  private parseRow(line: string, lineNo: number, check: boolean): string[] {
    let out: string[];
    if (!this.delimWhitespace && !line.includes('"')) out = line.split(this.delimiter);
    else out = splitQuoted(line, this.delimiter, this.delimWhitespace);
    if (check && out.length !== this.fullColumnNames!.length) {
      throw new BlasnetError('ERR_FORMAT', `${this.source}: line ${lineNo}: invalid row in csv file: expected ` +
        `${this.fullColumnNames!.length} fields (as the header) but found ${out.length}`);
    }
    return out;
  }
}

function boolOf(v: string): number {
  return v === '1' || v.toLowerCase() === 'true' ? 1 : 0;
}

const OUT = 0, FIELD = 1, QUOTE = 2, AFTER_QUOTE = 3, IN_QUOTE = 4;

function splitQuoted(line: string, delim: string, whitespace: boolean): string[] {
  const out: string[] = [];
  let start = 0, state = OUT;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    switch (state) {
      case OUT:
        if (ch === '"') { start = i + 1; state = QUOTE; } else if (ch === delim) {
          start = i + 1;
          if (!(delim === ' ' && whitespace)) out.push('');
        } else { state = FIELD; start = i; }
        break;
      case FIELD:
        if (ch === delim) { out.push(line.substring(start, i)); state = OUT; start = i + 1; }
        break;
      case QUOTE:
        if (ch === '"') state = AFTER_QUOTE;
        break;
      case AFTER_QUOTE:
        if (ch === delim) { out.push(line.substring(start, i - 1)); state = OUT; start = i + 1; } else if (ch === '"') state = QUOTE;
        else state = IN_QUOTE;
        break;
      case IN_QUOTE:
        if (ch === '"') state = QUOTE;
        break;
    }
  }
  out.push(state === AFTER_QUOTE ? line.substring(start, line.length - 1) : line.substring(start));
  return out;
}

/** Lines to elements; a null from the parser drops the line (the header, blank lines). */
class RowIterator extends LazyIterator<Row> {
  constructor(private readonly lines: LazyIterator<string>, private readonly parse: (line: string) => Row | null) { super(); }
  protected async serialNext(): Promise<Result<Row>> {
    for (;;) {
      const l = await this.lines.next();
      if (l.done) return l;
      const row = this.parse(l.value);
      if (row) return { value: row, done: false };
    }
  }
}

/** tf.data.csv(source, config): source is a path, a file:// URL or an http(s):// URL. */
export function csv(source: string, csvConfig: CSVConfig = {}): CSVDataset {
  return new CSVDataset(source, csvConfig);
}
