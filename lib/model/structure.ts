// A model's structure: which layer may follow which, the output width of each, and the engine's NetSpec.
import { BlasnetError, invalidArg } from '../errors';
import { layerOutputDim } from '../engine/layout';
import type { LayerSpec, NetSpec } from '../engine/types';
import type { Compiled } from './compile';
import { InputLayer, Layer } from './layers';
import { makeOptimizer } from './optimizers';

/** The output width after layer `last` for an input width. */
export function outputDimAfter(layers: readonly Layer[], inputDim: number, last: number): number {
  let d = inputDim;
  for (let k = 0; k <= last; k++) d = layerOutputDim(layers[k]!.toSpec(d));
  return d;
}

/** The net the engine builds for these layers (the loss and optimizer of an uncompiled model are placeholders). */
export function netSpec(layers: readonly Layer[], inputDim: number, compiled: Compiled | null, learningRate: number): NetSpec {
  const specs: LayerSpec[] = [];
  let d = inputDim;
  for (const l of layers) {
    const spec = l.toSpec(d);
    specs.push(spec);
    d = layerOutputDim(spec);
  }
  return {
    inputDim, layers: specs,
    loss: compiled ? compiled.loss.spec : { id: 'meanSquaredError', fromLogits: false, delta: 1 },
    optimizer: compiled ? { ...compiled.optimizer.spec, learningRate } : makeOptimizer('sgd', undefined).spec,
  };
}

export interface SequentialArgs {
  /** The layers, in order (an inputLayer only first). */
  layers?: (Layer | InputLayer)[];
  /** Default sequential_<n>. */
  name?: string;
}

let modelCounter = 0;

/** The next default model name: sequential_1, sequential_2, ... */
export function defaultModelName(): string { return `sequential_${++modelCounter}`; }

/** Resets default model names (tests). */
export function resetModelNames(): void { modelCounter = 0; }

/** A layer by name or index, or an error listing the layers. */
export function findLayer(layers: readonly Layer[], nameOrIndex: string | number): Layer {
  const l = typeof nameOrIndex === 'number' ? layers[nameOrIndex] : layers.find((x) => x.name === nameOrIndex);
  if (!l) throw invalidArg('getLayer', `a layer name or index (${layers.map((x) => x.name).join(', ')})`, nameOrIndex);
  return l;
}

/** sequential()'s options, checked: the model's name (undefined: a default one) and its first layers. */
export function checkSequentialArgs(args: unknown): { name: string | undefined; layers: (Layer | InputLayer)[] } {
  if (args === null || typeof args !== 'object') throw invalidArg('sequential options', 'an object', args);
  const { name, layers } = args as { name?: unknown; layers?: unknown };
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw invalidArg('sequential name', 'a non-empty string', name);
  if (layers !== undefined && !Array.isArray(layers)) throw invalidArg('sequential layers', 'an array of layers', layers);
  return { name: name as string | undefined, layers: (layers ?? []) as (Layer | InputLayer)[] };
}

/** The width an inputLayer declares, which only the first layer of a model may be. */
export function inputLayerWidth(layers: readonly Layer[], layer: InputLayer, pendingInputDim: number | null): number {
  if (layers.length > 0 || pendingInputDim !== null) {
    throw new BlasnetError('ERR_INVALID_ARG', 'An inputLayer can only be the first layer of a sequential model');
  }
  return layer.inputDim;
}

/**
 * Checks that `layer` can be appended to `layers`: a layer of layers.*, in no other model, with a unique
 * name. `pendingInputDim` is an inputLayer's width, which a first layer takes as its own.
 */
export function checkLayerToAdd(layers: readonly Layer[], layer: unknown, pendingInputDim: number | null): Layer {
  if (!(layer instanceof Layer)) throw invalidArg('add(layer)', 'a layer from layers.*', layer);
  if (layers.length === 0 && pendingInputDim !== null) {
    if (layer.declaredInputDim !== null && layer.declaredInputDim !== pendingInputDim) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Layer ${layer.name} declares inputShape [${layer.declaredInputDim}] but the inputLayer declares [${pendingInputDim}]`);
    }
    layer.declaredInputDim = pendingInputDim;
  }
  if (layer.owner) throw new BlasnetError('ERR_INVALID_ARG', `Layer ${layer.name} already belongs to a model`);
  if (layers.some((l) => l.name === layer.name)) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected unique layer names but received a second layer named "${layer.name}"`);
  }
  return layer;
}

/** A declared input width must equal what the previous layer outputs. */
export function checkInputFits(layer: Layer, previousOutputDim: number | null): void {
  if (layer.declaredInputDim !== null && previousOutputDim !== null && layer.declaredInputDim !== previousOutputDim) {
    throw new BlasnetError('ERR_SHAPE_MISMATCH',
      `Layer ${layer.name} declares inputShape [${layer.declaredInputDim}] but the previous layer outputs ${previousOutputDim} features`);
  }
}
