// Layer forward/backward passes on raw Float32Arrays (SPEC.md "Layers"), mirroring native/core/layers.
// Each function names its shapes; n = rows in the batch.
import { gemm } from './gemm';

/** The counter-based dropout hash of SPEC.md: uint32 arithmetic, identical in C++. */
export function dropoutHash(seed: number, step: number, k: number): number {
  let h = (Math.imul(seed >>> 0, 0x9E3779B1) + Math.imul(step >>> 0, 0x85EBCA77) + Math.imul(k >>> 0, 0xC2B2AE3D)) >>> 0;
  h ^= h >>> 16; h = Math.imul(h, 0x7FEB352D) >>> 0;
  h ^= h >>> 15; h = Math.imul(h, 0x846CA68B) >>> 0;
  h ^= h >>> 16;
  return h >>> 8;
}

/** Z[n, units] = X[n, in] W[in, units] (bias and activation are applied by the caller in one pass). */
export function denseForward(X: Float32Array, W: Float32Array, Z: Float32Array, n: number, inDim: number, units: number): void {
  gemm(false, false, n, units, inDim, 1, X, inDim, W, units, 0, Z, units);
}

/** dW[in, units] = X^T dZ, db[units] = column sums of dZ, dX[n, in] = dZ W^T (dX null for the first layer). */
export function denseBackward(X: Float32Array, W: Float32Array, dZ: Float32Array, dW: Float32Array | null,
  db: Float32Array | null, dX: Float32Array | null, n: number, inDim: number, units: number): void {
  if (dW) gemm(true, false, inDim, units, n, 1, X, inDim, dZ, units, 0, dW, units);
  if (db) {
    db.fill(0, 0, units);
    for (let r = 0; r < n; r++) {
      const o = r * units;
      for (let j = 0; j < units; j++) db[j] = db[j]! + dZ[o + j]!;
    }
  }
  if (dX) gemm(false, true, n, inDim, units, 1, dZ, units, W, units, 0, dX, inDim);
}

/** out[n, d] = X * mask, mask[i] = 1/(1-rate) where kept else 0. */
export function dropoutForward(X: Float32Array, out: Float32Array, mask: Float32Array, n: number, d: number,
  rate: number, seed: number, step: number): void {
  const keepScale = 1 / (1 - rate);
  const threshold = rate * 16777216; // hash / 2^24 >= rate  <=>  hash >= rate * 2^24
  for (let k = 0; k < n * d; k++) {
    const m = dropoutHash(seed, step, k) >= threshold ? keepScale : 0;
    mask[k] = m;
    out[k] = X[k]! * m;
  }
}

export function dropoutBackward(dOut: Float32Array, mask: Float32Array, dX: Float32Array, n: number, d: number): void {
  for (let k = 0; k < n * d; k++) dX[k] = dOut[k]! * mask[k]!;
}

export interface NormParams {
  gamma: Float32Array | null;
  beta: Float32Array | null;
}

/** Batch statistics per column: mean[d], variance[d] (biased), then xhat and out = gamma*xhat + beta. */
export function batchNormTrainForward(X: Float32Array, out: Float32Array, xhat: Float32Array, mean: Float32Array,
  variance: Float32Array, invStd: Float32Array, p: NormParams, n: number, d: number, eps: number): void {
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += X[r * d + j]!;
    const m = s / n;
    let v = 0;
    for (let r = 0; r < n; r++) { const e = X[r * d + j]! - m; v += e * e; }
    mean[j] = m;
    variance[j] = v / n;
    invStd[j] = 1 / Math.sqrt(variance[j]! + eps);
  }
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) {
      const xh = (X[o + j]! - mean[j]!) * invStd[j]!;
      xhat[o + j] = xh;
      out[o + j] = (p.gamma ? p.gamma[j]! : 1) * xh + (p.beta ? p.beta[j]! : 0);
    }
  }
}

