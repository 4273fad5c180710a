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
// the end. Fewer rows than the tile, and the calls with a kept B, go to the same function compiled for B
// as stored (gemm-rows.ts), in a module of its own. BLASNET_JS_SIMD=0 turns the path off.
import { align, OperandHeap, type WasmMemory } from './gemm-cache';
import { packBlockB, scaleByBeta } from './gemm-pack';
import { encodeModule, F64, FunctionBuilder, I32, SIMD, V128 } from './wasm-encoder';

/** Rows and columns of the register tile: MR rows of NR columns, NR / 4 vectors per row. */
export const SIMD_MR = 4;
export const SIMD_NR = 8;
/** Columns of the one-row tile (gemm-rows.ts): with one row, more columns keep more sums in flight. */
export const ROW_NR = 32;
const KC = 256;
const MC = 96;
/** The float32 run length of k before a flush into the float64 accumulators. */
const RUN = 32;
const PAGE = 65536;
/** The float64 tile accumulators (MR x NR, or 1 x ROW_NR), then the packed B, A and C regions (offsets per call). */
const T_OFF = 0;
const B_OFF = 1024;

/**
 * tiles(aOff, aRowBytes, aKBytes, bOff, bKBytes, bPanelBytes, cOff, mPanels, nPanels, kc, ldcBytes,
 * alpha): for every pair of an A panel (mr rows, element (r, k) at aOff + r * aRowBytes + k * aKBytes)
 * and a B panel (nr columns, its nr values of k at bOff + panel * bPanelBytes + k * bKBytes) of one
 * block, C tile += alpha * A panel x B panel, C being float32 at cOff with a row stride of ldcBytes.
 * Without `stridedB`, B is in packed panels (bKBytes = nr * 4, bPanelBytes = kc * nr * 4), which the
 * code then takes as constants and ignores those two arguments: 2% faster on the 4-row tile.
 */
export function tilesFunction(mr: number, nr: number, stridedB = false): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F64]);
  const [aOff, rs, ks, bOff, bk, bPanel, cOff, mPanels, nPanels, kc, ldc, alpha] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const jp = f.local(I32), ip = f.local(I32), b = f.local(I32), k = f.local(I32), n = f.local(I32), c = f.local(I32);
  const ar = Array.from({ length: mr }, () => f.local(I32));
  const vecs = nr / 4;
  const acc = Array.from({ length: mr * vecs }, () => f.local(V128));
  // one row uses each B vector once: loaded where it is used, no locals to hold (and spill)
  const bv = mr > 1 ? Array.from({ length: vecs }, () => f.local(V128)) : [];
  const av = f.local(V128), alphaV = f.local(V128);
  const nrBytes = nr * 4;
  // float64 accumulator pair h (columns 2h, 2h + 1) of tile row r
  const pair = (r: number, h: number): number => T_OFF + (r * nr + 2 * h) * 8;

  f.get(alpha).simd(SIMD.f64x2Splat).set(alphaV);
  f.i32(0).set(jp);
  f.loop();                                                       // over the B panels
  f.i32(0).set(ip);
  f.loop();                                                       // over the A panels
  f.get(aOff).get(ip).i32(mr).i32Mul().get(rs).i32Mul().i32Add().set(ar[0]!);
  for (let r = 1; r < mr; r++) f.get(ar[r - 1]!).get(rs).i32Add().set(ar[r]!);
  if (stridedB) f.get(bOff).get(jp).get(bPanel).i32Mul().i32Add().set(b);
  else f.get(bOff).get(jp).get(kc).i32Mul().i32(nrBytes).i32Mul().i32Add().set(b);
  for (let r = 0; r < mr; r++) for (let h = 0; h < nr / 2; h++) f.i32(0).v128Zero().simd(SIMD.store, [4, pair(r, h)]);
  for (const v of acc) f.v128Zero().set(v);
  f.get(kc).set(k);
  f.loop();                                                       // over runs of at most RUN values of k
  f.get(k).i32(RUN).get(k).i32(RUN).i32LtU().select().set(n);
  f.get(k).get(n).i32Sub().set(k);
  f.loop();                                                       // over k: one rank-1 update of the tile
  for (const v of bv.keys()) f.get(b).simd(SIMD.load, [4, v * 16]).set(bv[v]!);
  for (let r = 0; r < mr; r++) {
    f.get(ar[r]!).simd(SIMD.load32Splat, [2, 0]).set(av);
    for (let v = 0; v < vecs; v++) {
      const t = acc[r * vecs + v]!;
      f.get(t).get(av);
      if (mr > 1) f.get(bv[v]!);
      else f.get(b).simd(SIMD.load, [4, v * 16]);
      f.simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(t);
    }
    f.get(ar[r]!).get(ks).i32Add().set(ar[r]!);
  }
  if (stridedB) f.get(b).get(bk).i32Add().set(b);
  else f.get(b).i32(nrBytes).i32Add().set(b);
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
  f.get(cOff).get(ip).i32(mr).i32Mul().get(ldc).i32Mul().i32Add().get(jp).i32(nrBytes).i32Mul().i32Add().set(c);
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
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

