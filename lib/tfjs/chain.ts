// The chained ops (x.add(y), x.sum(1), ...): installed on Tensor.prototype from the ops, as tfjs does,
// so tensor.ts needs no import of the ops.
import * as elementwise from './ops/elementwise';
import * as reductions from './ops/reduce';
import * as shapes from './ops/shape';
import * as scans from './ops/scan';
import { stridedSlice, unique } from './ops/slicing';
import { variable, type Variable } from './variable';
import { matMul, dot } from './ops/matmul';
import { oneHot, onesLike, zerosLike } from './ops/create';
import * as extras from './extras';
import { Tensor } from '../tensor';
import type { DataType, Rank, TensorLike } from '../tensor/types';

type Arg = Tensor | TensorLike;
type Axis = number | number[] | null;

declare module '../tensor' {
  interface Tensor<R extends Rank = Rank> {
    add<T extends Tensor>(this: T, b: Arg): T; sub<T extends Tensor>(this: T, b: Arg): T;
    mul<T extends Tensor>(this: T, b: Arg): T; div<T extends Tensor>(this: T, b: Arg): T;
    pow<T extends Tensor>(this: T, exp: Arg): T; minimum<T extends Tensor>(this: T, b: Arg): T;
    maximum<T extends Tensor>(this: T, b: Arg): T; squaredDifference<T extends Tensor>(this: T, b: Arg): T;
    floorDiv<T extends Tensor>(this: T, b: Arg): T; mod<T extends Tensor>(this: T, b: Arg): T;
    equal<T extends Tensor>(this: T, b: Arg): T; notEqual<T extends Tensor>(this: T, b: Arg): T;
    greater<T extends Tensor>(this: T, b: Arg): T; greaterEqual<T extends Tensor>(this: T, b: Arg): T;
    less<T extends Tensor>(this: T, b: Arg): T; lessEqual<T extends Tensor>(this: T, b: Arg): T;
    logicalAnd<T extends Tensor>(this: T, b: Arg): T; logicalOr<T extends Tensor>(this: T, b: Arg): T;
    logicalXor<T extends Tensor>(this: T, b: Arg): T; logicalNot<T extends Tensor>(this: T): T;
    where<T extends Tensor>(this: T, condition: Arg, b: Arg): T;
    clipByValue<T extends Tensor>(this: T, min: number, max: number): T;
    square<T extends Tensor>(this: T): T; sqrt<T extends Tensor>(this: T): T; rsqrt<T extends Tensor>(this: T): T;
    exp<T extends Tensor>(this: T): T; expm1<T extends Tensor>(this: T): T; log<T extends Tensor>(this: T): T;
    log1p<T extends Tensor>(this: T): T; abs<T extends Tensor>(this: T): T; neg<T extends Tensor>(this: T): T;
    reciprocal<T extends Tensor>(this: T): T; sign<T extends Tensor>(this: T): T; floor<T extends Tensor>(this: T): T;
    ceil<T extends Tensor>(this: T): T; round<T extends Tensor>(this: T): T; sigmoid<T extends Tensor>(this: T): T;
    tanh<T extends Tensor>(this: T): T; relu<T extends Tensor>(this: T): T; relu6<T extends Tensor>(this: T): T;
    elu<T extends Tensor>(this: T): T; selu<T extends Tensor>(this: T): T; softplus<T extends Tensor>(this: T): T;
    sin<T extends Tensor>(this: T): T; cos<T extends Tensor>(this: T): T; tan<T extends Tensor>(this: T): T;
    asin<T extends Tensor>(this: T): T; acos<T extends Tensor>(this: T): T; atan<T extends Tensor>(this: T): T;
    sinh<T extends Tensor>(this: T): T; cosh<T extends Tensor>(this: T): T; asinh<T extends Tensor>(this: T): T;
    acosh<T extends Tensor>(this: T): T; atanh<T extends Tensor>(this: T): T; erf<T extends Tensor>(this: T): T;
    atan2<T extends Tensor>(this: T, b: Arg): T;
    cumsum<T extends Tensor>(this: T, axis?: number, exclusive?: boolean, reverse?: boolean): T;
    cumprod<T extends Tensor>(this: T, axis?: number, exclusive?: boolean, reverse?: boolean): T;
    pad<T extends Tensor>(this: T, paddings: Array<[number, number]>, constantValue?: number): T;
    isNaN<T extends Tensor>(this: T): T; isFinite<T extends Tensor>(this: T): T; isInf<T extends Tensor>(this: T): T;
    softmax<T extends Tensor>(this: T, dim?: number): T; logSoftmax<T extends Tensor>(this: T, axis?: number): T;
    sum<T extends Tensor>(axis?: Axis, keepDims?: boolean): T; mean<T extends Tensor>(axis?: Axis, keepDims?: boolean): T;
    min<T extends Tensor>(axis?: Axis, keepDims?: boolean): T; max<T extends Tensor>(axis?: Axis, keepDims?: boolean): T;
    prod<T extends Tensor>(axis?: Axis, keepDims?: boolean): T; any<T extends Tensor>(axis?: Axis, keepDims?: boolean): T;
    all<T extends Tensor>(axis?: Axis, keepDims?: boolean): T;
    argMax<T extends Tensor>(axis?: number): T; argMin<T extends Tensor>(axis?: number): T;
    norm<T extends Tensor>(ord?: reductions.NormOrd, axis?: Axis, keepDims?: boolean): T;
    topk<T extends Tensor>(this: T, k?: number, sorted?: boolean): { values: T; indices: T };
    matMul<T extends Tensor>(this: T, b: Arg, transposeA?: boolean, transposeB?: boolean): T; dot(b: Arg): Tensor;
    reshape<T extends Tensor>(shape: number[]): T; reshapeAs<T extends Tensor>(x: T): T; flatten(): Tensor<Rank.R1>;
    asScalar(): Tensor<Rank.R0>; as1D(): Tensor<Rank.R1>; as2D(rows: number, columns: number): Tensor<Rank.R2>;
    as3D(rows: number, columns: number, depth: number): Tensor<Rank.R3>;
    as4D(rows: number, columns: number, depth: number, depth2: number): Tensor<Rank.R4>;
    expandDims<T extends Tensor>(axis?: number): T; squeeze<T extends Tensor>(axis?: number[]): T;
    slice<T extends Tensor>(this: T, begin: number | number[], size?: number | number[]): T;
    gather<T extends Tensor>(this: T, indices: Arg, axis?: number, batchDims?: number): T;
    transpose<T extends Tensor>(this: T, perm?: number[]): T;
    concat<T extends Tensor>(this: T, x: T | T[], axis?: number): T; stack(x: Tensor | Tensor[], axis?: number): Tensor;
    split<T extends Tensor>(this: T, numOrSizeSplits: number | number[], axis?: number): T[];
    unstack(axis?: number): Tensor[]; tile<T extends Tensor>(this: T, reps: number[]): T;
    reverse<T extends Tensor>(this: T, axis?: number | number[]): T; broadcastTo(shape: number[]): Tensor;
    cast<T extends Tensor>(this: T, dtype: DataType): T; asType<T extends Tensor>(this: T, dtype: DataType): T;
    toFloat<T extends Tensor>(this: T): T; toInt<T extends Tensor>(this: T): T; toBool<T extends Tensor>(this: T): T;
    oneHot(depth: number, onValue?: number, offValue?: number): Tensor;
    zerosLike<T extends Tensor>(this: T): T; onesLike<T extends Tensor>(this: T): T;
    leakyRelu<T extends Tensor>(this: T, alpha?: number): T; step<T extends Tensor>(this: T, alpha?: number): T;
    logSigmoid<T extends Tensor>(this: T): T; divNoNan<T extends Tensor>(this: T, b: Arg): T;
    logSumExp<T extends Tensor>(axis?: Axis, keepDims?: boolean): T;
    euclideanNorm<T extends Tensor>(axis?: Axis, keepDims?: boolean): T;
    stridedSlice<T extends Tensor>(this: T, begin: number[], end: number[], strides?: number[], beginMask?: number, endMask?: number,
      ellipsisMask?: number, newAxisMask?: number, shrinkAxisMask?: number): Tensor;
    unique<T extends Tensor>(this: T, axis?: number): { values: T; indices: Tensor };
    variable(trainable?: boolean, name?: string, dtype?: DataType): Variable<R>;
  }
}

