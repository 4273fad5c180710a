// What a model keeps beside its weights, in userDefinedMetadata: a fitted data scaler, a fitted
// preprocessor and what `blasnet train` or a job knew of the table, saved as JSON with the model and
// read back as objects.
import { invalidArg } from '../errors';
import { scalerFromJSON, type MinMaxScaler, type StandardScaler } from '../data/scalers';
import { Preprocessor } from '../data/preprocess/preprocessor';

export type ModelMetadata = Record<string, unknown> | null;

export type Task = 'classification' | 'regression';

/** What `blasnet train` and a job keep with a model (userDefinedMetadata.blasnetCli). */
export interface CliMetadata {
  task: Task;
  /** The label column the model was trained on. */
  label: string;
  /** Feature columns, in the model's input order. */
  features: string[];
  /** Classification: the label value (a number, or a class name) of each output unit. */
  classes?: (number | string)[];
}

/** The blasnetCli metadata, or null when the model has none (or not in that form). */
export function cliMetadataOf(metadata: ModelMetadata): CliMetadata | null {
  const v = metadata?.blasnetCli;
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (o.task !== 'classification' && o.task !== 'regression') return null;
  if (typeof o.label !== 'string' || !Array.isArray(o.features) || !o.features.every((f) => typeof f === 'string')) return null;
  if (o.classes !== undefined && (!Array.isArray(o.classes) || !o.classes.every((c) => (typeof c === 'number' && Number.isFinite(c)) || typeof c === 'string'))) return null;
  return { task: o.task, label: o.label, features: o.features as string[], ...(o.classes ? { classes: o.classes as (number | string)[] } : {}) };
}

/** The data scaler the metadata holds, or null. */
export function scalerOf(metadata: ModelMetadata): StandardScaler | MinMaxScaler | null {
  const j = metadata?.scaler;
  return j === undefined || j === null ? null : scalerFromJSON(j);
}

/** The data preprocessor the metadata holds, or null. */
export function preprocessorOf(metadata: ModelMetadata): Preprocessor | null {
  const j = metadata?.preprocessor;
  return j === undefined || j === null ? null : Preprocessor.fromJSON(j);
}

/** The metadata with `pre` as its preprocessor (null removes it; metadata left empty becomes null). */
export function withPreprocessor(metadata: ModelMetadata, pre: unknown): ModelMetadata {
  if (pre !== null && !(pre instanceof Preprocessor)) throw invalidArg('setPreprocessor(pre)', 'a fitted data.preprocessor() or null', pre);
  const { preprocessor: _old, ...rest } = metadata ?? {};
  return pre ? { ...rest, preprocessor: pre.toJSON() } : Object.keys(rest).length ? rest : null;
}
