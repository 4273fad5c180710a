// The model's weights as one flat buffer in the engine's parameter layout, and the optimizer's state in
// its layout: drawing initial values, reading and writing them as named tensors, checked.
import { BlasnetError, invalidArg } from '../errors';
import { initialOptimizerState, optimizerSlotNames } from '../engine/layout';
import type { NetSpec, ParamSlot } from '../engine/types';
import type { NamedTensor } from '../io/description';
import { Tensor } from '../tensor';
import { allocate } from './inputs';
import type { Layer } from './layers';

/** A layer's initial weights for an input width, drawn from its initializers in layout order. */
export function drawParams(layer: Layer, inputDim: number): Float32Array {
  const inits = layer.paramInits(inputDim);
  const total = inits.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  if (total > 2 ** 30) {
    throw new BlasnetError('ERR_OUT_OF_MEMORY', `Layer ${layer.name} would need ${total} parameters (more than 2^30)`);
  }
  const out = allocate(total);
  let off = 0;
  for (const p of inits) {
    const v = p.init.sample(p.shape);
    out.set(v, off);
    off += v.length;
  }
  return out;
}

/** Every layer's initial weights, layer after layer (each layer's input width is the previous one's output). */
export function drawAllParams(layers: readonly Layer[], inputDim: number): Float32Array {
  const parts: Float32Array[] = [];
  let d = inputDim;
  for (const l of layers) {
    l.inputDim = d;
    parts.push(drawParams(l, d));
    d = l.outputDim(d);
  }
  const params = allocate(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { params.set(p, off); off += p.length; }
  return params;
}

/** The weights of a built model with `layer` appended: the others kept, the new layer's drawn for its input width. */
export function withLayerAppended(params: Float32Array, layer: Layer, inputDim: number): Float32Array {
  const fresh = drawParams(layer, inputDim);
  const all = new Float32Array(params.length + fresh.length);
  all.set(params);
  all.set(fresh, params.length);
  layer.inputDim = inputDim;
  return all;
}

/** The weights of the layers before layer `last` (what remains when it is removed). */
export function paramsBefore(params: Float32Array, slots: readonly ParamSlot[], last: number): Float32Array {
  return params.slice(0, slots.filter((s) => s.layer < last).reduce((n, s) => n + s.size, 0));
}

/** The slots' values as tensors (copies). */
export function slotTensors(params: Float32Array, slots: readonly ParamSlot[]): Tensor[] {
  return slots.map((s) => new Tensor(params.slice(s.offset, s.offset + s.size), [...s.shape]));
}

/** The slots' values as named tensors ('<layer>/<slot>'), as a description holds them. */
export function namedSlotTensors(params: Float32Array, slots: readonly ParamSlot[], layerNames: readonly string[]): NamedTensor[] {
  return slots.map((s) => ({ name: `${layerNames[s.layer]}/${s.name}`, shape: [...s.shape], data: params.slice(s.offset, s.offset + s.size) }));
}

/** Writes `weights` (one per slot: tensors or Float32Arrays, each checked) into `params`. */
export function writeSlots(params: Float32Array, slots: readonly ParamSlot[], weights: readonly unknown[], fn: string, layerNames: readonly string[]): void {
  slots.forEach((s, i) => {
    const w = weights[i] as unknown;
    let data: Float32Array;
    const name = `${layerNames[s.layer]}/${s.name}`;
    if (w instanceof Float32Array) {
      data = w;
    } else if (w && typeof w === 'object' && typeof (w as Tensor).dataSync === 'function') {
      const shape = (w as Tensor).shape;
      if (!Array.isArray(shape) || shape.length !== s.shape.length || shape.some((v, k) => v !== s.shape[k])) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH',
          `Expected shape [${s.shape.join(', ')}] for weight ${i} (${name}) but received [${String(shape)}]`);
      }
      const v = (w as Tensor).dataSync();
      data = v instanceof Float32Array ? v : Float32Array.from(v);
    } else {
      throw invalidArg(`${fn} weight ${i} (${name})`, 'a tensor or a Float32Array', w);
    }
    if (data.length !== s.size) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Expected ${s.size} values for weight ${i} (${name}, shape [${s.shape.join(', ')}]) but received ${data.length}`);
    }
    for (let k = 0; k < data.length; k++) {
      if (!Number.isFinite(data[k]!)) {
        throw new BlasnetError('ERR_NON_FINITE', `Expected finite values for weight ${i} (${name}) but received ${data[k]} at index ${k}`);
      }
    }
    params.set(data, s.offset);
  });
}

/** The flat optimizer state ([iterations, slot0 (P), ...]) as named tensors: 'iter', then '<layer>/<weight>/<slot>'. */
export function optimizerStateTensors(state: Float32Array, spec: NetSpec, slots: readonly ParamSlot[], layerNames: readonly string[]): NamedTensor[] {
  const out: NamedTensor[] = [{ name: 'iter', shape: [], data: state.slice(0, 1) }];
  const P = slots.reduce((n, s) => n + s.size, 0);
  optimizerSlotNames(spec.optimizer).forEach((slotName, k) => {
    for (const s of slots) {
      const off = 1 + k * P + s.offset;
      out.push({ name: `${layerNames[s.layer]}/${s.name}/${slotName}`, shape: [...s.shape], data: state.slice(off, off + s.size) });
    }
  });
  return out;
}

/** The flat optimizer state from named tensors (the inverse of optimizerStateTensors), checked. */
export function optimizerStateFrom(tensors: NamedTensor[], spec: NetSpec, slots: readonly ParamSlot[], layerNames: readonly string[]): Float32Array {
  const P = slots.reduce((n, s) => n + s.size, 0);
  const state = initialOptimizerState(spec);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const iter = byName.get('iter') ?? tensors.find((t) => /(^|\/)iter(ations)?$/.test(t.name));
  if (!iter || iter.data.length !== 1) throw new BlasnetError('ERR_FORMAT', 'The optimizer state has no "iter" entry');
  state[0] = iter.data[0]!;
  optimizerSlotNames(spec.optimizer).forEach((slotName, k) => {
    for (const s of slots) {
      const key = `${layerNames[s.layer]}/${s.name}/${slotName}`;
      const t = byName.get(key);
      if (!t) throw new BlasnetError('ERR_FORMAT', `The optimizer state has no entry "${key}"`);
      if (t.data.length !== s.size) {
        throw new BlasnetError('ERR_FORMAT', `Expected ${s.size} values for optimizer entry "${key}" but received ${t.data.length}`);
      }
      state.set(t.data, 1 + k * P + s.offset);
    }
  });
  return state;
}
