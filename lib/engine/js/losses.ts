// Losses with their gradients (SPEC.md "Losses"), lossEval of native/core/losses.h.
import { BlasnetError } from '../../errors';
import type { LossSpec } from '../types';
import { sigmoid } from './activations';

const EPS = 1e-7;

function classIndex(value: number, d: number, row: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= d) {
    throw new BlasnetError('ERR_INVALID_ARG',
      `Expected an integer class index in [0, ${d - 1}] for the sparse label of row ${row} but received ${value}`);
  }
  return value;
}

/**
 * P: [n, d] network output, or the logits when `logits` is true (fused sigmoid+BCE / softmax+CCE, or
 * fromLogits). Y: [n, d] labels ([n, 1] class indices for sparse CCE). w: [n] row weights or null.
 * Returns sum_i w_i * l_i. If dP is not null, writes dl_i/dP * w_i / n ([n, d]). A sparse label that is
 * not an integer in [0, d) throws ERR_INVALID_ARG naming its row (rowIds[i], the row of x).
 * The gradient scale is w_i * (1 / n) here, w_i / n in the C++.
 */
export function lossEval(loss: LossSpec, logits: boolean, n: number, d: number, P: Float32Array, Y: Float32Array,
  w: Float32Array | null, dP: Float32Array | null, rowIds: ArrayLike<number>): number {
  const scale = 1 / n;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const o = r * d;
    const wr = w ? w[r]! : 1;
    const g = wr * scale;
    let l = 0;
    switch (loss.id) {
      case 'meanSquaredError':
        for (let j = 0; j < d; j++) {
          const e = P[o + j]! - Y[o + j]!;
          l += e * e;
          if (dP) dP[o + j] = g * 2 * e / d;
        }
        l /= d;
        break;
      case 'meanAbsoluteError':
        for (let j = 0; j < d; j++) {
          const e = P[o + j]! - Y[o + j]!;
          l += Math.abs(e);
          if (dP) dP[o + j] = g * Math.sign(e) / d;
        }
        l /= d;
        break;
      case 'huber': {
        const delta = loss.delta;
        for (let j = 0; j < d; j++) {
          const e = P[o + j]! - Y[o + j]!;
          const ae = Math.abs(e);
          l += ae <= delta ? 0.5 * e * e : delta * (ae - 0.5 * delta);
          if (dP) dP[o + j] = g * Math.min(delta, Math.max(-delta, e)) / d;
        }
        l /= d;
        break;
      }
      case 'binaryCrossentropy':
        if (logits) {
          for (let j = 0; j < d; j++) {
            const z = P[o + j]!;
            const t = Y[o + j]!;
            l += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
            if (dP) dP[o + j] = g * (sigmoid(z) - t) / d;
          }
        } else {
          for (let j = 0; j < d; j++) {
            const p = P[o + j]!;
            const t = Y[o + j]!;
            const pc = Math.min(1 - EPS, Math.max(EPS, p));
            l += -(t * Math.log(pc) + (1 - t) * Math.log(1 - pc));
            if (dP) dP[o + j] = p >= EPS && p <= 1 - EPS ? g * (p - t) / (p * (1 - p)) / d : 0;
          }
        }
        l /= d;
        break;
      case 'categoricalCrossentropy':
      case 'sparseCategoricalCrossentropy': {
        const sparse = loss.id === 'sparseCategoricalCrossentropy';
        const cls = sparse ? classIndex(Y[r]!, d, rowIds[r]!) : -1;
        const label = (j: number): number => (sparse ? (j === cls ? 1 : 0) : Y[o + j]!);
        if (logits) {
          let max = -Infinity;
          for (let j = 0; j < d; j++) max = Math.max(max, P[o + j]!);
          let sumExp = 0;
          for (let j = 0; j < d; j++) sumExp += Math.exp(P[o + j]! - max);
          const lse = max + Math.log(sumExp);
          let ySum = 0;
          for (let j = 0; j < d; j++) {
            const t = label(j);
            ySum += t;
            l += t * (lse - P[o + j]!);
          }
          if (dP) {
            for (let j = 0; j < d; j++) {
              const p = Math.exp(P[o + j]! - lse);
              dP[o + j] = g * (p * ySum - label(j));
            }
          }
        } else {
          // Probabilities normalized by their row sum (as Keras); the clipped ones pass no gradient.
          let probSum = 0;
          for (let j = 0; j < d; j++) probSum += P[o + j]!;
          let unclippedLabelSum = 0;
          for (let j = 0; j < d; j++) {
            const q = P[o + j]! / probSum;
            const t = label(j);
            l -= t * Math.log(Math.min(1 - EPS, Math.max(EPS, q)));
            if (q >= EPS && q <= 1 - EPS) unclippedLabelSum += t;
          }
          if (dP) {
            for (let j = 0; j < d; j++) {
              const q = P[o + j]! / probSum;
              const u = q >= EPS && q <= 1 - EPS ? 1 : 0;
              dP[o + j] = g * (unclippedLabelSum - (u ? label(j) / q : 0)) / probSum;
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
