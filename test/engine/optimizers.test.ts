// Each optimizer, schedule and clipping mode against a step computed by hand in the test (float64,
// written out from the formulas of SPEC.md), on a tiny net: dense(2 -> 1, linear) with bias = 3 params
// (a 2-element kernel tensor and a 1-element bias tensor, so per-tensor and global clipping differ),
// mse loss, batches of one row.
import { describe, expect, it } from 'vitest';
import type { OptimizerSpec, ScheduleSpec } from '../../lib/engine/types';
import { engineOfRun } from '../helpers/engines';
import { dense, loss, netSpec, optimizer } from '../helpers/spec';

const X = [[1.5, -0.5], [-1.0, 2.0], [0.5, 0.25]];
const Y = [0.3, 1.0, -1.2];
const INIT = [0.2, -0.4, 0.1]; // kernel[0], kernel[1], bias

/** Gradient of (w.x + b - y)^2 for one row: [gw0, gw1, gb]. */
function gradient(p: number[], row: number): number[] {
  const x = X[row]!;
  const e = p[0]! * x[0]! + p[1]! * x[1]! + p[2]! - Y[row]!;
  return [2 * e * x[0]!, 2 * e * x[1]!, 2 * e];
}

function learningRate(lr0: number, s: ScheduleSpec, step: number): number {
  switch (s.kind) {
    case 'constant': return lr0;
    case 'exponentialDecay': {
      const p = s.staircase ? Math.floor(step / s.decaySteps) : step / s.decaySteps;
      return lr0 * s.decayRate ** p;
    }
    case 'cosineDecay': {
      if (s.warmupSteps > 0 && step < s.warmupSteps) return lr0 + (s.warmupTarget - lr0) * (step / s.warmupSteps);
      const done = Math.min(step - s.warmupSteps, s.decaySteps);
      const c = (1 + Math.cos(Math.PI * done / s.decaySteps)) / 2;
      return (s.warmupSteps > 0 ? s.warmupTarget : lr0) * ((1 - s.alpha) * c + s.alpha);
    }
    case 'piecewiseConstantDecay': {
      const k = s.boundaries.findIndex((b) => step <= b);
      return k === -1 ? s.values[s.values.length - 1]! : s.values[k]!;
    }
  }
}

function clip(o: OptimizerSpec, g: number[]): number[] {
  const tensors = [[0, 1], [2]];
  if (o.clipvalue > 0) return g.map((v) => Math.max(-o.clipvalue, Math.min(o.clipvalue, v)));
  if (o.globalClipnorm > 0) {
    const norm = Math.hypot(...g);
    return norm > o.globalClipnorm ? g.map((v) => v * o.globalClipnorm / norm) : g;
  }
  if (o.clipnorm > 0) {
    const out = g.slice();
    for (const idx of tensors) {
      const norm = Math.hypot(...idx.map((i) => g[i]!));
      if (norm > o.clipnorm) for (const i of idx) out[i] = g[i]! * o.clipnorm / norm;
    }
    return out;
  }
  return g;
}

interface Run { params: number[]; state: number[] }

