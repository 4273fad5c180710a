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
 * inside a panel. Row by row of a panel, so the reads of an untransposed A run along its rows.
 */
export function packBlockA(transA: boolean, A: Float32Array, lda: number, i0: number, mc: number, p0: number, kc: number,
  mr: number, dst: Float64Array, dstOff: number): void {
  const step = transA ? lda : 1;
  for (let ir = 0; ir < mc; ir += mr) {
    const rows = Math.min(mr, mc - ir);
    const panel = dstOff + ir * kc;
    for (let r = 0; r < mr; r++) {
      let d = panel + r;
      if (r >= rows) {
        for (let p = 0; p < kc; p++, d += mr) dst[d] = 0;
        continue;
      }
      const i = i0 + ir + r;
      let s = transA ? p0 * lda + i : i * lda + p0;
      for (let p = 0; p < kc; p++, d += mr, s += step) dst[d] = A[s]!;
    }
  }
}

/**
 * Packs op(B)[p0:p0+kc, j0:j0+nc] into dst from dstOff: column panels of nr columns (zero padded),
 * k-major inside a panel.
 */
export function packBlockB(transB: boolean, B: Float32Array, ldb: number, p0: number, kc: number, j0: number, nc: number,
  nr: number, dst: Float64Array, dstOff: number): void {
  const step = transB ? 1 : ldb;
  for (let jr = 0; jr < nc; jr += nr) {
    const cols = Math.min(nr, nc - jr);
    const panel = dstOff + jr * kc;
    for (let c = 0; c < nr; c++) {
      let d = panel + c;
      if (c >= cols) {
        for (let p = 0; p < kc; p++, d += nr) dst[d] = 0;
        continue;
      }
      const j = j0 + jr + c;
      let s = transB ? j * ldb + p0 : p0 * ldb + j;
      for (let p = 0; p < kc; p++, d += nr, s += step) dst[d] = B[s]!;
    }
  }
}
