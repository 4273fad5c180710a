// The server's JSON body parser against JSON.parse: the same value for every valid text (numbers bit for
// bit, -0 included), tensor data equal to Math.fround of JSON.parse's numbers, a JsonSyntaxError with the
// byte position wherever JSON.parse throws.
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, MAX_JSON_DEPTH, parseJsonBytes } from '../../lib/serve/json-body';

const parse = (text: string | Buffer): unknown => parseJsonBytes(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));

function sameAsJsonParse(text: string | Buffer): void {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const want = JSON.parse(buf.toString('utf8')) as unknown;
  const got = parse(buf);
  expect(got).toStrictEqual(want);
  // toStrictEqual treats 0 and -0 alike in places; numbers compared by their bits.
  const nums = (v: unknown, out: number[] = []): number[] => {
    if (typeof v === 'number') out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => nums(x, out));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => nums(x, out));
    return out;
  };
  const a = nums(got), b = nums(want);
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect.fail(`number ${i} of ${String(text).slice(0, 80)}: ${a[i]} vs ${b[i]}`);
}

let seed = 20261202;
const rand = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** A decimal number text in JSON's grammar: any sign, 0-25 digits each side, an exponent or not. */
function numberText(): string {
  const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(rand() * 10))).join('');
  const lead = rand() < 0.3 ? '0' : String(1 + Math.floor(rand() * 9)) + digits(Math.floor(rand() * (rand() < 0.5 ? 4 : 25)));
  const frac = rand() < 0.7 ? `.${digits(1 + Math.floor(rand() * (rand() < 0.6 ? 8 : 25)))}` : '';
  const exp = rand() < 0.2 ? `${pick(['e', 'E'])}${pick(['', '+', '-'])}${digits(1 + Math.floor(rand() * 3))}` : '';
  return `${rand() < 0.4 ? '-' : ''}${lead}${frac}${exp}`;
}

