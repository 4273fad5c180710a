// ModelDescription -> a Keras 3 `.keras` archive (config.json, metadata.json, model.weights.h5), so a
// model trained here opens in Keras with keras.saving.load_model and, with its optimizer state, trains on
// there. Layers whose blasnet formula Keras 3 does not share (tfjs's hard_sigmoid) are refused.
import * as zlib from 'zlib';
import { BlasnetError, describe } from '../../errors';
import type { LayerDescription, ModelDescription, NamedTensor } from '../description';
import { writeHdf5, type H5Value, type H5WriteGroup } from './hdf5-write';
import { kerasLossName, kerasSlotOrder } from './training';

/** The Keras version whose format this writes. */
export const KERAS_VERSION = '3.7.0';

type Json = Record<string, unknown>;
const POLICY = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const snake = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const snakeKeys = (o: Json) => Object.fromEntries(Object.entries(o).map(([k, v]) => [snake(k), v]));

function unsupported(message: string): BlasnetError {
  return new BlasnetError('ERR_UNSUPPORTED', `Cannot write a .keras file: ${message}`);
}

function serialized(module: string, v: unknown, rename: Record<string, string> = {}): Json | null {
  if (!v || typeof v !== 'object') return null;
  const { className, config } = v as { className: string; config?: Json };
  return { module, class_name: rename[className] ?? className, config: snakeKeys(config ?? {}), registered_name: null };
}

const INITIALIZER_NAMES = { LeCunNormal: 'LecunNormal', LeCunUniform: 'LecunUniform' };

function entry(className: string, config: Json, width: number): Json {
  return { module: 'keras.layers', class_name: className, config: { trainable: true, dtype: POLICY, ...config }, registered_name: null, build_config: { input_shape: [null, width] } };
}

/** One blasnet layer -> Keras 3 layer entries (a Dense with leaky_relu becomes Dense + LeakyReLU). */
function kerasLayers(l: LayerDescription, width: number): Json[] {
  const c = l.config;
  const base = { name: c.name, trainable: c.trainable !== false };
  const init = (k: string) => serialized('keras.initializers', c[k], INITIALIZER_NAMES);
  const activation = (a: unknown): string => {
    const name = String(a ?? 'linear');
    if (name === 'hard_sigmoid') throw unsupported(`layer ${describe(c.name)} uses hard_sigmoid, whose Keras 3 formula (relu6(x + 3) / 6) differs from blasnet's clamp(0.2 x + 0.5)`);
    return name;
  };
  switch (l.className) {
    case 'Dense': {
      const act = activation(c.activation);
      const dense = entry('Dense', {
        ...base, units: c.units, activation: act === 'leaky_relu' ? 'linear' : act, use_bias: c.useBias !== false,
        kernel_initializer: init('kernelInitializer'), bias_initializer: init('biasInitializer'),
        kernel_regularizer: serialized('keras.regularizers', c.kernelRegularizer), bias_regularizer: serialized('keras.regularizers', c.biasRegularizer),
        kernel_constraint: serialized('keras.constraints', c.kernelConstraint), bias_constraint: null,
      }, width);
      // Keras 3's leaky_relu activation slopes 0.2; blasnet's 0.3 is a LeakyReLU layer there.
      return act === 'leaky_relu' ? [dense, entry('LeakyReLU', { name: `${String(c.name)}_leaky_relu`, negative_slope: 0.3 }, c.units as number)] : [dense];
    }
    case 'Activation': {
      const act = activation(c.activation);
      return [act === 'leaky_relu' ? entry('LeakyReLU', { ...base, negative_slope: 0.3 }, width) : entry('Activation', { ...base, activation: act }, width)];
    }
    case 'LeakyReLU': return [entry('LeakyReLU', { ...base, negative_slope: typeof c.alpha === 'number' ? c.alpha : 0.3 }, width)];
    case 'Dropout': return [entry('Dropout', { ...base, rate: c.rate, seed: c.seed ?? null, noise_shape: null }, width)];
    case 'BatchNormalization':
    case 'LayerNormalization': {
      const cfg: Json = { ...base, axis: -1, epsilon: c.epsilon ?? 0.001, center: c.center !== false, scale: c.scale !== false,
        beta_initializer: init('betaInitializer'), gamma_initializer: init('gammaInitializer'),
        beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null };
      if (l.className === 'BatchNormalization') {
        Object.assign(cfg, { momentum: c.momentum ?? 0.99, moving_mean_initializer: init('movingMeanInitializer'),
          moving_variance_initializer: init('movingVarianceInitializer'), synchronized: false });
      } else cfg.rms_scaling = false;
      return [entry(l.className, cfg, width)];
    }
    default:
      throw unsupported(`layer ${describe(c.name)} is a ${describe(l.className)}`);
  }
}

const KERAS_OPTIMIZERS: Record<string, string> = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSprop', adagrad: 'Adagrad' };
const LOSS_CLASSES: Record<string, string> = {
  binary_crossentropy: 'BinaryCrossentropy', categorical_crossentropy: 'CategoricalCrossentropy',
  sparse_categorical_crossentropy: 'SparseCategoricalCrossentropy', huber: 'Huber',
};

