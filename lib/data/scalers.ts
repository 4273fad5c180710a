// Per-column scalers (scikit-learn semantics), serializable so a saved model can carry its preprocessing.
import { BlasnetError, invalidArg } from '../errors';
import type { Matrix } from '../engine/types';
import { matrixTensor, type Tensor2D } from '../tensor';
import { checkFinite, toMatrix, type MatrixLike } from './coerce';

export interface StandardScalerJSON { kind: 'standardScaler'; mean: number[]; scale: number[] }
export interface MinMaxScalerJSON { kind: 'minMaxScaler'; min: number[]; scale: number[]; featureRange: [number, number] }

abstract class ColumnScaler {
  protected fitted = false;
  /** Per-column offset and factor: transform(v) = (v - offset) * factor + shift. */
  protected offset: Float64Array = new Float64Array(0);
  protected factor: Float64Array = new Float64Array(0);
  protected shift = 0;

  protected abstract learn(m: Matrix): void;
  abstract toJSON(): StandardScalerJSON | MinMaxScalerJSON;

  get nFeatures(): number { return this.offset.length; }

  fit(x: MatrixLike): this {
    const m = toMatrix(x, 'x');
    if (m.rows === 0 || m.cols === 0) throw invalidArg('x', 'at least one row and one column', x);
    checkFinite(m, 'x');
    this.learn(m);
    this.fitted = true;
    return this;
  }

