// Request bodies parsed straight from their bytes, to the same values as JSON.parse(body.toString('utf8')),
// except tensor data. A 1-row request is ~800 numbers, and JSON.parse spends most of its time turning
// their text into doubles that the server then rounds to float32. Under the keys the caller names as
// tensors, an array of numbers (or of rows of numbers) is read straight into a Float32Array, each value
// equal to Math.fround of JSON.parse's; an array holding anything else is read again as plain JSON, so
// the protocol code sees and reports it as before. Elsewhere a number of at most 15 significant digits
// without an exponent is one correctly rounded division (Clinger's fast path, equal to Number(text)), and
// any other number, like any string with an escape, goes through the standard conversion of its own text.
// Only nesting is bounded (MAX_JSON_DEPTH), where JSON.parse has no limit.

/** Arrays and objects nested deeper than this are refused (no inference request comes near it). */
export const MAX_JSON_DEPTH = 512;

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Relative half-width of the interval that surely holds a decimal of up to 19 digits, given its approximation. */
const SLACK = 2 ** -48;

const QUOTE = 34, BACKSLASH = 92, COMMA = 44, COLON = 58, MINUS = 45, PLUS = 43, POINT = 46;
const ZERO = 48, NINE = 57, OPEN_ARRAY = 91, CLOSE_ARRAY = 93, OPEN_OBJECT = 123, CLOSE_OBJECT = 125;

const isDigit = (c: number | undefined): c is number => c !== undefined && c >= ZERO && c <= NINE;

/** Tensor values being read, before they are cut to their array's length (one parse runs at a time). */
let scratch = new Float32Array(1024);

class Parser {
  i = 0;

  constructor(private readonly b: Buffer, private readonly tensorKeys: ReadonlySet<string> | null) {}

  fail(what: string): never {
    // An escape's backslash at the very end has stepped one past it.
    this.i = Math.min(this.i, this.b.length);
    const c = this.b[this.i];
    const found = c === undefined ? 'the end of the body'
      : c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    throw new JsonSyntaxError(`expected ${what} at byte ${this.i} but found ${found}`, this.i);
  }

