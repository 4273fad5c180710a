// Optimizer updates, clipping and learning-rate schedules (SPEC.md), mirroring native/core/optimizers.
// One loop per trainable tensor over the flat parameter buffer; state slots are flat too.
import type { OptimizerSpec, ParamSlot, ScheduleSpec } from '../types';

/** Learning rate for the update at 0-based step `step`. */
export function scheduledLearningRate(lr0: number, schedule: ScheduleSpec, step: number): number {
  switch (schedule.kind) {
    case 'constant':
      return lr0;
    case 'exponentialDecay': {
      let p = step / schedule.decaySteps;
      if (schedule.staircase) p = Math.floor(p);
      return lr0 * Math.pow(schedule.decayRate, p);
    }
    case 'cosineDecay': {
      if (schedule.warmupSteps > 0 && step < schedule.warmupSteps) {
        return lr0 + (schedule.warmupTarget - lr0) * step / schedule.warmupSteps;
      }
      const s = Math.min(step - schedule.warmupSteps, schedule.decaySteps);
      const cos = 0.5 * (1 + Math.cos(Math.PI * s / schedule.decaySteps));
      const target = schedule.warmupSteps > 0 ? schedule.warmupTarget : lr0;
      return target * ((1 - schedule.alpha) * cos + schedule.alpha);
    }
    case 'piecewiseConstantDecay': {
      for (let k = 0; k < schedule.boundaries.length; k++) {
        if (step <= schedule.boundaries[k]!) return schedule.values[k]!;
      }
      return schedule.values[schedule.values.length - 1]!;
    }
  }
}

/** Clips the gradients of the trainable tensors in place (at most one mode is set). */
export function clipGradients(opt: OptimizerSpec, slots: readonly ParamSlot[], grads: Float32Array): void {
  if (opt.clipnorm > 0) {
    const c = opt.clipnorm;
    for (const s of slots) {
      if (!s.trainable) continue;
      let sq = 0;
      for (let i = s.offset; i < s.offset + s.size; i++) sq += grads[i]! * grads[i]!;
      const f = c / Math.max(Math.sqrt(sq), c);
      if (f !== 1) for (let i = s.offset; i < s.offset + s.size; i++) grads[i] = grads[i]! * f;
    }
  } else if (opt.globalClipnorm > 0) {
    const c = opt.globalClipnorm;
    let sq = 0;
    for (const s of slots) {
      if (!s.trainable) continue;
      for (let i = s.offset; i < s.offset + s.size; i++) sq += grads[i]! * grads[i]!;
    }
    const f = c / Math.max(Math.sqrt(sq), c);
    if (f !== 1) {
      for (const s of slots) {
        if (!s.trainable) continue;
        for (let i = s.offset; i < s.offset + s.size; i++) grads[i] = grads[i]! * f;
      }
    }
  } else if (opt.clipvalue > 0) {
    const c = opt.clipvalue;
    for (const s of slots) {
      if (!s.trainable) continue;
      for (let i = s.offset; i < s.offset + s.size; i++) grads[i] = Math.min(c, Math.max(-c, grads[i]!));
    }
  }
}

/**
 * Applies one update to every trainable element. `state` is the flat optimizer state
 * ([iterations, slot0[P], ...]); `t` is the 1-based iteration count after increment, `lr` the scheduled rate.
 */
export function applyUpdate(opt: OptimizerSpec, slots: readonly ParamSlot[], params: Float32Array, grads: Float32Array,
  state: Float32Array, P: number, t: number, lr: number): void {
  const slot = (k: number): number => 1 + k * P;
  for (const s of slots) {
    if (!s.trainable) continue;
    const end = s.offset + s.size;
    switch (opt.id) {
      case 'sgd': {
        const m = opt.momentum;
        if (m > 0) {
          const v0 = slot(0);
          for (let i = s.offset; i < end; i++) {
            state[v0 + i] = m * state[v0 + i]! - lr * grads[i]!;
            const v = state[v0 + i]!;
            params[i] = opt.nesterov ? params[i]! + m * v - lr * grads[i]! : params[i]! + v;
          }
        } else {
          for (let i = s.offset; i < end; i++) params[i] = params[i]! - lr * grads[i]!;
        }
        break;
      }
      case 'adam':
      case 'adamw': {
        const b1 = opt.beta1, b2 = opt.beta2, eps = opt.epsilon;
        const alpha = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
        const m0 = slot(0), v0 = slot(1), h0 = opt.amsgrad ? slot(2) : -1;
        const decay = opt.id === 'adamw' ? opt.weightDecay * lr : 0;
        for (let i = s.offset; i < end; i++) {
          if (decay !== 0) params[i] = params[i]! - params[i]! * decay;
          const g = grads[i]!;
          state[m0 + i] = state[m0 + i]! + (g - state[m0 + i]!) * (1 - b1);
          state[v0 + i] = state[v0 + i]! + (g * g - state[v0 + i]!) * (1 - b2);
          let v = state[v0 + i]!;
          if (h0 >= 0) {
            state[h0 + i] = Math.max(state[h0 + i]!, v);
            v = state[h0 + i]!;
          }
          params[i] = params[i]! - alpha * state[m0 + i]! / (Math.sqrt(v) + eps);
        }
        break;
      }
      case 'rmsprop': {
        const rho = opt.rho, eps = opt.epsilon, mom = opt.momentum;
        const vel0 = slot(0);
        const mom0 = mom > 0 ? slot(1) : -1;
        const ag0 = opt.centered ? slot(mom > 0 ? 2 : 1) : -1;
        for (let i = s.offset; i < end; i++) {
          const g = grads[i]!;
          state[vel0 + i] = rho * state[vel0 + i]! + (1 - rho) * g * g;
          let den = state[vel0 + i]!;
          if (ag0 >= 0) {
            state[ag0 + i] = rho * state[ag0 + i]! + (1 - rho) * g;
            den -= state[ag0 + i]! * state[ag0 + i]!;
          }
          const inc = lr * g / Math.sqrt(den + eps);
          if (mom0 >= 0) {
            state[mom0 + i] = mom * state[mom0 + i]! + inc;
            params[i] = params[i]! - state[mom0 + i]!;
          } else {
            params[i] = params[i]! - inc;
          }
        }
        break;
      }
      case 'adagrad': {
        const acc0 = slot(0), eps = opt.epsilon;
        for (let i = s.offset; i < end; i++) {
          const g = grads[i]!;
          state[acc0 + i] = state[acc0 + i]! + g * g;
          params[i] = params[i]! - lr * g / Math.sqrt(state[acc0 + i]! + eps);
        }
        break;
      }
    }
  }
}