  private check(m: Matrix, fn: string): void {
    if (!this.fitted) throw new BlasnetError('ERR_INVALID_ARG', `${fn}() needs a fitted scaler: call fit(x) first`);
    if (m.cols !== this.offset.length) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected x with ${this.offset.length} columns (as fitted) but received ${m.cols}`);
    }
  }

  /** A new Tensor2D of f(value, column) over x's values (x is not modified); `fn` names the call in errors. */
  private mapValues(x: MatrixLike, fn: string, f: (v: number, c: number) => number): Tensor2D {
    const m = toMatrix(x, 'x');
    this.check(m, fn);
    const out = new Float32Array(m.data.length);
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < m.cols; c++) {
        const i = r * m.cols + c;
        out[i] = f(m.data[i]!, c);
      }
    }
    return matrixTensor(out, [m.rows, m.cols]);
  }

  /** A new Tensor2D with the scaled values (the input is not modified). */
  transform(x: MatrixLike): Tensor2D {
    return this.mapValues(x, 'transform', (v, c) => (v - this.offset[c]!) * this.factor[c]! + this.shift);
  }

  inverseTransform(x: MatrixLike): Tensor2D {
    return this.mapValues(x, 'inverseTransform', (v, c) => (v - this.shift) / this.factor[c]! + this.offset[c]!);
  }

  fitTransform(x: MatrixLike): Tensor2D {
    return this.fit(x).transform(x);
  }
}

/** (x - mean) / std per column (population std; constant columns keep scale 1, as scikit-learn). */
export class StandardScaler extends ColumnScaler {
  get mean(): number[] { return Array.from(this.offset); }
  get scale(): number[] { return Array.from(this.factor, (f) => 1 / f); }

  protected learn(m: Matrix): void {
    const mean = new Float64Array(m.cols), sq = new Float64Array(m.cols);
    for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) mean[c]! += m.data[r * m.cols + c]!;
    for (let c = 0; c < m.cols; c++) mean[c]! /= m.rows;
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < m.cols; c++) { const e = m.data[r * m.cols + c]! - mean[c]!; sq[c]! += e * e; }
    }
    this.offset = mean;
    this.factor = sq.map((s) => { const std = Math.sqrt(s / m.rows); return std > 1e-12 ? 1 / std : 1; });
    this.shift = 0;
  }

  toJSON(): StandardScalerJSON {
    if (!this.fitted) throw new BlasnetError('ERR_INVALID_ARG', 'toJSON() needs a fitted scaler');
    return { kind: 'standardScaler', mean: this.mean, scale: this.scale };
  }

  static fromJSON(j: unknown): StandardScaler {
    const o = j as StandardScalerJSON;
    if (!o || o.kind !== 'standardScaler' || !Array.isArray(o.mean) || !Array.isArray(o.scale) || o.mean.length !== o.scale.length ||
      ![...o.mean, ...o.scale].every((v) => typeof v === 'number' && Number.isFinite(v)) || o.scale.some((v) => v <= 0)) {
      throw invalidArg('StandardScaler.fromJSON(json)', '{kind: "standardScaler", mean: number[], scale: number[] (> 0)}', j);
    }
    const s = new StandardScaler();
    s.offset = Float64Array.from(o.mean);
    s.factor = Float64Array.from(o.scale, (v) => 1 / v);
    s.fitted = true;
    return s;
  }
}

/** Maps each column's [min, max] to featureRange (default [0, 1]); constant columns map to the lower bound. */
export class MinMaxScaler extends ColumnScaler {
  readonly featureRange: [number, number];
  constructor(options: { featureRange?: [number, number] } = {}) {
    super();
    const fr = options.featureRange ?? [0, 1];
    if (!Array.isArray(fr) || fr.length !== 2 || !fr.every(Number.isFinite) || !(fr[0] < fr[1])) {
      throw invalidArg('minMaxScaler featureRange', '[low, high] with low < high', fr);
    }
    this.featureRange = [fr[0], fr[1]];
  }
  protected learn(m: Matrix): void {
    const min = new Float64Array(m.cols).fill(Infinity), max = new Float64Array(m.cols).fill(-Infinity);
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < m.cols; c++) {
        const v = m.data[r * m.cols + c]!;
        if (v < min[c]!) min[c] = v;
        if (v > max[c]!) max[c] = v;
      }
    }
    const [lo, hi] = this.featureRange;
    this.offset = min;
    this.factor = min.map((mn, c) => { const range = max[c]! - mn; return range > 0 ? (hi - lo) / range : 1; });
    this.shift = lo;
  }
  toJSON(): MinMaxScalerJSON {
    if (!this.fitted) throw new BlasnetError('ERR_INVALID_ARG', 'toJSON() needs a fitted scaler');
    return { kind: 'minMaxScaler', min: Array.from(this.offset), scale: Array.from(this.factor), featureRange: [...this.featureRange] };
  }
  static fromJSON(j: unknown): MinMaxScaler {
    const o = j as MinMaxScalerJSON;
    if (!o || o.kind !== 'minMaxScaler' || !Array.isArray(o.min) || !Array.isArray(o.scale) || o.min.length !== o.scale.length ||
      ![...o.min, ...o.scale].every((v) => typeof v === 'number' && Number.isFinite(v)) || o.scale.some((v) => v <= 0)) {
      throw invalidArg('MinMaxScaler.fromJSON(json)', '{kind: "minMaxScaler", min: number[], scale: number[], featureRange}', j);
    }
    const s = new MinMaxScaler({ featureRange: o.featureRange });
    s.offset = Float64Array.from(o.min);
    s.factor = Float64Array.from(o.scale);
    s.shift = s.featureRange[0];
    s.fitted = true;
    return s;
  }
}

export function standardScaler(): StandardScaler { return new StandardScaler(); }
export function minMaxScaler(options?: { featureRange?: [number, number] }): MinMaxScaler { return new MinMaxScaler(options); }

/** A scaler from its toJSON() output (either kind). */
export function scalerFromJSON(j: unknown): StandardScaler | MinMaxScaler {
  const kind = (j as { kind?: unknown } | null)?.kind;
  if (kind === 'standardScaler') return StandardScaler.fromJSON(j);
  if (kind === 'minMaxScaler') return MinMaxScaler.fromJSON(j);
  throw invalidArg('scaler JSON', '{kind: "standardScaler" | "minMaxScaler", ...}', j);
}
