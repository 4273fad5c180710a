// Activations (SPEC.md "Activations"), the functions of native/core/activations.h under the same names:
// forward fused with the bias add (row by row over the GEMM output), and backward.
// Elementwise math runs in float64 and is stored as float32; elu and selu use expm1 where the C++
// computes exp(z) - 1.
import type { ActivationId, ActivationSpec } from '../types';

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

/** erf to ~1e-15 (float64), which JavaScript lacks: series for small |x|, continued fraction (erfc) beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = sum * 1.1283791670955126;
    return x < 0 ? -r : r;
  }
  if (ax > 6) return x < 0 ? -1 : 1;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) evaluated bottom-up
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + (n / 2) / f;
  const erfc = Math.exp(-ax * ax) / (f * 1.7724538509055159);
  return x < 0 ? erfc - 1 : 1 - erfc;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Z: [n, d] in/out (pre-activation; bias[d] added in place when not null), A: [n, d] out.
 * A may equal Z only for a linear activation.
 */
export function actForward(act: ActivationSpec, n: number, d: number, Z: Float32Array, bias: Float32Array | null,
  A: Float32Array): void {
  const { id, alpha } = act;
  if (id === 'linear' || id === 'relu') {
    // The common cases in one pass per row (bias, activation).
    const relu = id === 'relu';
    for (let r = 0; r < n; r++) {
      const o = r * d;
      if (bias) {
        for (let j = 0; j < d; j++) {
          const z = Math.fround(Z[o + j]! + bias[j]!);
          Z[o + j] = z;
          A[o + j] = relu ? (z > 0 ? z : 0) : z;
        }
      } else if (relu) {
        for (let j = o; j < o + d; j++) { const z = Z[j]!; A[j] = z > 0 ? z : 0; }
      } else if (A !== Z) {
        A.set(Z.subarray(o, o + d), o);
      }
    }
    return;
  }
  for (let r = 0; r < n; r++) {
    const o = r * d;
    if (bias) for (let j = 0; j < d; j++) Z[o + j] = Z[o + j]! + bias[j]!;
    activateRow(id, alpha, Z, A, o, o + d);
  }
}

/** Without bias and without writing X: A = act(X). X: [n, d], A: [n, d]. */
export function actForwardNoBias(act: ActivationSpec, n: number, d: number, X: Float32Array, A: Float32Array): void {
  actForward(act, n, d, X, null, A);
}

/** A[o..end) = act(Z[o..end)) for one row (softmax over the row). */
function activateRow(id: ActivationId, alpha: number, Z: Float32Array, A: Float32Array, o: number, end: number): void {
  switch (id) {
    case 'linear': if (A !== Z) A.set(Z.subarray(o, end), o); return;
    case 'relu': for (let i = o; i < end; i++) { const z = Z[i]!; A[i] = z > 0 ? z : 0; } return;
    case 'sigmoid': for (let i = o; i < end; i++) A[i] = sigmoid(Z[i]!); return;
    case 'tanh': for (let i = o; i < end; i++) A[i] = Math.tanh(Z[i]!); return;
    case 'softmax': {
      let max = -Infinity;
      for (let i = o; i < end; i++) max = Math.max(max, Z[i]!);
      let sum = 0;
      for (let i = o; i < end; i++) { const e = Math.exp(Z[i]! - max); A[i] = e; sum += e; }
      // Divide the float32-rounded exponentials, as the C++ loop does.
      for (let i = o; i < end; i++) A[i] = A[i]! / sum;
      return;
    }
    case 'leakyRelu': for (let i = o; i < end; i++) { const z = Z[i]!; A[i] = z > 0 ? z : alpha * z; } return;
    case 'elu': for (let i = o; i < end; i++) { const z = Z[i]!; A[i] = z > 0 ? z : alpha * Math.expm1(z); } return;
    case 'selu': for (let i = o; i < end; i++) { const z = Z[i]!; A[i] = SELU_SCALE * (z > 0 ? z : SELU_ALPHA * Math.expm1(z)); } return;
    case 'gelu': for (let i = o; i < end; i++) { const z = Z[i]!; A[i] = 0.5 * z * (1 + erf(z * SQRT1_2)); } return;
    case 'swish': for (let i = o; i < end; i++) { const z = Z[i]!; A[i] = z * sigmoid(z); } return;
    case 'softplus': for (let i = o; i < end; i++) { const z = Z[i]!; A[i] = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))); } return;
    case 'softsign': for (let i = o; i < end; i++) { const z = Z[i]!; A[i] = z / (1 + Math.abs(z)); } return;
    case 'hardSigmoid': for (let i = o; i < end; i++) { A[i] = Math.min(1, Math.max(0, 0.2 * Z[i]! + 0.5)); } return;
    case 'relu6': for (let i = o; i < end; i++) { A[i] = Math.min(6, Math.max(0, Z[i]!)); } return;
  }
}

