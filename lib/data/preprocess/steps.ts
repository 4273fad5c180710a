// The per-column steps of a preprocessor: what each learns from the training rows (fit) and how it
// writes its output columns (transform). Statistics in float64 on the float32 cells; scaling statistics
// on the imputed values, as scikit-learn's Pipeline(SimpleImputer, StandardScaler) computes them.
import { BlasnetError } from '../../errors';
import { booleanValue, MISSING } from '../table/columns';
import { float32Text } from '../table/number';
import type { CategoryColumn, Column, NumberColumn } from '../table/table';

export type NumericImpute = 'mean' | 'median' | { constant: number };
export type Scaling = 'standard' | 'minmax' | 'none';

export interface NumberStep {
  name: string;
  kind: 'number';
  impute: { strategy: 'mean' | 'median' | 'constant'; value: number };
  scale: { method: 'standard' | 'minmax' | 'none'; offset: number; divisor: number };
  /** An extra 0/1 output column: 1 where the value was missing. */
  indicator: boolean;
}

export interface CategoryStep {
  name: string;
  kind: 'category';
  /** mostFrequent: a missing value counts as `value`; missing: as a category of its own (an output column when the training rows had missing values). */
  impute: { strategy: 'mostFrequent' | 'missing'; value: string | null };
  /** One output column each, in this order. */
  categories: string[];
  /** Seen in training but past the cap: one "(other)" output column for all of them. */
  other: string[];
  /** Output column for missing values (impute missing, when training rows had some). */
  missingColumn: boolean;
}

export interface BooleanStep {
  name: string;
  kind: 'boolean';
  impute: { strategy: 'mostFrequent' | 'constant'; value: boolean };
  indicator: boolean;
}

export interface DropStep {
  name: string;
  kind: 'drop';
  reason: string;
}

export type Step = NumberStep | CategoryStep | BooleanStep | DropStep;

export interface StepOptions {
  impute?: NumericImpute | 'mostFrequent' | 'missing' | { constant: string | number | boolean };
  scale?: Scaling;
  indicator?: boolean | 'auto';
  maxCategories?: number;
  minFrequency?: number;
  drop?: boolean;
}

/** Output column names of a step. */
export function stepOutputs(s: Step): string[] {
  switch (s.kind) {
    case 'number': return s.indicator ? [s.name, `${s.name} (missing)`] : [s.name];
    case 'boolean': return s.indicator ? [s.name, `${s.name} (missing)`] : [s.name];
    case 'category': return [...s.categories.map((c) => `${s.name}=${c}`), ...(s.missingColumn ? [`${s.name}=(missing)`] : []), ...(s.other.length ? [`${s.name}=(other)`] : [])];
    default: return [];
  }
}

function fail(name: string, what: string): never {
  throw new BlasnetError('ERR_INVALID_ARG', `column ${name}: ${what}`);
}

