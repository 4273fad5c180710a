// What the server tells clients about a model (protocol metadata) and needs to answer for it: input and
// output widths, for models saved by the CLI the feature names and class labels, and for models saved
// with a preprocessor the raw-records schema (columns, their kinds and categories, the classes).
import type { Preprocessor } from '../data/preprocess/preprocessor';
import { BlasnetError } from '../errors';
import { Activation, Dense } from '../model/layers';
import type { Sequential } from '../model/sequential';

export interface ModelInfo {
  inputDim: number;
  outputDim: number;
  /** The output layer's activation (softmax / sigmoid outputs are probabilities). */
  outputActivation: string;
  /** Feature names in input order, when the model was saved with them. */
  features: string[] | null;
  /** Class label per output unit, when the model was saved with them. */
  classes: (string | number)[] | null;
  /** The name of what the model predicts (the label column it was trained on), when saved. */
  label: string | null;
}

/** Tensor names in both protocols' metadata (a Sequential model has one input and one output). */
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';

function outputActivation(model: Sequential): string {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const l = model.layers[i];
    if (l instanceof Dense || l instanceof Activation) return l.activation;
  }
  return 'linear';
}

function cliMeta(model: Sequential): { features: string[] | null; classes: (string | number)[] | null; label: string | null } {
  const m = model.userDefinedMetadata?.blasnetCli as Record<string, unknown> | undefined;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const labels = (v: unknown): v is (string | number)[] => Array.isArray(v) && v.every((s) => typeof s === 'string' || Number.isFinite(s));
  return {
    features: m && strings(m.features) ? m.features : null,
    classes: m && labels(m.classes) ? m.classes : null,
    label: m && typeof m.label === 'string' ? m.label : null,
  };
}

export function describeModel(model: Sequential, name: string): ModelInfo {
  const inputDim = model.inputShape?.[1];
  const outputDim = model.outputShape?.[1];
  if (!inputDim || !outputDim) throw new BlasnetError('ERR_FORMAT', `Model ${name} is not built (its first layer has no inputShape)`);
  const meta = cliMeta(model);
  return {
    inputDim,
    outputDim,
    outputActivation: outputActivation(model),
    features: meta.features && meta.features.length === inputDim ? meta.features : null,
    classes: meta.classes && meta.classes.length === outputDim ? meta.classes : null,
    label: meta.label,
  };
}

/** One input column of raw records, as the model's saved preprocessor reads it. */
export type RecordColumn =
  | { name: string; kind: 'numeric' }
  | { name: string; kind: 'categorical'; categories: string[] }
  | { name: string; kind: 'boolean'; values: readonly string[] };

/** What a client needs to send raw records: the columns (any may be absent: it is imputed) and what comes back. */
export interface RecordsSchema {
  columns: RecordColumn[];
  /** Columns the preprocessor leaves out (identifiers, free text): sent or not, they are ignored. */
  ignored: { name: string; reason: string }[];
  label: string | null;
  task: 'classification' | 'regression' | null;
  /** Class names in the order of the output units (classification). */
  classes: (string | number)[] | null;
}

/** The raw-records schema of a model saved with a preprocessor. */
export function recordsSchema(pre: Preprocessor): RecordsSchema {
  const columns: RecordColumn[] = [];
  const ignored: { name: string; reason: string }[] = [];
  const booleans = pre.inputColumns().filter((c) => c.kind === 'boolean');
  for (const s of pre.columnSteps) {
    if (s.kind === 'number') columns.push({ name: s.name, kind: 'numeric' });
    // Categories past the one-hot cap ("other") are read too: every value seen in training is listed.
    else if (s.kind === 'category') columns.push({ name: s.name, kind: 'categorical', categories: [...s.categories, ...s.other] });
    else if (s.kind === 'boolean') columns.push({ name: s.name, kind: 'boolean', values: booleans.find((c) => c.name === s.name)?.categories ?? [] });
    else ignored.push({ name: s.name, reason: s.reason });
  }
  return { columns, ignored, label: pre.label, task: pre.task, classes: pre.classes };
}
