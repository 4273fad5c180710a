// The raw native binding's BLAS: its report and thread setting, sgemm against a naive reference (every
// transpose, strides, alpha/beta, argument checks with codes), and lib/engine/native.ts's nativeSgemm.
// Runs on the native run of the suite (where the native engine must load when BLASNET_REQUIRE_NATIVE=1).
import { describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { nativeBinding, nativeSgemm, type NativeBinding } from '../../lib/engine/native';
import { throwsCode } from '../helpers/codes';
import { nativeOrSkip, skippedOnThisRun } from '../helpers/engines';
import { randomArray } from '../helpers/spec';

const b: NativeBinding | null = nativeOrSkip() ? nativeBinding() : null;
if (!b) describe('native binding sgemm', () => skippedOnThisRun('the raw native binding', 'native'));

function naiveGemm(ta: boolean, tb: boolean, M: number, N: number, K: number, alpha: number, A: Float32Array,
  lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): Float32Array {
  const out = C.slice();
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (ta ? A[k * lda + i]! : A[i * lda + k]!) * (tb ? B[j * ldb + k]! : B[k * ldb + j]!);
      out[i * ldc + j] = alpha * s + beta * C[i * ldc + j]!;
    }
  }
  return out;
}

describe.skipIf(!b)('native binding sgemm', () => {
  const B = b!;

  it('reports its BLAS and sets threads', () => {
    const info = B.blasInfo();
    expect(info.config).toMatch(/OpenBLAS/);
    expect(info.core.length).toBeGreaterThan(0);
    B.setNumThreads(1);
    expect(B.blasInfo().threads).toBe(1);
    B.setNumThreads(2);
    throwsCode(() => B.setNumThreads(0), 'ERR_INVALID_ARG', /Expected an integer from 1 to 1024 for n but received 0/);
    throwsCode(() => B.setNumThreads(1.5), 'ERR_INVALID_ARG');
    throwsCode(() => (B.setNumThreads as (n: unknown) => void)('2'), 'ERR_INVALID_ARG');
  });

  describe('sgemm', () => {
    const shapes: [number, number, number][] = [[1, 1, 1], [7, 13, 5], [1, 37, 19], [1, 1, 64], [130, 3, 7],
      [3, 130, 7], [64, 65, 66], [5, 9, 0]];
    for (const [M, N, K] of shapes) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          it(`${M}x${N}x${K} transA=${ta} transB=${tb} matches the naive loop`, () => {
            const lda = (ta ? M : K) + 1; // padded leading dimensions
            const ldb = (tb ? K : N) + 2;
            const ldc = N + 3;
            const A = randomArray((ta ? K : M) * lda, M * 31 + N, 1);
            const Bm = randomArray((tb ? N : K) * ldb, K * 17 + 3, 1);
            const C = randomArray(M * ldc, 99, 1);
            const want = naiveGemm(ta, tb, M, N, K, 1.5, A, lda, Bm, ldb, 0.5, C, ldc);
            B.sgemm(ta, tb, M, N, K, 1.5, A, lda, Bm, ldb, 0.5, C, ldc);
            let md = 0;
            for (let i = 0; i < C.length; i++) md = Math.max(md, Math.abs(C[i]! - want[i]!));
            expect(md).toBeLessThan(1e-5 * Math.max(1, K));
          });
        }
      }
    }

    it('rejects bad arguments with codes', () => {
      const A = new Float32Array(6);
      const Bm = new Float32Array(6);
      const C = new Float32Array(4);
      const ok = [false, false, 2, 2, 3, 1, A, 3, Bm, 2, 0, C, 2] as const;
      const call = (...args: unknown[]): void => (B.sgemm as unknown as (...a: unknown[]) => void)(...args);
      expect(() => call(...ok)).not.toThrow();
      const bad = (i: number, v: unknown, code: string, msg?: RegExp): void => {
        const args: unknown[] = [...ok];
        args[i] = v;
        throwsCode(() => call(...args), code, msg);
      };
      bad(0, 1, 'ERR_INVALID_ARG', /Expected a boolean for transA but received 1/);
      bad(2, -1, 'ERR_INVALID_ARG', /for M/);
      bad(3, 2.5, 'ERR_INVALID_ARG', /for N/);
      bad(4, NaN, 'ERR_INVALID_ARG', /for K but received NaN/);
      bad(5, Infinity, 'ERR_INVALID_ARG', /for alpha/);
      bad(6, new Float64Array(6), 'ERR_INVALID_ARG', /Expected a Float32Array for A but received a Float64Array of length 6/);
      bad(6, [1, 2, 3, 4, 5, 6], 'ERR_INVALID_ARG', /for A but received an array/);
      bad(6, new Float32Array(5), 'ERR_SHAPE_MISMATCH', /length at least 6 for A/);
      bad(7, 2, 'ERR_INVALID_ARG', /for lda/);
      bad(8, new Float32Array(5), 'ERR_SHAPE_MISMATCH', /for B/);
      bad(9, 1, 'ERR_INVALID_ARG', /for ldb/);
      bad(11, new Float32Array(3), 'ERR_SHAPE_MISMATCH', /for C/);
      bad(12, 1, 'ERR_INVALID_ARG', /for ldc/);
      bad(2, 2 ** 40, 'ERR_INVALID_ARG', /for M/);
      throwsCode(() => call(), 'ERR_INVALID_ARG', /for transA but received undefined/);
    });

    it('rejects detached buffers', () => {
      const A = new Float32Array(4);
      structuredClone(A.buffer, { transfer: [A.buffer] });
      expect(A.buffer.byteLength).toBe(0);
      throwsCode(() => B.sgemm(false, false, 2, 2, 2, 1, A, 2, new Float32Array(4), 2, 0, new Float32Array(4), 2),
        'ERR_INVALID_ARG', /detached/);
    });
  });

  describe('nativeSgemm (lib/engine/native.ts)', () => {
    it('nativeSgemm computes and checks', () => {
      const C = new Float32Array(1);
      nativeSgemm(false, false, 1, 1, 2, 1, Float32Array.of(1, 2), 2, Float32Array.of(3, 4), 1, 0, C, 1);
      expect(C[0]).toBe(11);
      expect(() => nativeSgemm(false, false, 1, 1, 2, 1, Float32Array.of(1), 2, Float32Array.of(3, 4), 1, 0, C, 1))
        .toThrow(BlasnetError);
    });
  });
});
