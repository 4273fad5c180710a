// Gradient clipping, learning-rate schedules and the optimizer updates (SPEC.md steps 7 and 8): the
// functions of native/core/optimizers.h under the same names, one loop per trained tensor over the
// flat parameter buffer.
import type { OptimizerSpec } from '../types';
import type { ParamTensor } from '../layout';

/** lr of the update whose 0-based index is `step` (= t - 1). */
export function scheduleLr(opt: Pick<OptimizerSpec, 'schedule'>, lr0: number, step: number): number {
  const schedule = opt.schedule;
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

/** Clips g in place over the tensors being trained (at most one of clipnorm, globalClipnorm, clipvalue is set). */
export function clipGradients(opt: OptimizerSpec, tensors: readonly ParamTensor[], grads: Float32Array): void {
  if (opt.clipnorm > 0) {
    const c = opt.clipnorm;
    for (const s of tensors) {
      let sq = 0;
      for (let i = s.offset; i < s.offset + s.size; i++) sq += grads[i]! * grads[i]!;
      const f = c / Math.max(Math.sqrt(sq), c);
      if (f !== 1) for (let i = s.offset; i < s.offset + s.size; i++) grads[i] = grads[i]! * f;
    }
  } else if (opt.globalClipnorm > 0) {
    const c = opt.globalClipnorm;
    let sq = 0;
    for (const s of tensors) {
      for (let i = s.offset; i < s.offset + s.size; i++) sq += grads[i]! * grads[i]!;
    }
    const f = c / Math.max(Math.sqrt(sq), c);
    if (f !== 1) {
      for (const s of tensors) {
        for (let i = s.offset; i < s.offset + s.size; i++) grads[i] = grads[i]! * f;
      }
    }
  } else if (opt.clipvalue > 0) {
    const c = opt.clipvalue;
    for (const s of tensors) {
      for (let i = s.offset; i < s.offset + s.size; i++) grads[i] = Math.min(c, Math.max(-c, grads[i]!));
    }
  }
}

/**
 * Updates w[off .. off+size) from g (same indices) for update number t (1-based) at rate lr.
 * slots: the state after `iterations`, slot k at k * P. Every state value is stored in float32 and read
 * back rounded, as the C++ does.
 */
export function optimizerUpdate(opt: OptimizerSpec, lr: number, t: number, w: Float32Array, g: Float32Array,
  slots: Float32Array, P: number, off: number, size: number): void {
  const end = off + size;
  switch (opt.id) {
    case 'sgd': {
      const m = opt.momentum;
      if (m > 0) {
        const v = slots;
        for (let i = off; i < end; i++) {
          v[i] = m * v[i]! - lr * g[i]!;
          const vi = v[i]!;
          w[i] = opt.nesterov ? w[i]! + m * vi - lr * g[i]! : w[i]! + vi;
        }
      } else {
        for (let i = off; i < end; i++) w[i] = w[i]! - lr * g[i]!;
      }
      return;
    }
    case 'adam':
    case 'adamw': {
      const b1 = opt.beta1, b2 = opt.beta2, eps = opt.epsilon;
      const alpha = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
      const m0 = 0, v0 = P, h0 = opt.amsgrad ? 2 * P : -1;
      const decay = opt.id === 'adamw' ? opt.weightDecay * lr : 0;
      for (let i = off; i < end; i++) {
        if (decay !== 0) w[i] = w[i]! - w[i]! * decay;
        const gi = g[i]!;
        slots[m0 + i] = slots[m0 + i]! + (gi - slots[m0 + i]!) * (1 - b1);
        slots[v0 + i] = slots[v0 + i]! + (gi * gi - slots[v0 + i]!) * (1 - b2);
        let v = slots[v0 + i]!;
        if (h0 >= 0) {
          slots[h0 + i] = Math.max(slots[h0 + i]!, v);
          v = slots[h0 + i]!;
        }
        w[i] = w[i]! - alpha * slots[m0 + i]! / (Math.sqrt(v) + eps);
      }
      return;
    }
    case 'rmsprop': {
      const rho = opt.rho, eps = opt.epsilon, mom = opt.momentum;
      const vel0 = 0;
      const mom0 = mom > 0 ? P : -1;
      const ag0 = opt.centered ? (mom > 0 ? 2 : 1) * P : -1;
      for (let i = off; i < end; i++) {
        const gi = g[i]!;
        slots[vel0 + i] = rho * slots[vel0 + i]! + (1 - rho) * gi * gi;
        let den = slots[vel0 + i]!;
        if (ag0 >= 0) {
          slots[ag0 + i] = rho * slots[ag0 + i]! + (1 - rho) * gi;
          den -= slots[ag0 + i]! * slots[ag0 + i]!;
        }
        const inc = lr * gi / Math.sqrt(den + eps);
        if (mom0 >= 0) {
          slots[mom0 + i] = mom * slots[mom0 + i]! + inc;
          w[i] = w[i]! - slots[mom0 + i]!;
        } else {
          w[i] = w[i]! - inc;
        }
      }
      return;
    }
    case 'adagrad': {
      const eps = opt.epsilon;
      for (let i = off; i < end; i++) {
        const gi = g[i]!;
        slots[i] = slots[i]! + gi * gi;
        w[i] = w[i]! - lr * gi / Math.sqrt(slots[i]! + eps);
      }
      return;
    }
  }
}
