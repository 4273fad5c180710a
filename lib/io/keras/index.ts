// Keras model files -> ModelDescription: Keras 3 `.keras` (a zip of config.json, metadata.json and
// model.weights.h5) and legacy HDF5 `.h5` (Keras 2 and 3's model.save('x.h5')), with the compile config
// and, where saved, the optimizer state. Nothing in a file is executed: configs are data, and any layer,
// activation or option blasnet does not compute exactly is one ERR_UNSUPPORTED naming it.
import { BlasnetError, describe } from '../../errors';
import { defaultMemoryLimit } from '../../limits';
import type { ModelDescription, NamedTensor } from '../description';
import { isObject, planModel, type ModelPlan, type Slot } from './config';
import { h5Get, readHdf5, stringList, type H5Dataset, type H5Group } from './hdf5';
import { optimizerState, planTraining, type SavedVariable } from './training';
import { readZipEntries } from './zip';

export interface KerasLoadOptions {
  /** Accept NaN / Infinity in weights (default false: ERR_NON_FINITE). */
  allowNonFinite?: boolean;
  /** Bytes the model may take while it is read (default: the process budget of lib/limits). */
  memoryLimit?: number;
  /** Read the compile config and optimizer state (default true); false loads an uncompiled model. */
  compile?: boolean;
  /** Deadline for parsing the HDF5 part (default 60 s). */
  timeoutMs?: number;
}

function formatError(message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', `Invalid Keras model: ${message}`);
}

function parseJson(text: unknown, what: string): unknown {
  if (typeof text !== 'string') throw formatError(`${what} is ${describe(text)}, not JSON text`);
  if (text.length > 64 * 1024 * 1024) throw new BlasnetError('ERR_LIMIT', `${what} is longer than 64 MiB`);
  try { return JSON.parse(text) as unknown; } catch (err) { throw formatError(`${what} is not valid JSON: ${(err as Error).message}`); }
}

function toFloat32(ds: H5Dataset, name: string, allowNonFinite: boolean): Float32Array {
  if (!ds.data) throw formatError(`dataset ${name} holds no numbers (type ${ds.dtype})`);
  const out = Float32Array.from(ds.data);
  if (!allowNonFinite) {
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i]!)) {
        throw new BlasnetError('ERR_NON_FINITE', `Weight ${JSON.stringify(name)} has ${out[i]} at index ${i}; pass {allowNonFinite: true} to load it anyway`);
      }
    }
  }
  return out;
}

function checkShape(ds: H5Dataset, slot: Slot, layer: string, name: string): void {
  if (ds.shape.length !== slot.shape.length || ds.shape.some((d, i) => d !== slot.shape[i])) {
    throw formatError(`HDF5 dataset ${JSON.stringify(name)} has shape [${ds.shape.join(', ')}] but layer ${JSON.stringify(layer)} needs ${slot.name} of shape [${slot.shape.join(', ')}] (from its config)`);
  }
}

/** Datasets of one layer in the legacy layout: model_weights/<layer> with weight_names. */
function legacyLayerWeights(root: H5Group, layer: string): { name: string; ds: H5Dataset }[] | null {
  const group = h5Get(root, layer);
  if (!group || group.kind !== 'group') return null;
  const names = stringList(group, 'weight_names') ?? [];
  return names.map((n) => {
    const ds = h5Get(group, n);
    if (!ds || ds.kind !== 'dataset') throw formatError(`layer ${JSON.stringify(layer)} lists weight ${JSON.stringify(n)}, which the file does not hold`);
    return { name: n, ds };
  });
}

