// Element-wise ops with tfjs's dtype rules: arithmetic upcasts (JS numbers count as float32), two int32
// operands divide as floorDiv, comparisons give bool, float-only ops (sqrt, log, ...) refuse int32 and bool.
import { BlasnetError } from '../../errors';
import { convertToTensor, requireFloat } from '../convert';
import type { DataType, TensorLike } from '../../tensor/types';
import { broadcastShapes, sizeFromShape, makeArray, upcastType } from '../../tensor/types';
import { binaryMap, broadcastValues, unaryMap } from './kernels';
import { op } from './op';
import { Tensor } from '../../tensor';

type Arg = Tensor | TensorLike;

function binary(name: string, f: (x: number, y: number) => number, outType?: (t: DataType) => DataType) {
  return op(name, <T extends Tensor>(a: T | TensorLike, b: Arg): T => {
    const x = convertToTensor(a, 'a', name), y = convertToTensor(b, 'b', name);
    const t = upcastType(x.dtype, y.dtype);
    return binaryMap(x, y, outType ? outType(t) : t, f, name) as T;
  });
}

function compare(name: string, f: (x: number, y: number) => boolean) {
  return op(name, <T extends Tensor>(a: T | TensorLike, b: Arg): T => {
    const x = convertToTensor(a, 'a', name), y = convertToTensor(b, 'b', name);
    return binaryMap(x, y, 'bool', (p, q) => (f(p, q) ? 1 : 0), name) as T;
  });
}

function floorDivValue(x: number, y: number): number { return Math.floor(x / y); }

export const add = binary('add', (x, y) => x + y);
export const sub = binary('sub', (x, y) => x - y);
export const mul = binary('mul', (x, y) => x * y);
export const pow = binary('pow', Math.pow);
export const squaredDifference = binary('squaredDifference', (x, y) => (x - y) * (x - y));
export const floorDiv = binary('floorDiv', floorDivValue, () => 'int32');
export const mod = binary('mod', (x, y) => {
  const r = x % y;
  return (x < 0 && y < 0) || (x >= 0 && y >= 0) ? r : (r + y) % y;
});
const maxMinType = (t: DataType): DataType => (t === 'bool' ? 'int32' : t);
export const maximum = binary('maximum', Math.max, maxMinType);
export const minimum = binary('minimum', Math.min, maxMinType);

export const div = op('div', <T extends Tensor>(a: T | TensorLike, b: Arg): T => {
  const x = convertToTensor(a, 'a', 'div'), y = convertToTensor(b, 'b', 'div');
  if (x.dtype === 'int32' && y.dtype === 'int32') return binaryMap(x, y, 'int32', floorDivValue, 'div') as T;
  return binaryMap(x, y, upcastType(x.dtype, y.dtype), (p, q) => p / q, 'div') as T;
});

export const equal = compare('equal', (x, y) => x === y);
export const notEqual = compare('notEqual', (x, y) => x !== y);
export const greater = compare('greater', (x, y) => x > y);
export const greaterEqual = compare('greaterEqual', (x, y) => x >= y);
export const less = compare('less', (x, y) => x < y);
export const lessEqual = compare('lessEqual', (x, y) => x <= y);

function requireBool(t: Tensor, arg: string, fn: string): void {
  if (t.dtype !== 'bool') {
    throw new BlasnetError('ERR_INVALID_ARG', `Argument '${arg}' passed to '${fn}' must be bool tensor, but got ${t.dtype} tensor`);
  }
}

function logical(name: string, f: (x: boolean, y: boolean) => boolean) {
  return op(name, <T extends Tensor>(a: T | TensorLike, b: Arg): T => {
    const x = convertToTensor(a, 'a', name, 'bool'), y = convertToTensor(b, 'b', name, 'bool');
    requireBool(x, 'a', name); requireBool(y, 'b', name);
    return binaryMap(x, y, 'bool', (p, q) => (f(p !== 0, q !== 0) ? 1 : 0), name) as T;
  });
}
export const logicalAnd = logical('logicalAnd', (x, y) => x && y);
export const logicalOr = logical('logicalOr', (x, y) => x || y);
export const logicalXor = logical('logicalXor', (x, y) => x !== y);
export const logicalNot = op('logicalNot', <T extends Tensor>(a: T | TensorLike): T => {
  const x = convertToTensor(a, 'x', 'logicalNot', 'bool');
  requireBool(x, 'x', 'logicalNot');
  return unaryMap(x, 'bool', (v) => (v ? 0 : 1)) as T;
});

/** Element-wise choice: a where condition is true, else b (the three broadcast together). */
export const where = op('where', <T extends Tensor>(condition: Arg, a: T | TensorLike, b: Arg): T => {
  const c = convertToTensor(condition, 'condition', 'where', 'bool');
  const x = convertToTensor(a, 'a', 'where'), y = convertToTensor(b, 'b', 'where');
  requireBool(c, 'condition', 'where');
  const shape = broadcastShapes(broadcastShapes(c.shape, x.shape, 'where'), y.shape, 'where');
  const cv = broadcastValues(c, shape), xv = broadcastValues(x, shape), yv = broadcastValues(y, shape);
  const dtype = upcastType(x.dtype, y.dtype);
  const out = makeArray(dtype, sizeFromShape(shape));
  for (let i = 0; i < out.length; i++) out[i] = cv[i] ? xv[i]! : yv[i]!;
  return new Tensor(out, shape, dtype) as unknown as T;
});

