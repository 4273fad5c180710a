// TensorLike -> Tensor, as tfjs's tensor() and convertToTensor(): shapes inferred from nested arrays
// (ragged ones rejected), dtypes inferred as tfjs does, typed arrays of the right type used without a copy.
import { BlasnetError, describe, invalidArg } from '../errors';
import { Tensor } from '../tensor';
import type { DataType, TensorLike, TypedArray } from '../tensor/types';
import { checkDtype, checkShape, makeArray, sizeFromShape } from '../tensor/types';

function isTypedArray(v: unknown): v is TypedArray | Float64Array | Int16Array | Int8Array | Uint16Array | Uint32Array | Uint8ClampedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** tfjs's inferDtype: Float32Array and JS numbers float32, integer typed arrays int32, booleans bool. */
export function inferDtype(values: unknown): DataType {
  let v = values;
  while (Array.isArray(v)) v = v[0];
  if (v instanceof Float32Array || v instanceof Float64Array) return 'float32';
  if (isTypedArray(v)) return 'int32';
  if (typeof v === 'boolean') return 'bool';
  return 'float32';
}

export function inferShape(values: unknown): number[] {
  if (isTypedArray(values)) return [values.length];
  if (!Array.isArray(values)) return [];
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v) || isTypedArray(v)) {
    const a = v as ArrayLike<unknown>;
    shape.push(a.length);
    if (a.length === 0) break;
    v = a[0];
  }
  return shape;
}

