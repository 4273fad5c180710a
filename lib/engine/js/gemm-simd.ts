// The WebAssembly SIMD path of the TypeScript engine's GEMM: a register tile of f32x4 vectors (emitted
// by wasm-encoder.ts) over B packed in float32 panels and A read in place. Four lanes per vector (f64x2
// has two) and half the bytes per value are where its speed comes from. The products are float32 and
// are summed in float32 over runs of at most RUN values of k, each run then added into a float64
// accumulator: a KC block's sum is added to C in float32 as in the TypeScript kernel, and results stay
// within a few float32 roundings of it (a float32 sum over all of K drifts further: 1e-5 relative at
// K = 4097).
//
// The operands live in the JavaScript heap or in SharedArrayBuffers, which a WebAssembly memory cannot
// alias: A is copied into the module's memory (one memcpy, where packing it value by value cost a third
// of the kernel's time), B packed there, C accumulated in a padded float32 block there and copied out at
// the end. BLASNET_JS_SIMD=0 turns the path off.
import { packBlockB, scaleByBeta } from './gemm-pack';
import { encodeModule, F64, FunctionBuilder, I32, SIMD, V128 } from './wasm-encoder';

/** Rows and columns of the register tile: MR rows of NR columns, NR / 4 vectors per row. */
export const SIMD_MR = 4;
export const SIMD_NR = 8;
const KC = 256;
const MC = 96;
/** The float32 run length of k before a flush into the float64 accumulators. */
const RUN = 32;
const PAGE = 65536;
/** The float64 tile accumulators (MR x NR), then the packed B, A and C regions (offsets per call). */
const T_OFF = 0;
const B_OFF = 1024;

/**
 * tiles(aOff, aRowBytes, aKBytes, bOff, cOff, mPanels, nPanels, kc, ldcBytes, alpha): for every pair of
 * an A panel (mr rows, element (r, k) at aOff + r * aRowBytes + k * aKBytes) and a packed B panel (nr
 * columns) of one block, C tile += alpha * A panel x B panel, C being float32 at cOff with a row stride
 * of ldcBytes.
 */
export function tilesFunction(mr: number, nr: number): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32, F64]);
  const [aOff, rs, ks, bOff, cOff, mPanels, nPanels, kc, ldc, alpha] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const jp = f.local(I32), ip = f.local(I32), b = f.local(I32), k = f.local(I32), n = f.local(I32), c = f.local(I32);
  const ar = Array.from({ length: mr }, () => f.local(I32));
  const vecs = nr / 4;
  const acc = Array.from({ length: mr * vecs }, () => f.local(V128));
  const bv = Array.from({ length: vecs }, () => f.local(V128));
  const av = f.local(V128), alphaV = f.local(V128);
  const bStep = nr * 4;
  // float64 accumulator pair h (columns 2h, 2h + 1) of tile row r
  const pair = (r: number, h: number): number => T_OFF + (r * nr + 2 * h) * 8;

  f.get(alpha).simd(SIMD.f64x2Splat).set(alphaV);
  f.i32(0).set(jp);
  f.loop();                                                       // over the B panels
  f.i32(0).set(ip);
  f.loop();                                                       // over the A panels
  f.get(aOff).get(ip).i32(mr).i32Mul().get(rs).i32Mul().i32Add().set(ar[0]!);
  for (let r = 1; r < mr; r++) f.get(ar[r - 1]!).get(rs).i32Add().set(ar[r]!);
  f.get(bOff).get(jp).get(kc).i32Mul().i32(bStep).i32Mul().i32Add().set(b);
  for (let r = 0; r < mr; r++) for (let h = 0; h < nr / 2; h++) f.i32(0).v128Zero().simd(SIMD.store, [4, pair(r, h)]);
  for (const v of acc) f.v128Zero().set(v);
  f.get(kc).set(k);
  f.loop();                                                       // over runs of at most RUN values of k
  f.get(k).i32(RUN).get(k).i32(RUN).i32LtU().select().set(n);
  f.get(k).get(n).i32Sub().set(k);
  f.loop();                                                       // over k: one rank-1 update of the tile
  for (let v = 0; v < vecs; v++) f.get(b).simd(SIMD.load, [4, v * 16]).set(bv[v]!);
  for (let r = 0; r < mr; r++) {
    f.get(ar[r]!).simd(SIMD.load32Splat, [2, 0]).set(av);
    for (let v = 0; v < vecs; v++) {
      const t = acc[r * vecs + v]!;
      f.get(t).get(av).get(bv[v]!).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(t);
    }
    f.get(ar[r]!).get(ks).i32Add().set(ar[r]!);
  }
  f.get(b).i32(bStep).i32Add().set(b);
  f.get(n).i32(1).i32Sub().tee(n).brIf(0);
  f.end();
  // the run's float32 sums into the float64 accumulators: lanes 0-1, then lanes 2-3
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < vecs; v++) {
      const t = acc[r * vecs + v]!;
      f.i32(0).i32(0).simd(SIMD.load, [4, pair(r, 2 * v)]).get(t).simd(SIMD.f64x2PromoteLowF32x4).simd(SIMD.f64x2Add)
        .simd(SIMD.store, [4, pair(r, 2 * v)]);
      f.i32(0).i32(0).simd(SIMD.load, [4, pair(r, 2 * v + 1)])
        .get(t).get(t).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15])
        .simd(SIMD.f64x2PromoteLowF32x4).simd(SIMD.f64x2Add).simd(SIMD.store, [4, pair(r, 2 * v + 1)]);
      f.v128Zero().set(t);
    }
  }
  f.get(k).brIf(0);
  f.end();
  // C row r, columns 2h..2h+1: float32 pair -> float64, + alpha * sum, -> float32 pair
  f.get(cOff).get(ip).i32(mr).i32Mul().get(ldc).i32Mul().i32Add().get(jp).i32(bStep).i32Mul().i32Add().set(c);
  for (let r = 0; r < mr; r++) {
    for (let h = 0; h < nr / 2; h++) {
      f.get(c).get(c).simd(SIMD.load64Zero, [3, h * 8]).simd(SIMD.f64x2PromoteLowF32x4);
      f.i32(0).simd(SIMD.load, [4, pair(r, h)]).get(alphaV).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add);
      f.simd(SIMD.f32x4DemoteF64x2Zero).simd(SIMD.store64Lane, [3, h * 8], 0);
    }
    if (r < mr - 1) f.get(c).get(ldc).i32Add().set(c);
  }
  f.get(ip).i32(1).i32Add().tee(ip).get(mPanels).i32Ne().brIf(0);
  f.end();
  f.get(jp).i32(1).i32Add().tee(jp).get(nPanels).i32Ne().brIf(0);
  f.end();
  return f;
}

