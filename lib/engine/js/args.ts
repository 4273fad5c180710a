// The argument checks of the TypeScript engine's calls: the rules, codes and messages of the native
// binding (native/binding/calls.cc, args.cc), so both engines reject the same arguments.
import { BlasnetError, invalidArg } from '../../errors';
import type { Matrix, NetSpec } from '../types';

export function checkMatrices(spec: NetSpec, outputDim: number, x: Matrix, y: Matrix | null,
  sampleWeight: Float32Array | null = null): void {
  if (!(x?.data instanceof Float32Array)) throw invalidArg('x.data', 'a Float32Array', x?.data);
  if (!Number.isInteger(x.rows) || x.rows < 0) throw invalidArg('x.rows', 'a non-negative integer', x.rows);
  if (x.cols !== spec.inputDim) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected x with ${spec.inputDim} cols but received ${x.cols}`);
  }
  if (x.data.length < x.rows * x.cols) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `Expected at least ${x.rows * x.cols} elements for x (${x.rows} x ${x.cols}) but received ${x.data.length}`);
  }
  if (y) {
    if (!(y.data instanceof Float32Array)) throw invalidArg('y.data', 'a Float32Array', y.data);
    const want = spec.loss.id === 'sparseCategoricalCrossentropy' ? 1 : outputDim;
    if (y.cols !== want) throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected y with ${want} cols (ycols) but received ${y.cols}`);
    if (y.rows !== x.rows) throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected y with ${x.rows} rows but received ${y.rows}`);
    if (y.data.length < y.rows * y.cols) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected at least ${y.rows * y.cols} elements for y but received ${y.data.length}`);
    }
  }
  if (sampleWeight !== null) {
    if (!(sampleWeight instanceof Float32Array)) throw invalidArg('sampleWeight', 'a Float32Array or null', sampleWeight);
    if (sampleWeight.length < x.rows) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Expected at least ${x.rows} elements (one per row of x) for sampleWeight but received ${sampleWeight.length}`);
    }
  }
}

export function checkPredictionsOut(out: Float32Array | null, rows: number, outputDim: number): void {
  if (out === null) return;
  if (!(out instanceof Float32Array)) throw invalidArg('predictionsOut', 'a Float32Array or null', out);
  if (out.length < rows * outputDim) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `Expected at least ${rows * outputDim} elements for predictionsOut but received ${out.length}`);
  }
}

export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArg('batchSize', 'a positive integer', batchSize);
}

/** A Float32Array of exactly `want` elements (codes as the native binding: wrong type vs wrong length). */
export function checkLength(a: unknown, want: number, what: string, wantName: string): asserts a is Float32Array {
  if (!(a instanceof Float32Array)) throw invalidArg(what, 'a Float32Array', a);
  if (a.length !== want) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${want} elements (${wantName}) for ${what} but received ${a.length}`);
  }
}