/** Inference: out = gamma*(x - movingMean)/sqrt(movingVar + eps) + beta. invStd receives the per-column scale. */
export function batchNormInferForward(X: Float32Array, out: Float32Array, movingMean: Float32Array,
  movingVar: Float32Array, invStd: Float32Array, p: NormParams, n: number, d: number, eps: number): void {
  for (let j = 0; j < d; j++) invStd[j] = 1 / Math.sqrt(movingVar[j]! + eps);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) {
      out[o + j] = (p.gamma ? p.gamma[j]! : 1) * (X[o + j]! - movingMean[j]!) * invStd[j]! + (p.beta ? p.beta[j]! : 0);
    }
  }
}

/** Training-mode backward: dgamma/dbeta (may be null) and dX (may be null). */
export function batchNormTrainBackward(dOut: Float32Array, xhat: Float32Array, invStd: Float32Array, p: NormParams,
  dGamma: Float32Array | null, dBeta: Float32Array | null, dX: Float32Array | null, n: number, d: number): void {
  for (let j = 0; j < d; j++) {
    let sdy = 0;
    let sdyx = 0;
    for (let r = 0; r < n; r++) {
      const dy = dOut[r * d + j]!;
      sdy += dy;
      sdyx += dy * xhat[r * d + j]!;
    }
    if (dGamma) dGamma[j] = sdyx;
    if (dBeta) dBeta[j] = sdy;
    if (dX) {
      const g = (p.gamma ? p.gamma[j]! : 1) * invStd[j]!;
      for (let r = 0; r < n; r++) {
        const k = r * d + j;
        dX[k] = g * (dOut[k]! - sdy / n - xhat[k]! * sdyx / n);
      }
    }
  }
}

/** Inference-mode backward (a frozen layer): dX = dOut * gamma * invStd. */
export function batchNormInferBackward(dOut: Float32Array, invStd: Float32Array, p: NormParams, dX: Float32Array,
  n: number, d: number): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) dX[o + j] = dOut[o + j]! * (p.gamma ? p.gamma[j]! : 1) * invStd[j]!;
  }
}

/** Per row over its d features: xhat, out = gamma*xhat + beta; rowInvStd[n]. */
export function layerNormForward(X: Float32Array, out: Float32Array, xhat: Float32Array, rowInvStd: Float32Array,
  p: NormParams, n: number, d: number, eps: number): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += X[o + j]!;
    const m = s / d;
    let v = 0;
    for (let j = 0; j < d; j++) { const e = X[o + j]! - m; v += e * e; }
    const inv = 1 / Math.sqrt(v / d + eps);
    rowInvStd[r] = inv;
    for (let j = 0; j < d; j++) {
      const xh = (X[o + j]! - m) * inv;
      xhat[o + j] = xh;
      out[o + j] = (p.gamma ? p.gamma[j]! : 1) * xh + (p.beta ? p.beta[j]! : 0);
    }
  }
}

export function layerNormBackward(dOut: Float32Array, xhat: Float32Array, rowInvStd: Float32Array, p: NormParams,
  dGamma: Float32Array | null, dBeta: Float32Array | null, dX: Float32Array | null, n: number, d: number): void {
  if (dGamma) dGamma.fill(0, 0, d);
  if (dBeta) dBeta.fill(0, 0, d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let sdxh = 0;
    let sdxhx = 0;
    for (let j = 0; j < d; j++) {
      const dy = dOut[o + j]!;
      if (dGamma) dGamma[j] = dGamma[j]! + dy * xhat[o + j]!;
      if (dBeta) dBeta[j] = dBeta[j]! + dy;
      const dxh = dy * (p.gamma ? p.gamma[j]! : 1);
      sdxh += dxh;
      sdxhx += dxh * xhat[o + j]!;
    }
    if (dX) {
      const inv = rowInvStd[r]!;
      for (let j = 0; j < d; j++) {
        const dxh = dOut[o + j]! * (p.gamma ? p.gamma[j]! : 1);
        dX[o + j] = inv * (dxh - sdxh / d - xhat[o + j]! * sdxhx / d);
      }
    }
  }
}
