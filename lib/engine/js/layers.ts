// The layers as forward/backward pairs on raw Float32Arrays (SPEC.md "Layers"): the functions of
// native/core/layers.h under the same names, with the same arguments in the same order. Shapes in the
// comments; n = rows of the batch, d = width of the layer.
import type { ActivationSpec } from '../types';
import { actForward } from './activations';
import type { WeightTag } from './gemm-cache';
import { gemm } from './gemm';

/**
 * Z[n,out] = X[n,in] W[in,out], then one pass over Z: Z += b, A = act(Z). b[out] may be null; A may equal
 * Z for linear. `kernelTag` (not in the C++) names W for the GEMM to keep between calls (gemm.ts).
 */
export function denseForward(n: number, inDim: number, out: number, X: Float32Array, W: Float32Array,
  b: Float32Array | null, act: ActivationSpec, Z: Float32Array, A: Float32Array, kernelTag: WeightTag | null = null): void {
  gemm(false, false, n, out, inDim, 1, X, inDim, W, out, 0, Z, out, kernelTag);
  actForward(act, n, out, Z, b, A);
}

/**
 * From dZ[n,out] (already through the activation): dW[in,out] = X^T dZ, db[out] = column sums of dZ,
 * dX[n,in] = dZ W^T; each skipped when null. The column sums accumulate in float32 (the C++ in float64).
 */
export function denseBackward(n: number, inDim: number, out: number, X: Float32Array, W: Float32Array, dZ: Float32Array,
  dW: Float32Array | null, db: Float32Array | null, dX: Float32Array | null): void {
  if (dW) gemm(true, false, inDim, out, n, 1, X, inDim, dZ, out, 0, dW, out);
  if (db) {
    db.fill(0, 0, out);
    for (let r = 0; r < n; r++) {
      const o = r * out;
      for (let j = 0; j < out; j++) db[j] = db[j]! + dZ[o + j]!;
    }
  }
  if (dX) gemm(false, true, n, inDim, out, 1, dZ, out, W, out, 0, dX, inDim);
}

/** The MaxNorm constraint after an update: each column j of W[in,out] scaled to a norm of at most maxNorm. */
export function denseMaxNorm(inDim: number, out: number, W: Float32Array, maxNorm: number): void {
  for (let j = 0; j < out; j++) {
    let sq = 0;
    for (let i = 0; i < inDim; i++) sq += W[i * out + j]! * W[i * out + j]!;
    const norm = Math.sqrt(sq);
    const f = Math.min(Math.max(norm, 0), maxNorm) / (1e-7 + norm);
    for (let i = 0; i < inDim; i++) W[i * out + j] = W[i * out + j]! * f;
  }
}

/** The counter hash of SPEC.md "Dropout" (24-bit result): uint32 arithmetic, identical in C++. */
export function dropoutHash(seed: number, step: number, k: number): number {
  let h = (Math.imul(seed >>> 0, 0x9E3779B1) + Math.imul(step >>> 0, 0x85EBCA77) + Math.imul(k >>> 0, 0xC2B2AE3D)) >>> 0;
  h ^= h >>> 16; h = Math.imul(h, 0x7FEB352D) >>> 0;
  h ^= h >>> 15; h = Math.imul(h, 0x846CA68B) >>> 0;
  h ^= h >>> 16;
  return h >>> 8;
}

/** Training only: mask[n,d] = 1 kept / 0 dropped, A[n,d] = X * mask / (1 - rate). */
export function dropoutForward(n: number, d: number, X: Float32Array, rate: number, seed: number, step: number,
  mask: Float32Array, A: Float32Array): void {
  const scale = 1 / (1 - rate);
  const threshold = rate * 16777216; // hash / 2^24 >= rate  <=>  hash >= rate * 2^24
  for (let k = 0; k < n * d; k++) {
    const keep = dropoutHash(seed, step, k) >= threshold ? 1 : 0;
    mask[k] = keep;
    A[k] = X[k]! * (keep * scale);
  }
}

/** dX[n,d] = dA * mask / (1 - rate), with the scale rounded to float32 (the C++ multiplies by the float64 one). */
export function dropoutBackward(n: number, d: number, dA: Float32Array, mask: Float32Array, rate: number, dX: Float32Array): void {
  const scale = Math.fround(1 / (1 - rate));
  for (let k = 0; k < n * d; k++) dX[k] = dA[k]! * (mask[k]! * scale);
}

/**
 * Training: per-column batch mean[d] and biased variance[d], xhat[n,d] kept for backward,
 * Y[n,d] = gamma * xhat + beta (gamma / beta may be null: 1 / 0). Statistics are used as stored (float32).
 */
export function batchNormForwardTrain(n: number, d: number, X: Float32Array, gamma: Float32Array | null,
  beta: Float32Array | null, eps: number, mean: Float32Array, variance: Float32Array, xhat: Float32Array, Y: Float32Array): void {
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += X[r * d + j]!;
    const m = s / n;
    let v = 0;
    for (let r = 0; r < n; r++) { const e = X[r * d + j]! - m; v += e * e; }
    mean[j] = m;
    variance[j] = v / n;
    const invStd = Math.fround(1 / Math.sqrt(variance[j]! + eps));
    const g = gamma ? gamma[j]! : 1, b = beta ? beta[j]! : 0;
    for (let r = 0; r < n; r++) {
      const k = r * d + j;
      const xh = (X[k]! - mean[j]!) * invStd;
      xhat[k] = xh;
      Y[k] = g * xh + b;
    }
  }
}

