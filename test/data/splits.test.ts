// Row splits of tables: stratified train/test splits by a string label (every class keeps a training
// row), k-fold cross-validation (a partition; stratified folds keep the class balance), seeded.
import { describe, expect, it } from 'vitest';
import { BlasnetError, data } from '../../lib/index';
import type { CategoryColumn } from '../../lib/data';

function classesOf(t: ReturnType<typeof data.parseCsv>): string[] {
  const c = t.column(t.labelColumn!) as CategoryColumn;
  return Array.from(c.codes, (k) => c.categories[k]!);
}

const text = 'v,y\n' + Array.from({ length: 100 }, (_, i) => `${i},${i < 70 ? 'good' : i < 95 ? 'bad' : 'rare'}`).join('\n') + '\n';

describe('table splits', () => {
  it('trainTestSplit on a Table: stratified by the string label, seeded, lines kept', () => {
    const t = data.parseCsv(text, { label: 'y' });
    const s = data.trainTestSplit(t, { testSize: 0.2, stratify: true, seed: 4 });
    expect(s.test.rows).toBe(20);
    expect(s.train.rows).toBe(80);
    const count = (xs: string[], v: string): number => xs.filter((x) => x === v).length;
    expect(count(classesOf(s.test), 'good')).toBe(14);
    expect(count(classesOf(s.test), 'bad')).toBe(5);
    expect(count(classesOf(s.test), 'rare')).toBe(1);
    expect(new Set([...s.trainIndex, ...s.testIndex]).size).toBe(100);
    // The file line goes with each row.
    expect(s.test.line(0)).toBe(s.testIndex[0]! + 2);
    const again = data.trainTestSplit(t, { testSize: 0.2, stratify: true, seed: 4 });
    expect(Array.from(again.testIndex)).toEqual(Array.from(s.testIndex));
    // A class with one row stays in training.
    const one = data.parseCsv('v,y\n1,a\n2,a\n3,a\n4,b\n5,a\n6,c\n7,c\n', { label: 'y' });
    for (let seed = 0; seed < 20; seed++) {
      const p = data.trainTestSplit(one, { testSize: 0.5, stratify: true, seed });
      expect(classesOf(p.train)).toContain('b');
      expect(new Set(classesOf(p.train))).toEqual(new Set(['a', 'b', 'c']));
    }
  });

  it('trainTestSplit of x and y stratifies as the Table split does: the same rows, a lone class kept for training', () => {
    const labels = ['a', 'a', 'a', 'b', 'a', 'c', 'c', 'a', 'c', 'a'];
    const t = data.parseCsv('v,y\n' + labels.map((l, i) => `${i},${l}`).join('\n') + '\n', { label: 'y' });
    const x = labels.map((_, i) => [i]);
    const y = labels.map((l) => ['a', 'b', 'c'].indexOf(l));
    const oneHotY = y.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));
    for (let seed = 0; seed < 10; seed++) {
      const table = data.trainTestSplit(t, { testSize: 0.5, stratify: true, seed });
      for (const labelsOf of [y, oneHotY]) {
        const xy = data.trainTestSplit(x, labelsOf, { testSize: 0.5, stratify: true, seed });
        // x holds each row's index, so the parts name the rows they took.
        expect(Array.from(xy.xTest.dataSync())).toEqual(Array.from(table.testIndex));
        expect(Array.from(xy.xTrain.dataSync())).toEqual(Array.from(table.trainIndex));
      }
      expect(classesOf(table.train)).toContain('b');
    }
  });

  it('kFold: a partition of the rows; stratified folds keep the balance; labels, counts or tables', () => {
    const t = data.parseCsv(text, { label: 'y' });
    const folds = data.kFold(t, { k: 5, stratify: true, seed: 2 });
    expect(folds).toHaveLength(5);
    const seen = new Int32Array(100);
    for (const f of folds) {
      expect(f.test.length).toBe(20);
      expect(f.train.length).toBe(80);
      for (const r of f.test) seen[r]!++;
      const test = classesOf(t.take(f.test));
      expect(test.filter((c) => c === 'good').length).toBe(14);
      expect(test.filter((c) => c === 'bad').length).toBe(5);
      expect(new Set([...f.train, ...f.test]).size).toBe(100);
    }
    expect(Array.from(seen).every((n) => n === 1)).toBe(true);
    const plain = data.kFold(10, { k: 3, shuffle: false });
    expect(plain.map((f) => Array.from(f.test))).toEqual([[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(data.kFold(['a', 'b', 'a', 'b'], { k: 2, stratify: true, seed: 1 }).every((f) => f.test.length === 2)).toBe(true);
    expect(() => data.kFold(3, { k: 4 })).toThrow(BlasnetError);
    expect(() => data.kFold(10, { k: 2, stratify: true })).toThrow(/labels to stratify by/);
  });
});
