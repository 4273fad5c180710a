// What a model keeps beside its weights, in userDefinedMetadata: a fitted data scaler and a fitted
// preprocessor, saved as JSON with the model and read back as objects.
import { invalidArg } from '../errors';
import { scalerFromJSON, type MinMaxScaler, type StandardScaler } from '../data/scalers';
import { Preprocessor } from '../data/preprocess/preprocessor';

export type ModelMetadata = Record<string, unknown> | null;

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