/** The smallest module using a SIMD instruction: validates only where WebAssembly SIMD is supported. */
function simdProbe(): Uint8Array {
  const probe = new FunctionBuilder([]);
  probe.v128Zero().v128Zero().simd(SIMD.f32x4Add).op(0x1a); // drop
  return encodeModule(0, [['probe', probe]]);
}

// The part of the WebAssembly JavaScript API used here (the compiler's ES2022 and Node libraries do not
// declare it).
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface Kernel {
  memory: WasmMemory;
  tiles: (aOff: number, aRowBytes: number, aKBytes: number, bOff: number, cOff: number, mPanels: number, nPanels: number,
    kc: number, ldcBytes: number, alpha: number) => void;
  f32: Float32Array;
}

let kernel: Kernel | null | undefined;

function instantiate(): Kernel | null {
  if (!wasm || !wasm.validate(simdProbe())) return null;
  const pages = Math.ceil((16 << 20) / PAGE);
  const instance = new wasm.Instance(new wasm.Module(encodeModule(pages, [['tiles', tilesFunction(SIMD_MR, SIMD_NR)]])));
  const memory = instance.exports.memory as WasmMemory;
  return { memory, tiles: instance.exports.tiles as Kernel['tiles'], f32: new Float32Array(memory.buffer) };
}

/** The compiled kernel, or null where WebAssembly SIMD is missing or BLASNET_JS_SIMD=0. */
export function simdKernel(): Kernel | null {
  if (kernel === undefined) kernel = process.env.BLASNET_JS_SIMD === '0' ? null : instantiate();
  return kernel;
}

/** Turns the SIMD path on (where supported) or off for this thread; returns whether it is on. */
export function setSimd(on: boolean): boolean {
  kernel = on ? instantiate() : null;
  return kernel !== null;
}

function reserve(k: Kernel, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (bytes <= have) return;
  k.memory.grow(Math.ceil((bytes - have) / PAGE));
  k.f32 = new Float32Array(k.memory.buffer);
}

/**
 * C = alpha * op(A) * op(B) + beta * C like gemm() in gemm.ts, for any shape, on the SIMD kernel (which
 * the caller got from simdKernel()).
 */
export function gemmSimd(k: Kernel, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void {
  if (M === 0 || N === 0) return;
  scaleByBeta(M, N, beta, C, ldc);
  if (K === 0 || alpha === 0) return;
  const ldw = Math.ceil(N / SIMD_NR) * SIMD_NR;
  const rowsW = Math.ceil(M / SIMD_MR) * SIMD_MR;
  // A as stored: op(A) rows along its rows (untransposed) or along its columns (transposed). The
  // padding rows of the last panel read up to SIMD_MR rows or columns beyond it: the region has room.
  const span = transA ? (K - 1) * lda + M : (M - 1) * lda + K;
  const aOff = align(B_OFF + K * ldw * 4);
  const cOff = align(aOff + (span + SIMD_MR * (lda + 1)) * 4);
  reserve(k, cOff + rowsW * ldw * 4);
  const w = k.f32;
  w.set(A.subarray(0, span), aOff / 4);
  const cBase = cOff / 4;
  if (beta === 0) w.fill(0, cBase, cBase + rowsW * ldw);
  else copyRows(M, N, C, 0, ldc, w, cBase, ldw);
  const rowBytes = transA ? 4 : lda * 4, kBytes = transA ? lda * 4 : 4;
  const kcMax = blockLength(K);
  for (let p0 = 0; p0 < K; p0 += kcMax) {
    const kc = Math.min(kcMax, K - p0);
    const bOff = B_OFF + p0 * ldw * 4;
    packBlockB(transB, B, ldb, p0, kc, 0, N, SIMD_NR, w, bOff / 4);
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = Math.min(MC, M - i0);
      const a = aOff + (transA ? p0 * lda + i0 : i0 * lda + p0) * 4;
      k.tiles(a, rowBytes, kBytes, bOff, cOff + i0 * ldw * 4, Math.ceil(mc / SIMD_MR), ldw / SIMD_NR, kc, ldw * 4, alpha);
    }
  }
  copyRows(M, N, w, cBase, ldw, C, 0, ldc);
}

