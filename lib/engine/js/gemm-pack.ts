// What both GEMM paths (the TypeScript blocked loop in gemm.ts, the WebAssembly SIMD one in gemm-simd.ts)
// share: the beta pass over C and the packing of operand blocks into float64 panels. Packing turns every
// transpose case into one unit-stride layout, and float64 copies are exact, so both kernels accumulate
// the same float32 products in float64.

/** C[M,N] *= beta (beta = 0 clears C, NaN included, as cblas_sgemm does). */
export function scaleByBeta(M: number, N: number, beta: number, C: Float32Array, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < M; i++) {
    const row = i * ldc;
    if (beta === 0) C.fill(0, row, row + N);
    else for (let j = 0; j < N; j++) C[row + j] = C[row + j]! * beta;
  }
}

/**
 * Packs op(A)[i0:i0+mc, p0:p0+kc] into dst from dstOff: row panels of mr rows (zero padded), k-major
 * inside a panel.
 */
export function packBlockA(transA: boolean, A: Float32Array, lda: number, i0: number, mc: number, p0: number, kc: number,
  mr: number, dst: Float64Array, dstOff: number): void {
  let d = dstOff;
  for (let ir = 0; ir < mc; ir += mr) {
    const rows = Math.min(mr, mc - ir);
    for (let p = 0; p < kc; p++) {
      const k = p0 + p;
      for (let r = 0; r < mr; r++) {
        if (r < rows) {
          const i = i0 + ir + r;
          dst[d++] = transA ? A[k * lda + i]! : A[i * lda + k]!;
        } else {
          dst[d++] = 0;
        }
      }
    }
  }
}

/**
 * Packs op(B)[p0:p0+kc, j0:j0+nc] into dst from dstOff: column panels of nr columns (zero padded),
 * k-major inside a panel.
 */
export function packBlockB(transB: boolean, B: Float32Array, ldb: number, p0: number, kc: number, j0: number, nc: number,
  nr: number, dst: Float64Array, dstOff: number): void {
  let d = dstOff;
  for (let jr = 0; jr < nc; jr += nr) {
    const cols = Math.min(nr, nc - jr);
    for (let p = 0; p < kc; p++) {
      const k = p0 + p;
      for (let c = 0; c < nr; c++) {
        if (c < cols) {
          const j = j0 + jr + c;
          dst[d++] = transB ? B[j * ldb + k]! : B[k * ldb + j]!;
        } else {
          dst[d++] = 0;
        }
      }
    }
  }
}
