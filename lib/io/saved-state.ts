// The parts of a saved model that are not weights but are used later (the training config by fit, the
// scaler by getScaler().transform): checked when the model is loaded, so a bad file fails with ERR_FORMAT
// there, not at the first fit or predict.
import { BlasnetError, describe } from '../errors';
import { scalerFromJSON } from '../data/scalers';
import type { ModelDescription } from './description';

/** The engines compute in float32: a scale beyond this overflows to Infinity there. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** The largest hyperparameter both engines accept in a net spec (lib/engine/js/spec-check.ts, native/binding_spec.cc). */
const MAX_HYPERPARAMETER = 1e30;

function formatError(message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', message);
}

/** Every number in an optimizer config (schedules included) must be one the engines accept. */
function checkNumbers(value: unknown, where: string, depth = 0): void {
  if (depth > 8) throw formatError(`${where} is nested too deeply`);
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) > MAX_HYPERPARAMETER) {
      throw formatError(`Invalid model file: ${where} is ${value}; the engines accept hyperparameters up to ${MAX_HYPERPARAMETER}`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkNumbers(v, `${where}[${i}]`, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkNumbers(v, `${where}.${k}`, depth + 1);
  }
}

function checkScaler(json: unknown, inputDim: number): void {
  if (json === undefined || json === null) return;
  try {
    scalerFromJSON(json);
  } catch (err) {
    throw new BlasnetError('ERR_FORMAT', `Invalid model file: userDefinedMetadata.scaler: ${(err as Error).message}`, { cause: err });
  }
  const j = json as { kind: string; mean?: number[]; min?: number[]; scale: number[] };
  const offsets = j.kind === 'standardScaler' ? j.mean! : j.min!;
  if (j.scale.length !== inputDim) {
    throw formatError(`Invalid model file: the saved scaler has ${j.scale.length} columns but the model takes ${inputDim} inputs`);
  }
  // A standard scaler divides by scale, a min-max scaler multiplies by it: both it and its inverse must
  // stay finite in float32, or transform() yields Infinity or NaN for ordinary inputs.
  j.scale.forEach((s, c) => {
    if (!(s > 0) || s > FLOAT32_MAX || 1 / s > FLOAT32_MAX) {
      throw formatError(`Invalid model file: the saved scaler's scale for column ${c} is ${describe(s)} (expected a positive number whose inverse is finite in float32)`);
    }
  });
  offsets.forEach((v, c) => {
    if (Math.abs(v) > FLOAT32_MAX) throw formatError(`Invalid model file: the saved scaler's offset for column ${c} is ${v}, outside the float32 range`);
  });
}

/** ERR_FORMAT for a training config or scaler that the model would fail on later. */
export function checkSavedState(desc: ModelDescription): void {
  if (desc.training) checkNumbers(desc.training.optimizerConfig.config, `the saved optimizer's ${desc.training.optimizerConfig.className} config`);
  checkScaler(desc.userDefinedMetadata?.scaler, desc.inputDim);
}
