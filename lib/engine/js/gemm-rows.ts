// GEMM on the WebAssembly tile functions over B as stored: one row by ROW_NR columns for fewer rows than
// the 4-row tile (one-row predicts, a batch's last rows), the 4 x 8 tile for whole 4-row tiles. The same
// float32 products, runs of k and float64 block sums as gemmSimd(), so a row's result does not depend on
// how many rows its call had or on which path took it.
//
// Here copying B into the module, not the arithmetic, is the cost (a one-row predict of a 784-256-128-10
// net multiplies 235k weights once each). So B is read where its rows lie, copied in with one memcpy, not
// packed; and a B named by a WeightTag (a layer's kernel in inference) is kept in the module's memory
// between calls until its version changes (gemm-cache.ts): predicts of up to a few hundred rows then
// skip the copy too. A transposed B (the input gradient's W^T) is packed into panels of ROW_NR columns,
// which only the one-row function reads.
import { align, type OperandShape, type WeightTag } from './gemm-cache';
import { packBlockB, scaleByBeta } from './gemm-pack';
import { blockLength, copyRows, ROW_NR, SIMD_MR, SIMD_NR, type RowKernel } from './gemm-simd';

/** Floats of the module's copy of op(B): as stored (the last row's last panel reads ROW_NR past N), or packed panels. */
function bFloats(transB: boolean, N: number, K: number, ldb: number): number {
  const ldw = Math.ceil(N / ROW_NR) * ROW_NR;
  return transB ? K * ldw : (K - 1) * ldb + ldw;
}

function copyB(w: Float32Array, off: number, transB: boolean, N: number, K: number, B: Float32Array, ldb: number): void {
  if (!transB) {
    w.set(B.subarray(0, (K - 1) * ldb + N), off / 4);
    return;
  }
  const kcMax = blockLength(K), ldw = Math.ceil(N / ROW_NR) * ROW_NR;
  for (let p0 = 0; p0 < K; p0 += kcMax) packBlockB(true, B, ldb, p0, Math.min(kcMax, K - p0), 0, N, ROW_NR, w, off / 4 + p0 * ldw);
}

/**
 * C = alpha * op(A) * op(B) + beta * C as gemmSimd() computes it, for any M (a transposed B one row at a
 * time). `tag` names B when it is the same operand as in earlier calls unless its version changed: the
 * module keeps its copy.
 */
export function gemmRows(k: RowKernel, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number,
  tag: WeightTag | null = null): void {
  if (M === 0 || N === 0) return;
  scaleByBeta(M, N, beta, C, ldc);
  if (K === 0 || alpha === 0) return;
  const heap = k.heap;
  const panels = Math.ceil(N / ROW_NR), ldw = panels * ROW_NR;
  const bBytes = bFloats(transB, N, K, ldb) * 4;
  const shape: OperandShape = { transB, K, N, ldb };
  let bOff = tag ? heap.find(tag, shape) : -1;
  const fresh = bOff < 0;
  let owned = false;
  if (fresh && tag) bOff = heap.keep(tag, shape, bBytes);
  if (bOff < 0) {
    bOff = heap.alloc(bBytes);
    owned = true;
  }
  const span = transA ? (K - 1) * lda + M : (M - 1) * lda + K;
  const aBytes = align(span * 4);
  const scratch = heap.alloc(aBytes + M * ldw * 4);
  const aOff = scratch, cOff = scratch + aBytes;
  try {
    const w = heap.f32; // after the allocations, which may grow the memory
    if (fresh) copyB(w, bOff, transB, N, K, B, ldb);
    w.set(A.subarray(0, span), aOff / 4);
    const cBase = cOff / 4;
    if (beta === 0) w.fill(0, cBase, cBase + M * ldw);
    else copyRows(M, N, C, 0, ldc, w, cBase, ldw);
    const rowBytes = transA ? 4 : lda * 4, kBytes = transA ? lda * 4 : 4;
    const quads = transB ? 0 : Math.floor(M / SIMD_MR), quadRows = quads * SIMD_MR;
    const kcMax = blockLength(K);
    for (let p0 = 0; p0 < K; p0 += kcMax) {
      const kc = Math.min(kcMax, K - p0);
      const b = bOff + (transB ? p0 * ldw : p0 * ldb) * 4;
      const bK = transB ? ROW_NR * 4 : ldb * 4, bPanel = transB ? kc * ROW_NR * 4 : ROW_NR * 4;
      const a = aOff + p0 * kBytes;
      // whole 4-row tiles on the 4 x 8 tile over the same B (untransposed: its panels are B's own
      // columns), the other rows one by one
      if (quads > 0) k.quads(a, rowBytes, kBytes, b, bK, SIMD_NR * 4, cOff, quads, ldw / SIMD_NR, kc, ldw * 4, alpha);
      if (M > quadRows) {
        k.tiles(a + quadRows * rowBytes, rowBytes, kBytes, b, bK, bPanel, cOff + quadRows * ldw * 4, M - quadRows, panels, kc,
          ldw * 4, alpha);
      }
    }
    copyRows(M, N, w, cBase, ldw, C, 0, ldc);
  } catch (err) {
    if (fresh && tag && !owned) heap.drop([tag.id]); // a copy that may not have been made is not kept
    throw err;
  } finally {
    heap.release(scratch, aBytes + M * ldw * 4);
    if (owned) heap.release(bOff, bBytes);
  }
}