/** Datasets of one layer in the Keras 3 layout: layers/<layer>/vars/0, 1, ... (searched a few levels deep). */
function kerasVarsOf(root: H5Group, layer: string): { name: string; ds: H5Dataset }[] | null {
  const find = (g: H5Group, depth: number): H5Group | null => {
    const direct = g.children[layer];
    if (direct?.kind === 'group' && direct.children.vars?.kind === 'group') return direct.children.vars;
    if (depth >= 4) return null;
    for (const [k, c] of Object.entries(g.children)) {
      if (c.kind === 'group' && k !== 'optimizer') { const hit = find(c, depth + 1); if (hit) return hit; }
    }
    return null;
  };
  const vars = find(root, 0);
  if (!vars) return null;
  return numbered(vars).map((ds, i) => ({ name: `${layer}/vars/${i}`, ds }));
}

function numbered(vars: H5Group): H5Dataset[] {
  const out: H5Dataset[] = [];
  for (let i = 0; ; i++) {
    const ds = vars.children[String(i)];
    if (!ds) break;
    if (ds.kind !== 'dataset') throw formatError(`vars/${i} is a group, not a dataset`);
    out.push(ds);
  }
  if (Object.keys(vars.children).length !== out.length) throw formatError('variables are not numbered 0, 1, ...');
  return out;
}

function layerWeights(plan: ModelPlan, get: (layer: string) => { name: string; ds: H5Dataset }[] | null, allowNonFinite: boolean):
  { weights: NamedTensor[]; paths: Map<string, string> } {
  const byKeras = new Map<string, NamedTensor[]>();
  const paths = new Map<string, string>();
  for (const w of plan.weighted) {
    const found = get(w.kerasName);
    if (!found) throw formatError(`the file holds no weights for layer ${JSON.stringify(w.kerasName)}`);
    if (found.length !== w.slots.length) {
      throw formatError(`layer ${JSON.stringify(w.kerasName)} needs ${w.slots.length} weights (${w.slots.map((s) => s.name).join(', ')}) but the file holds ${found.length}`);
    }
    const base = (n: string) => n.replace(/:\d+$/, '').split('/').pop()!;
    const byName = found.every((f) => w.slots.some((s) => s.name === base(f.name)));
    const tensors = w.slots.map((slot, i) => {
      const f = byName ? found.find((x) => base(x.name) === slot.name)! : found[i]!;
      checkShape(f.ds, slot, w.kerasName, f.name);
      paths.set(`${w.kerasName}/${slot.name}`, f.name.replace(/:\d+$/, ''));
      return { name: `${w.kerasName}/${slot.name}`, shape: [...slot.shape], data: toFloat32(f.ds, f.name, allowNonFinite) };
    });
    byKeras.set(w.kerasName, tensors);
  }
  const weights: NamedTensor[] = [];
  for (const l of plan.layers) {
    if (l.slots.length === 0) continue;
    for (const t of byKeras.get(l.kerasName) ?? []) weights.push({ ...t, name: `${String(l.desc.config.name)}/${t.name.slice(t.name.lastIndexOf('/') + 1)}` });
  }
  return { weights, paths };
}

function savedVariable(ds: H5Dataset, name: string | null): SavedVariable {
  if (!ds.data) throw formatError(`optimizer variable ${name ?? '?'} holds no numbers`);
  return { name, shape: ds.shape, data: ds.data };
}

function assemble(plan: ModelPlan, weights: NamedTensor[], trainingConfig: unknown, vars: SavedVariable[],
  paths: Map<string, string>, options: KerasLoadOptions): ModelDescription {
  const training = options.compile === false ? null : planTraining(trainingConfig);
  let optimizerWeights: NamedTensor[] = [];
  if (training) {
    const state = optimizerState(vars, plan, training, paths);
    if (state) {
      optimizerWeights = state.tensors;
      // The saved variable is float32: it replaces the config's value only when a callback changed it.
      const lr = training.optimizerConfig.config.learningRate;
      if (state.learningRate !== null && typeof lr === 'number' && Math.fround(lr) !== Math.fround(state.learningRate)) {
        training.optimizerConfig.config.learningRate = state.learningRate;
      }
    }
  }
  const layers = plan.layers.map((l, i) => {
    const config = { ...l.desc.config };
    if (i === 0) config.batchInputShape = [null, plan.inputDim];
    return { className: l.desc.className, config };
  });
  return { name: plan.name, inputDim: plan.inputDim, layers, weights, training, optimizerWeights, userDefinedMetadata: null };
}

