// modelTopology: the Sequential's layer list as tfjs and Keras write it (snake_case configs), checked
// layer by layer; each layer's parameter tensors come from the engine's layout, as the model's do.
import { describe } from '../../errors';
import { layerOutputDim, layerParamSlots, type LayoutLayer } from '../../engine/layout';
import { toCamelCase, toSnakeCase } from '../../naming';
import { orDefault, positiveInt, bool } from '../../validate';
import { LAYER_CLASS_NAMES } from '../description';
import { MAX_DIM, MAX_LAYERS, MAX_TENSOR_ELEMENTS, formatError, isObject } from './artifacts';

/** Layer classes the loader accepts (InputLayer only as the first entry, to give the input size). */
export const SUPPORTED_CLASSES: readonly string[] = [...LAYER_CLASS_NAMES, 'InputLayer'];

export interface ParsedSlot {
  name: string;
  shape: number[];
  /** Updated by the optimizer in this model (false for moving statistics and for every weight of a frozen layer). */
  trainable: boolean;
  /** Updated by the optimizer whenever its layer trains (false only for moving statistics). */
  optimized: boolean;
}

export interface ParsedLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  slots: ParsedSlot[];
}

/** tfjs-layers' serialization_utils.convertTsToPythonic: keys and string values to snake_case, names kept. */
export function convertTsToPythonic(value: unknown, key?: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return toSnakeCase(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item) => convertTsToPythonic(item, key));
  if (!isObject(value)) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[toSnakeCase(k)] = (k === 'name' || k === 'className') && typeof v === 'string' ? v : convertTsToPythonic(v, k);
  }
  return out;
}

/**
 * Snake_case config -> the camelCase config the model's deserializer reads. String values stay as written
 * (activation names are Keras-style in the description); Keras 3 extras (module, registered_name, dtype
 * policy objects) are dropped because they describe nothing we compute.
 */
export function convertPythonicToDesc(value: unknown, depth = 0): unknown {
  if (depth > 32) throw formatError('The layer config is nested more than 32 levels deep');
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => convertPythonicToDesc(v, depth + 1));
  if (!isObject(value)) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    if (k === 'module' || k === 'registered_name' || k === 'build_config' || k === 'shared_object_id') continue;
    if (k === 'dtype' && typeof v !== 'string') continue;
    out[k === 'name' ? k : toCamelCase(k)] = convertPythonicToDesc(v, depth + 1);
  }
  return out;
}

function fileDim(v: unknown, what: string): number {
  return positiveInt(v, what, MAX_DIM, 'ERR_FORMAT');
}

function flag(v: unknown, dflt: boolean, what: string): boolean {
  return orDefault(v, dflt, (x) => bool(x, what, 'ERR_FORMAT'), true);
}

/**
 * The input size from a [null, n] batch shape (or [n] input shape). When a Flatten takes the input
 * (`flattened`), any [null, ...dims] is accepted and its size is the product: rows are row-major.
 */
function inputDimFrom(cfg: Record<string, unknown>, where: string, flattened: boolean): number | null {
  const batch = cfg.batch_input_shape ?? cfg.batch_shape ?? cfg.batchInputShape ?? cfg.batchShape;
  const input = cfg.input_shape ?? cfg.inputShape;
  let dims: unknown[] | null = null;
  if (batch !== undefined && batch !== null) {
    if (!Array.isArray(batch) || batch.length < 1) throw formatError(`Expected [null, n] for the batch input shape of ${where} but received ${describe(batch)}`);
    dims = batch.slice(1);
  } else if (input !== undefined && input !== null) {
    if (!Array.isArray(input)) throw formatError(`Expected [n] for the input shape of ${where} but received ${describe(input)}`);
    dims = input;
  }
  if (dims === null) return null;
  if (flattened && dims.length >= 1) {
    const sizes = dims.map((d, k) => fileDim(d, `input dimension ${k + 1} of ${where}`));
    const width = sizes.reduce((x, y) => x * y, 1);
    if (width > MAX_DIM) throw formatError(`The flattened input of ${where} would have ${width} features (more than ${MAX_DIM})`);
    return width;
  }
  if (dims.length !== 1) {
    throw formatError(`Expected a 1-D input (batch shape [null, n]) for ${where} but received ${dims.length}-D input shape ${JSON.stringify(dims).slice(0, 60)}: blasnet models take flat feature vectors`);
  }
  return fileDim(dims[0], `the input size of ${where}`);
}