function compileConfig(desc: ModelDescription): Json | null {
  const t = desc.training;
  if (!t) return null;
  const className = KERAS_OPTIMIZERS[t.optimizerConfig.className.toLowerCase()];
  if (!className) throw unsupported(`optimizer ${describe(t.optimizerConfig.className)}`);
  const config: Json = { name: className.toLowerCase() };
  for (const [k, v] of Object.entries(t.optimizerConfig.config)) {
    if (k === 'decay') continue; // tfjs's name for RMSprop's rho, which the config also carries
    const key = { beta1: 'beta_1', beta2: 'beta_2' }[k] ?? snake(k);
    config[key] = key === 'learning_rate' && v && typeof v === 'object' ? serialized('keras.optimizers.schedules', v) : v;
  }
  const lossName = kerasLossName(t.loss);
  if (!lossName) throw unsupported(`loss ${describe(t.loss)}`);
  let loss: unknown = lossName;
  if (t.lossConfig && (t.lossConfig.fromLogits || t.lossConfig.delta !== undefined)) {
    const cls = LOSS_CLASSES[lossName];
    if (!cls) throw unsupported(`loss ${describe(t.loss)} with options`);
    const lc: Json = { name: lossName, reduction: 'sum_over_batch_size' };
    if (cls !== 'Huber') lc.from_logits = t.lossConfig.fromLogits === true;
    if (t.lossConfig.delta !== undefined) lc.delta = t.lossConfig.delta;
    loss = { module: 'keras.losses', class_name: cls, config: lc, registered_name: null };
  }
  return {
    optimizer: { module: 'keras.optimizers', class_name: className, config, registered_name: null },
    loss, loss_weights: null, metrics: t.metrics.length > 0 ? [...t.metrics] : null, weighted_metrics: null,
    run_eagerly: false, steps_per_execution: 1, jit_compile: false,
  };
}

const f32 = (shape: number[], data: Float32Array): H5Value => ({ isDataset: true, kind: 'float32', shape, data });

/** Optimizer variables in Keras 3's creation order: iteration, learning rate, then the slots. */
function optimizerVars(desc: ModelDescription, frozen: Set<string>): H5WriteGroup {
  const t = desc.training!;
  const byName = new Map(desc.optimizerWeights.map((w) => [w.name, w]));
  const iter = byName.get('iter');
  if (!iter) throw unsupported('the optimizer state has no iteration count');
  const vars: H5WriteGroup = { 0: { isDataset: true, kind: 'int64', shape: [], data: [Math.round(iter.data[0]!)] } };
  let k = 1;
  const lr = t.optimizerConfig.config.learningRate;
  if (typeof lr === 'number') vars[String(k++)] = f32([], Float32Array.of(lr));
  const trainable = desc.weights.filter((w) => !/\/moving_(mean|variance)$/.test(w.name) && !frozen.has(w.name.slice(0, w.name.lastIndexOf('/'))));
  for (const [param, slot] of kerasSlotOrder(t, trainable.length)) {
    const w = trainable[param]!;
    const s = byName.get(`${w.name}/${slot}`);
    if (!s) throw unsupported(`the optimizer state has no entry ${w.name}/${slot}`);
    vars[String(k++)] = f32([...w.shape], s.data);
  }
  return vars;
}

/** The bytes of a .keras file for a description (with its optimizer state when it carries one). */
export function descriptionToKeras(desc: ModelDescription): Uint8Array {
  const layers: Json[] = [{ module: 'keras.layers', class_name: 'InputLayer',
    config: { batch_shape: [null, desc.inputDim], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null }];
  const weights: H5WriteGroup = {};
  let width = desc.inputDim;
  const byLayer = new Map<string, NamedTensor[]>();
  for (const w of desc.weights) {
    const layer = w.name.slice(0, w.name.lastIndexOf('/'));
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), w]);
  }
  for (const l of desc.layers) {
    const name = String(l.config.name);
    for (const e of kerasLayers(l, width)) {
      layers.push(e);
      weights[String((e.config as Json).name)] = { vars: {} };
    }
    const vars: H5WriteGroup = {};
    (byLayer.get(name) ?? []).forEach((w, i) => { vars[String(i)] = f32([...w.shape], w.data); });
    weights[name] = { vars };
    if (l.className === 'Dense') width = l.config.units as number;
  }
  const compile = compileConfig(desc);
  const config = {
    module: 'keras', class_name: 'Sequential', registered_name: null,
    config: { name: desc.name || 'sequential', trainable: true, dtype: POLICY, layers, build_input_shape: [null, desc.inputDim] },
    build_config: { input_shape: [null, desc.inputDim] }, compile_config: compile,
  };
  const root: H5WriteGroup = { layers: weights, vars: {} };
  const frozen = new Set(desc.layers.filter((l) => l.config.trainable === false).map((l) => String(l.config.name)));
  if (compile && desc.optimizerWeights.length > 0) root.optimizer = { vars: optimizerVars(desc, frozen) };
  const metadata = { keras_version: KERAS_VERSION, date_saved: new Date().toISOString().replace('T', '@').slice(0, 19) };
  return zip([
    ['metadata.json', Buffer.from(JSON.stringify(metadata))],
    ['config.json', Buffer.from(JSON.stringify(config))],
    ['model.weights.h5', writeHdf5(root)],
  ]);
}

// ------------------------------------------------------------------------------------------------ zip

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive of deflated entries (no zip64: every entry and the archive stay under 4 GiB). */
function zip(entries: [string, Uint8Array][]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const packed = zlib.deflateRawSync(data);
    if (data.length >= 0xffffffff || offset + packed.length > 0xfffffff0) throw unsupported('the model is larger than 4 GiB (zip64 is not written)');
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt16LE(0x21, 14);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(packed.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(fileName.length, 28);
    dir.writeUInt32LE(offset, 42);
    parts.push(local, fileName, packed);
    central.push(dir, fileName);
    offset += local.length + fileName.length + packed.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}
