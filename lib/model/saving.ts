// Saving and loading whole models: a model describes itself (serialize.ts) and lib/io turns the
// description into files, artifacts or a tfjs IOHandler's input, and back. model.save() needs nothing
// from here (writing.ts); these are the functions that take or return a model.
import { BlasnetError, describe } from '../errors';
import {
  describeArtifacts, modelFiles, readDescription, type ForeignLoadOptions,
  type IOHandler, type LoadOptions, type ModelArtifacts, type ModelSource, type SaveResult,
} from '../io';
import type { ModelDescription } from '../io/description';
import { Sequential } from './sequential';
import type { SaveOptions } from './writing';

function checkModel(model: unknown): Sequential {
  if (!(model instanceof Sequential)) throw new BlasnetError('ERR_INVALID_ARG', `Expected a Sequential model but received ${describe(model)}`);
  return model;
}

/** The model as in-memory artifacts (model.json fields + one ArrayBuffer), e.g. for a database. */
export function toArtifacts(model: Sequential, options: SaveOptions = {}): ModelArtifacts {
  return checkModel(model).toArtifacts(options);
}

/** model.save() as a function: a directory ('dir', 'file://dir') or an IOHandler. */
export async function saveModel(model: Sequential, target: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
  return checkModel(model).save(target, options);
}

/** model.json text and weights bytes for a model (what save() writes), without touching disk. */
export function toFiles(model: Sequential, options: SaveOptions = {}): { modelJson: string; weights: Uint8Array } {
  const { weights, json } = modelFiles(toArtifacts(model, options), 'weights.bin');
  return { modelJson: json.toString('utf8'), weights };
}

/**
 * Builds the model a validated description describes. A config value the model rejects (an unknown
 * activation, a rate out of range) is a fault of the file: reported as ERR_FORMAT with the model's message.
 */
export function modelFromDescription(desc: ModelDescription): Sequential {
  try {
    const model = Sequential.fromDescription(desc);
    // A saved preprocessor is checked now (ERR_FORMAT), not at the first predict.
    if (model.userDefinedMetadata?.preprocessor !== undefined) checkPreprocessor(model);
    return model;
  } catch (err) {
    if (err instanceof BlasnetError && ['ERR_INVALID_ARG', 'ERR_UNKNOWN_NAME', 'ERR_SHAPE_MISMATCH'].includes(err.code)) {
      throw new BlasnetError('ERR_FORMAT', `Invalid model file: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

function checkPreprocessor(model: Sequential): void {
  const p = model.getPreprocessor()!;
  const inputs = model.inputShape?.[1], outputs = model.outputShape?.[1];
  if (inputs !== undefined && inputs !== p.outputWidth) {
    throw new BlasnetError('ERR_FORMAT', `Invalid model file: its preprocessor gives ${p.outputWidth} features but the model takes ${inputs}`);
  }
  const k = p.classes?.length;
  if (k !== undefined && outputs !== undefined && outputs !== k && !(outputs === 1 && k === 2)) {
    throw new BlasnetError('ERR_FORMAT', `Invalid model file: its preprocessor has ${k} classes but the model has ${outputs} outputs`);
  }
}

/** Rebuilds a model from in-memory artifacts (validated exactly as files are). */
export function fromArtifacts(artifacts: ModelArtifacts, options: LoadOptions = {}): Sequential {
  return modelFromDescription(describeArtifacts(artifacts, options));
}

/**
 * tfjs's tf.loadLayersModel: local files ('file://dir/model.json', 'dir/model.json' or 'dir'), an
 * http(s) URL of a model.json, or an IOHandler with load() (e.g. tf.io.fromMemory); all validated alike.
 */
export async function loadLayersModel(pathOrUrl: string | IOHandler | ModelSource, options: LoadOptions & ForeignLoadOptions = {}): Promise<Sequential> {
  return modelFromDescription(await readDescription(pathOrUrl, options));
}

/** Loads a saved model: a tfjs directory (as loadLayersModel), or a .keras, .h5 or .onnx file, URL or bytes. */
export async function loadModel(dir: string | IOHandler | ModelSource, options: LoadOptions & ForeignLoadOptions = {}): Promise<Sequential> {
  return loadLayersModel(dir, options);
}
