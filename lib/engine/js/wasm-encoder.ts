// A small encoder of the WebAssembly binary format: just what the engine's SIMD kernels need (one memory,
// functions over i32/f32/f64/v128 locals, structured control flow, the scalar and SIMD instructions they use).
// Writing the module from TypeScript keeps `npm install` free of compilers and of generated binaries.

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** SIMD opcodes (after the 0xfd prefix) of the instructions the kernels use. */
export const SIMD = {
  load: 0x00, load32Splat: 0x09, load64Splat: 0x0a, store: 0x0b, const: 0x0c, shuffle: 0x0d, f32x4Splat: 0x13, f64x2Splat: 0x14,
  load64Zero: 0x5d, store64Lane: 0x5b, f32x4DemoteF64x2Zero: 0x5e, f64x2PromoteLowF32x4: 0x5f,
  f32x4Add: 0xe4, f32x4Mul: 0xe6, f64x2Add: 0xf0, f64x2Mul: 0xf2,
} as const;

/** One function body: locals beyond the parameters, then instructions appended by the methods. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(readonly params: ValType[], readonly results: ValType[] = []) {}

  /** A new local of the type; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  get(i: number): this { this.code.push(0x20); uleb(this.code, i); return this; }
  set(i: number): this { this.code.push(0x21); uleb(this.code, i); return this; }
  tee(i: number): this { this.code.push(0x22); uleb(this.code, i); return this; }
  i32(v: number): this { this.code.push(0x41); sleb(this.code, v); return this; }
  op(...bytes: number[]): this { this.code.push(...bytes); return this; }
  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i32Mul(): this { return this.op(0x6c); }
  i32Ne(): this { return this.op(0x47); }
  i32LtU(): this { return this.op(0x49); }
  /** select: the first of two values when the i32 on top is non-zero, else the second. */
  select(): this { return this.op(0x1b); }
  /** `block` / `loop` with no result; close each with end(). */
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { this.code.push(0x0c); uleb(this.code, depth); return this; }
  brIf(depth: number): this { this.code.push(0x0d); uleb(this.code, depth); return this; }
  /** A SIMD instruction, with a memarg (alignment log2, offset) for memory accesses and a lane for lane ones. */
  simd(opcode: number, memarg?: [number, number], lane?: number): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    if (memarg) { uleb(this.code, memarg[0]); uleb(this.code, memarg[1]); }
    if (lane !== undefined) this.code.push(lane);
    return this;
  }
  /** i8x16.shuffle of the two vectors on the stack: lanes 0-15 pick from the first, 16-31 from the second. */
  shuffle(lanes: number[]): this {
    this.simd(SIMD.shuffle);
    this.code.push(...lanes);
    return this;
  }
  v128Zero(): this {
    this.simd(SIMD.const);
    for (let i = 0; i < 16; i++) this.code.push(0);
    return this;
  }

  /** The body as the code section holds it: size, local declarations, instructions, end. */
  encode(): number[] {
    const body: number[] = [];
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(body, groups.length);
    for (const [count, type] of groups) { uleb(body, count); body.push(type); }
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    uleb(out, body.length);
    return out.concat(body);
  }
}

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  uleb(out, content.length);
  out.push(...content);
}

function vec(items: number[][]): number[] {
  const out: number[] = [];
  uleb(out, items.length);
  for (const item of items) out.push(...item);
  return out;
}

function name(s: string): number[] {
  const bytes = Array.from(Buffer.from(s, 'utf8'));
  const out: number[] = [];
  uleb(out, bytes.length);
  return out.concat(bytes);
}

/** A module of one exported memory ("memory", `pages` of 64 KiB to start) and the exported functions. */
export function encodeModule(pages: number, functions: [string, FunctionBuilder][]): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(out, 1, vec(functions.map(([, f]) => {
    const t = [0x60];
    uleb(t, f.params.length); t.push(...f.params);
    uleb(t, f.results.length); t.push(...f.results);
    return t;
  })));
  section(out, 3, vec(functions.map((_, i) => { const t: number[] = []; uleb(t, i); return t; })));
  const mem = [0x00];
  uleb(mem, pages);
  section(out, 5, vec([mem]));
  const exports = [name('memory').concat([0x02, 0x00])];
  functions.forEach(([n], i) => { const e = name(n).concat([0x00]); uleb(e, i); exports.push(e); });
  section(out, 7, vec(exports));
  section(out, 10, vec(functions.map(([, f]) => f.encode())));
  return Uint8Array.from(out);
}