  /** The next byte that is not JSON whitespace (space, tab, line feed, carriage return). */
  peek(): number | undefined {
    const b = this.b;
    let c = b[this.i];
    while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++this.i];
    return c;
  }

  value(depth: number): unknown {
    const c = this.peek();
    if (c === QUOTE) return this.string();
    if (c === OPEN_ARRAY) return this.array(depth + 1);
    if (c === OPEN_OBJECT) return this.object(depth + 1);
    if (c === MINUS || isDigit(c)) return this.number();
    if (c === 116) return this.literal('true', true);
    if (c === 102) return this.literal('false', false);
    if (c === 110) return this.literal('null', null);
    return this.fail('a value');
  }

  literal<T>(word: string, v: T): T {
    for (let k = 0; k < word.length; k++) {
      if (this.b[this.i] !== word.charCodeAt(k)) this.fail(`'${word}'`);
      this.i++;
    }
    return v;
  }

  nested(depth: number): void {
    if (depth > MAX_JSON_DEPTH) throw new JsonSyntaxError(`arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels at byte ${this.i}`, this.i);
  }

  /** After an element: true past a ',' (another follows), false past `close`; anything else is an error. */
  more(close: number): boolean {
    const next = this.peek();
    this.i++;
    if (next === COMMA) return true;
    if (next === close) return false;
    this.i--;
    return this.fail(close === CLOSE_ARRAY ? "',' or ']'" : "',' or '}'");
  }

  array(depth: number): unknown[] {
    this.nested(depth);
    this.i++;
    const a: unknown[] = [];
    if (this.peek() === CLOSE_ARRAY) { this.i++; return a; }
    for (;;) {
      const c = this.peek();
      // Numbers, the bulk of every request, without the dispatch of value().
      a.push(c === MINUS || isDigit(c) ? this.number() : this.value(depth));
      if (!this.more(CLOSE_ARRAY)) return a;
    }
  }

  object(depth: number): Record<string, unknown> {
    this.nested(depth);
    this.i++;
    const o: Record<string, unknown> = {};
    if (this.peek() === CLOSE_OBJECT) { this.i++; return o; }
    for (;;) {
      if (this.peek() !== QUOTE) this.fail('a string key');
      const key = this.string();
      if (this.peek() !== COLON) this.fail("':'");
      this.i++;
      const v = this.tensorKeys?.has(key) && this.peek() === OPEN_ARRAY ? this.tensor(depth) : this.value(depth);
      // An own property, as JSON.parse makes it: assigning __proto__ would set the prototype instead.
      if (key === '__proto__') Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true });
      else o[key] = v;
      if (!this.more(CLOSE_OBJECT)) return o;
    }
  }

  /** Tensor data: a Float32Array, a list of Float32Array rows, or (anything else inside) plain JSON. */
  tensor(depth: number): unknown {
    const start = this.i;
    this.nested(depth + 1);
    this.i++;
    const c = this.peek();
    let t: Float32Array | Float32Array[] | null = null;
    if (c === MINUS || isDigit(c)) t = this.floats();
    else if (c === OPEN_ARRAY) {
      this.nested(depth + 2);
      const rows: Float32Array[] = [];
      for (;;) {
        if (this.peek() !== OPEN_ARRAY) break;
        this.i++;
        const c1 = this.peek();
        const row = c1 === MINUS || isDigit(c1) ? this.floats() : null;
        if (!row) break;
        rows.push(row);
        if (!this.more(CLOSE_ARRAY)) { t = rows; break; }
      }
    }
    if (t) return t;
    this.i = start;
    return this.array(depth + 1);
  }

  /** Numbers up to the closing ']' as float32 (null, with the position anywhere, when an element is not a number). */
  floats(): Float32Array | null {
    let n = 0;
    for (;;) {
      const c = this.peek();
      if (c !== MINUS && !isDigit(c)) return null;
      if (n === scratch.length) {
        const grown = new Float32Array(2 * n);
        grown.set(scratch);
        scratch = grown;
      }
      scratch[n++] = this.float32();
      if (!this.more(CLOSE_ARRAY)) return scratch.slice(0, n);
    }
  }

  /**
   * A number as Math.fround(Number(text)). Up to 19 significant digits and a power of ten up to 1e22,
   * the digits as a double and one multiplication or division are within 2^-49 of the decimal; when the
   * interval of SLACK around that holds no float32 rounding boundary, the decimal and its nearest double
   * round to the same float32 as the approximation does. Otherwise (about one value in 2^24) the text.
   */
  float32(): number {
    // The hot loop of every request. The index stays in a local (not this.i), and digits gather in a
    // small integer, nine at a time, so that most digits cost an integer step rather than a dependent
    // floating-point multiply-add.
    const b = this.b;
    const start = this.i;
    let i = start;
    let c = b[i]!;
    const neg = c === MINUS;
    if (neg) c = b[++i]!;
    let m = 0, q = 0, qn = 0, sig = 0, exp = 0;
    if (c === ZERO) c = b[++i]!;
    else if (c > ZERO && c <= NINE) {
      do {
        q = q * 10 + (c - ZERO); sig++;
        if (++qn === 9) { m = m * 1e9 + q; q = 0; qn = 0; }
        c = b[++i]!;
      } while (c >= ZERO && c <= NINE);
    } else { this.i = i; this.fail('a digit'); }
    if (c === POINT) {
      c = b[++i]!;
      if (!(c >= ZERO && c <= NINE)) { this.i = i; this.fail('a digit after the decimal point'); }
      const first = i;
      // Zeros before the first significant digit count toward the exponent only.
      if (sig === 0) while (c === ZERO) c = b[++i]!;
      while (c >= ZERO && c <= NINE) {
        q = q * 10 + (c - ZERO); sig++;
        if (++qn === 9) { m = m * 1e9 + q; q = 0; qn = 0; }
        c = b[++i]!;
      }
      exp = first - i;
    }
    m = m * POW10[qn]! + q;
    if (c === 101 || c === 69) {
      c = b[++i]!;
      const eneg = c === MINUS;
      if (c === PLUS || c === MINUS) c = b[++i]!;
      if (!(c >= ZERO && c <= NINE)) { this.i = i; this.fail('a digit in the exponent'); }
      let ev = 0;
      do { if (ev < 1e6) ev = ev * 10 + (c - ZERO); c = b[++i]!; } while (c >= ZERO && c <= NINE);
      exp += eneg ? -ev : ev;
    }
    this.i = i;
    if (sig <= 19 && exp >= -22 && exp <= 22) {
      const v = exp === 0 ? m : exp < 0 ? m / POW10[-exp]! : m * POW10[exp]!;
      if (sig <= 15) return Math.fround(neg ? -v : v);
      const lo = Math.fround(v * (1 - SLACK));
      if (lo === Math.fround(v * (1 + SLACK))) return neg ? -lo : lo;
    }
    return Math.fround(Number(b.toString('latin1', start, i)));
  }

  string(): string {
    const b = this.b;
    const start = this.i++;
    let escaped = false, ascii = true;
    for (;;) {
      const c = b[this.i];
      if (c === undefined) this.fail("'\"' closing the string that starts at byte " + start);
      if (c === QUOTE) break;
      if (c < 0x20) this.fail('a character of a string (control characters must be escaped)');
      if (c === BACKSLASH) { escaped = true; this.i++; } else if (c >= 0x80) ascii = false;
      this.i++;
    }
    const end = this.i++;
    if (!escaped) return b.toString(ascii ? 'latin1' : 'utf8', start + 1, end);
    try {
      return JSON.parse(b.toString('utf8', start, end + 1)) as string;
    } catch {
      throw new JsonSyntaxError(`a malformed escape in the string at byte ${start}`, start);
    }
  }

  number(): number {
    const b = this.b;
    const start = this.i;
    let c = b[this.i];
    const neg = c === MINUS;
    if (neg) c = b[++this.i];
    let m = 0, sig = 0, exp = 0;
    if (c === ZERO) c = b[++this.i];
    else if (isDigit(c)) {
      do { m = m * 10 + (c - ZERO); sig++; c = b[++this.i]; } while (isDigit(c));
    } else this.fail('a digit');
    if (c === POINT) {
      c = b[++this.i];
      if (!isDigit(c)) this.fail('a digit after the decimal point');
      do {
        if (sig > 0 || c !== ZERO) sig++;
        m = m * 10 + (c - ZERO); exp--; c = b[++this.i];
      } while (isDigit(c));
    }
    let simple = true;
    if (c === 101 || c === 69) {
      simple = false;
      c = b[++this.i];
      if (c === PLUS || c === MINUS) c = b[++this.i];
      if (!isDigit(c)) this.fail('a digit in the exponent');
      do c = b[++this.i]; while (isDigit(c));
    }
    if (simple && sig <= 15 && exp >= -22) {
      const v = exp === 0 ? m : m / POW10[-exp]!;
      return neg ? -v : v;
    }
    return Number(b.toString('latin1', start, this.i));
  }
}

/**
 * The value of a JSON text in UTF-8 bytes; throws JsonSyntaxError (with the byte position) when it is
 * not one. Arrays of numbers under `tensorKeys` come as Float32Arrays (rows: a list of them).
 */
export function parseJsonBytes(b: Buffer, tensorKeys: ReadonlySet<string> | null = null): unknown {
  const p = new Parser(b, tensorKeys);
  const v = p.value(0);
  if (p.peek() !== undefined) p.fail('the end of the body after the value');
  return v;
}
