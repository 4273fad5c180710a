// One GEMM case for the kernel tests: seeded operands in the layout the transposes ask for, the naive product
// as the reference (`want`) and the kernel under test's result (`got`), from the same starting C.
import { gemmNaive } from '../../lib/engine/js/gemm';
import { randomArray } from './spec';

export type Gemm = typeof gemmNaive;
export interface GemmRun { got: Float32Array; want: Float32Array }

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
  return { got, want };
}
