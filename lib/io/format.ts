// The TensorFlow.js layers-model format (model.json + binary weights) <-> ModelDescription.
// Pure functions: no files, no model import. Writing follows tfjs-layers' LayersModel.save() and
// tfjs-core's io utils; reading accepts what tfjs, tensorflowjs_converter and older tfjs versions wrote,
// and validates everything before it is used (nothing in a file is ever executed).
import { BlasnetError, describe } from '../errors';
import type { LayerDescription, ModelDescription, NamedTensor, TrainingDescription } from './description';

/** The in-memory form of a saved model (tfjs's io.ModelArtifacts, restricted to what a layers model uses). */
export interface ModelArtifacts {
  modelTopology: Record<string, unknown>;
  weightSpecs: WeightSpec[];
  /** Concatenated weight bytes in weightSpecs order (tfjs 4 also allows a list of buffers). */
  weightData: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: Record<string, unknown>;
  /**
   * blasnet's exact training config (its own loss, metric and optimizer names). Always written with
   * includeOptimizer; trainingConfig is written only when tfjs can read it exactly (else tfjs would
   * refuse the whole file), so tfjs users get a compiled model when possible and an uncompiled one otherwise.
   */
  blasnetTrainingConfig?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
}

export interface Quantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
  original_dtype?: string;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  group?: string;
  quantization?: Quantization;
}

/** model.json as written to disk. */
export interface ModelJSON {
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: Record<string, unknown>;
  blasnetTrainingConfig?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
}

export interface LoadOptions {
  /** Accept NaN / Infinity in weights (default false: ERR_NON_FINITE). */
  allowNonFinite?: boolean;
  /** Refuse (ERR_LIMIT) a model that needs more memory than this: bytes or "2G" (default: BLASNET_MEMORY_LIMIT or a quarter of RAM). */
  memoryLimit?: number | string;
  /** http(s) loads: the deadline for model.json and all its shards together, in ms (default 60,000): ERR_TIMEOUT. */
  timeoutMs?: number;
}

/** The tfjs-layers version whose format we write (keras_version), as tfjs-node 4.22.0 writes it. */
export const TFJS_LAYERS_VERSION = '4.22.0';
/** Layer classes the loader accepts (InputLayer only as the first entry, to give the input size). */
export const SUPPORTED_CLASSES = ['Dense', 'Activation', 'LeakyReLU', 'Dropout', 'BatchNormalization', 'LayerNormalization', 'InputLayer'];
/** No single dimension or tensor may exceed these: a hostile file cannot make us allocate gigabytes. */
export const MAX_DIM = 1 << 24;
export const MAX_TENSOR_ELEMENTS = 1 << 28;
const MAX_LAYERS = 10000;
const MAX_WEIGHT_ENTRIES = 100000;

