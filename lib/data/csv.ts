// A numeric CSV reader: a header row, then numbers. Errors name the line and column.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { BlasnetError, invalidArg } from '../errors';
import { matrixTensor, type Tensor2D } from '../tensor';

export interface ReadCsvOptions {
  /** Name (or 0-based index) of the label column; its values go to y. Without it, all columns are x. */
  label?: string | number;
  /** Default ','. */
  delimiter?: string;
}

export interface CsvData {
  x: Tensor2D;
  /** [rows, 1] when a label column was named, else null. */
  y: Tensor2D | null;
  /** Feature column names, in x's column order. */
  columns: string[];
  labelColumn: string | null;
}

/** Splits one line at the delimiter, honouring double quotes. */
function splitLine(line: string, delim: string): string[] {
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let cur = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"') { if (line[i + 1] === '"') { cur += '"'; i++; } else q = false; } else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === delim) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Parses CSV text (see readCsv). `source` names the file in errors. */
export function parseCsv(text: string, options: ReadCsvOptions = {}, source = 'CSV'): CsvData {
  const delim = options.delimiter ?? ',';
  if (typeof delim !== 'string' || delim.length !== 1) throw invalidArg('delimiter', 'a single character', delim);
  const lines = text.split(/\r?\n/);
  const header = splitLine(lines[0]?.replace(/^\uFEFF/, '') ?? '', delim).map((h) => h.trim());
  if (header.length === 0 || (header.length === 1 && header[0] === '')) {
    throw new BlasnetError('ERR_FORMAT', `${source}: line 1: expected a header row with column names`);
  }
  let labelIdx = -1;
  if (options.label !== undefined) {
    if (typeof options.label === 'number') {
      if (!Number.isInteger(options.label) || options.label < 0 || options.label >= header.length) {
        throw invalidArg('label', `a column index in [0, ${header.length - 1}]`, options.label);
      }
      labelIdx = options.label;
    } else {
      labelIdx = header.indexOf(options.label);
      if (labelIdx < 0) {
        throw new BlasnetError('ERR_INVALID_ARG', `${source}: no column named ${JSON.stringify(options.label)}; columns: ${header.join(', ')}`);
      }
    }
  }
  const cols = header.length;
  const nx = labelIdx >= 0 ? cols - 1 : cols;
  // Growable float32 buffers: a large file never goes through an array of JS numbers.
  let xs = new Float32Array(Math.max(16, nx * 1024));
  let ys = new Float32Array(1024);
  let xn = 0;
  let rows = 0;
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim() === '') continue;
    const cells = splitLine(line, delim);
    if (cells.length !== cols) {
      throw new BlasnetError('ERR_FORMAT', `${source}: line ${li + 1}: expected ${cols} columns (as the header) but found ${cells.length}`);
    }
    if (xn + nx > xs.length) { const g = new Float32Array(xs.length * 2); g.set(xs); xs = g; }
    if (rows >= ys.length) { const g = new Float32Array(ys.length * 2); g.set(ys); ys = g; }
    for (let c = 0; c < cols; c++) {
      const s = cells[c]!.trim();
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) {
        throw new BlasnetError('ERR_FORMAT',
          `${source}: line ${li + 1}, column ${c + 1} (${header[c]}): expected a number but found ${JSON.stringify(cells[c]!.slice(0, 40))}`);
      }
      if (c === labelIdx) ys[rows] = v; else xs[xn++] = v;
    }
    rows++;
  }
  if (rows === 0) throw new BlasnetError('ERR_FORMAT', `${source}: no data rows after the header`);
  return {
    x: matrixTensor(xs.slice(0, rows * nx), [rows, nx]),
    y: labelIdx >= 0 ? matrixTensor(ys.slice(0, rows), [rows, 1]) : null,
    columns: header.filter((_, i) => i !== labelIdx),
    labelColumn: labelIdx >= 0 ? header[labelIdx]! : null,
  };
}

/** Reads a numeric CSV file with a header row (gzip-compressed files ending in .gz too). */
export function readCsv(file: string, options: ReadCsvOptions = {}): CsvData {
  if (typeof file !== 'string' || file === '') throw invalidArg('readCsv(path)', 'a file path', file);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new BlasnetError('ERR_IO', `Cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (file.endsWith('.gz')) buf = zlib.gunzipSync(buf);
  return parseCsv(buf.toString('utf8'), options, file);
}
