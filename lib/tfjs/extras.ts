// The small tfjs functions programs call around their tensors: variants of the main ops (concat2d,
// slice1d, ...), TensorBuffer, print, and the environment calls (ready, setBackend, env ...), which
// have nothing to choose on blasnet but must not fail.
import { BlasnetError, invalidArg } from '../errors';
import { getEngine } from '../engine';
import { convertToTensor } from './convert';
import * as elementwise from './ops/elementwise';
import * as reductions from './ops/reduce';
import * as shapes from './ops/shape';
import { matMul } from './ops/matmul';
import { op } from './ops/op';
import { Tensor } from '../tensor';
import type { DataType, TensorLike, TypedArray } from '../tensor/types';
import { checkDtype, checkShape, fullStrides, makeArray, sizeFromShape } from '../tensor/types';

type Arg = Tensor | TensorLike;

export const leakyRelu = op('leakyRelu', <T extends Tensor>(x: T | TensorLike, alpha = 0.2): T => {
  const t = convertToTensor(x, 'x', 'leakyRelu');
  return elementwise.maximum(elementwise.mul(alpha, t), t) as T;
});
export const step = op('step', <T extends Tensor>(x: T | TensorLike, alpha = 0): T => {
  const t = convertToTensor(x, 'x', 'step');
  const v = t.dataSync();
  const out = makeArray(t.dtype, v.length);
  for (let i = 0; i < v.length; i++) out[i] = Number.isNaN(v[i]!) ? NaN : v[i]! > 0 ? 1 : alpha;
  return new Tensor(out, t.shape, t.dtype) as T;
});
export const logSigmoid = op('logSigmoid', <T extends Tensor>(x: T | TensorLike): T => elementwise.neg(elementwise.softplus(elementwise.neg(convertToTensor(x, 'x', 'logSigmoid')))) as T);
export const divNoNan = op('divNoNan', <T extends Tensor>(a: T | TensorLike, b: Arg): T => {
  const y = convertToTensor(b, 'b', 'divNoNan');
  return elementwise.where(elementwise.equal(y, 0), shapes.cast(elementwise.mul(0, convertToTensor(a, 'a', 'divNoNan')), 'float32'), elementwise.div(a, y)) as T;
});
export const addN = op('addN', <T extends Tensor>(tensors: Array<T | TensorLike>): T => {
  if (!Array.isArray(tensors) || tensors.length === 0) throw invalidArg('addN tensors', 'a non-empty array of tensors', tensors);
  return tensors.slice(1).reduce<Tensor>((acc, t) => elementwise.add(acc, t), shapes.clone(convertToTensor(tensors[0], 'tensors[0]', 'addN'))) as T;
});
export const outerProduct = op('outerProduct', (v1: Arg, v2: Arg): Tensor => {
  const a = convertToTensor(v1, 'v1', 'outerProduct'), b = convertToTensor(v2, 'v2', 'outerProduct');
  return matMul(shapes.reshape(a, [-1, 1]), shapes.reshape(b, [1, -1]));
});
export const euclideanNorm = op('euclideanNorm', (x: Arg, axis: number | number[] | null = null, keepDims = false): Tensor =>
  reductions.norm(x, 'euclidean', axis, keepDims));

export const concat1d = (tensors: Arg[]): Tensor => shapes.concat(tensors, 0);
export const concat2d = (tensors: Arg[], axis = 0): Tensor => shapes.concat(tensors, axis);
export const concat3d = concat2d;
export const concat4d = concat2d;
export const slice1d = (x: Arg, begin: number, size: number): Tensor => shapes.slice(x, [begin], [size]);
export const slice2d = (x: Arg, begin: number[], size: number[]): Tensor => shapes.slice(x, begin, size);
export const slice3d = slice2d;
export const slice4d = slice2d;
export const reverse1d = (x: Arg): Tensor => shapes.reverse(x);
export const reverse2d = (x: Arg, axis?: number | number[]): Tensor => shapes.reverse(x, axis);
export const reverse3d = reverse2d;
export const reverse4d = reverse2d;

export function print(x: Tensor, verbose = false): void {
  if (!(x instanceof Tensor)) throw invalidArg('print(x)', 'a tensor', x);
  x.print(verbose);
}

/** tfjs's TensorBuffer: a mutable array with a shape, set element by element, then made a tensor. */
export class TensorBuffer {
  readonly size: number;
  readonly strides: number[];
  readonly values: TypedArray;
  constructor(readonly shape: number[], readonly dtype: DataType, values?: TypedArray) {
    this.size = sizeFromShape(shape);
    this.strides = fullStrides(shape).slice(0, -1);
    if (values && values.length !== this.size) throw invalidArg('buffer values', `${this.size} values for shape [${shape}]`, values);
    this.values = values ?? makeArray(dtype, this.size);
  }
  private index(locs: number[]): number {
    const loc = locs.length === 0 ? [0] : locs;
    if (loc.length !== Math.max(this.shape.length, 1)) {
      throw new BlasnetError('ERR_INVALID_ARG', `The number of provided coordinates (${loc.length}) must match the rank (${this.shape.length})`);
    }
    let i = loc[loc.length - 1]!;
    for (let k = 0; k < loc.length - 1; k++) i += this.strides[k]! * loc[k]!;
    return i;
  }
  set(value: number, ...locs: number[]): void { this.values[this.index(locs)] = value; }
  get(...locs: number[]): number { return this.values[this.index(locs)]!; }
  toTensor(): Tensor { return new Tensor(this.values, this.shape, this.dtype); }
}

export function buffer(shape: number[], dtype: DataType = 'float32', values?: TypedArray): TensorBuffer {
  return new TensorBuffer(checkShape(shape, 'buffer'), checkDtype(dtype, 'buffer'), values);
}

export async function ready(): Promise<void> { /* the engine loads on first use */ }

/** The name of blasnet's engine ('blasnet-native' or 'blasnet-js'), where tfjs names its backend. */
export function getBackend(): string {
  return `blasnet-${getEngine().name}`;
}

/** tfjs chooses a backend here; blasnet's engine is chosen by BLASNET_ENGINE / setEngine(). CPU names resolve true. */
export async function setBackend(name: string): Promise<boolean> {
  return ['cpu', 'tensorflow', 'wasm', 'blasnet', getBackend()].includes(name);
}

export async function nextFrame(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

export async function time(f: () => void): Promise<{ wallMs: number; kernelMs: number }> {
  const start = performance.now();
  f();
  const wallMs = performance.now() - start;
  return { wallMs, kernelMs: wallMs };
}

const flags = new Map<string, unknown>([['PROD', false], ['DEBUG', false], ['IS_NODE', true], ['IS_BROWSER', false]]);
const environment = {
  get: (name: string): unknown => flags.get(name),
  getBool: (name: string): boolean => flags.get(name) === true,
  getNumber: (name: string): number => Number(flags.get(name)),
  set: (name: string, value: unknown): void => { flags.set(name, value); },
  getFlags: (): Record<string, unknown> => Object.fromEntries(flags),
  platformName: 'node',
};

/** Flags are kept and read back; none changes what blasnet computes. */
export function env(): typeof environment { return environment; }
export function enableProdMode(): void { flags.set('PROD', true); }
export function enableDebugMode(): void { flags.set('DEBUG', true); }
export function disableDeprecationWarnings(): void { /* blasnet prints none */ }
