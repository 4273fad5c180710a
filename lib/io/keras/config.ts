// Keras model configs (Keras 2 and 3; Sequential, and functional models that are a chain) -> the
// layers of a ModelDescription. Each Keras layer becomes the blasnet layer that computes the same
// function, or one ERR_UNSUPPORTED naming the layer and its class.
import { BlasnetError, describe } from '../../errors';
import type { LayerDescription } from '../description';

export interface Slot { name: string; shape: number[] }

export interface PlannedLayer {
  /** The Keras layer whose weights these are (two blasnet layers can come from one Keras Dense). */
  kerasName: string;
  desc: LayerDescription;
  slots: Slot[];
}

export interface ModelPlan {
  name: string;
  inputDim: number;
  layers: PlannedLayer[];
  /** Keras layers with weights, in model order, and the slots each holds in the file. */
  weighted: { kerasName: string; slots: Slot[]; trainable: boolean }[];
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function formatError(message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', `Invalid Keras model: ${message}`);
}

function unsupported(layer: string, className: string, why: string): BlasnetError {
  return new BlasnetError('ERR_UNSUPPORTED', `Keras layer ${JSON.stringify(layer)} (${className}) ${why}`);
}

const snakeToCamel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const INITIALIZERS = ['GlorotUniform', 'GlorotNormal', 'HeNormal', 'HeUniform', 'LecunNormal', 'LecunUniform', 'VarianceScaling',
  'RandomNormal', 'RandomUniform', 'TruncatedNormal', 'Zeros', 'Ones', 'Constant', 'Identity', 'IdentityInitializer', 'Orthogonal',
  'OrthogonalInitializer'];
const norm = (s: string) => s.toLowerCase().replace(/[_\s-]/g, '');

/** A serialized Keras object ({class_name, config} or a plain name) as blasnet's {className, config}. */
function serialized(v: unknown, layer: string, cls: string, what: string, known: string[]): { className: string; config: Json } | null {
  if (v === null || v === undefined) return null;
  let className: string;
  let config: Json = {};
  if (typeof v === 'string') className = v;
  else if (isObject(v) && typeof v.class_name === 'string') {
    className = v.class_name;
    if (isObject(v.config)) config = Object.fromEntries(Object.entries(v.config).map(([k, x]) => [snakeToCamel(k), x]));
  } else throw formatError(`${what} of layer ${JSON.stringify(layer)} is ${describe(v)}`);
  const hit = known.find((k) => norm(k) === norm(className));
  if (!hit) throw unsupported(layer, cls, `has ${what} ${JSON.stringify(className)}, which blasnet does not implement (it has ${known.join(', ')})`);
  return { className: hit, config };
}

/**
 * Keras activation name -> blasnet's, plus the slope when it is a leaky relu (Keras 3's default 0.2 is
 * not blasnet's 0.3, so such a Dense becomes Dense + LeakyReLU).
 */
function activation(v: unknown, layer: string, cls: string, keras3: boolean): { name: string; slope?: number } {
  let name = v;
  if (isObject(v)) name = v.class_name;
  if (name === null || name === undefined) return { name: 'linear' };
  if (typeof name !== 'string') throw formatError(`activation of layer ${JSON.stringify(layer)} is ${describe(v)}`);
  const n = norm(name);
  const same: Record<string, string> = {
    linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', elu: 'elu', selu: 'selu',
    gelu: 'gelu', swish: 'swish', silu: 'swish', softplus: 'softplus', softsign: 'softsign', relu6: 'relu6',
  };
  if (same[n]) return { name: same[n]! };
  if (n === 'leakyrelu') return { name: 'leaky_relu', slope: keras3 ? 0.2 : 0.3 };
  // Keras 2's hard_sigmoid is clamp(0.2 x + 0.5), blasnet's (tfjs's); Keras 3's is relu6(x + 3) / 6.
  if (n === 'hardsigmoid' && !keras3) return { name: 'hard_sigmoid' };
  throw unsupported(layer, cls, `uses activation ${JSON.stringify(name)}, which blasnet does not implement${n === 'hardsigmoid' ? ' with Keras 3\'s formula relu6(x + 3) / 6' : ''}`);
}

/** [null, n] (or [n]) -> n; several dimensions are refused: blasnet models take flat feature vectors. */
function inputWidth(cfg: Json): number | null {
  const batch = cfg.batch_shape ?? cfg.batch_input_shape;
  const dims = Array.isArray(batch) ? batch.slice(1) : Array.isArray(cfg.input_shape) ? cfg.input_shape : null;
  if (!dims) return null;
  if (dims.length !== 1 || typeof dims[0] !== 'number' || !Number.isInteger(dims[0]) || dims[0] < 1 || dims[0] > 1 << 24) {
    throw new BlasnetError('ERR_UNSUPPORTED', `The Keras model takes inputs of shape ${JSON.stringify(batch ?? dims)}; blasnet models take flat feature vectors [null, n]`);
  }
  return dims[0];
}

function mustBeNull(cfg: Json, keys: string[], layer: string, cls: string): void {
  for (const k of keys) {
    if (cfg[k] !== undefined && cfg[k] !== null && cfg[k] !== false) throw unsupported(layer, cls, `sets ${k}, which blasnet does not implement`);
  }
}

function axisIsLast(v: unknown): boolean {
  return v === undefined || v === null || v === -1 || v === 1 || (Array.isArray(v) && v.length === 1 && (v[0] === -1 || v[0] === 1));
}

/** One Keras layer (already checked to be a plain layer with a name) -> blasnet layers. */
function convertLayer(cls: string, name: string, cfg: Json, width: number, keras3: boolean): PlannedLayer[] {
  const base: Json = { name, trainable: cfg.trainable !== false };
  const init = (k: string) => serialized(cfg[k], name, cls, k, INITIALIZERS) ?? undefined;
  switch (cls) {
    case 'Dense': {
      const units = cfg.units;
      if (typeof units !== 'number' || !Number.isInteger(units) || units < 1 || units > 1 << 24) throw formatError(`units of layer ${JSON.stringify(name)} is ${describe(units)}`);
      if (width * units > 1 << 28) throw new BlasnetError('ERR_LIMIT', `Keras layer ${JSON.stringify(name)} would have ${width * units} weights`);
      mustBeNull(cfg, ['activity_regularizer', 'bias_constraint', 'lora_rank', 'quantization_config'], name, cls);
      const act = activation(cfg.activation, name, cls, keras3);
      const useBias = cfg.use_bias !== false;
      const slots: Slot[] = [{ name: 'kernel', shape: [width, units] }];
      if (useBias) slots.push({ name: 'bias', shape: [units] });
      const dense: PlannedLayer = {
        kerasName: name, slots,
        desc: { className: 'Dense', config: {
          ...base, units, activation: act.slope === undefined ? act.name : 'linear', useBias,
          kernelInitializer: init('kernel_initializer'), biasInitializer: init('bias_initializer'),
          kernelRegularizer: serialized(cfg.kernel_regularizer, name, cls, 'kernel_regularizer', ['L1', 'L2', 'L1L2']),
          biasRegularizer: serialized(cfg.bias_regularizer, name, cls, 'bias_regularizer', ['L1', 'L2', 'L1L2']),
          kernelConstraint: serialized(cfg.kernel_constraint, name, cls, 'kernel_constraint', ['MaxNorm']),
        } },
      };
      if (act.slope === undefined) return [dense];
      return [dense, { kerasName: name, slots: [], desc: { className: 'LeakyReLU', config: { name: `${name}_leaky_relu`, alpha: act.slope } } }];
    }
    case 'Activation': {
      const act = activation(cfg.activation, name, cls, keras3);
      if (act.slope !== undefined) return [{ kerasName: name, slots: [], desc: { className: 'LeakyReLU', config: { ...base, alpha: act.slope } } }];
      return [{ kerasName: name, slots: [], desc: { className: 'Activation', config: { ...base, activation: act.name } } }];
    }
    case 'LeakyReLU': {
      const slope = cfg.negative_slope ?? cfg.alpha ?? 0.3;
      if (typeof slope !== 'number' || !(slope >= 0)) throw formatError(`negative_slope of layer ${JSON.stringify(name)} is ${describe(slope)}`);
      return [{ kerasName: name, slots: [], desc: { className: 'LeakyReLU', config: { ...base, alpha: slope } } }];
    }
    case 'Dropout':
      mustBeNull(cfg, ['noise_shape'], name, cls);
      return [{ kerasName: name, slots: [], desc: { className: 'Dropout', config: { ...base, rate: cfg.rate, seed: cfg.seed ?? null } } }];
    case 'Flatten':
      // Inputs here are [batch, n]: flattening them is the identity.
      return [];
    case 'BatchNormalization':
    case 'LayerNormalization': {
      if (!axisIsLast(cfg.axis)) throw unsupported(name, cls, `normalizes axis ${JSON.stringify(cfg.axis)} (blasnet normalizes the feature axis)`);
      mustBeNull(cfg, ['beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint', 'renorm', 'rms_scaling', 'virtual_batch_size', 'adjustment', 'synchronized'], name, cls);
      const center = cfg.center !== false;
      const scale = cfg.scale !== false;
      const slots: Slot[] = [];
      if (scale) slots.push({ name: 'gamma', shape: [width] });
      if (center) slots.push({ name: 'beta', shape: [width] });
      const config: Json = { ...base, axis: -1, epsilon: cfg.epsilon ?? 0.001, center, scale,
        betaInitializer: init('beta_initializer'), gammaInitializer: init('gamma_initializer') };
      if (cls === 'BatchNormalization') {
        slots.push({ name: 'moving_mean', shape: [width] }, { name: 'moving_variance', shape: [width] });
        Object.assign(config, { momentum: cfg.momentum ?? 0.99, movingMeanInitializer: init('moving_mean_initializer'),
          movingVarianceInitializer: init('moving_variance_initializer') });
      }
      return [{ kerasName: name, slots, desc: { className: cls, config } }];
    }
    default:
      throw unsupported(name, cls, 'is not supported: blasnet imports Dense, Dropout, BatchNormalization, LayerNormalization, Activation, LeakyReLU, Flatten and InputLayer');
  }
}

interface RawLayer { cls: string; name: string; cfg: Json; entry: Json }

function rawLayers(list: unknown): RawLayer[] {
  if (!Array.isArray(list)) throw formatError(`expected a list of layers but received ${describe(list)}`);
  if (list.length > 10_000) throw formatError(`more than 10000 layers`);
  return list.map((entry, i) => {
    if (!isObject(entry) || typeof entry.class_name !== 'string') throw formatError(`layer ${i} is ${describe(entry)}`);
    const cfg = isObject(entry.config) ? entry.config : {};
    const name = typeof cfg.name === 'string' ? cfg.name : typeof entry.name === 'string' ? entry.name : `layer_${i}`;
    // A custom object (registered_name "package>Class", or a module outside keras) is never executed.
    const module = entry.module;
    if (typeof module === 'string' && !/^keras(\.|$)/.test(module) && !/^tensorflow/.test(module)) {
      throw unsupported(name, entry.class_name, `is a custom object from module ${JSON.stringify(module)}`);
    }
    if (typeof entry.registered_name === 'string' && entry.registered_name.includes('>')) {
      throw unsupported(name, entry.class_name, `is a custom object (${entry.registered_name})`);
    }
    return { cls: entry.class_name, name, cfg, entry };
  });
}

/** The single inbound layer name of a functional layer (Keras 2 and Keras 3 node formats). */
function inboundOf(l: RawLayer): string[] {
  const nodes = l.entry.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  if (nodes.length > 1) throw unsupported(l.name, l.cls, 'is called more than once (shared layers are not a chain)');
  const refs: string[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (depth > 16) return;
    if (isObject(v)) {
      if (isObject(v.config) && Array.isArray(v.config.keras_history)) { refs.push(String(v.config.keras_history[0])); return; }
      for (const x of Object.values(v)) visit(x, depth + 1);
    } else if (Array.isArray(v)) {
      if (v.length >= 3 && typeof v[0] === 'string' && typeof v[1] === 'number') { refs.push(v[0]); return; }
      for (const x of v) visit(x, depth + 1);
    }
  };
  const node = nodes[0];
  visit(isObject(node) ? node.args : node, 0);
  return refs;
}

/** The layers of a functional model in chain order, or ERR_UNSUPPORTED when it is not a chain. */
function chainOrder(layers: RawLayer[], cfg: Json): RawLayer[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const next = new Map<string, RawLayer[]>();
  let start: RawLayer | null = null;
  for (const l of layers) {
    const ins = inboundOf(l);
    if (ins.length === 0) {
      if (start) throw new BlasnetError('ERR_UNSUPPORTED', `The Keras model has several inputs (${start.name}, ${l.name}); blasnet models have one`);
      start = l;
      continue;
    }
    if (ins.length > 1) throw unsupported(l.name, l.cls, `takes ${ins.length} inputs (${ins.join(', ')}); blasnet imports chains of layers`);
    if (!byName.has(ins[0]!)) throw formatError(`layer ${JSON.stringify(l.name)} reads from unknown layer ${JSON.stringify(ins[0])}`);
    next.set(ins[0]!, [...(next.get(ins[0]!) ?? []), l]);
  }
  if (!start) throw formatError('the functional model has no input layer');
  const order: RawLayer[] = [start];
  for (let cur = start; ;) {
    const after = next.get(cur.name) ?? [];
    if (after.length > 1) throw new BlasnetError('ERR_UNSUPPORTED', `Keras layer ${JSON.stringify(cur.name)} feeds ${after.length} layers (${after.map((l) => l.name).join(', ')}); blasnet imports chains of layers`);
    if (after.length === 0) break;
    cur = after[0]!;
    if (order.includes(cur)) throw formatError(`the layers form a cycle at ${JSON.stringify(cur.name)}`);
    order.push(cur);
  }
  if (order.length !== layers.length) {
    const off = layers.find((l) => !order.includes(l))!;
    throw new BlasnetError('ERR_UNSUPPORTED', `Keras layer ${JSON.stringify(off.name)} is not on the chain from the input to the output`);
  }
  const outs = cfg.output_layers;
  const outName = Array.isArray(outs) && Array.isArray(outs[0]) ? outs[0][0] : Array.isArray(outs) ? outs[0] : undefined;
  if (Array.isArray(outs) && (outs.length !== 1 && !(outs.length === 3 && typeof outs[0] === 'string'))) {
    throw new BlasnetError('ERR_UNSUPPORTED', `The Keras model has ${outs.length} outputs; blasnet models have one`);
  }
  if (typeof outName === 'string' && outName !== order[order.length - 1]!.name) {
    throw new BlasnetError('ERR_UNSUPPORTED', `The Keras model's output is layer ${JSON.stringify(outName)}, not the end of its chain`);
  }
  return order;
}

/** model_config (legacy .h5) or config.json (.keras) -> the planned blasnet layers. */
export function planModel(modelConfig: unknown, keras3: boolean): ModelPlan {
  if (!isObject(modelConfig)) throw formatError(`expected a model config object but received ${describe(modelConfig)}`);
  const cls = modelConfig.class_name;
  const cfg = modelConfig.config;
  let list: RawLayer[];
  let name = 'keras_model';
  if (cls === 'Sequential') {
    list = rawLayers(Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : undefined);
  } else if (cls === 'Functional' || cls === 'Model') {
    if (!isObject(cfg)) throw formatError('the functional model has no config');
    list = chainOrder(rawLayers(cfg.layers), cfg);
  } else {
    throw new BlasnetError('ERR_UNSUPPORTED', `Keras model class ${describe(cls)} is not supported (Sequential and functional chains are)`);
  }
  if (isObject(cfg) && typeof cfg.name === 'string' && /^[\w.-]{1,100}$/.test(cfg.name)) name = cfg.name;
  let width: number | null = null;
  if (isObject(cfg) && Array.isArray(cfg.build_input_shape)) width = inputWidth({ batch_shape: cfg.build_input_shape });
  const layers: PlannedLayer[] = [];
  const weighted: ModelPlan['weighted'] = [];
  let inputDim: number | null = null;
  list.forEach((l, i) => {
    if (l.cls === 'InputLayer') {
      if (i !== 0) throw unsupported(l.name, l.cls, 'appears after the first layer');
      inputDim = width = inputWidth(l.cfg) ?? width;
      return;
    }
    if (i === 0 || inputDim === null) {
      const w = inputWidth(l.cfg) ?? (isObject(l.entry.build_config) ? inputWidth({ batch_shape: l.entry.build_config.input_shape }) : null) ?? width;
      if (w === null) throw formatError(`the input size is unknown (no InputLayer, batch_input_shape or build config on ${JSON.stringify(l.name)})`);
      inputDim = width = w;
    }
    if (l.cls === 'Sequential' || l.cls === 'Functional' || l.cls === 'Model') throw unsupported(l.name, l.cls, 'is a nested model; save the inner model on its own');
    const planned = convertLayer(l.cls, l.name, l.cfg, width!, keras3);
    for (const p of planned) {
      layers.push(p);
      if (p.desc.className === 'Dense') width = p.desc.config.units as number;
    }
    const slots = planned.flatMap((p) => p.slots);
    if (slots.length > 0) weighted.push({ kerasName: l.name, slots, trainable: l.cfg.trainable !== false });
  });
  if (inputDim === null) throw formatError('the model has no input size');
  if (layers.length === 0) layers.push({ kerasName: 'identity', slots: [], desc: { className: 'Activation', config: { name: 'identity', activation: 'linear' } } });
  const seen = new Set<string>();
  for (const l of layers) {
    const n = String(l.desc.config.name);
    if (seen.has(n)) throw formatError(`two layers are named ${JSON.stringify(n)}`);
    if (!/^[^\s/]{1,200}$/.test(n)) throw formatError(`layer name ${JSON.stringify(n)} has spaces or "/"`);
    seen.add(n);
  }
  for (const l of layers) for (const k of Object.keys(l.desc.config)) if (l.desc.config[k] === undefined) delete l.desc.config[k];
  return { name, inputDim, layers, weighted };
}
