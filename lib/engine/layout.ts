// The flat parameter layout and the optimizer-state layout (SPEC.md "Parameter layout"): the source of
// truth. native/core/layout.cc computes the same in C++; test/engine/layout.test.ts compares the two.
import type { BatchNormSpec, DenseSpec, LayerNormSpec, NetSpec, OptimizerSpec, ParamSlot } from './types';

/** What the layout reads of a layer: every LayerSpec has it, and the file formats build it from a saved config. */
export type LayoutLayer =
  | Pick<DenseSpec, 'kind' | 'units' | 'useBias' | 'trainable'>
  | Pick<BatchNormSpec | LayerNormSpec, 'kind' | 'dim' | 'scale' | 'center' | 'trainable'>
  | { kind: 'activation' | 'dropout'; dim: number };

export function layerOutputDim(layer: LayoutLayer): number {
  return layer.kind === 'dense' ? layer.units : layer.dim;
}

export function layerParamSlots(layer: LayoutLayer, layerIndex: number, inputDim: number, offset: number): ParamSlot[] {
  const slots: ParamSlot[] = [];
  const add = (name: string, shape: number[], trainable: boolean): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    slots.push({ layer: layerIndex, name, shape, offset, size, trainable });
    offset += size;
  };
  switch (layer.kind) {
    case 'dense':
      add('kernel', [inputDim, layer.units], layer.trainable);
      if (layer.useBias) add('bias', [layer.units], layer.trainable);
      break;
    case 'batchNormalization':
      if (layer.scale) add('gamma', [layer.dim], layer.trainable);
      if (layer.center) add('beta', [layer.dim], layer.trainable);
      add('moving_mean', [layer.dim], false);
      add('moving_variance', [layer.dim], false);
      break;
    case 'layerNormalization':
      if (layer.scale) add('gamma', [layer.dim], layer.trainable);
      if (layer.center) add('beta', [layer.dim], layer.trainable);
      break;
    case 'activation':
    case 'dropout':
      break;
  }
  return slots;
}

/** All parameter tensors of a net, in layer order, with their offsets into the flat buffer. */
export function paramLayout(spec: NetSpec): ParamSlot[] {
  const slots: ParamSlot[] = [];
  let dim = spec.inputDim;
  let offset = 0;
  spec.layers.forEach((layer, i) => {
    const own = layerParamSlots(layer, i, dim, offset);
    for (const s of own) offset += s.size;
    slots.push(...own);
    dim = layerOutputDim(layer);
  });
  return slots;
}

/** A tensor as the engines train it (native/core/layout.h ParamTensor): a moving statistic or not, and its regularization. */
export interface ParamTensor extends ParamSlot {
  moving: boolean;
  l1: number;
  l2: number;
}

/** paramLayout with what the optimizer, the regularizers and clipping need to know of each tensor. */
export function paramTensors(spec: NetSpec): ParamTensor[] {
  return paramLayout(spec).map((slot) => {
    const layer = spec.layers[slot.layer]!;
    const moving = slot.name === 'moving_mean' || slot.name === 'moving_variance';
    const dense = layer.kind === 'dense' ? layer : null;
    const l1 = !dense ? 0 : slot.name === 'kernel' ? dense.kernelL1 : dense.biasL1;
    const l2 = !dense ? 0 : slot.name === 'kernel' ? dense.kernelL2 : dense.biasL2;
    return { ...slot, moving, l1, l2 };
  });
}

export function paramCount(spec: NetSpec): number {
  return paramLayout(spec).reduce((n, s) => n + s.size, 0);
}

/** Number of per-parameter state vectors the optimizer keeps (each of length paramCount). */
export function optimizerSlotCount(opt: OptimizerSpec): number {
  switch (opt.id) {
    case 'sgd': return opt.momentum > 0 ? 1 : 0;
    case 'adam':
    case 'adamw': return opt.amsgrad ? 3 : 2;
    case 'rmsprop': return 1 + (opt.momentum > 0 ? 1 : 0) + (opt.centered ? 1 : 0);
    case 'adagrad': return 1;
  }
}

/** Length of the flat optimizer state: [iterations, slot0 (P), slot1 (P), ...]. */
export function optimizerStateLength(spec: NetSpec): number {
  return 1 + optimizerSlotCount(spec.optimizer) * paramCount(spec);
}

/** Names of the optimizer's slots, in state order (used when saving the state as tfjs weights). */
export function optimizerSlotNames(opt: OptimizerSpec): string[] {
  switch (opt.id) {
    case 'sgd': return opt.momentum > 0 ? ['momentum'] : [];
    case 'adam':
    case 'adamw': return opt.amsgrad ? ['m', 'v', 'vhat'] : ['m', 'v'];
    case 'rmsprop': return ['velocity', ...(opt.momentum > 0 ? ['momentum'] : []), ...(opt.centered ? ['average_gradient'] : [])];
    case 'adagrad': return ['accumulator'];
  }
}

/** The fresh optimizer state (iterations 0; adagrad accumulators at initialAccumulatorValue). */
export function initialOptimizerState(spec: NetSpec): Float32Array {
  const state = new Float32Array(optimizerStateLength(spec));
  if (spec.optimizer.id === 'adagrad') state.fill(spec.optimizer.initialAccumulatorValue, 1);
  return state;
}
