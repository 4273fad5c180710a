// A saved preprocessor, checked before use: every field's type, range and consistency, so that a damaged
// or hand-edited file fails at load (ERR_FORMAT, naming the field), never later at predict.
import { BlasnetError } from '../../errors';
import type { LabelStep } from './label';
import { cmp, stepOutputs, type Step } from './steps';

export interface PreprocessorJSON {
  kind: 'blasnetPreprocessor';
  version: 1;
  /** Training rows it was fitted on. */
  rows: number;
  label: LabelStep | null;
  steps: Step[];
  /** Output column names (checked against the steps on load). */
  featureNames: string[];
}

const MAX_STEPS = 100_000;
const MAX_NAME = 10_000;
const MAX_CATEGORIES = 1_000_000;

class Check {
  constructor(private readonly path: string) {}
  fail(what: string, v: unknown): never {
    const shown = typeof v === 'string' ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)
      : Array.isArray(v) ? `an array of length ${v.length}` : v !== null && typeof v === 'object' ? 'an object' : String(v);
    throw new BlasnetError('ERR_FORMAT', `Invalid preprocessor: ${this.path}: expected ${what} but found ${shown}`);
  }
  at(key: string | number): Check { return new Check(typeof key === 'number' ? `${this.path}[${key}]` : `${this.path}.${key}`); }
}

function obj(v: unknown, c: Check, keys: string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) c.fail('an object', v);
  for (const k of Object.keys(v as object)) if (!keys.includes(k)) c.at(k).fail(`only the keys ${keys.join(', ')}`, k);
  return v as Record<string, unknown>;
}

function str(v: unknown, c: Check, max = MAX_NAME): string {
  if (typeof v !== 'string' || v.length > max) c.fail(`a string of at most ${max} characters`, v);
  return v as string;
}

function num(v: unknown, c: Check, positive = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && !(v > 0))) c.fail(positive ? 'a finite number > 0' : 'a finite number', v);
  return v as number;
}

function bool(v: unknown, c: Check): boolean {
  if (typeof v !== 'boolean') c.fail('true or false', v);
  return v as boolean;
}

function oneOf<T extends string>(v: unknown, c: Check, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) c.fail(values.map((x) => JSON.stringify(x)).join(' or '), v);
  return v as T;
}

function strings(v: unknown, c: Check, unique: boolean, sorted = false): string[] {
  if (!Array.isArray(v) || v.length > MAX_CATEGORIES) c.fail(`an array of at most ${MAX_CATEGORIES} strings`, v);
  const a = v as unknown[];
  a.forEach((x, i) => str(x, c.at(i)));
  if (unique && new Set(a).size !== a.length) c.fail('distinct values', v);
  if (sorted) for (let i = 1; i < a.length; i++) if (cmp(a[i - 1] as string, a[i] as string) >= 0) c.at(i).fail('values in sorted order', a[i]);
  return a as string[];
}

function step(v: unknown, c: Check): Step {
  const kind = oneOf((v as { kind?: unknown } | null)?.kind, c.at('kind'), ['number', 'category', 'boolean', 'drop']);
  if (kind === 'number') {
    const o = obj(v, c, ['name', 'kind', 'impute', 'scale', 'indicator']);
    const imp = obj(o.impute, c.at('impute'), ['strategy', 'value']);
    const sc = obj(o.scale, c.at('scale'), ['method', 'offset', 'divisor']);
    const method = oneOf(sc.method, c.at('scale').at('method'), ['standard', 'minmax', 'none']);
    const offset = num(sc.offset, c.at('scale').at('offset'));
    const divisor = num(sc.divisor, c.at('scale').at('divisor'), true);
    if (method === 'none' && (offset !== 0 || divisor !== 1)) c.at('scale').fail('offset 0 and divisor 1 with method "none"', sc);
    return {
      name: str(o.name, c.at('name')), kind,
      impute: { strategy: oneOf(imp.strategy, c.at('impute').at('strategy'), ['mean', 'median', 'constant']), value: num(imp.value, c.at('impute').at('value')) },
      scale: { method, offset, divisor }, indicator: bool(o.indicator, c.at('indicator')),
    };
  }
  if (kind === 'category') {
    const o = obj(v, c, ['name', 'kind', 'impute', 'categories', 'other', 'missingColumn']);
    const imp = obj(o.impute, c.at('impute'), ['strategy', 'value']);
    const strategy = oneOf(imp.strategy, c.at('impute').at('strategy'), ['mostFrequent', 'missing']);
    const categories = strings(o.categories, c.at('categories'), true);
    const other = strings(o.other, c.at('other'), true, true);
    const kept = new Set(categories);
    other.forEach((x, i) => { if (kept.has(x)) c.at('other').at(i).fail('a value not among categories', x); });
    let value: string | null = null;
    if (strategy === 'mostFrequent') {
      value = str(imp.value, c.at('impute').at('value'));
      if (!kept.has(value) && !other.includes(value)) c.at('impute').at('value').fail('one of the categories', value);
    } else if (imp.value !== null) c.at('impute').at('value').fail('null with strategy "missing"', imp.value);
    const missingColumn = bool(o.missingColumn, c.at('missingColumn'));
    if (missingColumn && strategy !== 'missing') c.at('missingColumn').fail('false unless the strategy is "missing"', missingColumn);
    if (categories.length === 0 && other.length === 0) c.at('categories').fail('at least one category', categories);
    return { name: str(o.name, c.at('name')), kind, impute: { strategy, value }, categories, other, missingColumn };
  }
  if (kind === 'boolean') {
    const o = obj(v, c, ['name', 'kind', 'impute', 'indicator']);
    const imp = obj(o.impute, c.at('impute'), ['strategy', 'value']);
    return {
      name: str(o.name, c.at('name')), kind,
      impute: { strategy: oneOf(imp.strategy, c.at('impute').at('strategy'), ['mostFrequent', 'constant']), value: bool(imp.value, c.at('impute').at('value')) },
      indicator: bool(o.indicator, c.at('indicator')),
    };
  }
  const o = obj(v, c, ['name', 'kind', 'reason']);
  return { name: str(o.name, c.at('name')), kind: 'drop', reason: str(o.reason, c.at('reason')) };
}

