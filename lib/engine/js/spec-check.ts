// Validation of a NetSpec before the TypeScript engine builds a net, with the same rules, codes and
// argument paths as the native binding (native/binding_spec.cc), so both engines reject the same specs.
import { BlasnetError, invalidArg } from '../../errors';
import { ACTIVATION_CODES, LOSS_CODES, OPTIMIZER_CODES } from '../types';

const MAX_DIM = 1 << 24;
const HUGE = 1e30;
const LAYER_KINDS = ['dense', 'activation', 'dropout', 'batchNormalization', 'layerNormalization'] as const;
const SCHEDULE_KINDS = ['constant', 'exponentialDecay', 'cosineDecay', 'piecewiseConstantDecay'] as const;

type Obj = Record<string, unknown>;

function object(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArg(path, 'an object', v);
  return v as Obj;
}

function name(v: unknown, path: string, names: readonly string[]): string {
  if (typeof v === 'string' && names.includes(v)) return v;
  throw invalidArg(path, `one of ${names.map((n) => `"${n}"`).join(', ')}`, v);
}

function int(v: unknown, path: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw invalidArg(path, `an integer from ${lo} to ${hi}`, v);
  }
  return v;
}

function num(v: unknown, path: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw invalidArg(path, `a finite number from ${lo} to ${hi}`, v);
  }
  return v;
}

function flag(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw invalidArg(path, 'a boolean', v);
  return v;
}

function activation(v: unknown, path: string): void {
  const a = object(v, path);
  name(a.id, `${path}.id`, ACTIVATION_CODES);
  num(a.alpha, `${path}.alpha`, -HUGE, HUGE);
}

function schedule(v: unknown, path: string): void {
  const s = object(v, path);
  const kind = name(s.kind, `${path}.kind`, SCHEDULE_KINDS);
  switch (kind) {
    case 'exponentialDecay':
      num(s.decaySteps, `${path}.decaySteps`, 1e-30, HUGE);
      num(s.decayRate, `${path}.decayRate`, 0, HUGE);
      flag(s.staircase, `${path}.staircase`);
      break;
    case 'cosineDecay':
      num(s.decaySteps, `${path}.decaySteps`, 1e-30, HUGE);
      num(s.alpha, `${path}.alpha`, -HUGE, HUGE);
      num(s.warmupTarget, `${path}.warmupTarget`, -HUGE, HUGE);
      num(s.warmupSteps, `${path}.warmupSteps`, 0, HUGE);
      break;
    case 'piecewiseConstantDecay': {
      const b = s.boundaries;
      const vals = s.values;
      if (!Array.isArray(b)) throw invalidArg(`${path}.boundaries`, 'an array of numbers', b);
      if (!Array.isArray(vals)) throw invalidArg(`${path}.values`, 'an array of numbers', vals);
      if (b.length > 100000) throw invalidArg(`${path}.boundaries`, 'at most 100000 boundaries', b);
      if (vals.length !== b.length + 1) {
        throw invalidArg(`${path}.values`, `an array of length ${b.length + 1} (boundaries + 1)`, vals);
      }
      b.forEach((x, i) => num(x, `${path}.boundaries[${i}]`, -HUGE, HUGE));
      vals.forEach((x, i) => num(x, `${path}.values[${i}]`, 0, HUGE));
      break;
    }
    default:
      break;
  }
}

