// Losses with their gradients (SPEC.md "Losses"), mirroring native/core/losses.
// Per-row losses are summed as sum_i w_i * l_i; the gradient written is d(sum_i w_i l_i / n)/d(output).
import { BlasnetError } from '../../errors';
import type { ActivationId, LossSpec } from '../types';
import { sigmoid } from './activations';

const EPS = 1e-7;

export interface LossInput {
  loss: LossSpec;
  /** Activation of the last layer, or null when the last layer has none (dropout, normalization). */
  lastActivation: ActivationId | null;
  /** Pre-activation of the last layer (used as logits by the fused paths). */
  Z: Float32Array | null;
  /** Network output. */
  A: Float32Array;
  y: Float32Array;
  rows: number;
  /** Output width. */
  d: number;
  /** Gathered per-row weights for this batch, or null for 1. */
  w: Float32Array | null;
  /** 1 / n: the batch-mean scale folded into the gradient. */
  scale: number;
}

/** True when the loss gradient is taken with respect to the last activation's input (fused paths). */
export function lossIsFused(loss: LossSpec, lastActivation: ActivationId | null): boolean {
  if (loss.fromLogits) return false;
  if (loss.id === 'binaryCrossentropy') return lastActivation === 'sigmoid';
  if (loss.id === 'categoricalCrossentropy' || loss.id === 'sparseCategoricalCrossentropy') return lastActivation === 'softmax';
  return false;
}

function classIndex(value: number, d: number, row: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= d) {
    throw new BlasnetError('ERR_INVALID_ARG',
      `Expected an integer class index in [0, ${d - 1}] for the sparse label of row ${row} but received ${value}`);
  }
  return value;
}

/**
 * Returns sum_i w_i * l_i over the batch and writes the gradient into grad (rows x d): with respect to Z
 * when lossIsFused(), else with respect to A. `rowIds` names the rows in error messages.
 */
export function lossForwardBackward(inp: LossInput, grad: Float32Array | null, rowIds: ArrayLike<number>): number {
  const { loss, A, y, rows, d, w, scale } = inp;
  const fused = lossIsFused(loss, inp.lastActivation);
  const logits = fused ? inp.Z! : A;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const wr = w ? w[r]! : 1;
    const g = wr * scale;
    let l = 0;
    switch (loss.id) {
      case 'meanSquaredError':
        for (let j = 0; j < d; j++) {
          const e = A[o + j]! - y[o + j]!;
          l += e * e;
          if (grad) grad[o + j] = g * 2 * e / d;
        }
        l /= d;
        break;
      case 'meanAbsoluteError':
        for (let j = 0; j < d; j++) {
          const e = A[o + j]! - y[o + j]!;
          l += Math.abs(e);
          if (grad) grad[o + j] = g * Math.sign(e) / d;
        }
        l /= d;
        break;
      case 'huber': {
        const delta = loss.delta;
        for (let j = 0; j < d; j++) {
          const e = A[o + j]! - y[o + j]!;
          const ae = Math.abs(e);
          l += ae <= delta ? 0.5 * e * e : delta * (ae - 0.5 * delta);
          if (grad) grad[o + j] = g * Math.min(delta, Math.max(-delta, e)) / d;
        }
        l /= d;
        break;
      }
      case 'binaryCrossentropy':
        if (fused || loss.fromLogits) {
          for (let j = 0; j < d; j++) {
            const z = logits[o + j]!;
            const t = y[o + j]!;
            l += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
            if (grad) grad[o + j] = g * (sigmoid(z) - t) / d;
          }
        } else {
          for (let j = 0; j < d; j++) {
            const p = A[o + j]!;
            const t = y[o + j]!;
            const pc = Math.min(1 - EPS, Math.max(EPS, p));
            l += -(t * Math.log(pc) + (1 - t) * Math.log(1 - pc));
            if (grad) grad[o + j] = p >= EPS && p <= 1 - EPS ? g * (p - t) / (p * (1 - p)) / d : 0;
          }
        }
        l /= d;
        break;
      case 'categoricalCrossentropy':
      case 'sparseCategoricalCrossentropy': {
        const sparse = loss.id === 'sparseCategoricalCrossentropy';
        const cls = sparse ? classIndex(y[r]!, d, rowIds[r]!) : -1;
        const label = (j: number): number => (sparse ? (j === cls ? 1 : 0) : y[o + j]!);
        if (fused || loss.fromLogits) {
          let max = -Infinity;
          for (let j = 0; j < d; j++) max = Math.max(max, logits[o + j]!);
          let sumExp = 0;
          for (let j = 0; j < d; j++) sumExp += Math.exp(logits[o + j]! - max);
          const lse = max + Math.log(sumExp);
          let ySum = 0;
          for (let j = 0; j < d; j++) {
            const t = label(j);
            ySum += t;
            l += t * (lse - logits[o + j]!);
          }
          if (grad) {
            for (let j = 0; j < d; j++) {
              const p = Math.exp(logits[o + j]! - lse);
              grad[o + j] = g * (p * ySum - label(j));
            }
          }
        } else {
          let S = 0;
          for (let j = 0; j < d; j++) S += A[o + j]!;
          let yu = 0;
          for (let j = 0; j < d; j++) {
            const q = A[o + j]! / S;
            const t = label(j);
            l -= t * Math.log(Math.min(1 - EPS, Math.max(EPS, q)));
            if (q >= EPS && q <= 1 - EPS) yu += t;
          }
          if (grad) {
            for (let j = 0; j < d; j++) {
              const q = A[o + j]! / S;
              const u = q >= EPS && q <= 1 - EPS ? 1 : 0;
              grad[o + j] = g * (yu - (u ? label(j) / q : 0)) / S;
            }
          }
        }
        break;
      }
    }
    total += wr * l;
  }
  return total;
}
