// The CLI's streaming table reader: the byte-level number parser equals Number() (then float32) on every
// kind of numeric text; lines split across chunks anywhere (CRLF, BOM, multi-byte UTF-8) read the same.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TableReader, type TableSpec } from '../lib/cli/table';
import { CliError } from '../lib/cli/errors';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

/** The text as a stream of chunks cut at the given byte sizes (cycled). */
function chunked(text: string, sizes: number[]): Readable {
  const buf = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0, k = 0; i < buf.length; k++) { const n = sizes[k % sizes.length]!; parts.push(buf.subarray(i, i + n)); i += n; }
  return Readable.from(parts);
}

async function readAll(text: string, spec: TableSpec, sizes = [1 << 16], source = 't.csv'): Promise<{ x: number[]; y: number[]; rows: number; columns: string[] }> {
  const r = new TableReader(chunked(text, sizes), source, spec);
  const x: number[] = [], y: number[] = [];
  let rows = 0;
  for await (const b of r.batches(7)) { x.push(...b.x); if (b.y) y.push(...b.y); rows += b.rows; }
  return { x, y, rows, columns: r.columns };
}

function randomNumberText(rnd: () => number): string {
  const kind = Math.floor(rnd() * 9);
  const sign = rnd() < 0.3 ? '-' : rnd() < 0.1 ? '+' : '';
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  switch (kind) {
    case 0: return sign + digits(1 + Math.floor(rnd() * 6));
    case 1: return `${sign}${digits(1 + Math.floor(rnd() * 4))}.${digits(1 + Math.floor(rnd() * 8))}`;
    case 2: return `${sign}${digits(1 + Math.floor(rnd() * 20))}.${digits(Math.floor(rnd() * 20))}`;       // beyond 15 digits
    case 3: return `${sign}${digits(1)}.${digits(Math.floor(rnd() * 7))}e${rnd() < 0.5 ? '-' : ''}${Math.floor(rnd() * 40)}`;
    case 4: return `${sign}0.${'0'.repeat(Math.floor(rnd() * 25))}${digits(1 + Math.floor(rnd() * 9))}`;
    case 5: return `${sign}.${digits(1 + Math.floor(rnd() * 6))}`;
    case 6: return `${sign}${digits(1 + Math.floor(rnd() * 3))}.`;
    case 7: return ` ${sign}${digits(2)}.${digits(3)} `;
    default: return String((rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 6));
  }
}

describe('CLI table reader', () => {
  it('parses 20,000 numbers of every form exactly as Number() then float32 does', async () => {
    const rnd = lcg(11);
    const cells: string[] = [];
    let text = 'a,b,c,d\n';
    for (let r = 0; r < 5000; r++) {
      const row = [0, 1, 2, 3].map(() => randomNumberText(rnd));
      cells.push(...row);
      text += row.join(',') + '\n';
    }
    const got = await readAll(text, { features: null });
    expect(got.rows).toBe(5000);
    const want = Float32Array.from(cells, (c) => Number(c));
    expect(Array.from(Float32Array.from(got.x))).toEqual(Array.from(want));
  });

  it('reads the same whatever the chunk boundaries: CRLF, BOM, quoted header and cells, UTF-8 names, blank lines', async () => {
    const text = '\uFEFF"größe",b,"la""bel"\r\n1.5,2,0\r\n\r\n"3.25",-4e-2,1\r\n5,6,"1"\n7,8,0';
    const want = await readAll(text, { features: null, label: 'la"bel' });
    expect(want.columns).toEqual(['größe', 'b']);
    expect(want.x).toEqual([1.5, 2, 3.25, Math.fround(-4e-2), 5, 6, 7, 8]);
    expect(want.y).toEqual([0, 1, 1, 0]);
    for (const sizes of [[1], [2], [3], [5, 1, 7], [13]]) {
      expect(await readAll(text, { features: null, label: 'la"bel' }, sizes)).toEqual(want);
    }
  });

  it('picks feature columns by name in the model order and ignores the others', async () => {
    const got = await readAll('id,b,a,y\n9,2,1,0\n8,4,3,1\n', { features: ['a', 'b'] });
    expect(got.x).toEqual([1, 2, 3, 4]);
  });

  it('reports a bad cell, a ragged row and an unknown column with the line and column', async () => {
    const err = async (text: string, spec: TableSpec): Promise<string> => {
      try { await readAll(text, spec); } catch (e) { expect(e).toBeInstanceOf(CliError); return (e as Error).message; }
      return 'no error';
    };
    expect(await err('a,b\n1,2\n3,1..5\n', { features: null })).toBe('t.csv: line 3, column 2 (b): expected a number but found "1..5"');
    expect(await err('a,b\n1,2\n3,Infinity\n', { features: null })).toBe('t.csv: line 3, column 2 (b): expected a number but found "Infinity"');
    expect(await err('a,b\n1,2\n3\n', { features: null })).toBe('t.csv: line 3: expected 2 columns (as the header) but found 1');
    expect(await err('a,b\n1,2,3\n', { features: null })).toBe('t.csv: line 2: expected 2 columns (as the header) but found 3');
    expect(await err('a,b\n1,x,3\n', { features: null })).toBe('t.csv: line 2: expected 2 columns (as the header) but found 3');
    expect(await err('a,b\n1,2\n', { features: null, label: 'c' })).toBe('t.csv: no label column named "c"; the columns are: a, b');
    expect(await err('', { features: null })).toBe('t.csv: the file is empty');
    expect(await err('a,b\n1,2\n', { features: null, expectedFeatures: 3 })).toBe('t.csv: the model takes 3 features but the file has 2 columns');
  });

  it('reads JSON Lines of objects (with a label) and of arrays', async () => {
    const objs = await readAll('{"a":1,"b":2,"y":1}\n\n{"b":4,"a":3,"y":0}\n', { features: null, label: 'y' }, [4], 'in.jsonl');
    expect(objs.columns).toEqual(['a', 'b']);
    expect(objs.x).toEqual([1, 2, 3, 4]);
    expect(objs.y).toEqual([1, 0]);
    const arrs = await readAll('[1,2]\n[3,4]\n', { features: null }, [3], 'in.jsonl');
    expect(arrs.x).toEqual([1, 2, 3, 4]);
  });
});
