// ModelArtifacts -> ModelDescription: everything a file says is checked against everything else before
// it is used (topology, shapes, byte counts, finiteness); nothing in a file is ever executed.
import { describe } from '../../errors';
import type { LayerDescription, ModelDescription, NamedTensor } from '../description';
import { formatError, isObject, type LoadOptions, type ModelArtifacts } from './artifacts';
import { checkWeightSpecs } from './manifest';
import { readOptimizerState } from './optimizer-state';
import { convertPythonicToDesc, parseLayers } from './topology';
import { parseTraining } from './training-config';
import { concatBuffers, decodeWeight, type CheckedSpec } from './weight-codecs';
import { checkFiniteWeight, ownerLayer } from './weight-names';

/**
 * The manifest index of each layer's weight, in slot order. Weights are matched to layers by name and,
 * where the name gives no slot ('dense/0'), by position within the layer; names that match no layer
 * are accepted only in the unambiguous case of all weights in slot order (Keras HDF5-style positional loading).
 */
function assignWeights(layers: ReturnType<typeof parseLayers>['layers'], specs: CheckedSpec[]): number[][] {
  const layerNames = layers.map((l) => l.name);
  const byLayer = new Map<string, { spec: CheckedSpec; index: number; rest: string }[]>();
  const orphans: CheckedSpec[] = [];
  specs.forEach((spec, index) => {
    if (spec.group === 'optimizer') return;
    const owner = ownerLayer(spec.name, layerNames);
    if (!owner) { orphans.push(spec); return; }
    const list = byLayer.get(owner.layer) ?? [];
    list.push({ spec, index, rest: owner.rest });
    byLayer.set(owner.layer, list);
  });
  const expectedCount = layers.reduce((n, l) => n + l.slots.length, 0);
  const assigned: (number | undefined)[][] = layers.map((l) => new Array<number | undefined>(l.slots.length));
  if (orphans.length > 0) {
    const modelSpecs = specs.map((s, i) => ({ s, i })).filter(({ s }) => s.group !== 'optimizer');
    if (orphans.length !== modelSpecs.length || modelSpecs.length !== expectedCount) {
      throw formatError(`Weight ${JSON.stringify(orphans[0]!.name)} belongs to no layer of the model (layers: ${layerNames.slice(0, 10).join(', ')}${layerNames.length > 10 ? ', ...' : ''})`);
    }
    let k = 0;
    layers.forEach((l, li) => l.slots.forEach((_, si) => { assigned[li]![si] = modelSpecs[k++]!.i; }));
  } else {
    layers.forEach((layer, li) => {
      const entries = byLayer.get(layer.name) ?? [];
      const slotIndex = (rest: string) => layer.slots.findIndex((s) => s.name === rest);
      const named = entries.every((e) => slotIndex(e.rest) >= 0);
      if (entries.length !== layer.slots.length) {
        throw formatError(`Layer ${JSON.stringify(layer.name)} (${layer.className}) needs ${layer.slots.length} weights (${layer.slots.map((s) => s.name).join(', ') || 'none'}) but the file has ${entries.length}`);
      }
      entries.forEach((e, pos) => {
        const si = named ? slotIndex(e.rest) : pos;
        if (assigned[li]![si] !== undefined) throw formatError(`Weight ${JSON.stringify(e.spec.name)} appears twice for layer ${JSON.stringify(layer.name)}`);
        assigned[li]![si] = e.index;
      });
    });
  }
  layers.forEach((layer, li) => layer.slots.forEach((slot, si) => {
    const spec = specs[assigned[li]![si]!]!;
    if (spec.shape.length !== slot.shape.length || spec.shape.some((d, k) => d !== slot.shape[k])) {
      throw formatError(`Weight ${JSON.stringify(spec.name)} has shape [${spec.shape.join(', ')}] but ${layer.className} layer ${JSON.stringify(layer.name)} needs ${slot.name} of shape [${slot.shape.join(', ')}]`);
    }
  }));
  return assigned as number[][];
}

/**
 * ModelArtifacts -> ModelDescription, validating the topology (Sequential of supported layers, known
 * input size), every weight against the shapes the topology implies, the byte lengths against the data,
 * and (unless allowed) that every weight is finite.
 */
export function artifactsToDescription(artifacts: ModelArtifacts, options: LoadOptions = {}): ModelDescription {
  if (!isObject(artifacts)) throw formatError(`Expected model artifacts (an object) but received ${describe(artifacts)}`);
  if (artifacts.format !== undefined && artifacts.format !== null && artifacts.format !== 'layers-model') {
    throw formatError(`Expected format "layers-model" but received ${describe(artifacts.format)} (graph models cannot be loaded)`);
  }
  const parsed = parseLayers(artifacts.modelTopology);
  const { specs, bytes } = checkWeightSpecs(artifacts.weightSpecs ?? []);
  const buffer = concatBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
  if (buffer.byteLength !== bytes) {
    throw formatError(`The weight specs describe ${bytes} bytes but the weight data has ${buffer.byteLength} bytes`);
  }
  // Every shape is checked against the topology before anything is decoded.
  const assigned = assignWeights(parsed.layers, specs);
  const offsets: number[] = [];
  let off = 0;
  for (const s of specs) { offsets.push(off); off += s.bytes; }
  const view = new DataView(buffer);
  const weights: NamedTensor[] = [];
  parsed.layers.forEach((layer, li) => layer.slots.forEach((slot, si) => {
    const idx = assigned[li]![si]!;
    const t: NamedTensor = { name: `${layer.name}/${slot.name}`, shape: [...slot.shape], data: decodeWeight(view, offsets[idx]!, specs[idx]!) };
    checkFiniteWeight(t, options);
    weights.push(t);
  }));
  const training = parseTraining(artifacts.blasnetTrainingConfig ?? artifacts.trainingConfig ?? parsed.trainingConfig);
  const optimizerSpecs = specs.map((spec, index) => ({ spec, index })).filter((e) => e.spec.group === 'optimizer');
  const optimizerWeights = training ? readOptimizerState(parsed.layers, optimizerSpecs, view, offsets, training, options) : [];

  const layers: LayerDescription[] = parsed.layers.map((l, i) => {
    const config = convertPythonicToDesc(l.config) as Record<string, unknown>;
    config.name = l.name;
    delete config.batchShape;
    delete config.inputShape;
    if (i === 0) config.batchInputShape = [null, parsed.inputDim];
    else delete config.batchInputShape;
    return { className: l.className, config };
  });
  const udm = artifacts.userDefinedMetadata;
  return {
    name: parsed.name,
    inputDim: parsed.inputDim,
    layers,
    weights,
    training,
    optimizerWeights,
    userDefinedMetadata: isObject(udm) ? udm : null,
  };
}
