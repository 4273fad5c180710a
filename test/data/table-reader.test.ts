// The table reader (data.readCsv and friends, the CLI's reader too): numbers equal Number() then float32
// on every decimal form; any chunking reads the same (CRLF, BOM, quotes with delimiters and line breaks,
// multi-byte names); types, missing markers, delimiters, header-less files and JSON Lines.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BlasnetError, data } from '../../lib/index';
import type { CategoryColumn, NumberColumn, Table } from '../../lib/data';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

/** The text as a stream of chunks cut at the given byte sizes (cycled). */
function chunked(text: string | Buffer, sizes: number[]): Readable {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const parts: Buffer[] = [];
  for (let i = 0, k = 0; i < buf.length; k++) { const n = sizes[k % sizes.length]!; parts.push(buf.subarray(i, i + n)); i += n; }
  return Readable.from(parts);
}

function rowsOf(t: Table): Record<string, unknown>[] {
  return Array.from({ length: t.rows }, (_, r) => ({ ...t.record(r) }));
}

function fail(f: () => unknown): BlasnetError {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(BlasnetError); return e as BlasnetError; }
  throw new Error('expected an error');
}

function randomNumberText(rnd: () => number): string {
  const kind = Math.floor(rnd() * 9);
  const sign = rnd() < 0.3 ? '-' : rnd() < 0.1 ? '+' : '';
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  switch (kind) {
    case 0: return sign + digits(1 + Math.floor(rnd() * 6));
    case 1: return `${sign}${digits(1 + Math.floor(rnd() * 4))}.${digits(1 + Math.floor(rnd() * 8))}`;
    case 2: return `${sign}${digits(1 + Math.floor(rnd() * 20))}.${digits(Math.floor(rnd() * 20))}`;       // beyond 15 digits
    case 3: return `${sign}${digits(1)}.${digits(Math.floor(rnd() * 7))}e${rnd() < 0.5 ? '-' : ''}${Math.floor(rnd() * 38)}`;
    case 4: return `${sign}0.${'0'.repeat(Math.floor(rnd() * 25))}${digits(1 + Math.floor(rnd() * 9))}`;
    case 5: return `${sign}.${digits(1 + Math.floor(rnd() * 6))}`;
    case 6: return `${sign}${digits(1 + Math.floor(rnd() * 3))}.`;
    case 7: return ` ${sign}${digits(2)}.${digits(3)} `;
    default: return String((rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 6));
  }
}

describe('table reader: numbers', () => {
  it('parses 20,000 numbers of every decimal form exactly as Number() then float32 does', () => {
    const rnd = lcg(11);
    const cells: string[] = [];
    let text = 'a,b,c,d\n';
    for (let r = 0; r < 5000; r++) {
      const row = [0, 1, 2, 3].map(() => randomNumberText(rnd));
      cells.push(...row);
      text += row.join(',') + '\n';
    }
    const t = data.parseCsv(text);
    expect(t.rows).toBe(5000);
    expect(t.allColumns.every((c) => c.kind === 'number')).toBe(true);
    expect(Array.from(t.x.dataSync())).toEqual(Array.from(Float32Array.from(cells, (c) => Number(c))));
  });

  it('decimal only: hex, binary, octal, infinities and digit separators are errors naming line and column, not 16, 3, 15', () => {
    for (const [cell, what] of [['0x10', 'a hexadecimal number'], ['0b11', 'a binary number'], ['0o17', 'an octal number'],
      ['Infinity', 'an infinity'], ['-inf', 'an infinity'], ['1_000', 'digit separators']] as const) {
      const e = fail(() => data.parseCsv(`a,b\n1,2\n3,${cell}\n`, {}, 'f.csv'));
      expect(e.code).toBe('ERR_FORMAT');
      expect(e.message.startsWith(`f.csv: line 3, column 2 (b): expected a number but found ${JSON.stringify(cell)} (${what}`)).toBe(true);
      // Also as the first value of a column, and in a column declared numeric.
      expect(fail(() => data.parseCsv(`a\n${cell}\n1\n`)).message).toContain(what);
      expect(fail(() => data.parseCsv(`a\n1\n${cell}\n`, { types: { a: 'number' } })).message).toContain(what);
    }
  });

  it('values beyond float32 range are errors at parse time; underflow is zero; the largest float32 reads', () => {
    for (const cell of ['1e39', '-1e39', '3.5e38', '1e400']) {
      const e = fail(() => data.parseCsv(`a,b\n1,2\n3,${cell}\n`, {}, 'f.csv'));
      expect(e.message).toBe(`f.csv: line 3, column 2 (b): expected a number within float32 range (magnitude up to 3.4e38) but found "${cell}"`);
    }
    const t = data.parseCsv('a\n3.4028234e38\n1e-50\n-0\n');
    expect(Array.from((t.column('a') as NumberColumn).values)).toEqual([Math.fround(3.4028234e38), 0, -0]);
  });

  it('a decimal comma with decimal: ","', () => {
    const t = data.parseCsv('a;b\n3,25;1\n-0,5;2\n', { decimal: ',' });
    expect(Array.from((t.column('a') as NumberColumn).values)).toEqual([3.25, -0.5]);
    expect(fail(() => data.parseCsv('a;b\n1;2\n' + Array.from({ length: 30 }, (_, i) => `${i};2`).join('\n') + '\n3,25;1\n')).message)
      .toMatch(/found "3,25" \(a decimal comma: read the file with decimal ","\)/);
  });
});