/** K in equal blocks of at most KC (784 = 4 x 196, not 3 x 256 + 16): no short last block. */
function blockLength(K: number): number {
  return Math.ceil(K / Math.ceil(K / KC));
}

let runSums = new Float32Array(64);
let blockSums = new Float64Array(64);

/**
 * gemmSimd's arithmetic in TypeScript, for fewer rows than the tile (one-row predicts, a batch's last
 * rows): the same float32 products and runs and float64 block sums, so a row's result does not depend
 * on how many rows its call had. An untransposed B is swept along its rows (unit stride).
 */
export function gemmSimdRows(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void {
  if (M === 0 || N === 0) return;
  scaleByBeta(M, N, beta, C, ldc);
  if (K === 0 || alpha === 0) return;
  if (runSums.length < N) {
    runSums = new Float32Array(N);
    blockSums = new Float64Array(N);
  }
  const run = runSums, block = blockSums;
  const kcMax = blockLength(K);
  for (let i = 0; i < M; i++) {
    const c0 = i * ldc;
    for (let p0 = 0; p0 < K; p0 += kcMax) {
      const pEnd = Math.min(K, p0 + kcMax);
      block.fill(0, 0, N);
      for (let r0 = p0; r0 < pEnd; r0 += RUN) {
        const rEnd = Math.min(pEnd, r0 + RUN);
        run.fill(0, 0, N);
        // Math.fround rounds each product and each sum, the float32 array the last: the f32x4 lanes' arithmetic
        let p = r0;
        if (!transB) {
          // four rows of B per sweep, the sums still in k order: a quarter of the loads and stores of run
          for (; p + 4 <= rEnd; p += 4) {
            const a0 = aAt(A, transA, lda, i, p), a1 = aAt(A, transA, lda, i, p + 1);
            const a2 = aAt(A, transA, lda, i, p + 2), a3 = aAt(A, transA, lda, i, p + 3);
            const b0 = p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            for (let j = 0; j < N; j++) {
              const s1 = Math.fround(run[j]! + Math.fround(a0 * B[b0 + j]!));
              const s2 = Math.fround(s1 + Math.fround(a1 * B[b1 + j]!));
              const s3 = Math.fround(s2 + Math.fround(a2 * B[b2 + j]!));
              run[j] = s3 + Math.fround(a3 * B[b3 + j]!);
            }
          }
        }
        for (; p < rEnd; p++) {
          const a = aAt(A, transA, lda, i, p);
          if (transB) {
            for (let j = 0, b = p; j < N; j++, b += ldb) run[j] = run[j]! + Math.fround(a * B[b]!);
          } else {
            const row = p * ldb;
            for (let j = 0; j < N; j++) run[j] = run[j]! + Math.fround(a * B[row + j]!);
          }
        }
        for (let j = 0; j < N; j++) block[j] = block[j]! + run[j]!;
      }
      for (let j = 0; j < N; j++) C[c0 + j] = C[c0 + j]! + alpha * block[j]!;
    }
  }
}

function aAt(A: Float32Array, transA: boolean, lda: number, i: number, p: number): number {
  return transA ? A[p * lda + i]! : A[i * lda + p]!;
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

/** dst rows = src rows (M rows of N floats): one memcpy when both are dense, else row by row. */
function copyRows(M: number, N: number, src: Float32Array, srcOff: number, lds: number, dst: Float32Array, dstOff: number,
  ldd: number): void {
  if (lds === N && ldd === N) {
    dst.set(src.subarray(srcOff, srcOff + M * N), dstOff);
  } else if (N >= 64) {
    for (let i = 0; i < M; i++) dst.set(src.subarray(srcOff + i * lds, srcOff + i * lds + N), dstOff + i * ldd);
  } else {
    // short rows: a subarray per row would cost more than the copy
    for (let i = 0; i < M; i++) {
      const s = srcOff + i * lds, d = dstOff + i * ldd;
      for (let j = 0; j < N; j++) dst[d + j] = src[s + j]!;
    }
  }
}