/** The Sequential's list of layer entries, whichever of the known wrappers the file uses. */
function sequentialLayers(topology: unknown): { name: string; entries: unknown[]; trainingConfig: unknown } {
  if (!isObject(topology)) throw formatError(`Expected an object for modelTopology but received ${describe(topology)}`);
  let topo: Record<string, unknown> = topology;
  let trainingConfig: unknown = topo.training_config;
  // tensorflowjs_converter (Keras input) wraps the model as {keras_version, backend, model_config, training_config}.
  if (isObject(topo.model_config)) topo = topo.model_config;
  const className = topo.class_name;
  if (className !== 'Sequential') {
    throw formatError(`Expected a Sequential model (modelTopology class_name "Sequential") but received ${describe(className)}`);
  }
  const config = topo.config;
  let entries: unknown;
  let name = 'sequential';
  if (Array.isArray(config)) entries = config; // the list form of Sequential configs (tfjs 1.x, Keras 2.0)
  else if (isObject(config)) {
    entries = config.layers;
    if (typeof config.name === 'string') name = config.name;
  }
  if (!Array.isArray(entries)) throw formatError(`Expected a list of layers in the Sequential config but received ${describe(entries)}`);
  if (entries.length > MAX_LAYERS) throw formatError(`Expected at most ${MAX_LAYERS} layers but received ${entries.length}`);
  trainingConfig ??= topo.training_config;
  return { name, entries, trainingConfig };
}

/** What the layout needs of a saved layer of input width `dim`. */
function layoutOf(className: string, cfg: Record<string, unknown>, dim: number, where: string): LayoutLayer {
  const trainable = cfg.trainable !== false;
  switch (className) {
    case 'Dense': {
      const units = fileDim(cfg.units, `units of ${where}`);
      if (dim * units > MAX_TENSOR_ELEMENTS) throw formatError(`The kernel of ${where} would have ${dim * units} elements (more than ${MAX_TENSOR_ELEMENTS})`);
      return { kind: 'dense', units, useBias: flag(cfg.use_bias, true, `use_bias of ${where}`), trainable };
    }
    case 'BatchNormalization':
    case 'LayerNormalization':
      return {
        kind: className === 'BatchNormalization' ? 'batchNormalization' : 'layerNormalization', dim,
        scale: flag(cfg.scale, true, `scale of ${where}`), center: flag(cfg.center, true, `center of ${where}`), trainable,
      };
    default:
      return { kind: 'activation', dim };
  }
}

/** The layers of a topology with their parameter tensors, the input size and the training config it carries. */
export function parseLayers(topology: unknown): { name: string; inputDim: number; layers: ParsedLayer[]; trainingConfig: unknown } {
  const { name, entries, trainingConfig } = sequentialLayers(topology);
  let inputDim: number | null = null;
  let dim: number | null = null;
  const layers: ParsedLayer[] = [];
  const names = new Set<string>();
  entries.forEach((entry, i) => {
    if (!isObject(entry)) throw formatError(`Expected {class_name, config} for layer ${i} but received ${describe(entry)}`);
    const className = entry.class_name;
    const cfg = entry.config ?? {};
    if (typeof className !== 'string' || !SUPPORTED_CLASSES.includes(className)) {
      throw formatError(`Unknown layer class ${describe(className)} (layer ${i}); supported layers: ${SUPPORTED_CLASSES.join(', ')}`);
    }
    if (!isObject(cfg)) throw formatError(`Expected an object for the config of layer ${i} (${className}) but received ${describe(cfg)}`);
    const where = `layer ${i} (${className})`;
    if (className === 'InputLayer') {
      if (layers.length > 0 || inputDim !== null) throw formatError(`An InputLayer is only accepted as the first layer, but ${where} is one`);
      const next = entries[i + 1];
      inputDim = inputDimFrom(cfg, where, isObject(next) && next.class_name === 'Flatten');
      if (inputDim === null) throw formatError(`Expected batch_input_shape or batch_shape in ${where}`);
      dim = inputDim;
      return;
    }
    if (layers.length === 0 && inputDim === null) {
      inputDim = inputDimFrom(cfg, where, className === 'Flatten');
      if (inputDim === null) throw formatError(`Expected batch_input_shape on the first layer (${where}): the input size is unknown`);
      dim = inputDim;
    }
    const layerName = cfg.name === undefined ? `${toSnakeCase(className)}_${i + 1}` : cfg.name;
    if (typeof layerName !== 'string' || layerName.length === 0 || layerName.length > 200) {
      throw formatError(`Expected a layer name string for ${where} but received ${describe(layerName)}`);
    }
    if (names.has(layerName)) throw formatError(`Two layers are named ${JSON.stringify(layerName)}`);
    names.add(layerName);
    const layout = layoutOf(className, cfg, dim!, where);
    const own = layerParamSlots(layout, i, dim!, 0);
    const whenTrained = 'trainable' in layout ? layerParamSlots({ ...layout, trainable: true }, i, dim!, 0) : own;
    const slots = own.map((s, k) => ({ name: s.name, shape: s.shape, trainable: s.trainable, optimized: whenTrained[k]!.trainable }));
    dim = layerOutputDim(layout);
    layers.push({ className, name: layerName, config: cfg, slots });
  });
  if (inputDim === null) throw formatError('Expected at least one layer with batch_input_shape: the model has no input size');
  if (layers.length === 0) throw formatError('The model has no layers');
  return { name, inputDim, layers, trainingConfig };
}
