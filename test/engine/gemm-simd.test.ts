// The TypeScript engine's two GEMM paths (the WebAssembly SIMD kernel and the pure TypeScript fallback)
// against the naive product and against each other, on awkward shapes in the transpose cases the passes
// use; then whole nets with the SIMD path on and forced off. The kernels are the TypeScript engine's, so
// these run the same on both runs of the suite.
import { execFileSync } from 'child_process';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { gemm, gemmNaive, gemmScalar } from '../../lib/engine/js/gemm';
import { gemmSimd, setSimd, simdKernel } from '../../lib/engine/js/gemm-simd';
import { Net } from '../../lib/engine/js/net';
import type { TrainResult } from '../../lib/engine/types';
import { runGemm } from '../helpers/gemm';
import { dense, initialParams, loss, netSpec, optimizer, randomArray } from '../helpers/spec';

type Gemm = typeof gemmScalar;
const SIZES = [1, 3, 17, 65, 257];
// as the passes call it: forward X W (NN), the kernel gradient X^T dZ (TN), the input gradient dZ W^T (NT)
const CASES = [[false, false], [true, false], [false, true], [true, true]] as const;

const simd = (): Gemm => {
  const k = simdKernel();
  if (!k) throw new Error('WebAssembly SIMD is not available');
  return (...args) => gemmSimd(k, ...args);
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
    it(`every M, N, K in {${SIZES.join(', ')}}, transA=${tA} transB=${tB}: both paths match the naive product, and each other`, () => {
      for (const M of SIZES) {
        for (const N of SIZES) {
          for (const K of SIZES) {
            const s = run(simd(), M, N, K, tA, tB, 1, 0);
            const f = run(gemmScalar, M, N, K, tA, tB, 1, 0);
            const shape = `${M}x${N}x${K}`;
            expect(maxRel(s.got, s.want), shape).toBeLessThan(1e-5);
            expect(maxRel(f.got, f.want), shape).toBeLessThan(1e-5);
            expect(maxRel(s.got, f.got), shape).toBeLessThan(1e-6);
            const s2 = run(simd(), M, N, K, tA, tB, 0.5, 1.5);
            const f2 = run(gemmScalar, M, N, K, tA, tB, 0.5, 1.5);
            expect(maxRel(s2.got, s2.want), shape).toBeLessThan(1e-5);
            expect(maxRel(s2.got, f2.got), shape).toBeLessThan(1e-6);
          }
        }
      }
    });
  }

  it('blocks beyond one panel (N > 512, K > 256, M > 96) and a C larger than the kernel memory at start', () => {
    for (const [M, N, K] of [[2100, 600, 3], [130, 530, 300], [97, 1030, 9]] as const) {
      for (const [tA, tB] of CASES.slice(0, 3)) {
        const s = run(simd(), M, N, K, tA, tB, 1, 0);
        expect(maxRel(s.got, s.want)).toBeLessThan(1e-5);
        expect(maxRel(s.got, run(gemmScalar, M, N, K, tA, tB, 1, 0).got)).toBeLessThan(1e-6);
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
        const want = randomArray(M * ldc, 3);
        const got = Float32Array.from(want);
        gemmNaive(tA, tB, M, N, K, 0.7, A, lda, B, ldb, beta, want, ldc);
        simd()(tA, tB, M, N, K, 0.7, A, lda, B, ldb, beta, got, ldc);
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < ldc; j++) {
            const k = i * ldc + j;
            if (j >= N) expect(got[k]).toBe(want[k]);
            else expect(Math.abs(got[k]! - want[k]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[k]!)));
          }
        }
      }
    }
  });

  it('K = 0 scales C by beta; beta = 0 clears NaN in C', () => {
    const C = Float32Array.from([1, 2, 3, 4]);
    simd()(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 2, C, 2);
    expect(Array.from(C)).toEqual([2, 4, 6, 8]);
    const D = Float32Array.from([NaN, NaN, NaN, NaN]);
    simd()(false, false, 2, 2, 1, 1, Float32Array.of(1, 2), 1, Float32Array.of(3, 4), 2, 0, D, 2);
    expect(Array.from(D)).toEqual([3, 4, 6, 8]);
  });

  it('setSimd(false) makes gemm() the TypeScript path, bit for bit', () => {
    const [M, N, K] = [65, 17, 257];
    const on = run(gemm, M, N, K, true, false, 1, 0);
    expect(setSimd(false)).toBe(false);
    expect(simdKernel()).toBeNull();
    const off = run(gemm, M, N, K, true, false, 1, 0);
    expect(Array.from(off.got)).toEqual(Array.from(run(gemmScalar, M, N, K, true, false, 1, 0).got));
    expect(maxRel(on.got, off.got)).toBeLessThan(1e-6);
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
