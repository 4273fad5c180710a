// One GEMM case for the kernel tests: seeded operands in the layout the transposes ask for, the naive product
// as the reference (`want`), the kernel under test's result (`got`) from the same starting C, and the
// float32 rounding bound of every element (`bound`).
import { gemmNaive } from '../../lib/engine/js/gemm';
import { randomArray } from './spec';

export type Gemm = typeof gemmNaive;
export interface GemmRun { got: Float32Array; want: Float32Array; bound: Float64Array }

const U = 2 ** -24;

/**
 * |got - want| a float32 GEMM may show, whatever the order of its sums: (K + 4) u (|alpha| sum_k |a b| +
 * |beta c|) for the products and sums (the beta scaling, the block sums added to C and the alpha product
 * are the extra roundings), plus u |want| for the rounding of the reference itself.
 */
function float32Bound(M: number, N: number, K: number, tA: boolean, tB: boolean, alpha: number, beta: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, C0: Float32Array, want: Float32Array): Float64Array {
  const out = new Float64Array(M * N);
  const gamma = ((K + 4) * U) / (1 - (K + 4) * U);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let mag = 0;
      for (let k = 0; k < K; k++) {
        const a = tA ? A[k * lda + i]! : A[i * lda + k]!;
        const b = tB ? B[j * ldb + k]! : B[k * ldb + j]!;
        mag += Math.abs(a * b);
      }
      const c = beta === 0 ? 0 : Math.abs(beta * C0[i * N + j]!);
      out[i * N + j] = gamma * (Math.abs(alpha) * mag + c) + U * Math.abs(want[i * N + j]!);
    }
  }
  return out;
}

export function runGemm(impl: Gemm, M: number, N: number, K: number, tA: boolean, tB: boolean, alpha: number, beta: number): GemmRun {
  const A = randomArray(M * K, M * 31 + K);
  const B = randomArray(K * N, N * 17 + K);
  const C0 = randomArray(M * N, 5);
  const lda = tA ? M : K;
  const ldb = tB ? K : N;
  const want = Float32Array.from(C0);
  gemmNaive(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, want, N);
  const got = Float32Array.from(C0);
  impl(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, got, N);
  return { got, want, bound: float32Bound(M, N, K, tA, tB, alpha, beta, A, lda, B, ldb, C0, want) };
}

/** The elements where |got - want| exceeds the float32 bound, as "i: got vs want (bound)" (at most 5). */
export function outOfBound(run: GemmRun): string[] {
  const bad: string[] = [];
  for (let i = 0; i < run.want.length && bad.length < 5; i++) {
    if (!(Math.abs(run.got[i]! - run.want[i]!) <= run.bound[i]!)) bad.push(`${i}: ${run.got[i]} vs ${run.want[i]} (bound ${run.bound[i]})`);
  }
  return bad;
}

/**
 * The WebAssembly kernels' arithmetic spelt out (gemm-simd.ts): K in equal blocks of at most 256, each
 * block in runs of 32 values of k from its start; a run sums its float32 products in float32, the runs
 * of a block add up in float64, and the block's sum times alpha is added to C in float32 (C scaled by
 * beta first). The tile and the row kernels must give its bits exactly, whatever the rows of a call.
 */
export function simdArithmetic(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void {
  const blocks = Math.ceil(K / 256), kc = Math.ceil(K / Math.max(1, blocks));
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const o = i * ldc + j;
      C[o] = beta === 0 ? 0 : Math.fround(C[o]! * beta);
      for (let p0 = 0; p0 < K; p0 += kc) {
        let block = 0;
        for (let r0 = p0; r0 < Math.min(K, p0 + kc); r0 += 32) {
          let run = 0;
          for (let p = r0; p < Math.min(K, p0 + kc, r0 + 32); p++) {
            const a = transA ? A[p * lda + i]! : A[i * lda + p]!;
            const b = transB ? B[j * ldb + p]! : B[p * ldb + j]!;
            run = Math.fround(run + Math.fround(a * b));
          }
          block += run;
        }
        C[o] = Math.fround(C[o]! + alpha * block);
      }
    }
  }
}
