// The WebAssembly SIMD path of the TypeScript engine's GEMM: the blocking and packing of gemm.ts, with
// the register tile computed by a WebAssembly function (emitted by wasm-encoder.ts) on f64x2 vectors.
// The products of float32 inputs are exact in float64 and each KC block is summed in float64 and added
// to C in float32, as the TypeScript kernel does: only the order of the float64 additions inside a block
// differs, so results match it to the last bit or nearly (far inside 1e-6 relative).
//
// The operands live in the JavaScript heap or in SharedArrayBuffers, which a WebAssembly memory cannot
// alias: the packs are written into the module's memory (they are copies anyway), C is accumulated in a
// padded float32 block there and copied out at the end. BLASNET_JS_SIMD=0 turns the path off.
import { packBlockA, packBlockB, scaleByBeta } from './gemm-pack';
import { encodeModule, F64, FunctionBuilder, I32, SIMD, V128 } from './wasm-encoder';

/** Rows and columns of the register tile: MR rows of NR = 4 columns, two f64x2 vectors per row. */
export const SIMD_MR = 4;
export const SIMD_NR = 4;
const KC = 256;
const MC = 96;
const NC = 512;
const PAGE = 65536;
const A_OFF = 0;
const B_OFF = A_OFF + MC * KC * 8;
const C_OFF = B_OFF + KC * NC * 8;

/**
 * tiles(aOff, bOff, cOff, mPanels, nPanels, kc, ldcBytes, alpha): for every pair of a packed A panel
 * (MR rows) and a packed B panel (NR columns) of one block, C tile += alpha * A panel x B panel, C being
 * float32 at cOff with a row stride of ldcBytes.
 */
function tilesFunction(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, F64]);
  const [aOff, bOff, cOff, mPanels, nPanels, kc, ldc, alpha] = [0, 1, 2, 3, 4, 5, 6, 7];
  const jp = f.local(I32), ip = f.local(I32), a = f.local(I32), b = f.local(I32), k = f.local(I32), c = f.local(I32);
  const acc = Array.from({ length: 2 * SIMD_MR }, () => f.local(V128));
  const b0 = f.local(V128), b1 = f.local(V128), av = f.local(V128), alphaV = f.local(V128);
  const aStep = SIMD_MR * 8, bStep = SIMD_NR * 8;

  f.get(alpha).simd(SIMD.f64x2Splat).set(alphaV);
  f.i32(0).set(jp);
  f.loop();                                                       // over the B panels
  f.i32(0).set(ip);
  f.loop();                                                       // over the A panels
  f.get(aOff).get(ip).get(kc).i32Mul().i32(aStep).i32Mul().i32Add().set(a);
  f.get(bOff).get(jp).get(kc).i32Mul().i32(bStep).i32Mul().i32Add().set(b);
  for (const v of acc) f.v128Zero().set(v);
  f.get(kc).set(k);
  f.loop();                                                       // over k: one rank-1 update of the tile
  f.get(b).simd(SIMD.load, [4, 0]).set(b0);
  f.get(b).simd(SIMD.load, [4, 16]).set(b1);
  for (let r = 0; r < SIMD_MR; r++) {
    f.get(a).simd(SIMD.load64Splat, [3, r * 8]).set(av);
    f.get(acc[2 * r]!).get(av).get(b0).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).set(acc[2 * r]!);
    f.get(acc[2 * r + 1]!).get(av).get(b1).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).set(acc[2 * r + 1]!);
  }
  f.get(a).i32(aStep).i32Add().set(a);
  f.get(b).i32(bStep).i32Add().set(b);
  f.get(k).i32(1).i32Sub().tee(k).brIf(0);
  f.end();
  // C row r, columns 2h..2h+1: float32 pair -> float64, + alpha * acc, -> float32 pair
  f.get(cOff).get(ip).i32(SIMD_MR).i32Mul().get(ldc).i32Mul().i32Add().get(jp).i32(SIMD_NR * 4).i32Mul().i32Add().set(c);
  for (let r = 0; r < SIMD_MR; r++) {
    for (let h = 0; h < 2; h++) {
      f.get(c).get(c).simd(SIMD.load64Zero, [3, h * 8]).simd(SIMD.f64x2PromoteLowF32x4);
      f.get(acc[2 * r + h]!).get(alphaV).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add);
      f.simd(SIMD.f32x4DemoteF64x2Zero).simd(SIMD.store64Lane, [3, h * 8], 0);
    }
    if (r < SIMD_MR - 1) f.get(c).get(ldc).i32Add().set(c);
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
  probe.v128Zero().v128Zero().simd(SIMD.f64x2Add).op(0x1a); // drop
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
  tiles: (aOff: number, bOff: number, cOff: number, mPanels: number, nPanels: number, kc: number, ldcBytes: number,
    alpha: number) => void;
  f64: Float64Array;
  f32: Float32Array;
}

let kernel: Kernel | null | undefined;

function instantiate(): Kernel | null {
  if (!wasm || !wasm.validate(simdProbe())) return null;
  const pages = Math.ceil((C_OFF + 4 * 1024 * 1024) / PAGE);
  const instance = new wasm.Instance(new wasm.Module(encodeModule(pages, [['tiles', tilesFunction()]])));
  const memory = instance.exports.memory as WasmMemory;
  return {
    memory,
    tiles: instance.exports.tiles as Kernel['tiles'],
    f64: new Float64Array(memory.buffer),
    f32: new Float32Array(memory.buffer),
  };
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
  k.f64 = new Float64Array(k.memory.buffer);
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
  reserve(k, C_OFF + rowsW * ldw * 4);
  const w = k.f32;
  const cBase = C_OFF / 4;
  if (beta === 0) w.fill(0, cBase, cBase + rowsW * ldw);
  else copyRows(M, N, C, 0, ldc, w, cBase, ldw);
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kc = Math.min(KC, K - p0);
      packBlockB(transB, B, ldb, p0, kc, j0, nc, SIMD_NR, k.f64, B_OFF / 8);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = Math.min(MC, M - i0);
        packBlockA(transA, A, lda, i0, mc, p0, kc, SIMD_MR, k.f64, A_OFF / 8);
        k.tiles(A_OFF, B_OFF, C_OFF + (i0 * ldw + j0) * 4, Math.ceil(mc / SIMD_MR), Math.ceil(nc / SIMD_NR), kc, ldw * 4, alpha);
      }
    }
  }
  copyRows(M, N, w, cBase, ldw, C, 0, ldc);
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
