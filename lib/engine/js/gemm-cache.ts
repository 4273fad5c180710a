// The row kernel's WebAssembly memory (gemm-rows.ts) as a heap of 64-byte aligned blocks. A call's
// operands take blocks for the length of the call; a B operand that stays the same between calls (a
// dense layer's kernel, named by a WeightTag) keeps its block, so a one-row predict does not copy 900 KB
// of weights into the module on every call. The kept blocks stay within a byte budget, the least
// recently used going first, so many nets cannot exhaust the memory.

/** The part of WebAssembly.Memory used here (the compiler's ES2022 and Node libraries do not declare it). */
export interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }

/**
 * Names a B operand that its owner rewrites only with a new version: `id` unique to the operand (one
 * layer's kernel of one net), `version` different after every write to it.
 */
export interface WeightTag { readonly id: number; version: number }

/** The layout of a kept operand besides its version: a block is reused only for the same shape. */
export interface OperandShape { transB: boolean; K: number; N: number; ldb: number }

interface Kept extends OperandShape { off: number; bytes: number; version: number }

const PAGE = 65536;
const ALIGN = 64;
let budget = 64 << 20;

/** Sets the bytes all kept operands of a thread may take (for the tests); returns the previous budget. */
export function setKeptBudget(bytes: number): number {
  const was = budget;
  budget = bytes;
  return was;
}

export class OperandHeap {
  /** The whole memory as float32; replaced when the memory grows. */
  f32: Float32Array;
  // free blocks in address order, neighbours merged
  private readonly holes: { off: number; bytes: number }[] = [];
  // the kept operands in order of use, the least recent first (a Map keeps insertion order)
  private readonly kept = new Map<number, Kept>();
  private keptBytes = 0;

  /** The heap is the memory from `start` (below it, the kernel's own fixed scratch). */
  constructor(private readonly memory: WasmMemory, start: number) {
    this.f32 = new Float32Array(memory.buffer);
    const off = align(start);
    if (memory.buffer.byteLength > off) this.holes.push({ off, bytes: memory.buffer.byteLength - off });
  }

  /** The kept operands' bytes (for the tests). */
  get keptTotal(): number { return this.keptBytes; }

  /** A block of at least `bytes` (64-byte aligned), the memory grown if no hole is large enough. */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    let i = this.holes.findIndex((h) => h.bytes >= size);
    if (i < 0) i = this.grow(size);
    const hole = this.holes[i]!;
    const off = hole.off;
    if (hole.bytes === size) this.holes.splice(i, 1);
    else { hole.off += size; hole.bytes -= size; }
    return off;
  }

  /** Returns a block from alloc(bytes) to the heap. */
  release(off: number, bytes: number): void {
    const size = align(Math.max(bytes, 1));
    let i = 0;
    while (i < this.holes.length && this.holes[i]!.off < off) i++;
    this.holes.splice(i, 0, { off, bytes: size });
    const next = this.holes[i + 1];
    if (next && off + size === next.off) {
      this.holes[i]!.bytes += next.bytes;
      this.holes.splice(i + 1, 1);
    }
    const prev = this.holes[i - 1];
    if (prev && prev.off + prev.bytes === off) {
      prev.bytes += this.holes[i]!.bytes;
      this.holes.splice(i, 1);
    }
  }

  /** The block holding this version of the tagged operand in this shape, or -1; a hit becomes the most recent. */
  find(tag: WeightTag, shape: OperandShape): number {
    const k = this.kept.get(tag.id);
    if (!k || k.version !== tag.version || !sameShape(k, shape)) return -1;
    this.kept.delete(tag.id);
    this.kept.set(tag.id, k);
    return k.off;
  }

  /**
   * A block of `bytes` kept for the tagged operand at its current version (the caller fills it), its
   * previous block and, past the budget, the least recently used ones given up; -1 when it alone
   * exceeds the budget (the caller then copies the operand for the call).
   */
  keep(tag: WeightTag, shape: OperandShape, bytes: number): number {
    this.drop([tag.id]);
    if (bytes > budget) return -1;
    for (const [id, k] of this.kept) {
      if (this.keptBytes + bytes <= budget) break;
      this.forget(id, k);
    }
    const off = this.alloc(bytes);
    this.kept.set(tag.id, { ...shape, off, bytes, version: tag.version });
    this.keptBytes += bytes;
    return off;
  }

  /** Gives up the blocks kept for these operand ids (a disposed or collected net's). */
  drop(ids: readonly number[]): void {
    for (const id of ids) {
      const k = this.kept.get(id);
      if (k) this.forget(id, k);
    }
  }

  private forget(id: number, k: Kept): void {
    this.kept.delete(id);
    this.keptBytes -= k.bytes;
    this.release(k.off, k.bytes);
  }

  /** Grows the memory so that its last hole holds `size` bytes; returns that hole's index. */
  private grow(size: number): number {
    const end = this.memory.buffer.byteLength;
    const last = this.holes[this.holes.length - 1];
    const tail = last && last.off + last.bytes === end ? last.bytes : 0;
    const pages = Math.ceil((size - tail) / PAGE);
    this.memory.grow(pages);
    this.f32 = new Float32Array(this.memory.buffer);
    if (tail > 0) last!.bytes += pages * PAGE;
    else this.holes.push({ off: end, bytes: pages * PAGE });
    return this.holes.length - 1;
  }
}

function sameShape(a: OperandShape, b: OperandShape): boolean {
  return a.transB === b.transB && a.K === b.K && a.N === b.N && a.ldb === b.ldb;
}

export function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
