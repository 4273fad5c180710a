// Keras compile configs (legacy training_config, Keras 3 compile_config) -> TrainingDescription, and the
// optimizer's saved variables -> blasnet's optimizer state, so that fit() continues where Keras stopped
// (Keras's Adam, AdamW, SGD, RMSprop and Adagrad updates are blasnet's, term for term).
import { BlasnetError, describe } from '../../errors';
import type { NamedTensor, TrainingDescription } from '../description';
import { initialStateValue } from '../tfjs/optimizer-state';
import { isObject, type Json, type ModelPlan } from './config';

const norm = (s: string) => s.toLowerCase().replace(/[_\s-]/g, '');
const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function unsupported(message: string): BlasnetError {
  return new BlasnetError('ERR_UNSUPPORTED', `${message} (load with {compile: false} to read the model without its training setup)`);
}

const LOSSES: Record<string, string> = {
  mse: 'mean_squared_error', meansquarederror: 'mean_squared_error', mae: 'mean_absolute_error', meanabsoluteerror: 'mean_absolute_error',
  huber: 'huber', huberloss: 'huber', binarycrossentropy: 'binary_crossentropy', categoricalcrossentropy: 'categorical_crossentropy',
  sparsecategoricalcrossentropy: 'sparse_categorical_crossentropy',
};
/** Keras's name of a loss given in any spelling ('binaryCrossentropy', 'mse', 'BinaryCrossentropy'), or null. */
export function kerasLossName(name: string): string | null {
  return LOSSES[norm(name)] ?? null;
}
const METRICS = new Set(['accuracy', 'acc', 'binaryaccuracy', 'categoricalaccuracy', 'sparsecategoricalaccuracy', 'topkcategoricalaccuracy',
  'mse', 'meansquarederror', 'mae', 'meanabsoluteerror', 'precision', 'recall', 'auc']);
const OPTIMIZERS: Record<string, string> = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSprop', adagrad: 'Adagrad' };
/** Keras options that change the math when set (blasnet has no equivalent). */
const REFUSED = ['useEma', 'gradientAccumulationSteps', 'lossScaleFactor', 'decay'];
/** Keras options blasnet drops: they describe the run, not the math, or are Keras's defaults. */
const DROPPED = new Set(['name', 'jitCompile', 'isLegacyOptimizer', 'emaMomentum', 'emaOverwriteFrequency']);

function lossOf(loss: unknown): { name: string; fromLogits?: boolean; delta?: number } {
  let name = loss;
  let cfg: Json = {};
  if (isObject(loss)) { name = loss.class_name; cfg = isObject(loss.config) ? loss.config : {}; }
  if (typeof name !== 'string') throw unsupported(`The Keras model was compiled with loss ${describe(loss)} (one loss per model is supported)`);
  const id = LOSSES[norm(name)];
  if (!id) throw unsupported(`The Keras model was compiled with loss ${JSON.stringify(name)}, which blasnet does not implement`);
  if (typeof cfg.label_smoothing === 'number' && cfg.label_smoothing !== 0) throw unsupported(`The Keras loss ${name} uses label_smoothing`);
  const out: { name: string; fromLogits?: boolean; delta?: number } = { name: id };
  if (cfg.from_logits === true) out.fromLogits = true;
  if (id === 'huber' && typeof cfg.delta === 'number') out.delta = cfg.delta;
  return out;
}

function metricsOf(v: unknown): string[] {
  const out: string[] = [];
  const visit = (m: unknown, depth: number): void => {
    if (m === null || m === undefined || depth > 4) return;
    if (Array.isArray(m)) { m.forEach((x) => visit(x, depth + 1)); return; }
    let name = typeof m === 'string' ? m : isObject(m) && typeof m.class_name === 'string' ? m.class_name : null;
    // Keras 2 wraps function metrics: {class_name: 'MeanMetricWrapper', config: {name: 'accuracy', fn: ...}}.
    if (isObject(m) && norm(String(name)) === 'meanmetricwrapper' && isObject(m.config) && typeof m.config.name === 'string') name = m.config.name;
    if (!name) throw unsupported(`The Keras model was compiled with metric ${describe(m)}`);
    if (norm(name) === 'loss' || norm(name) === 'compileloss' || norm(name) === 'compilemetrics') return;
    if (!METRICS.has(norm(name))) throw unsupported(`The Keras model was compiled with metric ${JSON.stringify(name)}, which blasnet does not implement`);
    if (!out.includes(name)) out.push(name);
  };
  visit(v, 0);
  return out;
}