/** Plays `rows` (one step each) from INIT and returns params and the flat optimizer state. */
function handRun(o: OptimizerSpec, rows: number[], lrChanges: Map<number, number> = new Map()): Run {
  const p = INIT.slice();
  const P = p.length;
  const z = (): number[] => new Array<number>(P).fill(0);
  // one array per slot, in the SPEC.md state order
  const mom = z(), m = z(), v = z(), vhat = z(), vel = z(), rmsMom = z(), avg = z();
  const acc = new Array<number>(P).fill(o.initialAccumulatorValue);
  let lr0 = o.learningRate;
  let t = 0;
  rows.forEach((row, k) => {
    lr0 = lrChanges.get(k) ?? lr0;
    const g = clip(o, gradient(p, row));
    t += 1;
    const lr = learningRate(lr0, o.schedule, t - 1);
    for (let i = 0; i < P; i++) {
      const gi = g[i]!;
      switch (o.id) {
        case 'sgd':
          if (o.momentum === 0) { p[i] = p[i]! - lr * gi; break; }
          mom[i] = o.momentum * mom[i]! - lr * gi;
          p[i] = o.nesterov ? p[i]! + o.momentum * mom[i]! - lr * gi : p[i]! + mom[i]!;
          break;
        case 'adamw':
        case 'adam': {
          if (o.id === 'adamw') p[i] = p[i]! * (1 - o.weightDecay * lr);
          m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi;
          v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
          vhat[i] = Math.max(vhat[i]!, v[i]!);
          const mHat = m[i]! / (1 - o.beta1 ** t);
          const vUsed = (o.amsgrad ? vhat[i]! : v[i]!) / (1 - o.beta2 ** t);
          // the Keras form: eps is added to sqrt(v) before the bias correction of v
          p[i] = p[i]! - lr * mHat / (Math.sqrt(vUsed) + o.epsilon / Math.sqrt(1 - o.beta2 ** t));
          break;
        }
        case 'rmsprop': {
          vel[i] = o.rho * vel[i]! + (1 - o.rho) * gi * gi;
          let den = vel[i]!;
          if (o.centered) {
            avg[i] = o.rho * avg[i]! + (1 - o.rho) * gi;
            den -= avg[i]! ** 2;
          }
          const inc = lr * gi / Math.sqrt(den + o.epsilon);
          if (o.momentum > 0) {
            rmsMom[i] = o.momentum * rmsMom[i]! + inc;
            p[i] = p[i]! - rmsMom[i]!;
          } else {
            p[i] = p[i]! - inc;
          }
          break;
        }
        case 'adagrad':
          acc[i] = acc[i]! + gi * gi;
          p[i] = p[i]! - lr * gi / Math.sqrt(acc[i]! + o.epsilon);
          break;
      }
    }
  });
  let slots: number[][] = [];
  switch (o.id) {
    case 'sgd': slots = o.momentum > 0 ? [mom] : []; break;
    case 'adam':
    case 'adamw': slots = o.amsgrad ? [m, v, vhat] : [m, v]; break;
    case 'rmsprop': slots = [vel, ...(o.momentum > 0 ? [rmsMom] : []), ...(o.centered ? [avg] : [])]; break;
    case 'adagrad': slots = [acc]; break;
  }
  return { params: p, state: [t, ...slots.flat()] };
}

const cases: [string, OptimizerSpec][] = [
  ['sgd', optimizer('sgd', { learningRate: 0.1 })],
  ['sgd momentum', optimizer('sgd', { learningRate: 0.1, momentum: 0.9 })],
  ['sgd nesterov', optimizer('sgd', { learningRate: 0.1, momentum: 0.9, nesterov: true })],
  ['adam defaults', optimizer('adam')],
  ['adam lr 0.1 beta1 0.8 beta2 0.95 eps 1e-3', optimizer('adam', { learningRate: 0.1, beta1: 0.8, beta2: 0.95, epsilon: 1e-3 })],
  ['adam amsgrad', optimizer('adam', { learningRate: 0.1, amsgrad: true, beta2: 0.5 })],
  ['adamw', optimizer('adamw', { learningRate: 0.1, weightDecay: 0.05 })],
  ['adamw amsgrad', optimizer('adamw', { learningRate: 0.1, amsgrad: true, beta2: 0.5 })],
  ['rmsprop', optimizer('rmsprop', { learningRate: 0.01 })],
  ['rmsprop centered', optimizer('rmsprop', { learningRate: 0.01, centered: true })],
  ['rmsprop momentum', optimizer('rmsprop', { learningRate: 0.01, momentum: 0.5 })],
  ['rmsprop centered momentum rho 0.7', optimizer('rmsprop', { learningRate: 0.01, momentum: 0.5, centered: true, rho: 0.7 })],
  ['adagrad', optimizer('adagrad', { learningRate: 0.1 })],
  ['adagrad initial accumulator 0.5', optimizer('adagrad', { learningRate: 0.1, initialAccumulatorValue: 0.5 })],
  // schedules (6 steps so that boundaries, staircases and the end of the decay are crossed)
  ['exponentialDecay', optimizer('sgd', { learningRate: 0.1, schedule: { kind: 'exponentialDecay', decaySteps: 2, decayRate: 0.5, staircase: false } })],
  ['exponentialDecay staircase', optimizer('sgd', { learningRate: 0.1, schedule: { kind: 'exponentialDecay', decaySteps: 2, decayRate: 0.5, staircase: true } })],
  ['cosineDecay', optimizer('sgd', { learningRate: 0.1, schedule: { kind: 'cosineDecay', decaySteps: 4, alpha: 0.1, warmupTarget: 0, warmupSteps: 0 } })],
  ['cosineDecay with warmup', optimizer('sgd', { learningRate: 0.02, schedule: { kind: 'cosineDecay', decaySteps: 3, alpha: 0.2, warmupTarget: 0.15, warmupSteps: 2 } })],
  ['piecewiseConstantDecay', optimizer('sgd', { learningRate: 0.1, schedule: { kind: 'piecewiseConstantDecay', boundaries: [1, 3], values: [0.1, 0.05, 0.01] } })],
  ['adam with exponentialDecay', optimizer('adam', { learningRate: 0.1, schedule: { kind: 'exponentialDecay', decaySteps: 3, decayRate: 0.3, staircase: false } })],
  // clipping (thresholds small enough to be active)
  ['sgd clipnorm', optimizer('sgd', { learningRate: 0.1, clipnorm: 0.5 })],
  ['sgd globalClipnorm', optimizer('sgd', { learningRate: 0.1, globalClipnorm: 0.5 })],
  ['sgd clipvalue', optimizer('sgd', { learningRate: 0.1, clipvalue: 0.3 })],
  ['adam clipnorm', optimizer('adam', { learningRate: 0.1, clipnorm: 0.2 })],
  ['rmsprop globalClipnorm', optimizer('rmsprop', { learningRate: 0.01, globalClipnorm: 0.2 })],
  ['adagrad clipvalue', optimizer('adagrad', { learningRate: 0.1, clipvalue: 0.1 })],
];

