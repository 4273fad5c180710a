// The GEMM of the run's engine (the TypeScript gemm on the js run, the native sgemm wrapper on the
// native run) against the naive reference, for awkward shapes and every transpose combination.
import { describe, expect, it } from 'vitest';
import { gemm, gemmNaive } from '../../lib/engine/js';
import { runGemm } from '../helpers/gemm';
import { randomArray } from '../helpers/spec';
import { nativeOrSkip, RUN_ENGINE } from '../helpers/engines';

const shapes: [number, number, number][] = [
  // M x N x K: tiny, odd, one row (1xNxK), one column, tall, wide, deep (K > one KC block), N > one NC panel,
  // M > one MC block, exact multiples of the 4x4 tile, and everything just off them
  [1, 1, 1], [7, 13, 5], [1, 37, 19], [1, 300, 2], [129, 3, 70], [3, 150, 260], [64, 64, 64], [17, 1, 33], [5, 9, 300],
  [1000, 8, 5], [4, 1000, 7], [5, 4, 600], [130, 530, 9], [97, 5, 257], [4, 4, 4], [5, 5, 5], [3, 4, 4], [4, 3, 4],
];

type Gemm = typeof gemm;

function check(impl: Gemm, M: number, N: number, K: number, tA: boolean, tB: boolean, alpha: number, beta: number): number {
  const { want, got } = runGemm(impl, M, N, K, tA, tB, alpha, beta);
  let max = 0;
  for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(want[i]! - got[i]!) / (1 + Math.abs(want[i]!)));
  return max;
}

const impls: [string, () => Gemm | null][] = RUN_ENGINE === 'js'
  ? [['ts', () => gemm]]
  : [['native', () => nativeOrSkip()?.sgemm ?? null]];

describe.each(impls)('%s gemm vs naive reference', (name, get) => {
  for (const [M, N, K] of shapes) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`${M}x${N}x${K} transA=${tA} transB=${tB}`, (ctx) => {
        const impl = get();
        if (!impl) { ctx.skip(); return; }
        expect(check(impl, M, N, K, tA, tB, 1, 0)).toBeLessThan(1e-5);
        expect(check(impl, M, N, K, tA, tB, 0.5, 1.5)).toBeLessThan(1e-5);
      });
    }
  }
  it(`${name}: padded leading dimensions (lda, ldb, ldc larger than the rows) are honoured`, (ctx) => {
    const impl = get();
    if (!impl) { ctx.skip(); return; }
    for (const [tA, tB] of [[false, false], [true, false], [false, true]] as const) {
      const [M, N, K] = [9, 11, 6];
      const lda = (tA ? M : K) + 3, ldb = (tB ? K : N) + 2, ldc = N + 5;
      const A = randomArray((tA ? K : M) * lda, 1);
      const B = randomArray((tB ? N : K) * ldb, 2);
      const want = randomArray(M * ldc, 3);
      const got = Float32Array.from(want);
      gemmNaive(tA, tB, M, N, K, 0.7, A, lda, B, ldb, 0.3, want, ldc);
      impl(tA, tB, M, N, K, 0.7, A, lda, B, ldb, 0.3, got, ldc);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < ldc; j++) {
          const k = i * ldc + j;
          // the padding columns of C must stay untouched
          if (j >= N) expect(got[k]).toBe(want[k]);
          else expect(Math.abs(got[k]! - want[k]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[k]!)));
        }
      }
    }
  });
  it(`${name}: K = 0 scales C by beta`, (ctx) => {
    const impl = get();
    if (!impl) { ctx.skip(); return; }
    const C = Float32Array.from([1, 2, 3, 4]);
    impl(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 2, C, 2);
    expect(Array.from(C)).toEqual([2, 4, 6, 8]);
  });
});