type Method = (this: Tensor, ...args: never[]) => unknown;
const methods: Record<string, Method> = {};
const self = <F extends (x: Tensor, ...a: never[]) => unknown>(f: F): Method =>
  function (this: Tensor, ...a: never[]) { return f(this, ...a); } as Method;

for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'minimum', 'maximum', 'squaredDifference', 'floorDiv', 'mod', 'equal',
  'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual', 'logicalAnd', 'logicalOr', 'logicalXor', 'logicalNot', 'clipByValue',
  'square', 'sqrt', 'rsqrt', 'exp', 'expm1', 'log', 'log1p', 'abs', 'neg', 'reciprocal', 'sign', 'floor', 'ceil', 'round', 'sigmoid',
  'tanh', 'relu', 'relu6', 'elu', 'selu', 'softplus', 'sin', 'cos', 'isNaN', 'isFinite', 'isInf', 'tan', 'asin', 'acos', 'atan', 'sinh',
  'cosh', 'asinh', 'acosh', 'atanh', 'erf', 'atan2'] as const) {
  methods[name] = self(elementwise[name] as (x: Tensor, ...a: never[]) => unknown);
}
for (const name of ['sum', 'mean', 'min', 'max', 'prod', 'any', 'all', 'argMax', 'argMin', 'norm', 'topk', 'softmax', 'logSoftmax',
  'logSumExp'] as const) {
  methods[name] = self(reductions[name] as (x: Tensor, ...a: never[]) => unknown);
}
for (const name of ['reshape', 'flatten', 'expandDims', 'squeeze', 'slice', 'gather', 'transpose', 'split', 'unstack', 'tile',
  'reverse', 'broadcastTo', 'cast'] as const) {
  methods[name] = self(shapes[name] as (x: Tensor, ...a: never[]) => unknown);
}
for (const name of ['cumsum', 'cumprod', 'pad'] as const) {
  methods[name] = self(scans[name] as (x: Tensor, ...a: never[]) => unknown);
}
for (const name of ['leakyRelu', 'step', 'logSigmoid', 'divNoNan', 'euclideanNorm'] as const) {
  methods[name] = self(extras[name] as (x: Tensor, ...a: never[]) => unknown);
}
Object.assign(methods, {
  where(this: Tensor, condition: Arg, b: Arg) { return elementwise.where(condition, this, b); },
  matMul(this: Tensor, b: Arg, ta?: boolean, tb?: boolean) { return matMul(this, b, ta, tb); },
  dot(this: Tensor, b: Arg) { return dot(this, b); },
  reshapeAs(this: Tensor, x: Tensor) { return shapes.reshape(this, x.shape); },
  asScalar(this: Tensor) { return shapes.reshape(this, []); },
  as1D(this: Tensor) { return shapes.reshape(this, [this.size]); },
  as2D(this: Tensor, r: number, c: number) { return shapes.reshape(this, [r, c]); },
  as3D(this: Tensor, r: number, c: number, d: number) { return shapes.reshape(this, [r, c, d]); },
  as4D(this: Tensor, r: number, c: number, d: number, d2: number) { return shapes.reshape(this, [r, c, d, d2]); },
  concat(this: Tensor, x: Tensor | Tensor[], axis?: number) { return shapes.concat([this, ...(Array.isArray(x) ? x : [x])], axis); },
  stack(this: Tensor, x: Tensor | Tensor[], axis?: number) { return shapes.stack([this, ...(Array.isArray(x) ? x : [x])], axis); },
  asType(this: Tensor, dtype: DataType) { return shapes.cast(this, dtype); },
  toFloat(this: Tensor) { return shapes.cast(this, 'float32'); },
  toInt(this: Tensor) { return shapes.cast(this, 'int32'); },
  toBool(this: Tensor) { return shapes.cast(this, 'bool'); },
  oneHot(this: Tensor, depth: number, on?: number, off?: number) { return oneHot(this, depth, on, off); },
  zerosLike(this: Tensor) { return zerosLike(this); },
  onesLike(this: Tensor) { return onesLike(this); },
  stridedSlice(this: Tensor, begin: number[], end: number[], strides?: number[], ...masks: number[]) { return stridedSlice(this, begin, end, strides, ...masks); },
  unique(this: Tensor, axis?: number) { return unique(this, axis); },
  variable(this: Tensor, trainable?: boolean, name?: string, dtype?: DataType) { return variable(this, trainable, name, dtype); },
});

for (const [name, f] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: f, writable: true, configurable: true, enumerable: false });
}

/** Names of the methods installed here (the conformance test checks each against tfjs). */
export const CHAINED_METHODS: readonly string[] = Object.keys(methods);