/** The compile config of a Keras model, or null when it was saved uncompiled. */
export function planTraining(tc: unknown): TrainingDescription | null {
  if (!isObject(tc)) return null;
  const opt = tc.optimizer_config ?? tc.optimizer;
  if (!isObject(opt) || typeof opt.class_name !== 'string') return null;
  if (tc.loss === null || tc.loss === undefined) return null;
  if (isObject(tc.loss) && typeof tc.loss.class_name !== 'string') throw unsupported('The Keras model has one loss per output; blasnet models have one output');
  const loss = lossOf(tc.loss);
  if (tc.loss_weights !== null && tc.loss_weights !== undefined) throw unsupported('The Keras model was compiled with loss_weights');
  let className = OPTIMIZERS[norm(opt.class_name)];
  if (!className) throw unsupported(`The Keras optimizer ${JSON.stringify(opt.class_name)} is not supported (SGD, Adam, AdamW, RMSprop, Adagrad are)`);
  const config: Json = {};
  for (const [k, v] of Object.entries(isObject(opt.config) ? opt.config : {})) {
    const key = camel(k);
    // Keras 2's decay is a learning-rate decay (0 when unused), not RMSprop's rho.
    if (REFUSED.includes(key) && v !== null && v !== false && v !== 0) throw unsupported(`The Keras optimizer sets ${k}, which blasnet does not implement`);
    if (DROPPED.has(key) || REFUSED.includes(key) || v === null) continue;
    if (key === 'learningRate' && isObject(v)) {
      const c = isObject(v.config) ? Object.fromEntries(Object.entries(v.config).map(([a, b]) => [camel(a), b])) : {};
      config.learningRate = { className: v.class_name, config: c };
      continue;
    }
    config[key === 'lr' ? 'learningRate' : key] = v;
  }
  // Keras 3's Adam with weight_decay is AdamW (the same decoupled decay before the Adam step).
  if (className === 'Adam' && typeof config.weightDecay === 'number' && config.weightDecay !== 0) className = 'AdamW';
  if (className !== 'AdamW') delete config.weightDecay;
  const out: TrainingDescription = { loss: loss.name, metrics: metricsOf(tc.metrics), optimizerConfig: { className, config } };
  if (loss.fromLogits !== undefined || loss.delta !== undefined) out.lossConfig = { fromLogits: loss.fromLogits ?? false, delta: loss.delta };
  return out;
}

/** blasnet's slot names per optimizer, and the Keras names (Keras 3 first, then Keras 2) each comes from. */
function slotNames(t: TrainingDescription): [string, string[]][] {
  const c = t.optimizerConfig.config;
  switch (norm(t.optimizerConfig.className)) {
    case 'adam': case 'adamw': return [['m', ['momentum', 'm']], ['v', ['velocity', 'v']], ...(c.amsgrad ? [['vhat', ['velocity_hat', 'vhat']] as [string, string[]]] : [])];
    case 'sgd': return typeof c.momentum === 'number' && c.momentum > 0 ? [['momentum', ['momentum']]] : [];
    case 'rmsprop': return [['velocity', ['velocity', 'rms']],
      ...(typeof c.momentum === 'number' && c.momentum > 0 ? [['momentum', ['momentum']] as [string, string[]]] : []),
      ...(c.centered ? [['average_gradient', ['average_gradient', 'mg']] as [string, string[]]] : [])];
    case 'adagrad': return [['accumulator', ['accumulator']]];
    default: return [];
  }
}

/**
 * Keras 3's order of optimizer slot variables over the trainable weights, as [weight index, blasnet slot]:
 * Adam and AdamW create momentum and velocity per weight, then (amsgrad) the velocity maxima; the others
 * create each slot for all weights before the next slot.
 */
export function kerasSlotOrder(t: TrainingDescription, weights: number): [number, string][] {
  const slots = slotNames(t).map(([s]) => s);
  const out: [number, string][] = [];
  if (['adam', 'adamw'].includes(norm(t.optimizerConfig.className))) {
    for (let p = 0; p < weights; p++) out.push([p, 'm'], [p, 'v']);
    if (slots.includes('vhat')) for (let p = 0; p < weights; p++) out.push([p, 'vhat']);
  } else {
    for (const s of slots) for (let p = 0; p < weights; p++) out.push([p, s]);
  }
  return out;
}

export interface SavedVariable { name: string | null; shape: number[]; data: Float64Array }

/**
 * Keras optimizer variables -> blasnet optimizer state ('iter' and '<layer>/<param>/<slot>' for every
 * parameter). Variables are matched by name where the file names them (legacy .h5: 'adam/<path>_momentum',
 * Keras 2 'Adam/dense/kernel/m:0'), else by position (.keras: iterations, learning rate, then the
 * slots in Keras's creation order), every shape checked. Returns null when the file has no state.
 */
