// Decimal numbers straight from bytes, without making a string: the hot loop of every table read.
//
// Grammar (after trimming spaces and tabs): [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits].
// Nothing else is a number: 0x10, 0b11, 0o17, 1_000, Infinity and "1,5" are not (Number() would take
// some of them). With at most 15 significant digits and a power of ten up to 1e22 one multiplication or
// division is correctly rounded, so the result equals Number(text) (Clinger's fast path); other decimal
// texts, already known to be decimal, go through Number().

/** Returned for text that is not a decimal number. */
export const NOT_DECIMAL = NaN;
/** Returned for a decimal number whose magnitude is beyond float32 (it would become Infinity). */
export const OUT_OF_RANGE = Infinity;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The decimal number in bytes [s, e) of b, NOT_DECIMAL (NaN) when the text is anything else (blank
 * included), or OUT_OF_RANGE (+Infinity) when it is decimal but Math.fround of it is not finite.
 * `point` is the decimal separator's byte (46 '.', or 44 ',').
 */
export function parseDecimal(b: Uint8Array, s: number, e: number, point = 46): number {
  while (s < e && (b[s] === 32 || b[s] === 9)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  if (s === e) return NaN;
  let i = s;
  let neg = false;
  const c0 = b[i];
  if (c0 === 45) { neg = true; i++; } else if (c0 === 43) i++;
  let m = 0, digits = 0, sig = 0, exp = 0;
  while (i < e) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) break;
    if (sig > 0 || d > 0) sig++;
    m = m * 10 + d; digits++; i++;
  }
  if (i < e && b[i] === point) {
    i++;
    while (i < e) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      if (sig > 0 || d > 0) sig++;
      m = m * 10 + d; digits++; exp--; i++;
    }
  }
  if (digits === 0) return NaN;
  let bigExp = false;
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (b[i] === 45) { eneg = true; i++; } else if (b[i] === 43) i++;
    let ev = 0, ed = 0;
    while (i < e) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      if (ev < 1e6) ev = ev * 10 + d; else bigExp = true;
      ed++; i++;
    }
    if (ed === 0) return NaN;
    exp += eneg ? -ev : ev;
  }
  if (i !== e) return NaN;
  let v: number;
  if (m === 0) return neg ? -0 : 0;
  if (!bigExp && sig <= 15 && exp >= -22 && exp <= 22) {
    v = exp >= 0 ? m * POW10[exp]! : m / POW10[-exp]!;
    if (neg) v = -v;
  } else {
    v = slowDecimal(b, s, e, point);
  }
  return Number.isFinite(Math.fround(v)) ? v : OUT_OF_RANGE;
}

/** Number() of text already checked to be decimal (only the separator may need translating). */
function slowDecimal(b: Uint8Array, s: number, e: number, point: number): number {
  let text = '';
  for (let i = s; i < e; i++) text += String.fromCharCode(b[i] === point ? 46 : b[i]!);
  return Number(text);
}

/** The same rules on a string (JSON Lines cells, values given in code). */
export function parseDecimalString(text: string, point = 46): number {
  const n = text.length;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) return NaN;
    bytes[i] = c;
  }
  return parseDecimal(bytes, 0, n, point);
}

/**
 * What a text that is a number in a form this reader refuses looks like (hex, binary or octal literals,
 * infinities, digit separators, a decimal comma where the separator is '.'), or null for any other text:
 * such a cell in a numeric column is an error, never a word and never 16, 3 or 15.
 */
export function numericLookalike(text: string, point = 46, delimiter = 59): string | null {
  const t = text.trim();
  if (/^[+-]?0[xX][0-9a-fA-F_]+$/.test(t)) return 'a hexadecimal number: only decimal numbers are read';
  if (/^[+-]?0[bB][01_]+$/.test(t)) return 'a binary number: only decimal numbers are read';
  if (/^[+-]?0[oO][0-7_]+$/.test(t)) return 'an octal number: only decimal numbers are read';
  if (/^[+-]?(inf|infinity)$/i.test(t)) return 'an infinity: only finite numbers are read';
  if (/^[+-]?\d+(_\d+)+(\.\d*)?$/.test(t)) return 'digit separators: write 1000, not 1_000';
  if (point === 46 && delimiter !== 44 && /^[+-]?\d+,\d+$/.test(t)) return 'a decimal comma: read the file with decimal ","';
  if (point === 44 && /^[+-]?\d+\.\d+$/.test(t)) return 'a decimal point, but the file is read with decimal ","';
  return null;
}

/** Shortest decimal text that reads back as the same float32 (how a number becomes a category name). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Object.is(v, -0)) return '0';
  for (let p = 1; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === Math.fround(v)) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}
