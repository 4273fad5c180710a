// The base of every layer: the options all layers share, default names, and what a layer derives from
// the engine's parameter layout (its output width and its parameter tensors, from its LayerSpec).
import { BlasnetError, invalidArg } from '../../errors';
import type { ActivationId, ActivationSpec, LayerSpec } from '../../engine/types';
import { layerOutputDim, layerParamSlots } from '../../engine/layout';
import { Tensor } from '../../tensor';
import { toSnakeCase } from '../../naming';
import { bool, finiteNumber, optionsObject, orDefault, positiveInt, rejectUnknownOptions } from '../../validate';
import type { Initializer } from '../initializers';

/** What a layer needs from the model that owns it (weights live in the model's engine net). */
export interface LayerOwner {
  layerWeights(layer: Layer): Tensor[];
  setLayerWeights(layer: Layer, weights: (Tensor | Float32Array)[]): void;
  layerTrainableChanged(layer: Layer, trainable: boolean): void;
}

/** A parameter tensor a layer owns, with the initializer its values are drawn from. */
export interface ParamInit {
  name: string;
  shape: number[];
  init: Initializer;
}

const nameCounters = new Map<string, number>();

/** tfjs default layer names: 'dense_Dense1', 'dropout_Dropout1', ... (a counter per class). */
function defaultName(className: string): string {
  const n = (nameCounters.get(className) ?? 0) + 1;
  nameCounters.set(className, n);
  return `${toSnakeCase(className)}_${className}${n}`;
}

/** Resets the default-name counters (tests; tfjs has no public equivalent). */
export function resetLayerNames(): void {
  nameCounters.clear();
}

/** Options every layer accepts (tfjs LayerArgs). */
export interface LayerArgs {
  /** Feature count of the input, as [features]; only on the first layer. */
  inputShape?: number[];
  /** [batch (null), features]; an alternative to inputShape. */
  batchInputShape?: (number | null)[];
  /** tfjs: same as inputShape [inputDim]. */
  inputDim?: number;
  /** Ignored beyond validation: batch sizes are chosen per call. */
  batchSize?: number;
  name?: string;
  /** false freezes the layer's weights (default true). */
  trainable?: boolean;
  /** Only 'float32' is supported. */
  dtype?: 'float32';
}

/** An optional boolean option. */
export function boolOption(v: unknown, name: string, dflt: boolean): boolean {
  return orDefault(v, dflt, (x) => bool(x, name));
}

/** An optional finite number option for which `ok` holds. */
export function numberOption(v: unknown, name: string, dflt: number, ok: (x: number) => boolean, what: string): number {
  return orDefault(v, dflt, (x) => finiteNumber(x, name, what, ok));
}

/** A layer's options object (undefined: none). */
export function layerOptions(args: unknown, fn: string): Record<string, unknown> {
  return optionsObject(args, `${fn} options`);
}

/** Unknown keys are errors; keys set to undefined pass (configs spread from defaults). */
export function rejectUnknownLayerOptions(args: Record<string, unknown>, allowed: string[], fn: string): void {
  rejectUnknownOptions(args, allowed, fn, true);
}

export const COMMON_LAYER_OPTIONS = ['inputShape', 'batchInputShape', 'inputDim', 'batchSize', 'name', 'trainable', 'dtype'];

export abstract class Layer {
  readonly name: string;
  /** Feature count declared by inputShape / batchInputShape / inputDim (or a preceding InputLayer), if any. */
  declaredInputDim: number | null;
  protected trainableFlag: boolean;
  /** Set when the layer joins a model. */
  owner: LayerOwner | null = null;
  /** Input width once the model is built. */
  inputDim: number | null = null;

