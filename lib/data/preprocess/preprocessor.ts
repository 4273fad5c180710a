// data.preprocessor(): per-column cleaning, encoding and scaling learned from training rows, applied the
// same way to any later table or record, and saved with the model (toJSON / fromJSON, validated).
import { BlasnetError, invalidArg } from '../../errors';
import { matrixTensor, Tensor, type Tensor2D } from '../../tensor';
import { positiveInt } from '../../validate';
import { booleanValue, cellPlace, MISSING } from '../table/columns';
import type { ColumnSpec } from '../table/options';
import type { Column, Table } from '../table/table';
import { nameList } from '../table/table';
import { preprocessorFromJSON, type PreprocessorJSON } from './json';
import { labelOf, fitLabel, type LabelStep } from './label';
import { recordAnswers, recordsToRows, type RecordAnswer, type RecordRows, type RecordsInput, type RecordsOptions } from './records';
import { cmp, fitBoolean, fitCategory, fitNumber, stepOutputs, writeStep, type Counts, type Step, type StepOptions } from './steps';

export interface PreprocessorOptions {
  /** The label column (default: the table's labelColumn); null: features only. */
  label?: string | null;
  /** Default 'auto': classification for text and boolean labels and for at most 20 distinct integers. */
  task?: 'auto' | 'classification' | 'regression';
  /** Defaults for numeric columns: impute 'median', scale 'standard', indicator 'auto' (when training rows had missing values). */
  numeric?: Pick<StepOptions, 'impute' | 'scale' | 'indicator'>;
  /** Defaults for text columns: impute 'missing' (a category of its own) or 'mostFrequent'; maxCategories 50; minFrequency 1. */
  categorical?: Pick<StepOptions, 'impute' | 'maxCategories' | 'minFrequency'>;
  /** Defaults for boolean columns: impute 'mostFrequent' or {constant}; indicator 'auto'. */
  boolean?: Pick<StepOptions, 'impute' | 'indicator'>;
  /** Per-column options by name ({drop: true} leaves a column out). */
  columns?: Record<string, StepOptions>;
  /** Rows whose label is missing: 'drop' (default; counted in transform's result) or 'error'. */
  missingLabel?: 'drop' | 'error';
}

export interface TransformResult {
  /** [rows, outputWidth] features. */
  x: Tensor2D;
  /** [rows, 1]: class indices (classification) or values (regression); null when the table has no label column. */
  y: Tensor2D | null;
  /** Rows left out because their label was missing. */
  dropped: number;
  /** Table row of each output row when rows were dropped, else null. */
  rowIndex: Int32Array | null;
  /** Per column, values never seen in training (encoded as all zeros, or imputed for booleans). */
  unknown: Record<string, number>;
}

const OPTION_KEYS = ['label', 'task', 'numeric', 'categorical', 'boolean', 'columns', 'missingLabel'];

function checkObject(v: unknown, name: string, keys: string[]): void {
  if (v === undefined) return;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidArg(name, 'an object', v);
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw invalidArg(name, `only the keys ${keys.join(', ')}`, k);
}

/** maxCategories and minFrequency, checked when the preprocessor is made rather than when a column meets them. */
function countOptions(v: { maxCategories?: unknown; minFrequency?: unknown } | undefined, where: string): void {
  if (v?.maxCategories !== undefined) positiveInt(v.maxCategories, `${where}.maxCategories`);
  if (v?.minFrequency !== undefined) positiveInt(v.minFrequency, `${where}.minFrequency`);
}

export class Preprocessor {
  private steps: Step[] = [];
  private labelStep: LabelStep | null = null;
  private fittedRows = 0;
  private readonly options: PreprocessorOptions;