/** Median as numpy computes it (mean of the two middle values for an even count). */
function median(sorted: Float64Array): number {
  const n = sorted.length;
  const m = n >> 1;
  return n % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

// --------------------------------------------------------------------------- fit

export function fitNumber(col: NumberColumn, rows: ArrayLike<number>, o: StepOptions): NumberStep {
  const v = col.values;
  const present: number[] = [];
  for (let i = 0; i < rows.length; i++) { const x = v[rows[i]!]!; if (x === x) present.push(x); }
  const missing = rows.length - present.length;
  const impute = o.impute ?? 'median';
  let strategy: NumberStep['impute']['strategy'];
  let fill: number;
  if (impute === 'mean' || impute === 'median') {
    strategy = impute;
    if (present.length === 0) fill = 0;
    else if (impute === 'mean') { let s = 0; for (const x of present) s += x; fill = s / present.length; }
    else fill = median(Float64Array.from(present).sort());
  } else if (impute && typeof impute === 'object' && typeof (impute as { constant: unknown }).constant === 'number' && Number.isFinite((impute as { constant: number }).constant)) {
    strategy = 'constant';
    fill = (impute as { constant: number }).constant;
  } else {
    fail(col.name, `impute must be "mean", "median" or {constant: number} for a numeric column, not ${JSON.stringify(impute)}`);
  }
  const method = o.scale ?? 'standard';
  if (method !== 'standard' && method !== 'minmax' && method !== 'none') fail(col.name, `scale must be "standard", "minmax" or "none", not ${JSON.stringify(method)}`);
  let offset = 0, divisor = 1;
  const n = rows.length;
  if (method === 'standard') {
    let s = 0;
    for (const x of present) s += x;
    s += missing * fill;
    const mean = s / n;
    let sq = 0;
    for (const x of present) { const d = x - mean; sq += d * d; }
    sq += missing * (fill - mean) * (fill - mean);
    const std = Math.sqrt(sq / n);
    offset = mean;
    divisor = std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1;
  } else if (method === 'minmax') {
    let lo = missing > 0 ? fill : Infinity, hi = missing > 0 ? fill : -Infinity;
    for (const x of present) { if (x < lo) lo = x; if (x > hi) hi = x; }
    offset = lo;
    divisor = hi - lo > 0 ? hi - lo : 1;
  }
  const ind = o.indicator ?? 'auto';
  if (ind !== true && ind !== false && ind !== 'auto') fail(col.name, `indicator must be true, false or "auto", not ${JSON.stringify(ind)}`);
  return {
    name: col.name, kind: 'number', impute: { strategy, value: fill }, scale: { method, offset, divisor },
    indicator: ind === 'auto' ? missing > 0 : ind,
  };
}

export function fitCategory(col: CategoryColumn, rows: ArrayLike<number>, o: StepOptions): CategoryStep | DropStep {
  const counts = new Float64Array(col.categories.length);
  let missing = 0;
  for (let i = 0; i < rows.length; i++) {
    const k = col.codes[rows[i]!]!;
    if (k >= 0) counts[k]!++;
    else if (k === MISSING) missing++;
  }
  const seen: number[] = [];
  for (let k = 0; k < counts.length; k++) if (counts[k]! > 0) seen.push(k);
  const cap = o.maxCategories ?? 50;
  const minFreq = o.minFrequency ?? 1;
  if (!Number.isSafeInteger(cap) || cap < 1) fail(col.name, `maxCategories must be a positive integer, not ${JSON.stringify(cap)}`);
  if (!Number.isSafeInteger(minFreq) || minFreq < 1) fail(col.name, `minFrequency must be a positive integer, not ${JSON.stringify(minFreq)}`);
  const present = rows.length - missing;
  if (col.truncated) return { name: col.name, kind: 'drop', reason: `more distinct values than the reader keeps (${col.categories.length.toLocaleString('en-US')}): text, not categories` };
  if (seen.length > cap && seen.length >= 0.9 * present) {
    return { name: col.name, kind: 'drop', reason: `${seen.length.toLocaleString('en-US')} distinct values in ${present.toLocaleString('en-US')} rows: an identifier or free text, not categories` };
  }
  const names = col.categories;
  const byCount = seen.slice().sort((a, b) => counts[b]! - counts[a]! || cmp(names[a]!, names[b]!));
  const kept = byCount.filter((k, i) => i < cap && counts[k]! >= minFreq);
  const keptSet = new Set(kept);
  const other = byCount.filter((k) => !keptSet.has(k)).map((k) => names[k]!).sort(cmp);
  const impute = o.impute ?? 'missing';
  if (impute !== 'mostFrequent' && impute !== 'missing') fail(col.name, `impute must be "mostFrequent" or "missing" for a categorical column, not ${JSON.stringify(impute)}`);
  const top = byCount.length > 0 ? names[byCount[0]!]! : null;
  return {
    name: col.name, kind: 'category',
    impute: { strategy: impute, value: impute === 'mostFrequent' ? top : null },
    categories: kept.map((k) => names[k]!).sort(cmp), other, missingColumn: impute === 'missing' && missing > 0,
  };
}

export function fitBoolean(col: CategoryColumn, rows: ArrayLike<number>, o: StepOptions): BooleanStep {
  const truth = col.categories.map((c) => booleanValue(c));
  let t = 0, f = 0, missing = 0;
  for (let i = 0; i < rows.length; i++) {
    const k = col.codes[rows[i]!]!;
    if (k < 0) { missing++; continue; }
    if (truth[k] === true) t++; else f++;
  }
  const impute = o.impute ?? 'mostFrequent';
  let strategy: BooleanStep['impute']['strategy'], value: boolean;
  if (impute === 'mostFrequent') { strategy = 'mostFrequent'; value = t > f; }
  else if (impute && typeof impute === 'object' && typeof (impute as { constant: unknown }).constant === 'boolean') { strategy = 'constant'; value = (impute as { constant: boolean }).constant; }
  else fail(col.name, `impute must be "mostFrequent" or {constant: true | false} for a boolean column, not ${JSON.stringify(impute)}`);
  const ind = o.indicator ?? 'auto';
  if (ind !== true && ind !== false && ind !== 'auto') fail(col.name, `indicator must be true, false or "auto", not ${JSON.stringify(ind)}`);
  return { name: col.name, kind: 'boolean', impute: { strategy, value }, indicator: ind === 'auto' ? missing > 0 : ind };
}

export function cmp(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

// --------------------------------------------------------------------------- transform

/** Counts of a transform: values not seen in training, per column. */
export type Counts = Map<string, number>;

/**
 * Writes a step's output columns for every row of `rows` (row i of the output is table row rows[i]) into
 * out (row-major, `width` wide) at column `at`. A column absent from the table reads as all missing.
 */
export function writeStep(step: Step, col: Column | null, rows: ArrayLike<number> | null, n: number, out: Float32Array, width: number, at: number,
  unknown: Counts, where: (row: number) => string): void {
  if (step.kind === 'number') {
    const fill = step.impute.value, off = step.scale.offset, div = step.scale.divisor, ind = step.indicator;
    let values: Float32Array | null = null;
    if (col && col.kind === 'number') values = col.values;
    else if (col) values = categoriesAsNumbers(col, where);
    for (let i = 0; i < n; i++) {
      let v = values ? values[rows === null ? i : rows[i]!]! : NaN;
      const o = i * width + at;
      if (v !== v) { v = fill; if (ind) out[o + 1] = 1; }
      out[o] = (v - off) / div;
    }
    return;
  }
  if (step.kind === 'boolean') {
    const { codes, truth } = booleanCodes(col, rows, n);
    const fill = step.impute.value ? 1 : 0, ind = step.indicator;
    let unk = 0;
    for (let i = 0; i < n; i++) {
      const k = codes[i]!;
      let b = k >= 0 ? truth[k]! : -1;
      if (b === -2) { unk++; b = -1; }
      const o = i * width + at;
      if (b < 0) { b = fill; if (ind) out[o + 1] = 1; }
      out[o] = b;
    }
    if (unk > 0) unknown.set(step.name, (unknown.get(step.name) ?? 0) + unk);
    return;
  }
  if (step.kind === 'category') {
    const { codes, map } = categorySlots(step, col, rows, n);
    const fillSlot = step.impute.strategy === 'mostFrequent' && step.impute.value !== null ? slotOfName(step, step.impute.value) : step.missingColumn ? step.categories.length : -1;
    let unk = 0;
    for (let i = 0; i < n; i++) {
      const code = codes[i]!;
      let s: number;
      if (code >= 0) { s = map[code]!; if (s === -2) { unk++; continue; } }
      else if (code === MISSING) s = fillSlot;
      else { unk++; continue; }
      if (s >= 0) out[i * width + at + s] = 1;
    }
    if (unk > 0) unknown.set(step.name, (unknown.get(step.name) ?? 0) + unk);
  }
}

function slotOfName(step: CategoryStep, name: string): number {
  const i = step.categories.indexOf(name);
  if (i >= 0) return i;
  return step.other.length && bsearch(step.other, name) ? step.categories.length + (step.missingColumn ? 1 : 0) : -1;
}

function bsearch(sorted: readonly string[], x: string): boolean {
  let lo = 0, hi = sorted.length - 1;
  while (lo <= hi) { const m = (lo + hi) >> 1; const c = cmp(sorted[m]!, x); if (c === 0) return true; if (c < 0) lo = m + 1; else hi = m - 1; }
  return false;
}

/** The codes of the given rows (-1 missing, -2 unknown) and, per code, the output slot of a category step (-2: unknown). */
function categorySlots(step: CategoryStep, col: Column | null, rows: ArrayLike<number> | null, n: number): { codes: Int32Array; map: Int32Array } {
  if (col && col.kind !== 'number' && rows === null) return { codes: col.codes, map: slotMap(step, col.categories) };
  const codes = new Int32Array(n);
  if (!col) { codes.fill(MISSING); return { codes, map: new Int32Array(0) }; }
  if (col.kind === 'number') {
    // A column the table read as numbers: categories by their float32 text.
    const v = col.values;
    const cache = new Map<number, number>();
    const texts: string[] = [];
    for (let i = 0; i < n; i++) {
      const x = v[rows === null ? i : rows[i]!]!;
      if (x !== x) { codes[i] = MISSING; continue; }
      let k = cache.get(x);
      if (k === undefined) { k = texts.length; texts.push(float32Text(x)); cache.set(x, k); }
      codes[i] = k;
    }
    return { codes, map: slotMap(step, texts) };
  }
  const src = col.codes;
  for (let i = 0; i < n; i++) codes[i] = src[rows![i]!]!;
  return { codes, map: slotMap(step, col.categories) };
}

function slotMap(step: CategoryStep, names: readonly string[]): Int32Array {
  const index = new Map(step.categories.map((c, i) => [c, i]));
  const otherSlot = step.categories.length + (step.missingColumn ? 1 : 0);
  const m = new Int32Array(names.length);
  names.forEach((nm, k) => {
    const i = index.get(nm);
    m[k] = i !== undefined ? i : step.other.length && bsearch(step.other, nm) ? otherSlot : -2;
  });
  return m;
}

/** The codes of the given rows and, per code, 1 true, 0 false, -2 not a boolean word (numbers: 1 and 0). */
function booleanCodes(col: Column | null, rows: ArrayLike<number> | null, n: number): { codes: Int32Array; truth: Int8Array } {
  const truthOf = (cats: readonly string[]): Int8Array => Int8Array.from(cats, (c) => { const b = booleanValue(c); return b === null ? -2 : b ? 1 : 0; });
  if (col && col.kind !== 'number' && rows === null) return { codes: col.codes, truth: truthOf(col.categories) };
  const codes = new Int32Array(n);
  if (!col) return { codes: codes.fill(MISSING), truth: new Int8Array(0) };
  if (col.kind === 'number') {
    const v = col.values;
    for (let i = 0; i < n; i++) { const x = v[rows === null ? i : rows[i]!]!; codes[i] = x !== x ? MISSING : x === 1 ? 1 : x === 0 ? 0 : 2; }
    return { codes, truth: Int8Array.from([0, 1, -2]) };
  }
  const src = col.codes;
  for (let i = 0; i < n; i++) codes[i] = src[rows![i]!]!;
  return { codes, truth: truthOf(col.categories) };
}

/** A text column where numbers were expected: each category parsed once; a word is an error naming its line. */
function categoriesAsNumbers(col: CategoryColumn, where: (row: number) => string): Float32Array {
  const parsed = col.categories.map((c) => { const t = c.trim(); return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : NaN; });
  const out = new Float32Array(col.codes.length);
  for (let r = 0; r < out.length; r++) {
    const k = col.codes[r]!;
    if (k < 0) { out[r] = NaN; continue; }
    const v = parsed[k]!;
    if (v !== v) throw new BlasnetError('ERR_FORMAT', `${where(r)}: expected a number (the column was numeric in the training rows) but found ${JSON.stringify(col.categories[k]!.slice(0, 40))}`);
    out[r] = v;
  }
  return out;
}