export const clipByValue = op('clipByValue', <T extends Tensor>(x: T | TensorLike, clipValueMin: number, clipValueMax: number): T => {
  const t = convertToTensor(x, 'x', 'clipByValue');
  if (typeof clipValueMin !== 'number' || typeof clipValueMax !== 'number' || !(clipValueMin <= clipValueMax)) {
    throw new BlasnetError('ERR_INVALID_ARG',
      `Error in clip: min (${clipValueMin}) must be less than or equal to max (${clipValueMax}).`);
  }
  return unaryMap(t, t.dtype, (v) => (v > clipValueMax ? clipValueMax : v < clipValueMin ? clipValueMin : v)) as T;
});

/** A unary op that keeps the input dtype (`float: true`: refuses int32 and bool, as tfjs). */
function unary(name: string, f: (v: number) => number, opts: { float?: boolean; outFloat?: boolean } = {}) {
  return op(name, <T extends Tensor>(x: T | TensorLike): T => {
    const t = convertToTensor(x, 'x', name);
    if (opts.float) requireFloat(t, 'x', name);
    return unaryMap(t, opts.outFloat ? 'float32' : t.dtype, f) as T;
  });
}

function roundHalfEven(x: number): number {
  const base = Math.floor(x);
  if (x - base < 0.5) return base;
  if (x - base > 0.5) return Math.ceil(x);
  return base % 2 === 0 ? base : base + 1;
}

const SOFTPLUS_THRESHOLD = Math.log(1.1920928955078125e-7) + 2;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

export const abs = unary('abs', Math.abs);
export const neg = unary('neg', (v) => -v);
export const square = unary('square', (v) => v * v);
export const sqrt = unary('sqrt', Math.sqrt, { float: true });
export const rsqrt = unary('rsqrt', (v) => 1 / Math.sqrt(v), { float: true });
export const exp = unary('exp', Math.exp, { outFloat: true });
export const expm1 = unary('expm1', Math.expm1);
export const log = unary('log', Math.log, { float: true });
export const log1p = unary('log1p', Math.log1p);
export const reciprocal = unary('reciprocal', (v) => 1 / v);
export const sign = unary('sign', (v) => (v < 0 ? -1 : v > 0 ? 1 : 0));
export const floor = unary('floor', Math.floor, { float: true });
export const ceil = unary('ceil', Math.ceil, { float: true });
export const round = unary('round', roundHalfEven);
export const sigmoid = unary('sigmoid', (v) => 1 / (1 + Math.exp(-v)), { float: true });
export const tanh = unary('tanh', Math.tanh, { float: true });
export const relu = unary('relu', (v) => (v < 0 ? 0 : v));
export const relu6 = unary('relu6', (v) => (v < 0 ? 0 : v > 6 ? 6 : v));
export const elu = unary('elu', (v) => (v >= 0 ? v : Math.exp(v) - 1), { float: true });
export const selu = unary('selu', (v) => (v >= 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * (Math.exp(v) - 1)));
export const softplus = unary('softplus', (v) => {
  if (v < SOFTPLUS_THRESHOLD) return Math.exp(v);
  if (v > -SOFTPLUS_THRESHOLD) return v;
  return Math.log(1 + Math.exp(v));
});
export const sin = unary('sin', Math.sin, { float: true });
export const cos = unary('cos', Math.cos, { float: true });
export const tan = unary('tan', Math.tan, { float: true });
export const asin = unary('asin', Math.asin);
export const acos = unary('acos', Math.acos);
export const atan = unary('atan', Math.atan);
export const sinh = unary('sinh', Math.sinh);
export const cosh = unary('cosh', Math.cosh, { float: true });
export const asinh = unary('asinh', Math.asinh);
export const acosh = unary('acosh', Math.acosh);
export const atanh = unary('atanh', Math.atanh);
export const atan2 = binary('atan2', Math.atan2);

// Abramowitz and Stegun 7.1.26, the approximation tfjs's CPU kernel uses (error under 1.5e-7).
const ERF = { p: 0.3275911, a: [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429] } as const;
export const erf = unary('erf', (v) => {
  const x = Math.abs(v), t = 1 / (1 + ERF.p * x);
  const poly = t * (ERF.a[0] + t * (ERF.a[1] + t * (ERF.a[2] + t * (ERF.a[3] + t * ERF.a[4]))));
  return Math.sign(v) * (1 - poly * Math.exp(-x * x));
}, { outFloat: true });

function predicate(name: string, f: (v: number) => boolean) {
  return op(name, <T extends Tensor>(x: T | TensorLike): T => {
    const t = convertToTensor(x, 'x', name);
    return unaryMap(t, 'bool', (v) => (f(v) ? 1 : 0)) as T;
  });
}
export const isNaN = predicate('isNaN', Number.isNaN);
export const isFinite = predicate('isFinite', Number.isFinite);
export const isInf = predicate('isInf', (v) => v === Infinity || v === -Infinity);