describe('table reader: structure', () => {
  const messy = '\uFEFF"größe";b;"la""bel";note\r\n1.5;2;0;"a; b"\r\n\r\n"3.25";-4e-2;1;"two\r\nlines"\r\n5;6;"1";"say ""hi"""\n7;8;0;\n';

  it('reads the same whatever the chunk boundaries: CRLF, BOM, quoted header and cells, "" escapes, line breaks in quotes, UTF-8 names, blank lines', async () => {
    const want = data.parseCsv(messy, { label: 'la"bel' }, 'm.csv');
    expect(want.delimiter).toBe(';');
    expect(want.names).toEqual(['größe', 'b', 'la"bel', 'note']);
    expect(want.columns).toEqual(['größe', 'b', 'note']);
    expect(rowsOf(want)).toEqual([
      { 'größe': 1.5, b: 2, 'la"bel': 0, note: 'a; b' },
      { 'größe': 3.25, b: Math.fround(-4e-2), 'la"bel': 1, note: 'two\r\nlines' },
      { 'größe': 5, b: 6, 'la"bel': 1, note: 'say "hi"' },
      { 'größe': 7, b: 8, 'la"bel': 0, note: null },
    ]);
    // The 1-based line of each row as the file has it (a blank line and a quoted line break in between).
    expect(Array.from(want.lines)).toEqual([2, 4, 6, 7]);
    for (const sizes of [[1], [2], [3], [5, 1, 7], [13], [1 << 16]]) {
      const got = await data.readCsv(chunked(messy, sizes), { label: 'la"bel' });
      expect(rowsOf(got)).toEqual(rowsOf(want));
      expect(Array.from(got.lines)).toEqual(Array.from(want.lines));
    }
  });

  it('detects , ; tab and | (quoted delimiters do not count); takes a given one; .tsv means tab', () => {
    expect(data.parseCsv('a,b\n"1,5",2\n').delimiter).toBe(',');
    expect(data.parseCsv('a;b\n"x,y";2\nz,w;3\n').delimiter).toBe(';');
    expect(data.parseCsv('a\tb\n1\t2\n').delimiter).toBe('\t');
    expect(data.parseCsv('a|b|c\n1|2|3\n').delimiter).toBe('|');
    expect(data.parseCsv('only\n1\n2\n').names).toEqual(['only']);
    expect(data.parseCsv('a;b\n1;2\n', { delimiter: ',' }).names).toEqual(['a;b']);
    expect(data.parseCsv('a b\n1 2\n', { delimiter: ' ' }).names).toEqual(['a', 'b']);
    expect(fail(() => data.parseCsv('a\n', { delimiter: '::' })).code).toBe('ERR_INVALID_ARG');
  });

  it('header-less files: columns named by 0-based index, the label by index', () => {
    const t = data.parseCsv('1,x,0\n2,y,1\n', { header: false, label: 2 });
    expect(t.names).toEqual(['0', '1', '2']);
    expect(t.labelColumn).toBe('2');
    expect(t.rows).toBe(2);
    expect(Array.from(t.lines)).toEqual([1, 2]);
    expect(fail(() => data.parseCsv('1,2\n3,x7,1\n', { header: false })).message).toBe('CSV text: line 2: expected 2 columns (as the first line) but found 3');
  });

  it('blank and repeated header names get names (column3, a.1) as pandas does', () => {
    expect(data.parseCsv('a,a,,a\n1,2,3,4\n').names).toEqual(['a', 'a.1', 'column3', 'a.2']);
  });

  it('infers numbers, categories and booleans; a word among few distinct numbers makes categories; missing markers', () => {
    const t = data.parseCsv([
      'n,c,b,code,m,e',
      '1.5,red,yes,1,NA,',
      '?,blue,no,2,3,',
      '2,red,,X,null,NA',
      '4,,YES,1,5,',
    ].join('\n'));
    const kinds = Object.fromEntries(t.allColumns.map((c) => [c.name, c.kind]));
    expect(kinds).toEqual({ n: 'number', c: 'category', b: 'boolean', code: 'category', m: 'number', e: 'number' });
    expect(t.column('n').missing).toBe(1);
    expect((t.column('c') as CategoryColumn).categories).toEqual(['red', 'blue']);
    expect(t.column('c').missing).toBe(1);
    expect((t.column('b') as CategoryColumn).categories).toEqual(['yes', 'no', 'YES']);
    expect((t.column('code') as CategoryColumn).categories).toEqual(['1', '2', 'X']);
    expect(Array.from((t.column('code') as CategoryColumn).codes)).toEqual([0, 1, 2, 0]);
    expect(t.column('m').missing).toBe(2);
    expect(t.column('e').missing).toBe(4);
    // Markers are configurable (replacing the defaults; empty is always missing); types can be declared.
    const u = data.parseCsv('a,b\nNA,-\n1,2\n', { missing: ['-'], types: { a: 'category' } });
    expect(u.column('a').kind).toBe('category');
    expect((u.column('a') as CategoryColumn).categories).toEqual(['NA', '1']);
    expect(u.column('b').missing).toBe(1);
    expect(fail(() => data.parseCsv('a\nmaybe\n', { types: { a: 'boolean' } })).message).toMatch(/declared boolean but holds "maybe"/);
  });

  it('JSON Lines: objects with absent keys (missing), null, booleans, strings as cells; arrays; bad lines name their line', async () => {
    const t = await data.readCsv(chunked('{"a":1,"b":"x","c":true}\n\n{"b":"y","d":null,"a":"2.5"}\n{"a":3,"c":false,"d":4}\n', [5]), { format: 'jsonl', label: 'c' });
    expect(t.keyed).toBe(true);
    expect(t.names).toEqual(['a', 'b', 'c', 'd']);
    expect(rowsOf(t)).toEqual([
      { a: 1, b: 'x', c: 'true', d: null }, { a: 2.5, b: 'y', c: null, d: null }, { a: 3, b: null, c: 'false', d: 4 },
    ]);
    expect(t.column('c').kind).toBe('boolean');
    expect(Array.from(t.lines)).toEqual([1, 3, 4]);
    const arr = data.parseCsv('[1,2]\n[3,4]\n');
    expect(arr.x.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(fail(() => data.parseCsv('{"a":1}\n{"a":\n', {}, 'in.jsonl')).message).toMatch(/^in.jsonl: line 2: not valid JSON/);
    expect(fail(() => data.parseCsv('{"a":1}\n{"a":{"b":2}}\n', {}, 'in.jsonl')).message)
      .toBe('in.jsonl: line 2, key "a": expected a number, a string, true/false or null but found an object');
    expect(fail(() => data.parseCsv('[1,2]\n[3]\n')).message).toBe('CSV text: line 2: expected 2 values (as the first line) but found 1');
  });

  it('records in code, and columns named constructor, __proto__, toString read and encode like any other', () => {
    const csv = 'constructor,__proto__,toString,hasOwnProperty,y\n1,a,true,5,p\n2,b,false,,q\n3,a,true,7,p\n';
    const t = data.parseCsv(csv, { label: 'y' });
    expect(t.names).toEqual(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'y']);
    const rec = t.record(0);
    expect(Object.keys(rec)).toEqual(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'y']);
    expect([rec['constructor'], rec['__proto__'], rec['toString'], rec['hasOwnProperty'], rec['y']]).toEqual([1, 'a', 'true', 5, 'p']);
    const pre = data.preprocessor({ columns: { constructor: { scale: 'none' as const }, __proto__: { maxCategories: 5 } } }).fit(t);
    expect(pre.featureNames).toEqual(['constructor', '__proto__=a', '__proto__=b', 'toString', 'hasOwnProperty', 'hasOwnProperty (missing)']);
    const x = pre.transform(t).x.arraySync();
    expect(x[0]!.slice(0, 4)).toEqual([1, 1, 0, 1]);
    const recs = data.tableFromRecords(JSON.parse('[{"constructor": 2, "__proto__": "b"}, {"toString": "false"}]'), { schema: pre.inputColumns() });
    expect(pre.transform(recs).x.arraySync()[0]!.slice(0, 3)).toEqual([2, 0, 1]);
    expect(fail(() => data.parseCsv(csv, { label: 'prototype' })).message).toMatch(/no label column named "prototype"/);
  });

  it('stdin-like streams, file errors, empty inputs', async () => {
    expect((await data.readCsv(Readable.from(['a,b\n1,', '2\n']))).x.arraySync()).toEqual([[1, 2]]);
    await expect(data.readCsv('/nonexistent/x.csv')).rejects.toMatchObject({ code: 'ERR_IO', message: '/nonexistent/x.csv: no such file' });
    await expect(data.readCsv('/')).rejects.toMatchObject({ code: 'ERR_IO' });
    expect(fail(() => data.parseCsv('', {}, 'e.csv')).message).toBe('e.csv: the file is empty');
    expect(fail(() => data.parseCsv('\n\n  \n', {}, 'e.csv')).message).toBe('e.csv: the file is empty');
    expect(fail(() => data.parseCsv('a,b\n', {}, 'e.csv')).message).toBe('e.csv: no data rows after the header');
    expect(fail(() => data.parseCsv('a,"b\n1,2\n', {}, 'q.csv')).message).toBe('q.csv: line 1: a quoted field is not closed before the end of the file');
    expect(fail(() => data.parseCsv('a\n1\n', { label: 'a', bogus: 1 } as never)).code).toBe('ERR_INVALID_ARG');
  });

  it('readCsvBatches: tables of N rows with a fixed schema (vocabularies), and the line of each row', async () => {
    const text = 'a,c,z\n' + Array.from({ length: 10 }, (_, i) => `${i},${['u', 'v', 'w'][i % 3]},${i}`).join('\n') + '\n';
    const out: Table[] = [];
    for await (const b of data.readCsvBatches(chunked(text, [7]), { batchSize: 4, schema: [{ name: 'c', kind: 'category', categories: ['v', 'u'] }, { name: 'a', kind: 'number' }] })) out.push(b);
    expect(out.map((b) => b.rows)).toEqual([4, 4, 2]);
    expect(out[0]!.names).toEqual(['c', 'a']);
    expect(Array.from((out[0]!.column('c') as CategoryColumn).codes)).toEqual([1, 0, -2, 1]);
    expect((out[0]!.column('c') as CategoryColumn).unknown).toBe(1);
    expect(Array.from(out[2]!.lines)).toEqual([10, 11]);
    // reuse: each batch's arrays fill later ones once the next is asked for; read one at a time, the same rows.
    const big = 'a,c\n' + Array.from({ length: 1000 }, (_, i) => `${i},${['u', 'v', ''][i % 3]}`).join('\n') + '\n';
    const schema = [{ name: 'a', kind: 'number' as const }, { name: 'c', kind: 'category' as const, categories: ['u', 'v'] }];
    for (const [size, chunk] of [[3, 1 << 16], [64, 7], [1, 1 << 16]] as const) {
      const seen: unknown[] = [], fresh: unknown[] = [];
      for await (const b of data.readCsvBatches(chunked(big, [chunk]), { batchSize: size, schema, reuse: true })) seen.push(...rowsOf(b), ...b.lines);
      for await (const b of data.readCsvBatches(chunked(big, [chunk]), { batchSize: size, schema })) fresh.push(...rowsOf(b), ...b.lines);
      expect(seen).toEqual(fresh);
      expect(seen.length).toBe(2000);
    }
  });
});