  constructor(args: Record<string, unknown>, fn: string) {
    const className = this.getClassName();
    if (args.name !== undefined) {
      if (typeof args.name !== 'string' || args.name === '' || /[\s/]/.test(args.name)) {
        throw invalidArg(`${fn} name`, 'a non-empty string without spaces or "/"', args.name);
      }
      this.name = args.name;
    } else {
      this.name = defaultName(className);
    }
    this.trainableFlag = boolOption(args.trainable, `${fn} trainable`, true);
    if (args.dtype !== undefined && args.dtype !== 'float32') throw invalidArg(`${fn} dtype`, '"float32"', args.dtype);
    if (args.batchSize !== undefined) positiveInt(args.batchSize, `${fn} batchSize`);
    this.declaredInputDim = parseInputShape(args, fn);
  }

  abstract getClassName(): string;
  /** The engine spec of this layer for a given input width. */
  abstract toSpec(inputDim: number): LayerSpec;
  /** Layer-specific config keys (tfjs getConfig()). */
  protected abstract ownConfig(): Record<string, unknown>;
  /** The initializer of each parameter tensor the layout gives this layer ('kernel', 'gamma', ...). */
  protected initializers(): Record<string, Initializer> { return {}; }

  /** Width of the output for a given input width. */
  outputDim(inputDim: number): number {
    return layerOutputDim(this.toSpec(inputDim));
  }

  /** Parameter tensors in layout order (kernel, bias / gamma, beta, moving_mean, moving_variance). */
  paramInits(inputDim: number): ParamInit[] {
    const inits = this.initializers();
    return layerParamSlots(this.toSpec(inputDim), 0, inputDim, 0).map((s) => ({ name: s.name, shape: s.shape, init: inits[s.name]! }));
  }

  /** The layer's config as tfjs getConfig() returns it (camelCase). */
  getConfig(): Record<string, unknown> {
    const cfg: Record<string, unknown> = { name: this.name, trainable: this.trainableFlag, dtype: 'float32' };
    if (this.declaredInputDim !== null) cfg.batchInputShape = [null, this.declaredInputDim];
    return { ...cfg, ...this.ownConfig() };
  }

  get trainable(): boolean { return this.trainableFlag; }
  set trainable(v: boolean) {
    if (typeof v !== 'boolean') throw invalidArg(`${this.name}.trainable`, 'a boolean', v);
    // The owner may refuse (a call is running): only then is the flag changed.
    this.owner?.layerTrainableChanged(this, v);
    this.trainableFlag = v;
  }

  /** This layer's weights as tensors (kernel, bias, ...); [] before the model is built. */
  getWeights(): Tensor[] {
    return this.owner ? this.owner.layerWeights(this) : [];
  }

  setWeights(weights: (Tensor | Float32Array)[]): void {
    if (!this.owner) {
      throw new BlasnetError('ERR_INVALID_ARG', `Layer ${this.name} has no weights yet: add it to a built model first`);
    }
    this.owner.setLayerWeights(this, weights);
  }

  countParams(): number {
    if (this.inputDim === null) return 0;
    return this.paramInits(this.inputDim).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  }
}

export function parseInputShape(args: Record<string, unknown>, fn: string): number | null {
  const { inputShape, batchInputShape, inputDim } = args;
  if (inputShape !== undefined) {
    if (!Array.isArray(inputShape) || inputShape.length !== 1) {
      throw invalidArg(`${fn} inputShape`, '[features] (only 1-D inputs are supported)', inputShape);
    }
    return positiveInt(inputShape[0], `${fn} inputShape[0]`);
  }
  if (batchInputShape !== undefined) {
    if (!Array.isArray(batchInputShape) || batchInputShape.length !== 2) {
      throw invalidArg(`${fn} batchInputShape`, '[null, features]', batchInputShape);
    }
    return positiveInt(batchInputShape[1], `${fn} batchInputShape[1]`);
  }
  if (inputDim !== undefined) return positiveInt(inputDim, `${fn} inputDim`);
  return null;
}

export function activationSpec(id: ActivationId, alpha?: number): ActivationSpec {
  return { id, alpha: alpha ?? (id === 'leakyRelu' ? 0.3 : 1) };
}

