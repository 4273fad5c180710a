// A minimal tfjs-like tensor: a shape over a Float32Array. Nothing to free; dispose() only marks it.
import { BlasnetError, invalidArg } from './errors';

export class Tensor {
  readonly dtype = 'float32' as const;
  readonly shape: number[];
  protected values: Float32Array;
  private disposedFlag = false;

  constructor(values: Float32Array, shape: number[]) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) {
      throw invalidArg('tensor values', `${size} values for shape [${shape.join(', ')}]`, values);
    }
    this.values = values;
    this.shape = shape;
  }

  get rank(): number { return this.shape.length; }
  get size(): number { return this.values.length; }
  get isDisposed(): boolean { return this.disposedFlag; }

  /** The values, row-major (the tensor's own buffer: do not mutate it unless you own the tensor). */
  dataSync(): Float32Array { return this.values; }
  async data(): Promise<Float32Array> { return this.values; }

  arraySync(): number[] | number[][] {
    if (this.shape.length === 2) return toRows(this.values, this.shape[0] ?? 0, this.shape[1] ?? 0);
    return Array.from(this.values);
  }
  async array(): Promise<number[] | number[][]> { return this.arraySync(); }

  /** No GPU or native memory behind a tensor: safe to call any number of times. */
  dispose(): void { this.disposedFlag = true; }

  toString(): string { return `Tensor [${this.shape.join(', ')}] float32`; }
}

export class Tensor2D extends Tensor {
  declare readonly shape: [number, number];
  constructor(values: Float32Array, shape: [number, number]) {
    super(values, shape);
  }
  get rows(): number { return this.shape[0]; }
  get cols(): number { return this.shape[1]; }
  override arraySync(): number[][] { return toRows(this.values, this.shape[0], this.shape[1]); }
  override async array(): Promise<number[][]> { return this.arraySync(); }
}

function toRows(v: Float32Array, rows: number, cols: number): number[][] {
  const out: number[][] = new Array(rows);
  for (let r = 0; r < rows; r++) out[r] = Array.from(v.subarray(r * cols, (r + 1) * cols));
  return out;
}

function checkShape(shape: unknown): [number, number] {
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw invalidArg('shape', '[rows, cols] with non-negative integers', shape);
  }
  return [shape[0] as number, shape[1] as number];
}

/**
 * Builds a 2-D tensor from number[][] (shape optional), or from flat values (number[] or a typed
 * array) with a shape. A Float32Array is used as is, without a copy.
 */
export function tensor2d(values: number[][] | number[] | ArrayLike<number>, shape?: [number, number]): Tensor2D {
  if (Array.isArray(values) && values.length > 0 && Array.isArray(values[0])) {
    const rows = values as number[][];
    const cols = rows[0]!.length;
    const out = new Float32Array(rows.length * cols);
    rows.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== cols) {
        throw invalidArg(`values[${r}]`, `a row of ${cols} numbers (as row 0)`, row);
      }
      for (let c = 0; c < cols; c++) {
        const v: unknown = row[c];
        // BigInts and Symbols cannot convert to a float (a TypeError otherwise); other values become NaN, caught where used.
        if (typeof v === 'bigint' || typeof v === 'symbol') throw invalidArg(`values[${r}][${c}]`, 'a number', v);
        out[r * cols + c] = v as number;
      }
    });
    const s: [number, number] = [rows.length, cols];
    if (shape !== undefined) {
      const want = checkShape(shape);
      if (want[0] !== s[0] || want[1] !== s[1]) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH',
          `Expected values of shape [${want.join(', ')}] but received [${s.join(', ')}]`);
      }
    }
    return new Tensor2D(out, s);
  }
  if (shape === undefined) {
    if (Array.isArray(values) && values.length === 0) return new Tensor2D(new Float32Array(0), [0, 0]);
    throw invalidArg('shape', '[rows, cols] when values are flat', shape);
  }
  const s = checkShape(shape);
  if (values instanceof Float32Array) return new Tensor2D(values, s);
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw invalidArg('values', 'number[][], number[] or a typed array', values);
  }
  const bad = Array.prototype.findIndex.call(values, (v: unknown) => typeof v === 'bigint' || typeof v === 'symbol');
  if (bad >= 0) throw invalidArg(`values[${bad}]`, 'a number', (values as ArrayLike<unknown>)[bad]);
  const arr = Float32Array.from(values as ArrayLike<number>);
  if (arr.length !== s[0] * s[1]) {
    throw invalidArg('values', `${s[0] * s[1]} values for shape [${s.join(', ')}]`, values);
  }
  return new Tensor2D(arr, s);
}
