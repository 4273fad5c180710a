// The distinct values of a text column, looked up by their bytes: a cell becomes a code without a
// string being made for it (one string per distinct value, made when it is first seen). Open addressing
// on a 32-bit FNV-1a hash; entries keep their bytes in one arena.

export class ByteDictionary {
  /** The values, by code (first-seen order). */
  readonly values: string[] = [];
  private arena = new Uint8Array(256);
  private arenaUsed = 0;
  private starts: Int32Array = new Int32Array(16);
  private lengths: Int32Array = new Int32Array(16);
  private hashes: Int32Array = new Int32Array(16);
  /** code + 1 per slot, 0 for empty. */
  private slots = new Int32Array(32);
  private mask = 31;

  get size(): number { return this.values.length; }

  /** The code of bytes [s, e) of b, or -1. */
  lookup(b: Uint8Array, s: number, e: number): number {
    const h = hashBytes(b, s, e);
    const len = e - s;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const k = this.slots[slot]!;
      if (k === 0) return -1;
      const code = k - 1;
      if (this.hashes[code] === h && this.lengths[code] === len && this.same(code, b, s, len)) return code;
    }
  }

  /** The code of bytes [s, e) of b, adding them when new. */
  intern(b: Uint8Array, s: number, e: number): number {
    const h = hashBytes(b, s, e);
    const len = e - s;
    let slot = h & this.mask;
    for (; ; slot = (slot + 1) & this.mask) {
      const k = this.slots[slot]!;
      if (k === 0) break;
      const code = k - 1;
      if (this.hashes[code] === h && this.lengths[code] === len && this.same(code, b, s, len)) return code;
    }
    return this.insert(b, s, e, h, slot, Buffer.from(b.buffer, b.byteOffset + s, len).toString('utf8'));
  }

  /** The code of a value given as a string, adding it when new. */
  internString(value: string): number {
    const bytes = Buffer.from(value, 'utf8');
    return this.intern(bytes, 0, bytes.length);
  }

  /** The code of a value given as a string, or -1. */
  lookupString(value: string): number {
    const bytes = Buffer.from(value, 'utf8');
    return this.lookup(bytes, 0, bytes.length);
  }

  private same(code: number, b: Uint8Array, s: number, len: number): boolean {
    const a = this.arena;
    const o = this.starts[code]!;
    for (let i = 0; i < len; i++) if (a[o + i] !== b[s + i]) return false;
    return true;
  }

  private insert(b: Uint8Array, s: number, e: number, h: number, slot: number, text: string): number {
    const code = this.values.length;
    const len = e - s;
    if (this.arenaUsed + len > this.arena.length) {
      const g = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      g.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = g;
    }
    this.arena.set(b.subarray(s, e), this.arenaUsed);
    if (code >= this.starts.length) {
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
      this.hashes = grow(this.hashes);
    }
    this.starts[code] = this.arenaUsed;
    this.lengths[code] = len;
    this.hashes[code] = h;
    this.arenaUsed += len;
    this.values.push(text);
    this.slots[slot] = code + 1;
    if ((code + 1) * 2 > this.mask) this.rehash();
    return code;
  }

  private rehash(): void {
    const n = (this.mask + 1) * 2;
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    for (let code = 0; code < this.values.length; code++) {
      let slot = this.hashes[code]! & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = code + 1;
    }
  }
}

function grow(a: Int32Array): Int32Array {
  const g = new Int32Array(a.length * 2);
  g.set(a);
  return g;
}

function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

/** A dictionary holding the given values, in order (a saved vocabulary). */
export function dictionaryOf(values: readonly string[]): ByteDictionary {
  const d = new ByteDictionary();
  for (const v of values) d.internString(v);
  return d;
}
