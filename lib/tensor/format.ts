// Tensor.toString() / print() in tfjs's layout: 'Tensor', then the values indented by four spaces,
// columns padded to their widest entry, 7 decimals at most, and only the first and last 3 entries
// of any axis longer than 20.
import type { DataType, TypedArray } from './types';
import { computeStrides, sizeFromShape } from './types';

const LIMIT = 20;
const EDGE = 3;
const DIGITS = 7;

function valueText(v: number, pad: number, dtype: DataType): string {
  const s = dtype === 'bool' ? (v === 0 ? 'false' : 'true') : parseFloat(v.toFixed(DIGITS)).toString();
  return s.padEnd(pad);
}

function columnWidths(vals: TypedArray, shape: readonly number[], dtype: DataType, strides: number[]): number[] {
  const cols = strides[strides.length - 1] ?? 0;
  const pad = new Array<number>(cols).fill(0);
  if (shape.length > 1) {
    const n = sizeFromShape(shape);
    for (let row = 0; row < n / cols; row++) {
      for (let j = 0; j < cols; j++) pad[j] = Math.max(pad[j]!, valueText(vals[row * cols + j]!, 0, dtype).length);
    }
  }
  return pad;
}

function lines(vals: TypedArray, shape: readonly number[], dtype: DataType, strides: number[], pad: number[], isLast: boolean): string[] {
  const size = shape[0]!;
  const rank = shape.length;
  if (rank === 0) return [dtype === 'bool' ? (vals[0] === 0 ? 'false' : 'true') : String(vals[0])];
  if (rank === 1) {
    const all = Array.from(vals);
    if (size > LIMIT) {
      const first = all.slice(0, EDGE).map((x, i) => valueText(x, pad[i] ?? 0, dtype));
      const last = all.slice(size - EDGE, size).map((x, i) => valueText(x, pad[size - EDGE + i] ?? 0, dtype));
      return [`[${first.join(', ')}, ..., ${last.join(', ')}]`];
    }
    return [`[${all.map((x, i) => valueText(x, pad[i] ?? 0, dtype)).join(', ')}]`];
  }
  const sub = shape.slice(1);
  const subStrides = strides.slice(1);
  const stride = strides[0]!;
  const out: string[] = [];
  const part = (i: number, last: boolean): void => {
    out.push(...lines(vals.slice(i * stride, (i + 1) * stride), sub, dtype, subStrides, pad, last));
  };
  if (size > LIMIT) {
    for (let i = 0; i < EDGE; i++) part(i, false);
    out.push('...');
    for (let i = size - EDGE; i < size; i++) part(i, i === size - 1);
  } else {
    for (let i = 0; i < size; i++) part(i, i === size - 1);
  }
  const sep = rank === 2 ? ',' : '';
  out[0] = '[' + (size > 0 ? out[0] + sep : '');
  for (let i = 1; i < out.length - 1; i++) out[i] = ' ' + out[i] + sep;
  const between = ',\n' + '\n'.repeat(Math.max(0, rank - 2));
  out[out.length - 1] = ' ' + out[out.length - 1] + ']' + (isLast ? '' : between);
  return out;
}

export function tensorToString(vals: TypedArray, shape: readonly number[], dtype: DataType, verbose: boolean): string {
  const strides = computeStrides(shape);
  const pad = columnWidths(vals, shape, dtype, strides);
  const head = ['Tensor'];
  if (verbose) head.push(`  dtype: ${dtype}`, `  rank: ${shape.length}`, `  shape: [${shape.join(',')}]`, '  values:');
  head.push(lines(vals, shape, dtype, strides, pad, true).map((l) => '    ' + l).join('\n'));
  return head.join('\n');
}
