// What a table holds, column by column (type, missing values, range or categories, the class balance of
// the label): data.describe() gives it as objects, formatReport() as the lines `blasnet train` prints.
import { MISSING } from './table/columns';
import type { Column, Table } from './table/table';
import type { Preprocessor } from './preprocess/preprocessor';
import type { Step } from './preprocess/steps';

export interface ColumnSummary {
  name: string;
  kind: 'number' | 'category' | 'boolean';
  /** This column is the label. */
  label: boolean;
  rows: number;
  missing: number;
  /** Numbers: range and mean of the present values (null when there are none). */
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  /** Text: distinct values, and the most frequent ones with their counts. */
  distinct?: number;
  top?: { value: string; count: number }[];
  /** More distinct values than the reader keeps. */
  truncated?: boolean;
}

export function summarize(col: Column, rows: ArrayLike<number> | null, isLabel: boolean): ColumnSummary {
  const n = rows ? rows.length : col.kind === 'number' ? col.values.length : col.codes.length;
  const at = (i: number): number => (rows ? rows[i]! : i);
  if (col.kind === 'number') {
    let lo = Infinity, hi = -Infinity, sum = 0, present = 0;
    for (let i = 0; i < n; i++) {
      const v = col.values[at(i)]!;
      if (v !== v) continue;
      present++; sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const base: ColumnSummary = {
      name: col.name, kind: 'number', label: isLabel, rows: n, missing: n - present,
      min: present ? lo : null, max: present ? hi : null, mean: present ? sum / present : null,
    };
    if (isLabel) {
      const counts = new Map<number, number>();
      for (let i = 0; i < n && counts.size <= 1000; i++) { const v = col.values[at(i)]!; if (v === v) counts.set(v, (counts.get(v) ?? 0) + 1); }
      base.distinct = counts.size;
      base.top = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 20).map(([v, c]) => ({ value: String(v), count: c }));
    }
    return base;
  }
  const counts = new Float64Array(col.categories.length);
  let missing = 0;
  for (let i = 0; i < n; i++) { const k = col.codes[at(i)]!; if (k >= 0) counts[k]!++; else if (k === MISSING) missing++; }
  const seen: number[] = [];
  for (let k = 0; k < counts.length; k++) if (counts[k]! > 0) seen.push(k);
  seen.sort((a, b) => counts[b]! - counts[a]! || (col.categories[a]! < col.categories[b]! ? -1 : 1));
  return {
    name: col.name, kind: col.kind, label: isLabel, rows: n, missing, distinct: seen.length, truncated: col.truncated,
    top: seen.slice(0, 20).map((k) => ({ value: col.categories[k]!, count: counts[k]! })),
  };
}

/** Every column of a table (or of some of its rows). */
export function describe(table: Table, rows?: ArrayLike<number>): ColumnSummary[] {
  return table.allColumns.map((c) => summarize(c, rows ?? null, c.name === table.labelColumn));
}

const fmtInt = (v: number): string => v.toLocaleString('en-US');

function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  return Number.isInteger(v) ? fmtInt(v) : String(Number(v.toPrecision(4)));
}

function clip(s: string, n: number): string {
  const t = s.replace(/[\r\n\t]+/g, ' ');
  return t.length > n ? t.slice(0, n - 3) + '...' : t;
}

function values(s: ColumnSummary, shown: number): string {
  const top = s.top ?? [];
  if (top.length > 0 && top[0]!.count === 1 && (s.distinct ?? 0) > shown) return 'each value different';
  const total = top.reduce((a, t) => a + t.count, 0) || 1;
  const list = top.slice(0, shown).map((t) => `${clip(t.value, 24)} ${fmtInt(t.count)}${s.label ? ` (${((100 * t.count) / (s.rows - s.missing || total)).toFixed(1)}%)` : ''}`);
  const more = (s.distinct ?? 0) - Math.min(shown, top.length);
  return list.join(', ') + (more > 0 ? `, ... ${fmtInt(more)} more` : '');
}

function stepNote(step: Step | undefined): string {
  if (!step) return '';
  switch (step.kind) {
    case 'drop': return `left out: ${step.reason}`;
    case 'number': return `impute ${step.impute.strategy} (${fmtNum(step.impute.value)}), scale ${step.scale.method}${step.indicator ? ', missing indicator' : ''}`;
    case 'boolean': return `0/1, impute ${step.impute.strategy === 'mostFrequent' ? 'most frequent' : 'constant'} (${step.impute.value})${step.indicator ? ', missing indicator' : ''}`;
    default: {
      const n = step.categories.length + (step.missingColumn ? 1 : 0) + (step.other.length ? 1 : 0);
      return `one-hot ${n} column${n === 1 ? '' : 's'}${step.other.length ? ` (${fmtInt(step.other.length)} rare or past the cap of ${step.categories.length} -> "(other)")` : ''}` +
        `${step.missingColumn ? ', missing as its own category' : step.impute.strategy === 'mostFrequent' ? `, impute most frequent (${clip(step.impute.value ?? '', 20)})` : ''}`;
    }
  }
}

/**
 * The data report: one line per column (type, missing count, range or categories, the label's class
 * balance), then what the preprocessor does with each, capped at `maxColumns` lines.
 */
export function formatReport(table: Table, options: { rows?: ArrayLike<number>; preprocessor?: Preprocessor | null; maxColumns?: number; title?: string } = {}): string[] {
  const sums = describe(table, options.rows);
  const steps = new Map((options.preprocessor?.fitted ? options.preprocessor.columnSteps : []).map((s) => [s.name, s]));
  const maxCols = options.maxColumns ?? 40;
  const n = options.rows ? options.rows.length : table.rows;
  const lines: string[] = [];
  lines.push(options.title ?? `${table.source}: ${fmtInt(n)} rows, ${fmtInt(sums.length)} columns`);
  const width = Math.min(24, Math.max(6, ...sums.slice(0, maxCols).map((s) => s.name.length)));
  const shown = [...sums.filter((s) => s.label), ...sums.filter((s) => !s.label)].slice(0, maxCols);
  for (const s of shown) {
    const type = s.label ? `label (${s.kind === 'number' && (s.distinct ?? 0) > 20 ? 'number' : `${fmtInt(s.distinct ?? 0)} classes`})` : s.kind === 'category' ? 'category' : s.kind;
    let desc: string;
    if (s.kind === 'number' && !s.label) desc = s.min === null ? 'empty' : `${fmtNum(s.min)} to ${fmtNum(s.max)}, mean ${fmtNum(s.mean)}`;
    else if (s.kind === 'number' && (s.distinct ?? 0) > 20) desc = `${fmtNum(s.min)} to ${fmtNum(s.max)}, mean ${fmtNum(s.mean)}`;
    else desc = `${s.truncated ? 'over ' : ''}${fmtInt(s.distinct ?? 0)} value${s.distinct === 1 ? '' : 's'}: ${values(s, s.label ? 10 : 4)}`;
    const note = stepNote(steps.get(s.name));
    lines.push(`  ${clip(s.name, width).padEnd(width)}  ${type.padEnd(18)}  ${`${fmtInt(s.missing)} missing`.padEnd(14)}  ${desc}${note ? `; ${note}` : ''}`);
  }
  if (sums.length > shown.length) lines.push(`  ... and ${fmtInt(sums.length - shown.length)} more columns`);
  return lines;
}