/**
 * dZ = dA * act'(Z) (softmax: dZ_j = A_j (dA_j - sum_k dA_k A_k)). Z, A: [n, d]; dA: [n, d] in,
 * dZ: [n, d] out; dZ may alias dA.
 */
export function actBackward(act: ActivationSpec, n: number, d: number, Z: Float32Array, A: Float32Array,
  dA: Float32Array, dZ: Float32Array): void {
  const { id, alpha } = act;
  const size = n * d;
  switch (id) {
    case 'linear': if (dZ !== dA) dZ.set(dA.subarray(0, size)); return;
    case 'relu': for (let i = 0; i < size; i++) dZ[i] = Z[i]! > 0 ? dA[i]! : 0; return;
    case 'sigmoid': for (let i = 0; i < size; i++) { const a = A[i]!; dZ[i] = dA[i]! * a * (1 - a); } return;
    case 'tanh': for (let i = 0; i < size; i++) { const a = A[i]!; dZ[i] = dA[i]! * (1 - a * a); } return;
    case 'softmax':
      for (let r = 0; r < n; r++) {
        const o = r * d;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += dA[o + j]! * A[o + j]!;
        for (let j = 0; j < d; j++) dZ[o + j] = A[o + j]! * (dA[o + j]! - dot);
      }
      return;
    case 'leakyRelu': for (let i = 0; i < size; i++) dZ[i] = Z[i]! > 0 ? dA[i]! : alpha * dA[i]!; return;
    case 'elu': for (let i = 0; i < size; i++) dZ[i] = Z[i]! > 0 ? dA[i]! : dA[i]! * (A[i]! + alpha); return;
    case 'selu': for (let i = 0; i < size; i++) dZ[i] = Z[i]! > 0 ? dA[i]! * SELU_SCALE : dA[i]! * (A[i]! + SELU_SCALE * SELU_ALPHA); return;
    case 'gelu':
      for (let i = 0; i < size; i++) {
        const z = Z[i]!;
        dZ[i] = dA[i]! * (0.5 * (1 + erf(z * SQRT1_2)) + z * Math.exp(-0.5 * z * z) * INV_SQRT_2PI);
      }
      return;
    case 'swish': for (let i = 0; i < size; i++) { const z = Z[i]!; const s = sigmoid(z); dZ[i] = dA[i]! * (s + z * s * (1 - s)); } return;
    case 'softplus': for (let i = 0; i < size; i++) dZ[i] = dA[i]! * sigmoid(Z[i]!); return;
    case 'softsign': for (let i = 0; i < size; i++) { const t = 1 + Math.abs(Z[i]!); dZ[i] = dA[i]! / (t * t); } return;
    case 'hardSigmoid': for (let i = 0; i < size; i++) { const z = Z[i]!; dZ[i] = z > -2.5 && z < 2.5 ? 0.2 * dA[i]! : 0; } return;
    case 'relu6': for (let i = 0; i < size; i++) { const z = Z[i]!; dZ[i] = z > 0 && z < 6 ? dA[i]! : 0; } return;
  }
}