describe('serve: JSON bodies parsed from bytes', () => {
  it('reads 20,000 random decimal numbers to the very doubles JSON.parse gives', () => {
    const texts = Array.from({ length: 20_000 }, numberText);
    sameAsJsonParse(`[${texts.join(',')}]`);
    for (const t of texts.slice(0, 2000)) expect(Object.is(parse(t), JSON.parse(t))).toBe(true);
  });

  it('reads float32 values printed at every precision, and the edges of the fast path', () => {
    const values: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const v = Math.fround((rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6));
      values.push(String(v), v.toPrecision(1 + (i % 17)), v.toFixed(i % 20));
    }
    values.push('0', '-0', '0.0', '-0.0', '123456789012345', '1234567890123456', '12345678901234567890',
      '0.0000000000000000000001', '0.00000000000000000000001', '9007199254740993', '1e308', '1e309', '-1e400', '5e-324',
      '2.2250738585072014e-308', '1.7976931348623157e308', '0.1', '0.30000000000000004', '999999999999999.9');
    sameAsJsonParse(`[${values.join(', ')}]`);
  });

  it('reads nested structures, strings, escapes, unicode and literals as JSON.parse does', () => {
    for (const text of [
      '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[0.1,-2,3e-2,4]}]}',
      ' \t\r\n{ "a" : [ 1 , [ ] , { } , [[2]] ] , "b" : { "c" : null , "d" : true , "e" : false } } \n',
      '"plain"', '""', '"caf\u00e9 \u6f22\u5b57 \ud83d\ude00"', '"\\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 \\ud800"',
      '{"a":1,"a":2}', '{"__proto__":{"x":1},"constructor":2}', '{"2":1,"1":2,"b":3,"a":4}', '[null,true,false]', '-0', '7',
    ]) sameAsJsonParse(text);
    const proto = parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodes invalid UTF-8 in strings as Buffer.toString does (replacement characters)', () => {
    sameAsJsonParse(Buffer.from([0x5b, 0x22, 0x61, 0xff, 0xe2, 0x82, 0x22, 0x2c, 0x22, 0xc3, 0xa9, 0x5c, 0x6e, 0x22, 0x5d]));
  });

  it('throws a JsonSyntaxError with the byte position wherever JSON.parse throws', () => {
    const bad = [
      '', ' ', '{', '[', '[1,]', '[,1]', '[1 2]', '{"a":1,}', '{"a" 1}', '{a:1}', "{'a':1}", '{"a":1', '[1]]', '[1] x',
      '01', '-', '-a', '1.', '.5', '1e', '1e+', '+1', '0x10', 'NaN', 'Infinity', '-Infinity', 'tru', 'nul', 'True',
      '"abc', '"a\u0001b"', '"\\x41"', '"\\u12G4"', '"\\', '[1]\u0000', '\ufeff[1]', '{"a":[1,2}', '[1,2', '1 2',
    ];
    for (const text of bad) {
      expect(() => JSON.parse(text), text).toThrow();
      let err: unknown;
      try { parse(text); } catch (e) { err = e; }
      expect(err, JSON.stringify(text)).toBeInstanceOf(JsonSyntaxError);
      const pos = (err as JsonSyntaxError).position;
      expect(pos >= 0 && pos <= Buffer.byteLength(text), `${JSON.stringify(text)}: position ${pos}`).toBe(true);
    }
    expect(() => parse('[1, 2, x]')).toThrow(/expected a value at byte 7 but found 'x'/);
    expect(() => parse('{"a": 1')).toThrow(/expected ',' or '}' at byte 7 but found the end of the body/);
  });

  it('refuses nesting deeper than its limit without overflowing the stack, and takes the limit itself', () => {
    const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    expect(parse(deep(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(() => parse(deep(MAX_JSON_DEPTH + 1))).toThrow(new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`));
    expect(() => parse('{"a":'.repeat(200_000))).toThrow(JsonSyntaxError);
  });

  it('reads tensor data as Math.fround of JSON.parse, near float32 rounding boundaries included', () => {
    const texts: string[] = [];
    for (let i = 0; i < 20_000; i++) texts.push(numberText());
    for (let i = 0; i < 20_000; i++) {
      // A double printed from a float32 (16-17 digits), and the midpoint between two neighbouring
      // float32s printed to 17-19 digits, a hair below, at, and a hair above it.
      const f = Math.fround((rand() - 0.5) * 10 ** Math.floor(rand() * 16 - 8));
      texts.push(String(f));
      const up = Math.fround(f + Math.abs(f) * 2 ** -23);
      const mid = (f + up) / 2;
      const p = 17 + (i % 3);
      texts.push(mid.toPrecision(p), (mid * (1 - 2 ** -52)).toPrecision(p), (mid * (1 + 2 ** -52)).toPrecision(p));
    }
    texts.push('3.4028235677973366e38', '3.4028235677973367e38', '3.40282357e38', '1e39', '-1e39', '1.4e-45', '7e-46', '1e-50', '-0', '0e5');
    const body = `{"data":[${texts.join(',')}],"other":[${texts.slice(0, 50).join(',')}]}`;
    const got = parseJsonBytes(Buffer.from(body), new Set(['data'])) as { data: Float32Array; other: number[] };
    const want = (JSON.parse(body) as { data: number[] }).data;
    expect(got.data).toBeInstanceOf(Float32Array);
    expect(got.data.length).toBe(want.length);
    let wrong = 0;
    for (let i = 0; i < want.length; i++) if (!Object.is(got.data[i], Math.fround(want[i]!))) { wrong++; if (wrong < 5) console.error(texts[i], got.data[i], Math.fround(want[i]!)); }
    expect(wrong).toBe(0);
    // Keys not named as tensors keep JSON.parse's doubles.
    expect(got.other).toStrictEqual((JSON.parse(body) as { other: number[] }).other);
  });

  it('reads rows of tensor data as Float32Arrays, and anything else under a tensor key as plain JSON', () => {
    const keys = new Set(['data', 'input']);
    const rows = parseJsonBytes(Buffer.from('{"data": [ [1, 2.5] , [-3e2,4] ]}'), keys) as { data: Float32Array[] };
    expect(rows.data).toHaveLength(2);
    expect(rows.data.every((r) => r instanceof Float32Array)).toBe(true);
    expect(rows.data.map((r) => [...r])).toEqual([[1, 2.5], [-300, 4]]);
    for (const text of ['{"data":[1,"2",3]}', '{"data":[[1,2],[3,"x"]]}', '{"data":[[1,2],3]}', '{"data":[]}', '{"data":[[]]}',
      '{"data":[[[1]]]}', '{"data":[null]}', '{"data":[1,[2]]}', '{"input":[{"a":1}]}', '{"data":{"a":[1]}}', '{"data":"x"}']) {
      const got = parseJsonBytes(Buffer.from(text), keys);
      expect(got, text).toStrictEqual(JSON.parse(text));
    }
    for (const text of ['{"data":[1,2', '{"data":[[1,2],[3,4]', '{"data":[1 2]}', '{"data":[1,]}', '{"data":[01]}', '{"data":[[1],[2]x]}']) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(() => parseJsonBytes(Buffer.from(text), keys), text).toThrow(JsonSyntaxError);
    }
  });
});