  constructor(options: PreprocessorOptions = {}) {
    checkObject(options, 'preprocessor options', OPTION_KEYS);
    const o = options ?? {};
    checkObject(o.numeric, 'numeric', ['impute', 'scale', 'indicator']);
    checkObject(o.categorical, 'categorical', ['impute', 'maxCategories', 'minFrequency']);
    checkObject(o.boolean, 'boolean', ['impute', 'indicator']);
    if (o.columns !== undefined) {
      checkObject(o.columns, 'columns', Object.keys(o.columns ?? {}));
      for (const [k, v] of Object.entries(o.columns)) checkObject(v, `columns[${JSON.stringify(k.slice(0, 40))}]`, ['impute', 'scale', 'indicator', 'maxCategories', 'minFrequency', 'drop']);
    }
    countOptions(o.categorical, 'categorical');
    for (const [k, v] of Object.entries(o.columns ?? {})) countOptions(v, `columns[${JSON.stringify(k.slice(0, 40))}]`);
    if (o.task !== undefined && !['auto', 'classification', 'regression'].includes(o.task)) throw invalidArg('task', '"auto", "classification" or "regression"', o.task);
    if (o.missingLabel !== undefined && o.missingLabel !== 'drop' && o.missingLabel !== 'error') throw invalidArg('missingLabel', '"drop" or "error"', o.missingLabel);
    if (o.label !== undefined && o.label !== null && typeof o.label !== 'string') throw invalidArg('label', 'a column name or null', o.label);
    this.options = o;
  }

  get fitted(): boolean { return this.fittedRows > 0; }

  /** The label column's name, or null. */
  get label(): string | null { return this.labelStep?.name ?? null; }

  /** 'classification', 'regression', or null without a label. */
  get task(): 'classification' | 'regression' | null { return this.labelStep?.task ?? null; }

  /** The class of each output unit (classification), in order; null otherwise. */
  get classes(): (string | number)[] | null {
    return this.labelStep?.task === 'classification' ? this.labelStep.classes.slice() : null;
  }

  /** Names of the output columns, in order (Home=rent, Income, Income (missing), ...). */
  get featureNames(): string[] { return this.steps.flatMap(stepOutputs); }

  /** The width of x. */
  get outputWidth(): number { return this.featureNames.length; }

  /** What happens to each input column. */
  get columnSteps(): readonly Step[] { this.needFitted('columnSteps'); return this.steps; }

  /** The input columns a table needs (with their types and vocabularies): a reader's schema. */
  inputColumns(options: { label?: boolean } = {}): ColumnSpec[] {
    this.needFitted('inputColumns');
    const specs: ColumnSpec[] = [];
    for (const s of this.steps) {
      if (s.kind === 'number') specs.push({ name: s.name, kind: 'number' });
      else if (s.kind === 'category') specs.push({ name: s.name, kind: 'category', categories: [...s.categories, ...s.other] });
      else if (s.kind === 'boolean') specs.push({ name: s.name, kind: 'boolean', categories: BOOLEAN_WORDS });
    }
    const l = this.labelStep;
    if (options.label && l) {
      // Text labels keep their text (no vocabulary), so that a class unseen in training is named in the error.
      specs.push({ name: l.name, kind: l.kind === 'number' ? 'number' : 'category', optional: true });
    }
    return specs;
  }

  /** Learns every step from the table's rows (all of them, or those given; rows without a label are left out). */
  fit(table: Table, rows?: ArrayLike<number> | null): this {
    checkTable(table, 'fit');
    const o = this.options;
    const labelName = o.label === undefined ? table.labelColumn : o.label;
    if (labelName !== null && !table.has(labelName)) {
      throw new BlasnetError('ERR_INVALID_ARG', `${table.source}: no label column named ${JSON.stringify(labelName)}; the columns are: ${nameList(table.names)}`);
    }
    let use: Int32Array = rows ? Int32Array.from(rows) : Int32Array.from({ length: table.rows }, (_, i) => i);
    let labelStep: LabelStep | null = null;
    if (labelName !== null) {
      const col = table.column(labelName);
      use = this.keepLabelled(table, col, use, 'fit');
      if (use.length === 0) throw new BlasnetError('ERR_INVALID_ARG', `${table.source}: every row's label (${labelName}) is missing: nothing to learn`);
      labelStep = fitLabel(col, use, o.task ?? 'auto', table.source);
    }
    if (use.length === 0) throw new BlasnetError('ERR_INVALID_ARG', `${table.source}: no rows to fit on`);
    const overrides = o.columns ?? {};
    for (const k of Object.keys(overrides)) {
      if (!table.has(k)) throw new BlasnetError('ERR_INVALID_ARG', `preprocessor columns: no column named ${JSON.stringify(k.slice(0, 40))}; the columns are: ${nameList(table.names)}`);
    }
    const steps: Step[] = [];
    for (const col of table.allColumns) {
      if (col.name === labelName) continue;
      const own = Object.prototype.hasOwnProperty.call(overrides, col.name) ? overrides[col.name]! : {};
      if (own.drop === true) { steps.push({ name: col.name, kind: 'drop', reason: 'dropped by the options' }); continue; }
      let present = 0;
      for (let i = 0; i < use.length; i++) if (!isMissingAt(col, use[i]!)) present++;
      if (present === 0) {
        if (Object.keys(own).length > 0) throw new BlasnetError('ERR_INVALID_ARG', `column ${col.name} is empty in the training rows (every value missing): nothing to learn for the steps set for it`);
        steps.push({ name: col.name, kind: 'drop', reason: 'empty: every value is missing in the training rows' });
        continue;
      }
      if (col.kind === 'number') steps.push(fitNumber(col, use, { ...o.numeric, ...own }));
      else if (col.kind === 'boolean') steps.push(fitBoolean(col, use, { ...o.boolean, ...own }));
      else steps.push(fitCategory(col, use, { ...o.categorical, ...own }));
    }
    if (!steps.some((s) => s.kind !== 'drop')) {
      throw new BlasnetError('ERR_INVALID_ARG', `${table.source}: no usable feature columns (${steps.map((s) => `${s.name}: ${s.kind === 'drop' ? s.reason : s.kind}`).join('; ').slice(0, 400)})`);
    }
    this.steps = steps;
    this.labelStep = labelStep;
    this.fittedRows = use.length;
    return this;
  }

