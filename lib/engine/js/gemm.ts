// Row-major single-precision GEMM for the TypeScript engine, mirroring cblas_sgemm:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// Blocked for the caches (KC x NC panels of B, MC x KC blocks of A, packed contiguously) with a 4x4
// register tile of local accumulators: the packing turns every transpose case into the same unit-stride
// inner loop, and the 16 locals keep the products in registers instead of memory. The packs are float64
// (exact copies of the float32 inputs) so the kernel loads need no float32 -> float64 conversion: about
// 20% faster, with the same results. Measured (one core, Node 20): about 6 GFLOP/s for 512^3 and for
// 128x784x256, close to what scalar float64 multiply-add can issue; 4x8, 8x4 and 6x4 tiles measured the same.

import { packBlockA, packBlockB, scaleByBeta } from './gemm-pack';
import type { WeightTag } from './gemm-cache';
import { gemmRows } from './gemm-rows';
import { gemmSimd, SIMD_MR, simdKernel } from './gemm-simd';

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 96;
const NC = 512;
// Below this many rows a kept B (gemm-rows.ts) beats packing B for the call: a 784-256-128-10 predict of
// 4 rows took 72 us instead of 460, of 64 rows 1.15 ms instead of 1.45; at 256 rows the two are even.
const KEPT_MAX_ROWS = 256;

const packA = new Float64Array(MC * KC);
const packB = new Float64Array(KC * NC);
let rowAcc = new Float64Array(64);

/** C[i0.., j0..] = C[i0.., j0..]! + alpha * (packed A panel) x (packed B panel) for one MR x NR tile. */
function microKernel(kc: number, aOff: number, bOff: number, alpha: number,
  C: Float32Array, ldc: number, i: number, j: number, rows: number, cols: number): void {
  const a = packA;
  const b = packB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ai = aOff;
  let bi = bOff;
  for (let p = 0; p < kc; p++) {
    const a0 = a[ai]!, a1 = a[ai + 1]!, a2 = a[ai + 2]!, a3 = a[ai + 3]!;
    const b0 = b[bi]!, b1 = b[bi + 1]!, b2 = b[bi + 2]!, b3 = b[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 4;
    bi += 4;
  }
  if (rows === MR && cols === NR) {
    let o = i * ldc + j;
    C[o] = C[o]! + alpha * c00; C[o + 1] = C[o + 1]! + alpha * c01; C[o + 2] = C[o + 2]! + alpha * c02; C[o + 3] = C[o + 3]! + alpha * c03; o += ldc;
    C[o] = C[o]! + alpha * c10; C[o + 1] = C[o + 1]! + alpha * c11; C[o + 2] = C[o + 2]! + alpha * c12; C[o + 3] = C[o + 3]! + alpha * c13; o += ldc;
    C[o] = C[o]! + alpha * c20; C[o + 1] = C[o + 1]! + alpha * c21; C[o + 2] = C[o + 2]! + alpha * c22; C[o + 3] = C[o + 3]! + alpha * c23; o += ldc;
    C[o] = C[o]! + alpha * c30; C[o + 1] = C[o + 1]! + alpha * c31; C[o + 2] = C[o + 2]! + alpha * c32; C[o + 3] = C[o + 3]! + alpha * c33;
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) C[(i + r) * ldc + j + c] = C[(i + r) * ldc + j + c]! + alpha * tile[r * 4 + c]!;
  }
}

/**
 * C = alpha * op(A) * op(B) + beta * C, row-major, op(X) = X or X^T as cblas_sgemm with CblasRowMajor.
 * lda/ldb/ldc are the row strides of A, B and C as stored. Runs on the WebAssembly SIMD kernel where it
 * is available (gemm-simd.ts, gemm-rows.ts below its rows), else in TypeScript; with N below the tile in
 * TypeScript either way. `bTag` names a B that later calls pass again unchanged unless its version
 * changed (a layer's kernel): gemm-rows.ts keeps its copy of it, and takes calls of up to a few hundred
 * rows with it.
 */