export function optimizerState(vars: SavedVariable[], plan: ModelPlan, t: TrainingDescription,
  weightPaths: Map<string, string>): { tensors: NamedTensor[]; learningRate: number | null } | null {
  if (vars.length === 0) return null;
  const slots = slotNames(t);
  const trainable = plan.weighted.filter((w) => w.trainable).flatMap((w) => w.slots
    .filter((s) => s.name !== 'moving_mean' && s.name !== 'moving_variance')
    .map((s) => ({ key: `${w.kerasName}/${s.name}`, shape: s.shape })));
  const scalar = (v: SavedVariable) => v.data.length === 1 && v.shape.length <= 1;
  const base = (n: string) => n.replace(/:\d+$/, '').split('/').pop()!;
  const iterVar = vars.find((v) => v.name && /^(iteration|iterations|iter)$/.test(base(v.name))) ?? (vars[0] && scalar(vars[0]) ? vars[0] : undefined);
  if (!iterVar) throw new BlasnetError('ERR_FORMAT', 'Invalid Keras model: the optimizer state has no iteration count');
  const lrVar = vars.find((v) => v.name && /^(learning_rate|lr)$/.test(base(v.name)))
    ?? (!vars.some((v) => v.name) && vars[1] && scalar(vars[1]) && vars.length === 2 + slots.length * trainable.length ? vars[1] : undefined);
  const state = new Map<string, Float64Array>();
  const rest = vars.filter((v) => v !== iterVar && v !== lrVar);
  const named = rest.every((v) => v.name);
  if (named && rest.length > 0) {
    for (const v of rest) {
      const n = v.name!.replace(/:\d+$/, '');
      const hit = slots.find(([, kerasNames]) => kerasNames.some((k) => n.endsWith(`_${k}`) || n.endsWith(`/${k}`)));
      if (!hit) continue;
      const kerasSlot = hit[1].find((k) => n.endsWith(`_${k}`) || n.endsWith(`/${k}`))!;
      const varPath = n.slice(0, n.length - kerasSlot.length - 1);
      const target = trainable.find((p) => {
        const path = weightPaths.get(p.key) ?? p.key;
        const under = path.replace(/\//g, '_');
        return varPath.endsWith(`/${path}`) || varPath === path || varPath.endsWith(`/${under}`) || varPath.endsWith(under);
      });
      if (target) state.set(`${target.key}/${hit[0]}`, checkShape(v, target.shape, `${target.key}/${hit[0]}`));
    }
  } else {
    if (rest.length !== slots.length * trainable.length) {
      throw new BlasnetError('ERR_FORMAT', `Invalid Keras model: the optimizer state has ${rest.length} slot variables but ${t.optimizerConfig.className} over ${trainable.length} trainable weights keeps ${slots.length * trainable.length}`);
    }
    const order = kerasSlotOrder(t, trainable.length);
    rest.forEach((v, i) => {
      const [param, slot] = order[i]!;
      const p = trainable[param]!;
      state.set(`${p.key}/${slot}`, checkShape(v, p.shape, `${p.key}/${slot}`));
    });
  }
  const tensors: NamedTensor[] = [{ name: 'iter', shape: [], data: Float32Array.of(iterVar.data[0]!) }];
  const fill = initialStateValue(t);
  for (const [slot] of slots) {
    for (const l of plan.layers) {
      for (const s of l.slots) {
        const key = `${l.kerasName}/${s.name}/${slot}`;
        const name = `${String(l.desc.config.name)}/${s.name}/${slot}`;
        const saved = state.get(key);
        const n = s.shape.reduce((a, b) => a * b, 1);
        const trainableParam = trainable.some((p) => p.key === `${l.kerasName}/${s.name}`);
        if (!saved && trainableParam) throw new BlasnetError('ERR_FORMAT', `Invalid Keras model: the optimizer state has no ${slot} for ${l.kerasName}/${s.name}`);
        tensors.push({ name, shape: [...s.shape], data: saved ? Float32Array.from(saved) : new Float32Array(n).fill(fill) });
      }
    }
  }
  return { tensors, learningRate: lrVar ? lrVar.data[0]! : null };
}

function checkShape(v: SavedVariable, shape: number[], key: string): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (v.data.length !== n || (v.shape.length > 0 && v.shape.join() !== shape.join())) {
    throw new BlasnetError('ERR_FORMAT', `Invalid Keras model: optimizer variable ${JSON.stringify(v.name ?? key)} has shape [${v.shape.join(', ')}] but ${key} is [${shape.join(', ')}]`);
  }
  return v.data;
}
