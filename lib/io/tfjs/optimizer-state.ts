// The optimizer's state as tfjs weights (group "optimizer"): which entries tfjs keeps and in which
// layout it expects them when writing, and mapping the entries of any file back to the model's names.
import { OPTIMIZER_DEFAULTS } from '../../engine/types';
import type { NamedTensor, TrainingDescription } from '../description';
import { canonicalWeightName, formatError, type LoadOptions } from './artifacts';
import { optimizerClass } from './training-config';
import type { ParsedLayer, ParsedSlot } from './topology';
import { decodeWeight, type CheckedSpec } from './weight-codecs';
import { checkFiniteWeight, ownerLayer } from './weight-names';

/** The value an optimizer's per-parameter state starts at: adagrad's initial accumulator, else 0. */
export function initialStateValue(t: TrainingDescription | null): number {
  if (!t || optimizerClass(t) !== 'adagrad') return 0;
  const cfg = t.optimizerConfig.config;
  const v = cfg.initialAccumulatorValue ?? cfg.initial_accumulator_value;
  return typeof v === 'number' && Number.isFinite(v) ? v : OPTIMIZER_DEFAULTS.initialAccumulatorValue;
}

/**
 * The state entries tfjs would have saved: tfjs keeps state only for variables the optimizer updated, so
 * moving statistics never have any, and a frozen layer's state is saved only when it holds something
 * (the layer was trained before it was frozen). `layers` are the parsed layers of the topology written.
 */
export function stateEntriesToSave(entries: NamedTensor[], layers: ParsedLayer[], training: TrainingDescription | null): NamedTensor[] {
  const fill = initialStateValue(training);
  const slots = new Map<string, { layer: ParsedLayer; slot: ParsedSlot }>();
  for (const layer of layers) for (const slot of layer.slots) slots.set(`${layer.name}/${slot.name}`, { layer, slot });
  return entries.filter((w) => {
    const owner = slots.get(w.name.slice(0, w.name.lastIndexOf('/')));
    if (!owner) return true;
    if (!owner.slot.optimized) return false;
    const frozen = owner.layer.slots.every((s) => !s.trainable);
    return !(frozen && w.data.every((v) => v === fill));
  });
}

/**
 * Optimizer entries in the positional layout tfjs's setWeights expects. RMSProp: tfjs always keeps
 * [mean squares, moments, (mean gradients)], so a blasnet RMSProp without momentum gets zero moments
 * (exactly the state a momentum of 0 leaves; blasnet ignores them when loading).
 */
export function tfjsStateLayout(entries: NamedTensor[], t: TrainingDescription): NamedTensor[] {
  if (optimizerClass(t) !== 'rmsprop') return entries;
  const slot = (w: NamedTensor) => w.name.slice(w.name.lastIndexOf('/') + 1);
  if (entries.some((w) => slot(w) === 'momentum')) return entries;
  const velocity = entries.filter((w) => slot(w) === 'velocity');
  const zeros = velocity.map((w) => ({ name: w.name.replace(/velocity$/, 'momentum'), shape: [...w.shape], data: new Float32Array(w.data.length) }));
  const at = entries.lastIndexOf(velocity[velocity.length - 1]!) + 1;
  return [...entries.slice(0, at), ...zeros, ...entries.slice(at)];
}

type StateEntry = { spec: CheckedSpec; index: number; slotName: string };

/** tfjs's names for optimizer slots that the engines name otherwise (RMSProp's mean squares and mean gradients). */
const TFJS_SLOT_NAMES = new Map([['rmsprop', new Map([['rms', 'velocity'], ['mg', 'average_gradient']])]]);
type Target = { layer: ParsedLayer; slot: ParsedSlot };

/**
 * The optimizer's state entries of a file named as the model names them ('<layer>/<param>/<slot>', plus
 * 'iter'). tfjs names state after its variables, which carry a '_N' suffix when a name was already taken
 * in the process ('dense_Dense1/kernel_1/m'); where names do not map, tfjs's own rule applies: per slot,
 * one entry per trainable weight in weight order. Parameters without state in the file (moving
 * statistics, frozen layers) get the optimizer's initial value.
 */
export function readOptimizerState(layers: ParsedLayer[], entries: { spec: CheckedSpec; index: number }[], view: DataView,
  offsets: number[], training: TrainingDescription, options: LoadOptions): NamedTensor[] {
  const out: NamedTensor[] = [];
  const layerNames = layers.map((l) => l.name);
  const trainable: Target[] = layers.flatMap((layer) => layer.slots.filter((s) => s.trainable).map((slot) => ({ layer, slot })));
  const state = new Map<string, StateEntry>();
  const unnamed: StateEntry[] = [];
  const slotAliases = TFJS_SLOT_NAMES.get(optimizerClass(training));
  for (const e of entries) {
    const name = canonicalWeightName(e.spec.name);
    if (/(^|\/)iter(ations)?$/.test(name) && e.spec.size === 1) {
      const t: NamedTensor = { name: 'iter', shape: [], data: decodeWeight(view, offsets[e.index]!, e.spec) };
      checkFiniteWeight(t, options);
      out.push(t);
      continue;
    }
    const cut = name.lastIndexOf('/');
    const slotName = slotAliases?.get(name.slice(cut + 1)) ?? name.slice(cut + 1);
    const owner = cut > 0 ? ownerLayer(name.slice(0, cut), layerNames) : null;
    const layer = owner ? layers.find((l) => l.name === owner.layer) : undefined;
    const slot = layer?.slots.find((s) => s.name === owner!.rest.replace(/_\d+$/, ''));
    if (layer && slot) state.set(`${layer.name}/${slot.name}/${slotName}`, { ...e, slotName });
    else unnamed.push({ ...e, slotName });
  }
  if (unnamed.length > 0) {
    // Positional: entries grouped by slot name in file order, each group one per trainable weight.
    const groups = new Map<string, StateEntry[]>();
    for (const e of unnamed) groups.set(e.slotName, [...(groups.get(e.slotName) ?? []), e]);
    for (const [slotName, list] of groups) {
      if (list.length !== trainable.length) {
        throw formatError(`The optimizer state has ${list.length} "${slotName}" entries that match no weight by name, but the model has ${trainable.length} trainable weights`);
      }
      list.forEach((e, k) => state.set(`${trainable[k]!.layer.name}/${trainable[k]!.slot.name}/${slotName}`, e));
    }
  }
  const slotNames = [...new Set([...state.values()].map((e) => e.slotName))];
  const fill = initialStateValue(training);
  for (const slotName of slotNames) {
    for (const layer of layers) {
      for (const slot of layer.slots) {
        const key = `${layer.name}/${slot.name}/${slotName}`;
        const e = state.get(key);
        let data: Float32Array;
        if (e) {
          if (e.spec.size !== slot.shape.reduce((a, b) => a * b, 1) || e.spec.shape.length !== slot.shape.length || e.spec.shape.some((d, i) => d !== slot.shape[i])) {
            throw formatError(`Optimizer weight ${JSON.stringify(e.spec.name)} has shape [${e.spec.shape.join(', ')}] but ${key} needs [${slot.shape.join(', ')}]`);
          }
          data = decodeWeight(view, offsets[e.index]!, e.spec);
        } else {
          data = new Float32Array(slot.shape.reduce((a, b) => a * b, 1)).fill(fill);
        }
        const t: NamedTensor = { name: key, shape: [...slot.shape], data };
        checkFiniteWeight(t, options);
        out.push(t);
      }
    }
  }
  return out;
}