/** Flattens nested arrays into `out`, checking every level against the inferred shape. */
function fill(v: unknown, shape: number[], depth: number, out: TypedArray, pos: { i: number }, path: () => string, dtype: DataType): void {
  if (depth === shape.length) {
    if (typeof v === 'number') out[pos.i++] = dtype === 'bool' ? (Math.round(v) !== 0 ? 1 : 0) : v;
    else if (typeof v === 'boolean') out[pos.i++] = v ? 1 : 0;
    // As tfjs: a missing value (a CSV cell left empty) becomes NaN, which fit and predict then report.
    else if (v === undefined || v === null) out[pos.i++] = NaN;
    else if (typeof v === 'string') throw new BlasnetError('ERR_UNSUPPORTED', `String tensors are not supported by blasnet (${path()} is ${describe(v)})`);
    else throw invalidArg(path(), 'a number or a boolean', v);
    return;
  }
  if (!Array.isArray(v) && !isTypedArray(v)) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Element ${path()} should be an array of ${shape[depth]} elements, but is ${describe(v)}`);
  }
  const a = v as ArrayLike<unknown>;
  if (a.length !== shape[depth]) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH', `Element ${path()} should have ${shape[depth]} elements, but has ${a.length} elements`);
  }
  if (depth === shape.length - 1 && dtype !== 'bool') {
    // The innermost level, numbers only: no recursion per element.
    let i = 0;
    for (; i < a.length; i++) {
      const x = a[i];
      if (typeof x !== 'number') break;
      out[pos.i++] = x;
    }
    if (i === a.length) return;
    for (; i < a.length; i++) { const at = i; fill(a[at], shape, depth + 1, out, pos, () => `${path()}[${at}]`, dtype); }
    return;
  }
  for (let i = 0; i < a.length; i++) fill(a[i], shape, depth + 1, out, pos, () => `${path()}[${i}]`, dtype);
}

/** Converts flat or nested values to a typed array of dtype (a typed array of that type is returned as is). */
export function toTypedArray(values: unknown, dtype: DataType, shape: number[]): TypedArray {
  if ((values instanceof Float32Array && dtype === 'float32') || (values instanceof Int32Array && dtype === 'int32') ||
    (values instanceof Uint8Array && dtype === 'bool')) return values;
  const out = makeArray(dtype, sizeFromShape(shape));
  if (isTypedArray(values)) {
    for (let i = 0; i < values.length; i++) {
      const x = Number(values[i]);
      out[i] = dtype === 'bool' ? (Math.round(x) !== 0 ? 1 : 0) : x;
    }
    return out;
  }
  fill(values, shape, 0, out, { i: 0 }, () => 'values', dtype);
  return out;
}

/** tfjs's tf.tensor(values, shape?, dtype?). */
export function makeTensor(values: TensorLike, shape: unknown, dtypeIn: unknown, fn: string): Tensor {
  if (values instanceof Tensor) throw invalidArg(`${fn} values`, 'numbers, arrays or a typed array (use tensor.clone())', values);
  const dtype = dtypeIn === undefined || dtypeIn === null ? inferDtype(values) : checkDtype(dtypeIn, fn);
  const inferred = inferShape(values);
  const flat = typeof values === 'number' || typeof values === 'boolean' || isTypedArray(values) || inferred.length <= 1;
  if (typeof values !== 'number' && typeof values !== 'boolean' && !Array.isArray(values) && !isTypedArray(values)) {
    if (typeof values === 'string') throw new BlasnetError('ERR_UNSUPPORTED', `${fn}: string tensors are not supported by blasnet`);
    throw invalidArg(`${fn} values`, 'a number, a boolean, a (nested) array or a typed array', values);
  }
  let outShape = inferred;
  if (shape !== undefined && shape !== null) {
    const s = checkShape(shape, fn);
    const n = sizeFromShape(s), m = sizeFromShape(inferred);
    if (n !== m && flat) {
      throw invalidArg(`${fn} values`, `${n} values (the size of shape [${s.join(',')}])`, values);
    }
    if (n !== m || (!flat && !inferred.every((d, i) => d === s[i] || i === inferred.length - 1 && d === sizeFromShape(s.slice(i))))) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `${fn}: the inferred shape [${inferred.join(',')}] of the values does not match the provided shape [${s.join(',')}]`);
    }
    outShape = s;
  }
  const data = typeof values === 'number' || typeof values === 'boolean' ? toTypedArray([values], dtype, [1])
    : toTypedArray(values, dtype, inferred);
  return new Tensor(data, outShape, dtype);
}

/** What an op accepts as a tensor argument: a Tensor, or values tensor() accepts (or another library's tensor). */
export function convertToTensor(x: unknown, argName: string, fn: string, parseAsDtype?: DataType): Tensor {
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new BlasnetError('ERR_DISPOSED', `Argument '${argName}' passed to '${fn}' is a disposed tensor`);
    return x;
  }
  if (x !== null && typeof x === 'object' && typeof (x as { dataSync?: unknown }).dataSync === 'function' &&
    Array.isArray((x as { shape?: unknown }).shape)) {
    // A tensor of blasnet's model API or of @tensorflow/tfjs: copied.
    const o = x as { dataSync(): ArrayLike<number>; shape: number[]; dtype?: unknown };
    const dtype = o.dtype === 'int32' || o.dtype === 'bool' ? o.dtype : 'float32';
    return new Tensor(toTypedArray(Array.from(o.dataSync()), dtype, [sizeFromShape(o.shape)]), o.shape, dtype);
  }
  const ok = typeof x === 'number' || typeof x === 'boolean' || Array.isArray(x) || isTypedArray(x);
  if (!ok) {
    throw new BlasnetError('ERR_INVALID_ARG', `Argument '${argName}' passed to '${fn}' must be a Tensor or TensorLike, but got ${describe(x)}`);
  }
  const dtype = parseAsDtype ?? inferDtype(x);
  return makeTensor(x as TensorLike, undefined, dtype, fn);
}

/** Requires float32 (tfjs's ops such as sqrt and log refuse int32 and bool). */
export function requireFloat(t: Tensor, argName: string, fn: string): void {
  if (t.dtype !== 'float32') {
    throw new BlasnetError('ERR_INVALID_ARG', `Argument '${argName}' passed to '${fn}' must be float32 tensor, but got ${t.dtype} tensor`);
  }
}