const xData = Float32Array.from(X.flat());
const yData = Float32Array.from(Y);

function close(got: ArrayLike<number>, want: number[], what: string): void {
  expect(got.length, `${what} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `${what}[${i}]: got ${got[i]}, hand-computed ${want[i]}`)
      .toBeLessThanOrEqual(2e-6 + 2e-5 * Math.abs(want[i]!));
  }
}

describe.each(engineOfRun())('%s engine: optimizer steps equal hand-computed ones', (_engineName, engine) => {
  const make = (o: OptimizerSpec) => engine.createNet(netSpec(2, [dense(2, 1)], loss('meanSquaredError'), o), Float32Array.from(INIT));
  const train = (net: ReturnType<typeof make>, rows: number[]) => net.trainBatches({
    x: { data: xData, rows: 3, cols: 2 }, y: { data: yData, rows: 3, cols: 1 }, order: Uint32Array.from(rows),
    batchSize: 1, sampleWeight: null, predictionsOut: null,
  });

  it.each(cases)('%s', async (name, o) => {
    const rows = o.schedule.kind === 'constant' ? [0, 1, 2] : [0, 1, 2, 0, 1, 2];
    const net = make(o);
    try {
      const res = await train(net, rows);
      expect(res).toMatchObject({ batches: rows.length, samples: rows.length, nonFiniteBatch: -1 });
      const want = handRun(o, rows);
      // the parameters must actually have moved, so an engine that skips the update cannot pass
      expect(Math.max(...want.params.map((p, i) => Math.abs(p - INIT[i]!)))).toBeGreaterThan(1e-3);
      close(net.getParams(), want.params, `${name} params`);
      close(net.getOptimizerState(), want.state, `${name} optimizer state`);
    } finally {
      net.dispose();
    }
  });

  it('setLearningRate between calls replaces lr0 of the schedule; the step count continues', async () => {
    const o = optimizer('sgd', { learningRate: 0.1, momentum: 0.5, schedule: { kind: 'exponentialDecay', decaySteps: 2, decayRate: 0.5, staircase: false } });
    const net = make(o);
    try {
      await train(net, [0, 1, 2]);
      net.setLearningRate(0.3);
      await train(net, [2, 1, 0]);
      const want = handRun(o, [0, 1, 2, 2, 1, 0], new Map([[3, 0.3]]));
      close(net.getParams(), want.params, 'params');
      close(net.getOptimizerState(), want.state, 'optimizer state');
    } finally {
      net.dispose();
    }
  });

  it('a restored optimizer state continues exactly where it was saved', async () => {
    const o = optimizer('adam', { learningRate: 0.1, amsgrad: true });
    const a = make(o);
    const b = make(o);
    try {
      await train(a, [0, 1]);
      b.setParams(a.getParams());
      b.setOptimizerState(a.getOptimizerState());
      await train(b, [2]);
      const want = handRun(o, [0, 1, 2]);
      close(b.getParams(), want.params, 'params');
      close(b.getOptimizerState(), want.state, 'optimizer state');
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('a frozen layer is not updated, but the iteration count advances', async () => {
    const net = make(optimizer('adam', { learningRate: 0.1 }));
    try {
      net.setTrainable(0, false);
      await train(net, [0, 1, 2]);
      close(net.getParams(), INIT, 'params');
      expect(net.getOptimizerState()[0]).toBe(3);
    } finally {
      net.dispose();
    }
  });
});