function version(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const v = (require('../../package.json') as { version?: unknown }).version;
    return typeof v === 'string' ? v : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function formatError(message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ------------------------------------------------------------------------------------------ naming

/** tfjs-layers' generic_utils.toSnakeCase. */
export function toSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return insecure[0] !== '_' ? insecure : 'private' + insecure;
}

/** tfjs-layers' generic_utils.toCamelCase. */
export function toCamelCase(identifier: string): string {
  return identifier.replace(/[_-](\w)/g, (_, c: string) => c.toUpperCase());
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
function convertPythonicToDesc(value: unknown, depth = 0): unknown {
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

// ------------------------------------------------------------------------------------------ writing

function isNonTrainableSlot(name: string): boolean {
  return /(^|\/)moving_(mean|variance)$/.test(name);
}

/**
 * The tfjs ModelArtifacts for a description, as tfjs-layers' LayersModel.save() builds them: topology from
 * toJSON (snake_case configs, batch_input_shape on the first layer), weights in model.weights order
 * (trainable weights of all layers, then non-trainable ones), then the optimizer's weights in group
 * "optimizer" and a trainingConfig when the description carries optimizer state (includeOptimizer).
 */
export function descriptionToArtifacts(desc: ModelDescription, options: { includeOptimizer?: boolean } = {}): ModelArtifacts {
  if (!isObject(desc) || !Array.isArray(desc.layers) || !Array.isArray(desc.weights)) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a ModelDescription for desc but received ${describe(desc)}`);
  }
  const layers = desc.layers.map((l, i) => {
    const config = convertTsToPythonic(l.config ?? {}) as Record<string, unknown>;
    if (i === 0) {
      delete config.input_shape;
      config.batch_input_shape = [null, desc.inputDim];
    } else {
      // tfjs's Layer.getConfig() has dtype only on layers built with an input shape.
      delete config.batch_input_shape;
      delete config.dtype;
    }
    // tfjs stores LayerNormalization's axis as the list of positive axes it resolved at build (rank 2: [1]).
    if (l.className === 'LayerNormalization' && (config.axis === -1 || config.axis === 1)) config.axis = [1];
    return { class_name: l.className, config };
  });
  const modelTopology = {
    class_name: 'Sequential',
    config: { name: desc.name, layers },
    keras_version: `tfjs-layers ${TFJS_LAYERS_VERSION}`,
    backend: 'tensor_flow.js',
  };

  // tfjs orders weights as model.weights: trainable ones first, then the non-trainable ones (moving
  // statistics, and every weight of a frozen layer), each part in layer order.
  const frozen = new Set(desc.layers.filter((l) => l.config?.trainable === false).map((l) => String(l.config.name)));
  const layerOf = (w: NamedTensor) => w.name.slice(0, w.name.lastIndexOf('/'));
  const nonTrainable = (w: NamedTensor) => isNonTrainableSlot(w.name) || frozen.has(layerOf(w));
  const ordered = [...desc.weights.filter((w) => !nonTrainable(w)), ...desc.weights.filter(nonTrainable)];

  const includeOptimizer = options.includeOptimizer ?? (desc.optimizerWeights?.length ?? 0) > 0;
  const specs: WeightSpec[] = [];
  const chunks: { data: Float32Array; int: boolean }[] = [];
  for (const w of ordered) {
    checkTensor(w, 'weight');
    specs.push({ name: w.name, shape: [...w.shape], dtype: 'float32' });
    chunks.push({ data: w.data, int: false });
  }
  const tfjsTraining = includeOptimizer && desc.training ? tfjsTrainingConfig(desc.training) : null;
  if (includeOptimizer) {
    const fill = initialStateValue(desc.training);
    const byName = new Map(desc.weights.map((w) => [w.name, w]));
    const kept: NamedTensor[] = [];
    for (const w of desc.optimizerWeights ?? []) {
      checkTensor(w, 'optimizer weight');
      // tfjs keeps state only for variables the optimizer updated: moving statistics never are, and a
      // frozen layer's state is saved only when it holds something (the layer was trained before).
      const variable = w.name.slice(0, w.name.lastIndexOf('/'));
      if (byName.has(variable)) {
        if (isNonTrainableSlot(variable)) continue;
        if (frozen.has(variable.slice(0, variable.lastIndexOf('/'))) && w.data.every((v) => v === fill)) continue;
      }
      kept.push(w);
    }
    for (const w of tfjsTraining ? tfjsStateLayout(kept, desc.training!) : kept) {
      // tfjs saves the optimizer's iteration count as an int32 scalar.
      const int = w.name === 'iter' && w.shape.length === 0;
      specs.push({ name: w.name, shape: [...w.shape], dtype: int ? 'int32' : 'float32', group: 'optimizer' });
      chunks.push({ data: w.data, int });
    }
  }
  const total = chunks.reduce((n, c) => n + c.data.length, 0);
  const weightData = new ArrayBuffer(total * 4);
  const view = new DataView(weightData);
  let off = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.data.length; i++, off += 4) {
      if (c.int) view.setInt32(off, Math.round(c.data[i]!), true);
      else view.setFloat32(off, c.data[i]!, true);
    }
  }

  const artifacts: ModelArtifacts = {
    modelTopology,
    weightSpecs: specs,
    weightData,
    format: 'layers-model',
    generatedBy: `blasnet v${version()}`,
    convertedBy: null,
  };
  if (includeOptimizer && desc.training) {
    if (tfjsTraining) artifacts.trainingConfig = tfjsTraining;
    artifacts.blasnetTrainingConfig = trainingToConfig(desc.training);
  }
  if (desc.userDefinedMetadata) artifacts.userDefinedMetadata = desc.userDefinedMetadata;
  return artifacts;
}

/** The value an optimizer's per-parameter state starts at (adagrad's accumulator, else 0). */
function initialStateValue(t: TrainingDescription | null): number {
  if (!t || !/^adagrad$/i.test(t.optimizerConfig.className)) return 0;
  const cfg = t.optimizerConfig.config;
  const v = cfg.initialAccumulatorValue ?? cfg.initial_accumulator_value;
  return typeof v === 'number' && Number.isFinite(v) ? v : 0.1;
}

function checkTensor(w: NamedTensor, what: string): void {
  const n = Array.isArray(w?.shape) ? w.shape.reduce((a, b) => a * b, 1) : NaN;
  if (typeof w?.name !== 'string' || !(w.data instanceof Float32Array) || n !== w.data.length) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a {name, shape, data: Float32Array} with matching size for ${what} ${describe(w?.name)}`);
  }
}

/** tfjs LayersModel.getTrainingConfig(): loss and metrics as compiled, optimizer config in camelCase. */
function trainingToConfig(t: TrainingDescription): Record<string, unknown> {
  const out: Record<string, unknown> = {
    loss: t.loss,
    metrics: [...(t.metrics ?? [])],
    optimizer_config: { class_name: t.optimizerConfig.className, config: { ...t.optimizerConfig.config } },
  };
  if (t.lossConfig !== undefined) out.loss_config = t.lossConfig;
  if (t.shuffleSeed !== undefined) out.shuffle_seed = t.shuffleSeed;
  return out;
}

/** Loss names tfjs-layers' loadTrainingConfig accepts (after its toCamelCase), keyed by a normalized name. */
const TFJS_LOSSES: Record<string, string> = {
  mse: 'mean_squared_error', meansquarederror: 'mean_squared_error',
  mae: 'mean_absolute_error', meanabsoluteerror: 'mean_absolute_error',
  mape: 'mean_absolute_percentage_error', meanabsolutepercentageerror: 'mean_absolute_percentage_error',
  msle: 'mean_squared_logarithmic_error', meansquaredlogarithmicerror: 'mean_squared_logarithmic_error',
  squaredhinge: 'squared_hinge', hinge: 'hinge', categoricalhinge: 'categorical_hinge', logcosh: 'logcosh',
  categoricalcrossentropy: 'categorical_crossentropy', sparsecategoricalcrossentropy: 'sparse_categorical_crossentropy',
  binarycrossentropy: 'binary_crossentropy', kld: 'kullback_leibler_divergence', kldivergence: 'kullback_leibler_divergence',
  kullbackleiblerdivergence: 'kullback_leibler_divergence', poisson: 'poisson', cosineproximity: 'cosine_proximity',
};
/** Metric names tfjs's compile accepts (after toCamelCase). */
const TFJS_METRICS = new Set(['accuracy', 'acc', 'mse', 'mae', 'mape', 'MSE', 'MAE', 'MAPE', 'binaryAccuracy', 'categoricalAccuracy',
  'precision', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'crossentropy', 'ce']);

const normalized = (n: string) => n.toLowerCase().replace(/[_\s-]/g, '');

/**
 * The trainingConfig tfjs can load and continue from with the same math and state layout, or null:
 * tfjs knows Adam (without amsgrad), RMSProp, Adagrad and plain SGD with a constant learning rate, and
 * string losses without options. (Its Momentum optimizer keeps a differently scaled state than Keras's SGD.)
 */
function tfjsTrainingConfig(t: TrainingDescription): Record<string, unknown> | null {
  if (t.lossConfig !== undefined) return null;
  const loss = typeof t.loss === 'string' ? TFJS_LOSSES[normalized(t.loss)] : undefined;
  if (!loss) return null;
  const { className, config } = t.optimizerConfig;
  if (typeof config.learningRate !== 'number') return null;
  const c = normalized(className);
  const ok = (c === 'adam' && !config.amsgrad) || c === 'rmsprop' || c === 'adagrad'
    || (c === 'sgd' && !(typeof config.momentum === 'number' && config.momentum > 0));
  if (!ok) return null;
  const tfjsClass = c === 'adam' ? 'Adam' : c === 'rmsprop' ? 'RMSProp' : c === 'adagrad' ? 'Adagrad' : 'SGD';
  return {
    loss,
    metrics: (t.metrics ?? []).filter((m) => TFJS_METRICS.has(toCamelCase(m))),
    optimizer_config: { class_name: tfjsClass, config: { ...config } },
  };
}

/**
 * Optimizer entries in the positional layout tfjs's setWeights expects. RMSProp: tfjs always keeps
 * [mean squares, moments, (mean gradients)], so a blasnet RMSProp without momentum gets zero moments
 * (exactly the state a momentum of 0 leaves; blasnet ignores them when loading).
 */
function tfjsStateLayout(entries: NamedTensor[], t: TrainingDescription): NamedTensor[] {
  if (normalized(t.optimizerConfig.className) !== 'rmsprop') return entries;
  const slot = (w: NamedTensor) => w.name.slice(w.name.lastIndexOf('/') + 1);
  if (entries.some((w) => slot(w) === 'momentum')) return entries;
  const velocity = entries.filter((w) => slot(w) === 'velocity');
  const zeros = velocity.map((w) => ({ name: w.name.replace(/velocity$/, 'momentum'), shape: [...w.shape], data: new Float32Array(w.data.length) }));
  const at = entries.lastIndexOf(velocity[velocity.length - 1]!) + 1;
  return [...entries.slice(0, at), ...zeros, ...entries.slice(at)];
}

/** model.json contents for artifacts whose weights are stored in the given shard files (tfjs io_utils). */
export function artifactsToModelJSON(artifacts: ModelArtifacts, paths: string[] = ['weights.bin']): ModelJSON {
  const json: ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `blasnet v${version()}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
  };
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.blasnetTrainingConfig != null) json.blasnetTrainingConfig = artifacts.blasnetTrainingConfig;
  return json;
}

// ------------------------------------------------------------------------------------------ reading

export interface Slot { name: string; shape: number[] }

export interface ParsedLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  slots: Slot[];
}

function positiveInt(v: unknown, what: string, max = MAX_DIM): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw formatError(`Expected a positive integer <= ${max} for ${what} but received ${describe(v)}`);
  }
  return v;
}

function boolOr(v: unknown, dflt: boolean, what: string): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw formatError(`Expected a boolean for ${what} but received ${describe(v)}`);
  return v;
}

/** The input size from a [null, n] batch shape (or [n] input shape). */
function inputDimFrom(cfg: Record<string, unknown>, where: string): number | null {
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
  if (dims.length !== 1) {
    throw formatError(`Expected a 1-D input (batch shape [null, n]) for ${where} but received ${dims.length}-D input shape ${JSON.stringify(dims).slice(0, 60)}: blasnet models take flat feature vectors`);
  }
  return positiveInt(dims[0], `the input size of ${where}`);
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
  if (Array.isArray(config)) entries = config; // legacy list-form Sequential config (tfjs 1.x, Keras 2.0)
  else if (isObject(config)) {
    entries = config.layers;
    if (typeof config.name === 'string') name = config.name;
  }
  if (!Array.isArray(entries)) throw formatError(`Expected a list of layers in the Sequential config but received ${describe(entries)}`);
  if (entries.length > MAX_LAYERS) throw formatError(`Expected at most ${MAX_LAYERS} layers but received ${entries.length}`);
  trainingConfig ??= topo.training_config;
  return { name, entries, trainingConfig };
}

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
      inputDim = inputDimFrom(cfg, where);
      if (inputDim === null) throw formatError(`Expected batch_input_shape or batch_shape in ${where}`);
      dim = inputDim;
      return;
    }
    if (layers.length === 0 && inputDim === null) {
      inputDim = inputDimFrom(cfg, where);
      if (inputDim === null) throw formatError(`Expected batch_input_shape on the first layer (${where}): the input size is unknown`);
      dim = inputDim;
    }
    const d = dim!;
    const layerName = cfg.name === undefined ? `${toSnakeCase(className)}_${i + 1}` : cfg.name;
    if (typeof layerName !== 'string' || layerName.length === 0 || layerName.length > 200) {
      throw formatError(`Expected a layer name string for ${where} but received ${describe(layerName)}`);
    }
    if (names.has(layerName)) throw formatError(`Two layers are named ${JSON.stringify(layerName)}`);
    names.add(layerName);
    const slots: Slot[] = [];
    let out = d;
    switch (className) {
      case 'Dense': {
        const units = positiveInt(cfg.units, `units of ${where}`);
        if (d * units > MAX_TENSOR_ELEMENTS) throw formatError(`The kernel of ${where} would have ${d * units} elements (more than ${MAX_TENSOR_ELEMENTS})`);
        slots.push({ name: 'kernel', shape: [d, units] });
        if (boolOr(cfg.use_bias, true, `use_bias of ${where}`)) slots.push({ name: 'bias', shape: [units] });
        out = units;
        break;
      }
      case 'BatchNormalization':
      case 'LayerNormalization': {
        if (boolOr(cfg.scale, true, `scale of ${where}`)) slots.push({ name: 'gamma', shape: [d] });
        if (boolOr(cfg.center, true, `center of ${where}`)) slots.push({ name: 'beta', shape: [d] });
        if (className === 'BatchNormalization') slots.push({ name: 'moving_mean', shape: [d] }, { name: 'moving_variance', shape: [d] });
        break;
      }
      default:
        break;
    }
    dim = out;
    layers.push({ className, name: layerName, config: cfg, slots });
  });
  if (inputDim === null) throw formatError('Expected at least one layer with batch_input_shape: the model has no input size');
  if (layers.length === 0) throw formatError('The model has no layers');
  return { name, inputDim, layers, trainingConfig };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

interface CheckedSpec extends WeightSpec { size: number; bytes: number }

/** Validates one manifest weight entry (names, shape, dtype, quantization) and computes its byte length. */
function checkSpec(spec: unknown, i: number): CheckedSpec {
  if (!isObject(spec)) throw formatError(`Expected {name, shape, dtype} for weight entry ${i} but received ${describe(spec)}`);
  const { name, shape, dtype, group, quantization } = spec;
  if (typeof name !== 'string' || name.length === 0 || name.length > 1000) throw formatError(`Expected a name string for weight entry ${i} but received ${describe(name)}`);
  if (!Array.isArray(shape) || shape.length > 8) throw formatError(`Expected a shape array (at most 8 dims) for weight ${JSON.stringify(name)} but received ${describe(shape)}`);
  let size = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > MAX_TENSOR_ELEMENTS) {
      throw formatError(`Expected non-negative integer dimensions for weight ${JSON.stringify(name)} but received shape ${JSON.stringify(shape).slice(0, 80)}`);
    }
    size *= d;
    if (size > MAX_TENSOR_ELEMENTS) throw formatError(`Weight ${JSON.stringify(name)} has more than ${MAX_TENSOR_ELEMENTS} elements`);
  }
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw formatError(`Expected dtype "float32" or "int32" for weight ${JSON.stringify(name)} but received ${describe(dtype)}`);
  }
  if (group !== undefined && group !== null && typeof group !== 'string') throw formatError(`Expected a string group for weight ${JSON.stringify(name)} but received ${describe(group)}`);
  let stored: string = dtype;
  let q: Quantization | undefined;
  if (quantization !== undefined && quantization !== null) {
    if (!isObject(quantization)) throw formatError(`Expected an object for the quantization of weight ${JSON.stringify(name)} but received ${describe(quantization)}`);
    const qd = quantization.dtype;
    if (qd !== 'uint8' && qd !== 'uint16' && qd !== 'float16') {
      throw formatError(`Expected quantization dtype "uint8", "uint16" or "float16" for weight ${JSON.stringify(name)} but received ${describe(qd)}`);
    }
    if (qd !== 'float16') {
      for (const k of ['scale', 'min'] as const) {
        if (typeof quantization[k] !== 'number' || !Number.isFinite(quantization[k])) {
          throw formatError(`Expected a finite number for quantization.${k} of weight ${JSON.stringify(name)} but received ${describe(quantization[k])}`);
        }
      }
    }
    q = { dtype: qd, scale: quantization.scale as number | undefined, min: quantization.min as number | undefined };
    stored = qd;
  }
  const out: CheckedSpec = { name, shape: shape as number[], dtype, size, bytes: size * DTYPE_BYTES[stored]! };
  if (typeof group === 'string') out.group = group;
  if (q) out.quantization = q;
  return out;
}

/** Validates a list of weight specs; returns them with sizes and their total byte length. */
export function checkWeightSpecs(specs: unknown): { specs: CheckedSpec[]; bytes: number } {
  if (!Array.isArray(specs)) throw formatError(`Expected a list of weight specs but received ${describe(specs)}`);
  if (specs.length > MAX_WEIGHT_ENTRIES) throw formatError(`Expected at most ${MAX_WEIGHT_ENTRIES} weight entries but received ${specs.length}`);
  const checked = specs.map((s, i) => checkSpec(s, i));
  return { specs: checked, bytes: checked.reduce((n, s) => n + s.bytes, 0) };
}

function float16ToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function decode(view: DataView, offset: number, spec: CheckedSpec): Float32Array {
  const out = new Float32Array(spec.size);
  const q = spec.quantization;
  if (!q) {
    if (spec.dtype === 'int32') for (let i = 0; i < spec.size; i++) out[i] = view.getInt32(offset + 4 * i, true);
    else for (let i = 0; i < spec.size; i++) out[i] = view.getFloat32(offset + 4 * i, true);
  } else if (q.dtype === 'float16') {
    for (let i = 0; i < spec.size; i++) out[i] = float16ToFloat32(view.getUint16(offset + 2 * i, true));
  } else {
    // tfjs io_utils: value = quantized * scale + min (rounded for int32 originals).
    const scale = q.scale!, min = q.min!;
    const wide = q.dtype === 'uint16';
    for (let i = 0; i < spec.size; i++) {
      const v = (wide ? view.getUint16(offset + 2 * i, true) : view.getUint8(offset + i)) * scale + min;
      out[i] = spec.dtype === 'int32' ? Math.round(v) : v;
    }
  }
  return out;
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[] | ArrayBufferView | undefined | null): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
  if (Array.isArray(data)) {
    let total = 0;
    for (const b of data) {
      if (!(b instanceof ArrayBuffer)) throw formatError(`Expected ArrayBuffers in weightData but received ${describe(b)}`);
      total += b.byteLength;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const b of data as ArrayBuffer[]) { out.set(new Uint8Array(b), off); off += b.byteLength; }
    return out.buffer;
  }
  if (data === undefined || data === null) return new ArrayBuffer(0);
  throw formatError(`Expected an ArrayBuffer for weightData but received ${describe(data)}`);
}

/** Strips the TF variable suffix (":0") and returns a canonical weight name. */
function canonical(name: string): string {
  return name.replace(/:\d+$/, '');
}

/** The layer a manifest name belongs to, and the part after the layer name ('kernel', '0', ...). */
function ownerOf(name: string, layerNames: string[]): { layer: string; rest: string } | null {
  const n = canonical(name);
  let best: { layer: string; rest: string; len: number } | null = null;
  for (const l of layerNames) {
    // 'dense_Dense1/kernel', 'sequential/dense/kernel', 'dense/dense/kernel' (Keras 3 h5 paths).
    let at = -1;
    if (n.startsWith(l + '/')) at = 0;
    else {
      const k = n.lastIndexOf('/' + l + '/');
      if (k >= 0) at = k + 1;
    }
    if (at < 0) continue;
    const rest = n.slice(at + l.length + 1);
    if (!best || rest.length < best.len) best = { layer: l, rest: rest.slice(rest.lastIndexOf('/') + 1), len: rest.length };
  }
  return best && { layer: best.layer, rest: best.rest };
}

function checkFinite(t: NamedTensor, opts: LoadOptions): void {
  if (opts.allowNonFinite) return;
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      throw new BlasnetError('ERR_NON_FINITE',
        `Weight ${JSON.stringify(t.name)} has ${d[i]} at index ${i}; pass {allowNonFinite: true} to load it anyway`);
    }
  }
}

function parseTraining(tc: unknown): TrainingDescription | null {
  if (!isObject(tc)) return null;
  let loss = tc.loss;
  if (isObject(loss) && typeof loss.class_name === 'string') loss = loss.class_name; // Keras 3 serialized loss
  if (typeof loss !== 'string') return null; // multi-output or unknown: load the weights uncompiled
  const opt = tc.optimizer_config ?? tc.optimizerConfig;
  if (!isObject(opt) || typeof opt.class_name !== 'string') return null;
  const rawCfg = isObject(opt.config) ? opt.config : {};
  // tfjs writes camelCase optimizer configs, Keras snake_case (learning_rate, beta_1); Keras adds keys
  // that describe defaults we share or features we do not have, always null/false when unused.
  const config: Record<string, unknown> = {};
  const ignore = new Set(['name', 'weightDecay', 'clipnorm', 'clipvalue', 'globalClipnorm', 'useEma', 'emaMomentum',
    'emaOverwriteFrequency', 'jitCompile', 'isLegacyOptimizer', 'lossScaleFactor', 'gradientAccumulationSteps', 'decay']);
  for (const [k, v] of Object.entries(rawCfg)) {
    if (k === '__proto__') continue;
    const key = toCamelCase(k);
    if (ignore.has(key) && (v === null || v === false || v === 0 || key === 'name' || key === 'jitCompile' || key === 'isLegacyOptimizer')) continue;
    config[key] = v;
  }
  let metrics: string[] = [];
  if (Array.isArray(tc.metrics)) metrics = tc.metrics.filter((m): m is string => typeof m === 'string');
  const out: TrainingDescription = { loss, metrics, optimizerConfig: { className: opt.class_name, config } };
  if (isObject(tc.loss_config)) {
    const lc: { fromLogits?: boolean; delta?: number } = {};
    if (typeof tc.loss_config.fromLogits === 'boolean') lc.fromLogits = tc.loss_config.fromLogits;
    if (typeof tc.loss_config.delta === 'number') lc.delta = tc.loss_config.delta;
    out.lossConfig = lc;
  }
  if (typeof tc.shuffle_seed === 'number' && Number.isInteger(tc.shuffle_seed) && tc.shuffle_seed >= 0 && tc.shuffle_seed < 2 ** 32) out.shuffleSeed = tc.shuffle_seed;
  return out;
}

/**
 * ModelArtifacts -> ModelDescription, validating the topology (Sequential of supported layers, known
 * input size), every weight against the shapes the topology implies, the byte lengths against the data,
 * and (unless allowed) that every weight is finite. Weights are matched to layers by name ('dense_Dense1/kernel',
 * 'dense/kernel:0', 'sequential/dense/kernel') and, where the name gives no slot ('dense/0'), by position
 * within the layer.
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

  // Check every shape against the topology before decoding anything.
  const layerNames = parsed.layers.map((l) => l.name);
  const byLayer = new Map<string, { spec: CheckedSpec; index: number; rest: string }[]>();
  const optimizerSpecs: { spec: CheckedSpec; index: number }[] = [];
  const orphans: CheckedSpec[] = [];
  specs.forEach((spec, index) => {
    if (spec.group === 'optimizer') { optimizerSpecs.push({ spec, index }); return; }
    const owner = ownerOf(spec.name, layerNames);
    if (!owner) { orphans.push(spec); return; }
    const list = byLayer.get(owner.layer) ?? [];
    list.push({ spec, index, rest: owner.rest });
    byLayer.set(owner.layer, list);
  });
  const expectedCount = parsed.layers.reduce((n, l) => n + l.slots.length, 0);
  const assigned: (number | undefined)[][] = parsed.layers.map((l) => new Array<number | undefined>(l.slots.length));
  if (orphans.length > 0) {
    // Names that match no layer: accept only the unambiguous case of all weights in slot order (Keras
    // HDF5-style positional loading), else name the stray weight.
    const modelSpecs = specs.map((s, i) => ({ s, i })).filter(({ s }) => s.group !== 'optimizer');
    if (orphans.length !== modelSpecs.length || modelSpecs.length !== expectedCount) {
      throw formatError(`Weight ${JSON.stringify(orphans[0]!.name)} belongs to no layer of the model (layers: ${layerNames.slice(0, 10).join(', ')}${layerNames.length > 10 ? ', ...' : ''})`);
    }
    let k = 0;
    parsed.layers.forEach((l, li) => l.slots.forEach((_, si) => { assigned[li]![si] = modelSpecs[k++]!.i; }));
  } else {
    parsed.layers.forEach((layer, li) => {
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
  parsed.layers.forEach((layer, li) => layer.slots.forEach((slot, si) => {
    const spec = specs[assigned[li]![si]!]!;
    if (spec.shape.length !== slot.shape.length || spec.shape.some((d, k) => d !== slot.shape[k])) {
      throw formatError(`Weight ${JSON.stringify(spec.name)} has shape [${spec.shape.join(', ')}] but ${layer.className} layer ${JSON.stringify(layer.name)} needs ${slot.name} of shape [${slot.shape.join(', ')}]`);
    }
  }));

  // Decode: offsets follow the spec order of the data.
  const offsets: number[] = [];
  let off = 0;
  for (const s of specs) { offsets.push(off); off += s.bytes; }
  const view = new DataView(buffer);
  const weights: NamedTensor[] = [];
  parsed.layers.forEach((layer, li) => layer.slots.forEach((slot, si) => {
    const idx = assigned[li]![si]!;
    const t: NamedTensor = { name: `${layer.name}/${slot.name}`, shape: [...slot.shape], data: decode(view, offsets[idx]!, specs[idx]!) };
    checkFinite(t, options);
    weights.push(t);
  }));
  const training = parseTraining(artifacts.blasnetTrainingConfig ?? artifacts.trainingConfig ?? parsed.trainingConfig);
  const optimizerWeights = training ? optimizerState(parsed.layers, optimizerSpecs, view, offsets, training, options) : [];

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

/**
 * The optimizer's state entries named as the model names them ('<layer>/<param>/<slot>', plus 'iter').
 * tfjs names state after its variables, which carry a '_N' suffix when a name was already taken in the
 * process ('dense_Dense1/kernel_1/m'); where names do not map, tfjs's own rule applies: per slot, one
 * entry per trainable weight in weight order. Parameters without state (moving statistics, frozen
 * layers) get the optimizer's initial value.
 */
function optimizerState(layers: ParsedLayer[], entries: { spec: CheckedSpec; index: number }[], view: DataView,
  offsets: number[], training: TrainingDescription, options: LoadOptions): NamedTensor[] {
  const out: NamedTensor[] = [];
  const layerNames = layers.map((l) => l.name);
  const trainable: { layer: ParsedLayer; slot: Slot }[] = [];
  for (const layer of layers) {
    if (layer.config.trainable === false) continue;
    for (const slot of layer.slots) if (!isNonTrainableSlot(slot.name)) trainable.push({ layer, slot });
  }
  const state = new Map<string, { spec: CheckedSpec; index: number; slotName: string; target: { layer: ParsedLayer; slot: Slot } | null }>();
  const rest: { spec: CheckedSpec; index: number; slotName: string }[] = [];
  for (const e of entries) {
    const name = canonical(e.spec.name);
    if (/(^|\/)iter(ations)?$/.test(name) && e.spec.size === 1) {
      const t: NamedTensor = { name: 'iter', shape: [], data: decode(view, offsets[e.index]!, e.spec) };
      checkFinite(t, options);
      out.push(t);
      continue;
    }
    const cut = name.lastIndexOf('/');
    const slotName = name.slice(cut + 1);
    const owner = cut > 0 ? ownerOf(name.slice(0, cut), layerNames) : null;
    const layer = owner ? layers.find((l) => l.name === owner.layer) : undefined;
    const slot = layer?.slots.find((s) => s.name === owner!.rest.replace(/_\d+$/, ''));
    if (layer && slot) state.set(`${layer.name}/${slot.name}/${slotName}`, { ...e, slotName, target: { layer, slot } });
    else rest.push({ ...e, slotName });
  }
  if (rest.length > 0) {
    // Positional: entries grouped by slot name in file order, each group one per trainable weight.
    const groups = new Map<string, typeof rest>();
    for (const e of rest) groups.set(e.slotName, [...(groups.get(e.slotName) ?? []), e]);
    for (const [slotName, list] of groups) {
      if (list.length !== trainable.length) {
        throw formatError(`The optimizer state has ${list.length} "${slotName}" entries that match no weight by name, but the model has ${trainable.length} trainable weights`);
      }
      list.forEach((e, k) => {
        const target = trainable[k]!;
        state.set(`${target.layer.name}/${target.slot.name}/${slotName}`, { ...e, target });
      });
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
          data = decode(view, offsets[e.index]!, e.spec);
        } else {
          data = new Float32Array(slot.shape.reduce((a, b) => a * b, 1)).fill(fill);
        }
        const t: NamedTensor = { name: key, shape: [...slot.shape], data };
        checkFinite(t, options);
        out.push(t);
      }
    }
  }
  return out;
}

/** model.json (already parsed) plus the bytes of its shards in manifest order -> ModelArtifacts. */
export function modelJSONToArtifacts(json: unknown, weightData: ArrayBuffer | ArrayBuffer[]): ModelArtifacts {
  const { weightSpecs } = checkModelJSON(json);
  const j = json as ModelJSON;
  const out: ModelArtifacts = { modelTopology: j.modelTopology, weightSpecs, weightData };
  if (j.format !== undefined) out.format = j.format;
  if (j.generatedBy !== undefined) out.generatedBy = j.generatedBy;
  if (j.convertedBy !== undefined) out.convertedBy = j.convertedBy;
  if (j.trainingConfig !== undefined) out.trainingConfig = j.trainingConfig;
  if (j.blasnetTrainingConfig !== undefined) out.blasnetTrainingConfig = j.blasnetTrainingConfig;
  if (j.userDefinedMetadata !== undefined) out.userDefinedMetadata = j.userDefinedMetadata;
  return out;
}

/**
 * Validates the shape of a model.json object (before any shard is read): returns the flattened weight
 * specs and, per manifest group, its shard paths and byte length.
 */
export function checkModelJSON(json: unknown): { weightSpecs: WeightSpec[]; groups: { paths: string[]; bytes: number }[] } {
  if (!isObject(json)) throw formatError(`Expected a JSON object in model.json but received ${describe(json)}`);
  if (!isObject(json.modelTopology)) throw formatError(`Expected an object for modelTopology in model.json but received ${describe(json.modelTopology)}`);
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw formatError(`Expected a list for weightsManifest but received ${describe(manifest)}`);
  const weightSpecs: WeightSpec[] = [];
  const groups: { paths: string[]; bytes: number }[] = [];
  manifest.forEach((g, gi) => {
    if (!isObject(g)) throw formatError(`Expected {paths, weights} for weightsManifest[${gi}] but received ${describe(g)}`);
    if (!Array.isArray(g.paths) || g.paths.length > 10000 || !g.paths.every((p) => typeof p === 'string')) {
      throw formatError(`Expected a list of path strings for weightsManifest[${gi}].paths but received ${describe(g.paths)}`);
    }
    const { specs, bytes } = checkWeightSpecs(g.weights);
    if (bytes > 0 && g.paths.length === 0) throw formatError(`weightsManifest[${gi}] has weights but no paths`);
    for (const s of specs) {
      const w: WeightSpec = { name: s.name, shape: s.shape, dtype: s.dtype };
      if (s.group !== undefined) w.group = s.group;
      if (s.quantization) w.quantization = s.quantization;
      weightSpecs.push(w);
    }
    groups.push({ paths: g.paths as string[], bytes });
  });
  return { weightSpecs, groups };
}