/** Throws ERR_INVALID_ARG / ERR_SHAPE_MISMATCH naming the first bad field (spec.layers[2].rate, ...). */
export function checkNetSpec(v: unknown): void {
  const spec = object(v, 'spec');
  let dim = int(spec.inputDim, 'spec.inputDim', 1, MAX_DIM);
  const layers = spec.layers;
  if (!Array.isArray(layers) || layers.length === 0 || layers.length > 10000) {
    throw invalidArg('spec.layers', 'an array of 1 to 10000 layer specs', layers);
  }
  let params = 0;
  layers.forEach((lv, i) => {
    const path = `spec.layers[${i}]`;
    const l = object(lv, path);
    const kind = name(l.kind, `${path}.kind`, LAYER_KINDS);
    if (kind === 'dense') {
      const inDim = int(l.inputDim, `${path}.inputDim`, 1, MAX_DIM);
      if (inDim !== dim) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH',
          `Expected ${dim} for ${path}.inputDim (the width of the previous layer) but received ${inDim}`);
      }
      const units = int(l.units, `${path}.units`, 1, MAX_DIM);
      activation(l.activation, `${path}.activation`);
      const useBias = flag(l.useBias, `${path}.useBias`);
      flag(l.trainable, `${path}.trainable`);
      for (const k of ['kernelL1', 'kernelL2', 'biasL1', 'biasL2', 'kernelMaxNorm']) num(l[k], `${path}.${k}`, 0, HUGE);
      params += inDim * units + (useBias ? units : 0);
      dim = units;
    } else {
      const d = int(l.dim, `${path}.dim`, 1, MAX_DIM);
      if (d !== dim) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH',
          `Expected ${dim} for ${path}.dim (the width of the previous layer) but received ${d}`);
      }
      switch (kind) {
        case 'activation': activation(l.activation, `${path}.activation`); break;
        case 'dropout':
          if (num(l.rate, `${path}.rate`, 0, 1) >= 1) throw invalidArg(`${path}.rate`, 'a number from 0 to below 1', l.rate);
          int(l.seed, `${path}.seed`, 0, 4294967295);
          break;
        case 'batchNormalization':
        case 'layerNormalization': {
          if (kind === 'batchNormalization') num(l.momentum, `${path}.momentum`, 0, 1);
          num(l.epsilon, `${path}.epsilon`, 1e-30, HUGE);
          const center = flag(l.center, `${path}.center`);
          const scale = flag(l.scale, `${path}.scale`);
          flag(l.trainable, `${path}.trainable`);
          params += d * ((kind === 'batchNormalization' ? 2 : 0) + (center ? 1 : 0) + (scale ? 1 : 0));
          break;
        }
        default:
          break;
      }
    }
    if (params > 2147483647) {
      throw invalidArg('spec', `at most 2147483647 parameters (${path} brings the count to ${params})`, params);
    }
  });

  const lo = object(spec.loss, 'spec.loss');
  name(lo.id, 'spec.loss.id', LOSS_CODES);
  flag(lo.fromLogits, 'spec.loss.fromLogits');
  num(lo.delta, 'spec.loss.delta', 1e-30, HUGE);

  const o = object(spec.optimizer, 'spec.optimizer');
  name(o.id, 'spec.optimizer.id', OPTIMIZER_CODES);
  num(o.learningRate, 'spec.optimizer.learningRate', 0, HUGE);
  schedule(o.schedule, 'spec.optimizer.schedule');
  num(o.momentum, 'spec.optimizer.momentum', 0, HUGE);
  flag(o.nesterov, 'spec.optimizer.nesterov');
  if (num(o.beta1, 'spec.optimizer.beta1', 0, 1) >= 1) throw invalidArg('spec.optimizer.beta1', 'a number from 0 to below 1', o.beta1);
  num(o.beta2, 'spec.optimizer.beta2', 0, 1);
  num(o.epsilon, 'spec.optimizer.epsilon', 0, HUGE);
  flag(o.amsgrad, 'spec.optimizer.amsgrad');
  num(o.weightDecay, 'spec.optimizer.weightDecay', 0, HUGE);
  num(o.rho, 'spec.optimizer.rho', 0, 1);
  flag(o.centered, 'spec.optimizer.centered');
  num(o.initialAccumulatorValue, 'spec.optimizer.initialAccumulatorValue', 0, HUGE);
  const clips = ['clipnorm', 'clipvalue', 'globalClipnorm'].filter((k) => num(o[k], `spec.optimizer.${k}`, 0, HUGE) > 0);
  if (clips.length > 1) {
    throw invalidArg('spec.optimizer', 'at most one of clipnorm, clipvalue, globalClipnorm non-zero', clips.join(', '));
  }
}