function label(v: unknown, c: Check): LabelStep | null {
  if (v === null) return null;
  const o = obj(v, c, ['name', 'task', 'kind', 'classes']);
  const task = oneOf(o.task, c.at('task'), ['classification', 'regression']);
  const kind = oneOf(o.kind, c.at('kind'), ['number', 'category', 'boolean']);
  const name = str(o.name, c.at('name'));
  if (!Array.isArray(o.classes) || o.classes.length > 1000) c.at('classes').fail('an array of at most 1000 classes', o.classes);
  const classes = o.classes as unknown[];
  if (task === 'regression') {
    if (kind !== 'number') c.at('kind').fail('"number" for a regression label', kind);
    if (classes.length !== 0) c.at('classes').fail('no classes for a regression label', classes);
    return { name, task, kind, classes: [] };
  }
  if (classes.length < 2) c.at('classes').fail('at least two classes', classes);
  if (kind === 'number') classes.forEach((x, i) => num(x, c.at('classes').at(i)));
  else classes.forEach((x, i) => str(x, c.at('classes').at(i)));
  if (new Set(classes).size !== classes.length) c.at('classes').fail('distinct classes', classes);
  return { name, task, kind, classes: classes as (string | number)[] };
}

/** Checks a saved preprocessor; throws ERR_FORMAT naming the first bad field. */
export function preprocessorFromJSON(json: unknown): { rows: number; label: LabelStep | null; steps: Step[] } {
  const c = new Check('preprocessor');
  const o = obj(json, c, ['kind', 'version', 'rows', 'label', 'steps', 'featureNames']);
  if (o.kind !== 'blasnetPreprocessor') c.at('kind').fail('"blasnetPreprocessor"', o.kind);
  if (o.version !== 1) c.at('version').fail('1 (a version this blasnet reads)', o.version);
  if (!Number.isSafeInteger(o.rows) || (o.rows as number) < 1) c.at('rows').fail('a positive integer', o.rows);
  const lab = label(o.label, c.at('label'));
  if (!Array.isArray(o.steps) || o.steps.length === 0 || o.steps.length > MAX_STEPS) c.at('steps').fail(`an array of 1 to ${MAX_STEPS} steps`, o.steps);
  const steps = (o.steps as unknown[]).map((s, i) => step(s, c.at('steps').at(i)));
  const names = new Set<string>();
  steps.forEach((s, i) => {
    if (names.has(s.name) || (lab && s.name === lab.name)) c.at('steps').at(i).at('name').fail('a column name used once', s.name);
    names.add(s.name);
  });
  if (!steps.some((s) => s.kind !== 'drop')) c.at('steps').fail('at least one step that is not "drop"', o.steps);
  const outputs = steps.flatMap(stepOutputs);
  const saved = strings(o.featureNames, c.at('featureNames'), false);
  if (saved.length !== outputs.length || saved.some((n, i) => n !== outputs[i])) {
    c.at('featureNames').fail(`the ${outputs.length} output names the steps give`, saved);
  }
  return { rows: o.rows as number, label: lab, steps };
}
