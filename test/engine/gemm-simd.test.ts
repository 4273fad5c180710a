// The TypeScript engine's two GEMM paths (the WebAssembly SIMD kernels, float32 sums: the 4-row tile and
// the row kernel; the pure TypeScript fallback, float64 sums per block) against the naive product,
// within its float32 rounding bound, on awkward shapes (off the 4x8 tile and the blocks, 1 to 4097 rows,
// columns or k) in every transpose case; then whole nets with the SIMD path on and forced off. The kernels are the TypeScript
// engine's, so these run the same on both runs of the suite.
import { execFileSync } from 'child_process';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { gemm, gemmNaive, gemmScalar } from '../../lib/engine/js/gemm';
import { gemmRows } from '../../lib/engine/js/gemm-rows';
import { gemmSimd, setSimd, simdKernel } from '../../lib/engine/js/gemm-simd';
import { Net } from '../../lib/engine/js/net';
import type { TrainResult } from '../../lib/engine/types';
import { outOfBound, runGemm, simdArithmetic } from '../helpers/gemm';
import { dense, initialParams, loss, netSpec, optimizer, randomArray } from '../helpers/spec';

type Gemm = typeof gemmScalar;
const SIZES = [1, 3, 17, 255];
// one dimension beyond a block (4097 > KC, MC, NC) with the others small, so the naive reference stays quick
const LONG = [[4097, 3, 17], [3, 4097, 17], [17, 3, 4097], [4097, 255, 3], [255, 4097, 3], [9, 255, 4097]] as const;
// as the passes call it: forward X W (NN), the kernel gradient X^T dZ (TN), the input gradient dZ W^T (NT)
const CASES = [[false, false], [true, false], [false, true], [true, true]] as const;

const simd = (): Gemm => {
  const k = simdKernel();
  if (!k) throw new Error('WebAssembly SIMD is not available');
  return (...args) => gemmSimd(k, ...args);
};
// the kernel of fewer rows than the tile, here given any M
const rows = (): Gemm => {
  const k = simdKernel();
  if (!k) throw new Error('WebAssembly SIMD is not available');
  return (...args) => gemmRows(k.rows, ...args);
};


const run = runGemm;

/** The largest |a - b| / (1 + |b|) over the elements. */
function maxRel(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < b.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return max;
}

afterEach(() => { setSimd(process.env.BLASNET_JS_SIMD !== '0'); });

