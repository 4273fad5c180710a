// Kernel and bias regularization (SPEC.md steps 4 and 6) as a forward/backward pair over the tensors
// being trained: native/core/regularizers.h under the same names.
import type { ParamTensor } from '../layout';

/** sum over tensors of l1 * sum |w| + l2 * sum w^2 (in float64, tensor by tensor). */
export function regularizationForward(tensors: readonly ParamTensor[], w: Float32Array): number {
  let penalty = 0;
  for (const t of tensors) {
    if (t.l1 === 0 && t.l2 === 0) continue;
    let sumAbs = 0, sumSq = 0;
    for (let i = t.offset; i < t.offset + t.size; i++) {
      const v = w[i]!;
      sumAbs += Math.abs(v);
      sumSq += v * v;
    }
    penalty += t.l1 * sumAbs + t.l2 * sumSq;
  }
  return penalty;
}

/** g[i] += l1 * sign(w[i]) + 2 * l2 * w[i] for every element of a regularized tensor. */
export function regularizationBackward(tensors: readonly ParamTensor[], w: Float32Array, g: Float32Array): void {
  for (const t of tensors) {
    if (t.l1 === 0 && t.l2 === 0) continue;
    for (let i = t.offset; i < t.offset + t.size; i++) {
      const v = w[i]!;
      g[i] = g[i]! + t.l1 * Math.sign(v) + 2 * t.l2 * v;
    }
  }
}