export type TilesFn = (aOff: number, aRowBytes: number, aKBytes: number, bOff: number, bKBytes: number, bPanelBytes: number,
  cOff: number, mPanels: number, nPanels: number, kc: number, ldcBytes: number, alpha: number) => void;

/**
 * The kernels over B as stored (gemm-rows.ts), in a module of their own whose memory is a heap that
 * keeps operands: `tiles` one row by ROW_NR columns, `quads` the 4 x 8 tile reading B in place.
 */
export interface RowKernel { tiles: TilesFn; quads: TilesFn; heap: OperandHeap }

interface Kernel {
  memory: WasmMemory;
  tiles: TilesFn;
  f32: Float32Array;
  rows: RowKernel;
}

let kernel: Kernel | null | undefined;

function compile(functions: [string, FunctionBuilder][], bytes: number): { memory: WasmMemory; exports: Record<string, unknown> } {
  const instance = new wasm!.Instance(new wasm!.Module(encodeModule(Math.ceil(bytes / PAGE), functions)));
  return { memory: instance.exports.memory as WasmMemory, exports: instance.exports };
}

function instantiate(): Kernel | null {
  if (!wasm || !wasm.validate(simdProbe())) return null;
  const packed = compile([['tiles', tilesFunction(SIMD_MR, SIMD_NR)]], 16 << 20);
  const inPlace = compile([['tiles', tilesFunction(1, ROW_NR, true)], ['quads', tilesFunction(SIMD_MR, SIMD_NR, true)]], 2 << 20);
  const rows = { tiles: inPlace.exports.tiles as TilesFn, quads: inPlace.exports.quads as TilesFn, heap: new OperandHeap(inPlace.memory, B_OFF) };
  return { memory: packed.memory, tiles: packed.exports.tiles as TilesFn, f32: new Float32Array(packed.memory.buffer), rows };
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

/** Gives up the operands the row kernel keeps for these ids (a disposed or collected net's kernels). */
export function dropKeptOperands(ids: readonly number[]): void {
  kernel?.rows.heap.drop(ids);
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
      k.tiles(a, rowBytes, kBytes, bOff, SIMD_NR * 4, kc * SIMD_NR * 4, cOff + i0 * ldw * 4, Math.ceil(mc / SIMD_MR),
        ldw / SIMD_NR, kc, ldw * 4, alpha);
    }
  }
  copyRows(M, N, w, cBase, ldw, C, 0, ldc);
}

/**
 * K in equal blocks of at most KC (784 = 4 x 196, not 3 x 256 + 16): no short last block. Every path of
 * the kernel must block K alike, the sums of a block being added to C in float32.
 */
export function blockLength(K: number): number {
  return Math.ceil(K / Math.ceil(K / KC));
}

/** dst rows = src rows (M rows of N floats): one memcpy when both are dense, else row by row. */
export function copyRows(M: number, N: number, src: Float32Array, srcOff: number, lds: number, dst: Float32Array,
  dstOff: number, ldd: number): void {
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