  /** Rows with a label (missing ones dropped, or an error, as missingLabel says). */
  private keepLabelled(table: Table, col: Column, rows: Int32Array, what: string): Int32Array {
    let missing = 0;
    for (let i = 0; i < rows.length; i++) if (isMissingAt(col, rows[i]!)) missing++;
    if (missing === 0) return rows;
    if ((this.options.missingLabel ?? 'drop') === 'error') {
      const first = Array.from(rows).find((r) => isMissingAt(col, r))!;
      throw new BlasnetError('ERR_FORMAT', `${table.source}: ${cellPlace(table.keyed ? { keys: true, headerless: false } : { keys: false, headerless: table.headerless }, table.line(first), col.position, col.name)}: ` +
        `the label is missing (${missing} row${missing === 1 ? '' : 's'} without one; missingLabel "drop" leaves them out${what === 'fit' ? '' : ''})`);
    }
    const out = new Int32Array(rows.length - missing);
    let j = 0;
    for (let i = 0; i < rows.length; i++) if (!isMissingAt(col, rows[i]!)) out[j++] = rows[i]!;
    return out;
  }

  /**
   * Features (and the label, when the table has the label column) as the engines take them. `out`: a
   * buffer to write x into (its first rows x outputWidth values; streams reuse one instead of allocating
   * per batch).
   */
  transform(table: Table, rows?: ArrayLike<number> | null, options: { out?: Float32Array } = {}): TransformResult {
    this.needFitted('transform');
    checkTable(table, 'transform');
    if (options.out !== undefined && !(options.out instanceof Float32Array)) throw invalidArg('out', 'a Float32Array', options.out);
    const all = rows ? Int32Array.from(rows) : null;
    // null: every row of the table, in order (no index array, no copies of the columns).
    let use: Int32Array | null = all;
    const l = this.labelStep;
    const labelCol = l && table.has(l.name) ? table.column(l.name) : null;
    let dropped = 0;
    if (labelCol) {
      const from = use ?? Int32Array.from({ length: table.rows }, (_, i) => i);
      const kept = this.keepLabelled(table, labelCol, from, 'transform');
      dropped = from.length - kept.length;
      use = kept === from && !all ? null : kept;
    }
    const width = this.outputWidth;
    const n = use ? use.length : table.rows;
    let out: Float32Array;
    if (options.out) {
      if (options.out.length < n * width) throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected an out buffer of at least ${n * width} values (${n} rows x ${width}) but received ${options.out.length}`);
      out = options.out.subarray(0, n * width);
      out.fill(0);
    } else {
      out = new Float32Array(n * width);
    }
    const unknown: Counts = new Map();
    let at = 0;
    const place = (col: Column | null) => (r: number): string =>
      `${table.source}: ${cellPlace({ keys: table.keyed, headerless: table.headerless }, table.line(r), col?.position ?? 0, col?.name ?? '')}`;
    for (const s of this.steps) {
      if (s.kind === 'drop') continue;
      const col = table.has(s.name) ? table.column(s.name) : null;
      writeStep(s, col, use, n, out, width, at, unknown, (i) => place(col)(i));
      at += stepOutputs(s).length;
    }
    let y: Tensor2D | null = null;
    if (l && labelCol) y = matrixTensor(labelOf(l, labelCol, use ?? Int32Array.from({ length: n }, (_, i) => i), place(labelCol)), [n, 1]);
    return {
      x: matrixTensor(out, [n, width]), y, dropped, rowIndex: use,
      unknown: Object.fromEntries(unknown),
    };
  }

  /** fit then transform on the same rows. */
  fitTransform(table: Table, rows?: ArrayLike<number> | null): TransformResult {
    return this.fit(table, rows).transform(table, rows ?? undefined);
  }

  /** The class names of predicted probabilities (rows x classes, row-major): the most likely class of each row. */
  decode(probabilities: Float32Array | Tensor2D, rows?: number): (string | number)[] {
    const classes = this.classes;
    if (!classes) throw new BlasnetError('ERR_INVALID_ARG', 'decode() needs a preprocessor fitted on a classification label');
    const p = probabilities instanceof Tensor ? probabilities.dataSync() : probabilities;
    if (!(p instanceof Float32Array)) throw invalidArg('probabilities', 'a Float32Array or a Tensor2D', probabilities);
    const k = classes.length;
    const n = rows ?? p.length / k;
    if (!Number.isInteger(n) || n * k !== p.length) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${k} probabilities per row (one per class) but received ${p.length} values`);
    }
    const out: (string | number)[] = new Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (p[r * k + j]! > p[r * k + best]!) best = j;
      out[r] = classes[best]!;
    }
    return out;
  }

  /**
   * Raw records (objects by column name, or {column: [values]}) as the model's input rows, through the
   * same steps as transform(): missing fields imputed, other keys ignored, unseen categories counted.
   */
  transformRecords(records: RecordsInput, options: RecordsOptions = {}): RecordRows {
    this.needFitted('transformRecords');
    return recordsToRows(this, records, options);
  }

  /** A model's outputs (rows x outputDim) as {class, probabilities by class name} or {value} / {values} per row. */
  answers(outputs: Float32Array | Tensor2D, outputDim?: number): RecordAnswer[] {
    this.needFitted('answers');
    if (outputs instanceof Tensor) return recordAnswers(this, outputs.dataSync(), outputDim ?? outputs.shape[1]);
    if (outputDim === undefined) throw invalidArg('outputDim', 'the number of outputs per row (with a Float32Array)', outputDim);
    return recordAnswers(this, outputs, outputDim);
  }

  private needFitted(fn: string): void {
    if (!this.fitted) throw new BlasnetError('ERR_INVALID_ARG', `${fn} needs a fitted preprocessor: call fit(table) first`);
  }

  toJSON(): PreprocessorJSON {
    this.needFitted('toJSON');
    return {
      kind: 'blasnetPreprocessor', version: 1, rows: this.fittedRows,
      label: this.labelStep ? { ...this.labelStep, classes: this.labelStep.classes.slice() } : null,
      steps: this.steps.map((s) => JSON.parse(JSON.stringify(s)) as Step),
      featureNames: this.featureNames,
    };
  }

  /** A preprocessor from toJSON()'s output, checked field by field (ERR_FORMAT when anything is off). */
  static fromJSON(json: unknown): Preprocessor {
    const j = preprocessorFromJSON(json);
    const p = new Preprocessor();
    p.steps = j.steps;
    p.labelStep = j.label;
    p.fittedRows = j.rows;
    return p;
  }
}

/** Every spelling a boolean column accepts (true/false, yes/no, y/n, t/f; lower, upper and capitalized). */
const BOOLEAN_WORDS: readonly string[] = ['true', 'false', 'yes', 'no', 'y', 'n', 't', 'f']
  .flatMap((w) => [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)])
  .filter((w, i, a) => a.indexOf(w) === i && booleanValue(w) !== null)
  .sort(cmp);

function isMissingAt(col: Column, r: number): boolean {
  if (col.kind === 'number') { const v = col.values[r]!; return v !== v; }
  return col.codes[r] === MISSING;
}

function checkTable(t: unknown, fn: string): asserts t is Table {
  if (!t || typeof t !== 'object' || typeof (t as Table).column !== 'function' || typeof (t as Table).rows !== 'number') {
    throw invalidArg(`${fn}(table)`, 'a Table (from data.readCsv, parseCsv or tableFromRecords)', t);
  }
}

export function preprocessor(options?: PreprocessorOptions): Preprocessor {
  return new Preprocessor(options);
}