/** Inference (and frozen layers): Y = gamma (X - movingMean) / sqrt(movingVar + eps) + beta. */
export function batchNormForwardInfer(n: number, d: number, X: Float32Array, gamma: Float32Array | null,
  beta: Float32Array | null, movingMean: Float32Array, movingVar: Float32Array, eps: number, Y: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) {
      const invStd = Math.fround(1 / Math.sqrt(movingVar[j]! + eps));
      Y[o + j] = (gamma ? gamma[j]! : 1) * (X[o + j]! - movingMean[j]!) * invStd + (beta ? beta[j]! : 0);
    }
  }
}

/** Training backward: dgamma[d], dbeta[d] and dX[n,d], each written when not null. */
export function batchNormBackwardTrain(n: number, d: number, dY: Float32Array, xhat: Float32Array, variance: Float32Array,
  gamma: Float32Array | null, eps: number, dgamma: Float32Array | null, dbeta: Float32Array | null, dX: Float32Array | null): void {
  for (let j = 0; j < d; j++) {
    let sdy = 0;
    let sdyx = 0;
    for (let r = 0; r < n; r++) {
      const dy = dY[r * d + j]!;
      sdy += dy;
      sdyx += dy * xhat[r * d + j]!;
    }
    if (dgamma) dgamma[j] = sdyx;
    if (dbeta) dbeta[j] = sdy;
    if (dX) {
      const g = (gamma ? gamma[j]! : 1) * Math.fround(1 / Math.sqrt(variance[j]! + eps));
      for (let r = 0; r < n; r++) {
        const k = r * d + j;
        dX[k] = g * (dY[k]! - sdy / n - xhat[k]! * sdyx / n);
      }
    }
  }
}

/** Inference-mode backward: dX[n,d] = dY * gamma / sqrt(movingVar + eps). */
export function batchNormBackwardInfer(n: number, d: number, dY: Float32Array, gamma: Float32Array | null,
  movingVar: Float32Array, eps: number, dX: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) {
      dX[o + j] = dY[o + j]! * (gamma ? gamma[j]! : 1) * Math.fround(1 / Math.sqrt(movingVar[j]! + eps));
    }
  }
}

/** After an applied step: moving = moving * momentum + batch * (1 - momentum), for mean[d] and variance[d]. */
export function batchNormUpdateMoving(d: number, mean: Float32Array, variance: Float32Array, momentum: number,
  movingMean: Float32Array, movingVar: Float32Array): void {
  for (let j = 0; j < d; j++) {
    movingMean[j] = movingMean[j]! * momentum + mean[j]! * (1 - momentum);
    movingVar[j] = movingVar[j]! * momentum + variance[j]! * (1 - momentum);
  }
}

/** Over each row's d features: rstd[n] = 1 / sqrt(var + eps), xhat[n,d], Y = gamma_j xhat + beta_j. */
export function layerNormForward(n: number, d: number, X: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
  eps: number, rstd: Float32Array, xhat: Float32Array, Y: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += X[o + j]!;
    const m = s / d;
    let v = 0;
    for (let j = 0; j < d; j++) { const e = X[o + j]! - m; v += e * e; }
    const inv = 1 / Math.sqrt(v / d + eps);
    rstd[r] = inv;
    for (let j = 0; j < d; j++) {
      const xh = (X[o + j]! - m) * inv;
      xhat[o + j] = xh;
      Y[o + j] = (gamma ? gamma[j]! : 1) * xh + (beta ? beta[j]! : 0);
    }
  }
}

/**
 * dgamma[d], dbeta[d] and dX[n,d] (each when not null), with g = dY * gamma:
 * dX = rstd * (g - sum(g) / d - xhat * sum(g * xhat) / d).
 */
export function layerNormBackward(n: number, d: number, dY: Float32Array, xhat: Float32Array, rstd: Float32Array,
  gamma: Float32Array | null, dgamma: Float32Array | null, dbeta: Float32Array | null, dX: Float32Array | null): void {
  if (dgamma) dgamma.fill(0, 0, d);
  if (dbeta) dbeta.fill(0, 0, d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < d; j++) {
      const dy = dY[o + j]!;
      if (dgamma) dgamma[j] = dgamma[j]! + dy * xhat[o + j]!;
      if (dbeta) dbeta[j] = dbeta[j]! + dy;
      const g = dy * (gamma ? gamma[j]! : 1);
      sg += g;
      sgx += g * xhat[o + j]!;
    }
    if (dX) {
      const inv = rstd[r]!;
      for (let j = 0; j < d; j++) {
        const g = dY[o + j]! * (gamma ? gamma[j]! : 1);
        dX[o + j] = inv * (g - sg / d - xhat[o + j]! * sgx / d);
      }
    }
  }
}
