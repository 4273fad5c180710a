// The label column: classes learned from the training rows (sorted, as scikit-learn's LabelEncoder) and
// the task; encoding to class indices, with a class never seen in training an error naming its line.
import { BlasnetError } from '../../errors';
import { MISSING } from '../table/columns';
import { float32Text } from '../table/number';
import type { Column } from '../table/table';
import { cmp } from './steps';

export interface LabelStep {
  name: string;
  task: 'classification' | 'regression';
  /** How the column reads: numbers, or text (category / boolean words). */
  kind: 'number' | 'category' | 'boolean';
  /** The class of each output unit (classification); empty for regression. */
  classes: (string | number)[];
}

const MAX_CLASSES = 1000;

function fail(msg: string): never { throw new BlasnetError('ERR_INVALID_ARG', msg); }

export function fitLabel(col: Column, rows: Int32Array, task: 'auto' | 'classification' | 'regression', source: string): LabelStep {
  if (col.kind === 'number') {
    const v = col.values;
    const distinct = new Set<number>();
    let integers = true;
    for (let i = 0; i < rows.length; i++) {
      const x = v[rows[i]!]!;
      if (!Number.isInteger(x)) integers = false;
      if (distinct.size <= MAX_CLASSES) distinct.add(x);
    }
    const t = task === 'auto' ? (integers && distinct.size <= 20 ? 'classification' : 'regression') : task;
    if (t === 'regression') return { name: col.name, task: t, kind: 'number', classes: [] };
    if (distinct.size > MAX_CLASSES) fail(`${source}: the label ${col.name} has more than ${MAX_CLASSES} distinct values: too many classes (use task regression)`);
    const classes = [...distinct].sort((a, b) => a - b);
    if (classes.length < 2) fail(`${source}: the label ${col.name} has a single value (${classes[0]}) in the training rows; classification needs at least two classes`);
    return { name: col.name, task: t, kind: 'number', classes };
  }
  if (task === 'regression') fail(`${source}: the label ${col.name} is text (${col.kind === 'boolean' ? 'boolean' : 'categories'}), not a number: it cannot be a regression target`);
  const seen = new Set<number>();
  for (let i = 0; i < rows.length; i++) { const k = col.codes[rows[i]!]!; if (k >= 0) seen.add(k); }
  if (seen.size > MAX_CLASSES) fail(`${source}: the label ${col.name} has ${seen.size} distinct values: more than ${MAX_CLASSES} classes`);
  const classes = [...seen].map((k) => col.categories[k]!).sort(cmp);
  if (classes.length < 2) fail(`${source}: the label ${col.name} has a single value (${JSON.stringify(classes[0])}) in the training rows; classification needs at least two classes`);
  return { name: col.name, task: 'classification', kind: col.kind, classes };
}

/** y for the given rows: class indices, or the values for regression. */
export function labelOf(l: LabelStep, col: Column, rows: Int32Array, where: (row: number) => string): Float32Array {
  const n = rows.length;
  const y = new Float32Array(n);
  if (l.task === 'regression') {
    if (col.kind === 'number') { for (let i = 0; i < n; i++) y[i] = col.values[rows[i]!]!; return y; }
    const parsed = col.categories.map((c) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(c.trim()) ? Number(c) : NaN));
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      const v = parsed[col.codes[r]!] ?? NaN;
      if (v !== v) throw new BlasnetError('ERR_FORMAT', `${where(r)}: expected a number for the label but found ${JSON.stringify(col.categories[col.codes[r]!] ?? '')}`);
      y[i] = v;
    }
    return y;
  }
  const unknown = (r: number, value: string): never => {
    const shown = l.classes.length > 20 ? `${l.classes.slice(0, 20).join(', ')}, ...` : l.classes.join(', ');
    throw new BlasnetError('ERR_FORMAT', `${where(r)}: class ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value)} does not occur in the training rows (classes: ${shown})`);
  };
  if (l.kind === 'number') {
    const index = new Map((l.classes as number[]).map((c, i) => [c, i]));
    if (col.kind === 'number') {
      for (let i = 0; i < n; i++) {
        const r = rows[i]!;
        const k = index.get(col.values[r]!);
        if (k === undefined) unknown(r, float32Text(col.values[r]!));
        y[i] = k!;
      }
      return y;
    }
    const map = col.categories.map((c) => index.get(Number(c.trim())) ?? -1);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      const code = col.codes[r]!;
      const k = code >= 0 ? map[code]! : -1;
      if (k < 0) unknown(r, code >= 0 ? col.categories[code]! : '(not in the vocabulary)');
      y[i] = k;
    }
    return y;
  }
  const index = new Map((l.classes as string[]).map((c, i) => [c, i]));
  if (col.kind === 'number') {
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      const t = float32Text(col.values[r]!);
      const k = index.get(t);
      if (k === undefined) unknown(r, t);
      y[i] = k!;
    }
    return y;
  }
  const map = col.categories.map((c) => index.get(c) ?? -1);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const code = col.codes[r]!;
    if (code === MISSING) continue;
    const k = code >= 0 ? map[code]! : -1;
    if (k < 0) unknown(r, code >= 0 ? col.categories[code]! : '(a value outside the classes)');
    y[i] = k;
  }
  return y;
}