/** A legacy Keras HDF5 file (model.save('model.h5')). */
export async function h5ToDescription(bytes: Uint8Array, options: KerasLoadOptions = {}, label = 'the .h5 file'): Promise<ModelDescription> {
  const memoryLimit = options.memoryLimit ?? defaultMemoryLimit();
  const root = await readHdf5(bytes, { memoryLimit, timeoutMs: options.timeoutMs, label });
  const modelConfig = root.attrs.model_config;
  if (modelConfig === undefined) {
    throw formatError(`${label} has no model_config attribute (a weights-only file from save_weights? blasnet needs the whole model: model.save('model.h5'))`);
  }
  const version = String(root.attrs.keras_version ?? '');
  const plan = planModel(parseJson(modelConfig, 'model_config'), version.startsWith('3'));
  const weightsRoot = h5Get(root, 'model_weights');
  const wroot = weightsRoot?.kind === 'group' ? weightsRoot : root;
  const { weights, paths } = layerWeights(plan, (l) => legacyLayerWeights(wroot, l), options.allowNonFinite === true);
  const vars: SavedVariable[] = [];
  const opt = h5Get(root, 'optimizer_weights');
  if (opt?.kind === 'group') {
    for (const n of stringList(opt, 'weight_names') ?? []) {
      const ds = h5Get(opt, n);
      if (!ds || ds.kind !== 'dataset') throw formatError(`optimizer_weights lists ${JSON.stringify(n)}, which the file does not hold`);
      vars.push(savedVariable(ds, n));
    }
  }
  const tc = root.attrs.training_config === undefined ? null : parseJson(root.attrs.training_config, 'training_config');
  return assemble(plan, weights, tc, vars, paths, options);
}

/** A Keras 3 `.keras` archive. */
export async function kerasToDescription(bytes: Uint8Array, options: KerasLoadOptions = {}, label = 'the .keras file'): Promise<ModelDescription> {
  const memoryLimit = options.memoryLimit ?? defaultMemoryLimit();
  const json = 64 * 1024 * 1024;
  const entries = await readZipEntries(bytes, ['config.json', 'metadata.json', 'model.weights.h5'], {
    perEntry: { 'config.json': json, 'metadata.json': 1024 * 1024, 'model.weights.h5': memoryLimit }, total: memoryLimit,
  }, label);
  const text = (name: string) => {
    const b = entries.get(name);
    if (!b) throw formatError(`${label} has no ${name}${name === 'config.json' ? ' (is it a Keras 3 .keras file?)' : ''}`);
    return new TextDecoder().decode(b);
  };
  const config = parseJson(text('config.json'), 'config.json');
  const meta = entries.has('metadata.json') ? parseJson(text('metadata.json'), 'metadata.json') : {};
  const version = isObject(meta) && typeof meta.keras_version === 'string' ? meta.keras_version : '3';
  const plan = planModel(config, !version.startsWith('2'));
  const h5 = entries.get('model.weights.h5');
  if (!h5) throw formatError(`${label} has no model.weights.h5`);
  const root = await readHdf5(h5, { memoryLimit, timeoutMs: options.timeoutMs, label: `model.weights.h5 in ${label}` });
  const { weights, paths } = layerWeights(plan, (l) => kerasVarsOf(root, l), options.allowNonFinite === true);
  const opt = h5Get(root, 'optimizer/vars');
  const vars = opt?.kind === 'group' ? numbered(opt).map((ds) => savedVariable(ds, null)) : [];
  const compile = isObject(config) ? config.compile_config : null;
  return assemble(plan, weights, compile, vars, paths, options);
}