export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number,
  bTag: WeightTag | null = null): void {
  const simd = N >= NR ? simdKernel() : null;
  if (!simd) gemmScalar(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  else if (M < SIMD_MR || (bTag && !transB && M < KEPT_MAX_ROWS)) {
    gemmRows(simd.rows, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bTag); // the tile's bits
  } else {
    gemmSimd(simd, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
}

/** gemm() in TypeScript only: the path where WebAssembly SIMD is missing (or BLASNET_JS_SIMD=0). */
export function gemmScalar(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void {
  if (M === 0 || N === 0) return;
  scaleByBeta(M, N, beta, C, ldc);
  if (K === 0 || alpha === 0) return;
  if (M < MR || N < NR) {
    // A row or column count below the tile (one-row predict, one-unit output layer): packing would pad
    // most of every tile with zeros, so unpacked row sweeps or dot products are faster here.
    smallGemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, C, ldc);
    return;
  }
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kc = Math.min(KC, K - p0);
      packBlockB(transB, B, ldb, p0, kc, j0, nc, NR, packB, 0);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = Math.min(MC, M - i0);
        packBlockA(transA, A, lda, i0, mc, p0, kc, MR, packA, 0);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          const bOff = (jr / NR) * kc * NR;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            microKernel(kc, (ir / MR) * kc * MR, bOff, alpha, C, ldc, i0 + ir, j0 + jr, rows, cols);
          }
        }
      }
    }
  }
}

/** C += alpha * op(A) op(B) as dot products (beta already applied by the caller). */
function smallGemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number): void {
  if (!transB && N >= NR) {
    // Few rows of A against a wide row-major B (one-row predict): sweep B row by row (unit stride)
    // into a float64 accumulator row instead of striding down its columns.
    if (rowAcc.length < N) rowAcc = new Float64Array(N);
    const acc = rowAcc;
    for (let i = 0; i < M; i++) {
      acc.fill(0, 0, N);
      const aAt = (k: number): number => (transA ? A[k * lda + i]! : A[i * lda + k]!);
      let k = 0;
      // four rows of B per sweep: a quarter of the accumulator loads and stores
      for (; k + 4 <= K; k += 4) {
        const a0 = aAt(k), a1 = aAt(k + 1), a2 = aAt(k + 2), a3 = aAt(k + 3);
        const r0 = k * ldb, r1 = r0 + ldb, r2 = r1 + ldb, r3 = r2 + ldb;
        for (let j = 0; j < N; j++) {
          acc[j] = acc[j]! + a0 * B[r0 + j]! + a1 * B[r1 + j]! + a2 * B[r2 + j]! + a3 * B[r3 + j]!;
        }
      }
      for (; k < K; k++) {
        const a = aAt(k);
        const r = k * ldb;
        for (let j = 0; j < N; j++) acc[j] = acc[j]! + a * B[r + j]!;
      }
      const c0 = i * ldc;
      for (let j = 0; j < N; j++) C[c0 + j] = C[c0 + j]! + alpha * acc[j]!;
    }
    return;
  }
  const aStep = transA ? lda : 1;
  const bStep = transB ? 1 : ldb;
  for (let i = 0; i < M; i++) {
    const a0 = transA ? i : i * lda;
    for (let j = 0; j < N; j++) {
      let ai = a0;
      let bi = transB ? j * ldb : j;
      let sum = 0;
      for (let k = 0; k < K; k++) {
        sum += A[ai]! * B[bi]!;
        ai += aStep;
        bi += bStep;
      }
      C[i * ldc + j] = C[i * ldc + j]! + alpha * sum;
    }
  }
}

/** The textbook triple loop, kept beside the fast kernel as the reference the tests compare against. */
export function gemmNaive(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[k * lda + i]! : A[i * lda + k]!;
        const b = transB ? B[j * ldb + k]! : B[k * ldb + j]!;
        sum += a * b;
      }
      C[i * ldc + j] = alpha * sum + (beta === 0 ? 0 : beta * C[i * ldc + j]!);
    }
  }
}
