// What both GEMM paths (the TypeScript blocked loop in gemm.ts, the WebAssembly SIMD one in gemm-simd.ts)
// share: the beta pass over C and the packing of operand blocks into panels. Packing turns every transpose
// case into one unit-stride layout. The TypeScript kernel packs into float64 (exact copies: its loads need
// no conversion), the SIMD kernel into float32 (four lanes per vector).

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
 * inside a panel. The loops follow the storage of A, so the reads run along its rows either way.
 */
export function packBlockA(transA: boolean, A: Float32Array, lda: number, i0: number, mc: number, p0: number, kc: number,
  mr: number, dst: Float32Array | Float64Array, dstOff: number): void {
  for (let ir = 0; ir < mc; ir += mr) {
    const rows = Math.min(mr, mc - ir);
    const panel = dstOff + ir * kc;
    if (transA) {
      // op(A)[i, p] = A[p, i]: one stored row gives the panel's mr values of one k
      for (let p = 0; p < kc; p++) {
        const s = (p0 + p) * lda + i0 + ir;
        const d = panel + p * mr;
        for (let r = 0; r < rows; r++) dst[d + r] = A[s + r]!;
        for (let r = rows; r < mr; r++) dst[d + r] = 0;
      }
      continue;
    }
    for (let r = 0; r < mr; r++) {
      let d = panel + r;
      if (r >= rows) {
        for (let p = 0; p < kc; p++, d += mr) dst[d] = 0;
        continue;
      }
      let s = (i0 + ir + r) * lda + p0;
      for (let p = 0; p < kc; p++, d += mr, s++) dst[d] = A[s]!;
    }
  }
}

/**
 * Packs op(B)[p0:p0+kc, j0:j0+nc] into dst from dstOff: column panels of nr columns (zero padded),
 * k-major inside a panel. That is packBlockA's layout for op(B) read as the transposed left operand
 * (column j of op(B) is row j of op(B)^T), so it is packBlockA with the roles of the two indices swapped.
 */
export function packBlockB(transB: boolean, B: Float32Array, ldb: number, p0: number, kc: number, j0: number, nc: number,
  nr: number, dst: Float32Array | Float64Array, dstOff: number): void {
  packBlockA(!transB, B, ldb, j0, nc, p0, kc, nr, dst, dstOff);
}