describe('TypeScript engine GEMM: WebAssembly SIMD kernel and TypeScript fallback', () => {
  it('WebAssembly SIMD is detected on this Node (so the SIMD path is what the suite tests)', () => {
    expect(process.env.BLASNET_JS_SIMD === '0' || simdKernel() !== null).toBe(true);
  });

  for (const [tA, tB] of CASES) {
    it(`every M, N, K in {${SIZES.join(', ')}}, transA=${tA} transB=${tB}: both paths within the float32 bound of the naive product`, () => {
      for (const M of SIZES) {
        for (const N of SIZES) {
          for (const K of SIZES) {
            const shape = `${M}x${N}x${K}`;
            for (const impl of [simd(), rows(), gemmScalar]) {
              for (const [alpha, beta] of [[1, 0], [0.5, 1.5]] as const) {
                const r = run(impl, M, N, K, tA, tB, alpha, beta);
                expect(outOfBound(r), shape).toEqual([]);
                expect(maxRel(r.got, r.want), shape).toBeLessThan(1e-5);
              }
            }
          }
        }
      }
    });
  }

  it(`one of M, N, K = 4097 (${LONG.map((s) => s.join('x')).join(', ')}), every transpose case: both paths within the bound`, () => {
    for (const [M, N, K] of LONG) {
      for (const [tA, tB] of CASES) {
        for (const impl of [simd(), rows(), gemmScalar]) {
          const r = run(impl, M, N, K, tA, tB, 1, 0);
          expect(outOfBound(r), `${M}x${N}x${K} ${tA} ${tB}`).toEqual([]);
          expect(maxRel(r.got, r.want)).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('a row comes out bit for bit the same whatever the rows of its call and the path (the 4-row tile, the row kernel)', () => {
    for (const [N, K] of [[17, 784], [8, 3], [255, 65], [4097, 40], [33, 300]] as const) {
      for (const [tA, tB] of CASES) {
        const M = 9;
        const A = randomArray(M * K, K), B = randomArray(K * N, N);
        const lda = tA ? M : K, ldb = tB ? K : N;
        const all = new Float32Array(M * N);
        simd()(tA, tB, M, N, K, 1, A, lda, B, ldb, 0, all, N);
        const spelt = new Float32Array(M * N);
        simdArithmetic(tA, tB, M, N, K, 1, A, lda, B, ldb, 0, spelt, N);
        expect(Array.from(all), `the tile, ${N}x${K} ${tA} ${tB}`).toEqual(Array.from(spelt));
        const inPlace = new Float32Array(M * N); // the 4 x 8 tile over B as stored, then one row
        rows()(tA, tB, M, N, K, 1, A, lda, B, ldb, 0, inPlace, N);
        expect(Array.from(inPlace), `B as stored, ${N}x${K} ${tA} ${tB}`).toEqual(Array.from(spelt));
        for (let i = 0; i < M; i++) {
          // row i alone: op(A)'s row i as a one-row matrix in the same storage order
          const row = tA ? A.filter((_, e) => e % M === i) : A.subarray(i * K, (i + 1) * K);
          const one = new Float32Array(N);
          gemm(tA, tB, 1, N, K, 1, row, tA ? 1 : K, B, ldb, 0, one, N);
          expect(Array.from(one), `row ${i} of ${N}x${K} ${tA} ${tB}`).toEqual(Array.from(all.subarray(i * N, (i + 1) * N)));
        }
        const three = new Float32Array(3 * N);
        gemm(tA, tB, 3, N, K, 1, tA ? A.filter((_, e) => e % M < 3) : A, tA ? 3 : K, B, ldb, 0, three, N);
        expect(Array.from(three)).toEqual(Array.from(all.subarray(0, 3 * N)));
      }
    }
  });

  it('blocks beyond one panel (N > 512, K > 256, M > 96) and a C larger than the kernel memory at start', () => {
    for (const [M, N, K] of [[2100, 600, 3], [130, 530, 300], [97, 1030, 9]] as const) {
      for (const [tA, tB] of CASES.slice(0, 3)) {
        const s = run(simd(), M, N, K, tA, tB, 1, 0);
        expect(outOfBound(s)).toEqual([]);
        expect(maxRel(s.got, s.want)).toBeLessThan(1e-5);
      }
    }
  });

  it('padded leading dimensions are honoured and the padding of C stays untouched', () => {
    for (const [tA, tB] of CASES) {
      const [M, N, K] = [9, 11, 6];
      const lda = (tA ? M : K) + 3, ldb = (tB ? K : N) + 2, ldc = N + 5;
      const A = randomArray((tA ? K : M) * lda, 1);
      const B = randomArray((tB ? N : K) * ldb, 2);
      for (const beta of [0, 0.3]) {
        const C0 = randomArray(M * ldc, 3);
        const want = Float32Array.from(C0);
        gemmNaive(tA, tB, M, N, K, 0.7, A, lda, B, ldb, beta, want, ldc);
        for (const impl of [simd(), rows()]) {
          const got = Float32Array.from(C0);
          impl(tA, tB, M, N, K, 0.7, A, lda, B, ldb, beta, got, ldc);
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < ldc; j++) {
              const k = i * ldc + j;
              if (j >= N) expect(got[k]).toBe(want[k]);
              else expect(Math.abs(got[k]! - want[k]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[k]!)));
            }
          }
        }
      }
    }
  });

  it('K = 0 scales C by beta; beta = 0 clears NaN in C', () => {
    for (const impl of [simd(), rows()]) {
      const C = Float32Array.from([1, 2, 3, 4]);
      impl(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 2, C, 2);
      expect(Array.from(C)).toEqual([2, 4, 6, 8]);
      const D = Float32Array.from([NaN, NaN, NaN, NaN]);
      impl(false, false, 2, 2, 1, 1, Float32Array.of(1, 2), 1, Float32Array.of(3, 4), 2, 0, D, 2);
      expect(Array.from(D)).toEqual([3, 4, 6, 8]);
    }
  });

  it('setSimd(false) makes gemm() the TypeScript path, bit for bit', () => {
    const [M, N, K] = [65, 17, 257];
    const on = run(gemm, M, N, K, true, false, 1, 0);
    expect(setSimd(false)).toBe(false);
    expect(simdKernel()).toBeNull();
    const off = run(gemm, M, N, K, true, false, 1, 0);
    expect(Array.from(off.got)).toEqual(Array.from(run(gemmScalar, M, N, K, true, false, 1, 0).got));
    // the two paths differ by float32 roundings only (float32 runs of k against float64 block sums)
    expect(outOfBound(on)).toEqual([]);
    expect(maxRel(on.got, off.got)).toBeLessThan(1e-5);
  });

  it('BLASNET_JS_SIMD=0 turns the SIMD path off in a new process', () => {
    const file = path.resolve(__dirname, '..', '..', 'dist', 'engine', 'js', 'gemm-simd.js');
    const probe = `process.stdout.write(String(require(${JSON.stringify(file)}).simdKernel() !== null))`;
    const env = (v: string | undefined): NodeJS.ProcessEnv => ({ ...process.env, BLASNET_JS_SIMD: v });
    expect(execFileSync(process.execPath, ['-e', probe], { env: env('0'), timeout: 20000 }).toString()).toBe('false');
    const { BLASNET_JS_SIMD: _, ...rest } = process.env;
    expect(execFileSync(process.execPath, ['-e', probe], { env: rest, timeout: 20000 }).toString()).toBe('true');
  });
});

describe('TypeScript engine nets with the SIMD path on and forced off', () => {
  const spec = netSpec(65, [dense(65, 257, 'relu'), dense(257, 17, 'tanh'), dense(17, 3, 'softmax')],
    loss('categoricalCrossentropy'), optimizer('adam'));
  const rows = 300;
  const x = randomArray(rows * 65, 11);
  const y = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) y[r * 3 + (r % 3)] = 1;

  function trained(on: boolean): { net: Net; preds: Float32Array; result: TrainResult } {
    setSimd(on);
    const net = new Net(spec, initialParams(spec, 7));
    const order = Uint32Array.from({ length: rows }, (_, i) => (i * 37) % rows);
    const result: TrainResult = { lossSum: 0, samples: 0, batches: 0, nonFiniteBatch: -1 };
    net.trainBatches(x, rows, 65, y, 3, order, 33, null, null, null, result);
    const preds = new Float32Array(rows * 3);
    net.predict(x, rows, 65, 128, preds);
    return { net, preds, result };
  }

  it('predictions agree within 1e-6 relative, before and after ten training steps, and so do the losses and weights', () => {
    const before = (on: boolean): Float32Array => {
      setSimd(on);
      const out = new Float32Array(rows * 3);
      new Net(spec, initialParams(spec, 7)).predict(x, rows, 65, 64, out);
      return out;
    };
    expect(maxRel(before(true), before(false))).toBeLessThan(1e-6);
    const s = trained(true);
    const f = trained(false);
    expect(s.result.batches).toBe(10);
    expect(Math.abs(s.result.lossSum - f.result.lossSum)).toBeLessThan(1e-6 * Math.abs(f.result.lossSum));
    expect(maxRel(s.preds, f.preds)).toBeLessThan(1e-6);
    expect(maxRel(s.net.params, f.net.params)).toBeLessThan(1e-6);
  });
});
