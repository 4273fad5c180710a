// Model-level save and load: glue between Sequential and the layers-model format. The model imports only
// the pure format functions; this module imports the model and registers model.save()'s implementation.
import { BlasnetError, describe } from '../errors';
import { Sequential, setOnnxHook, setSaveHook } from '../model/sequential';
import type { ModelDescription } from './description';
import { artifactsToDescription, artifactsToModelJSON, descriptionToArtifacts, type LoadOptions, type ModelArtifacts } from './format';
import { loadDescription, saveArtifacts } from './files';
import { fetchArtifacts, isHttpUrl } from './http';
import { isSingleFileModel, isSingleFileTarget, keepsOptimizerByDefault, loadForeignDescription, saveForeignDescription, type ForeignLoadOptions, type ModelSource } from './keras/formats';
import { descriptionToOnnx, type OnnxExportOptions } from './onnx';

export * from './format';
export { loadArtifacts, loadDescription, saveArtifacts, saveDescription, resolveModelDir } from './files';
export { fetchArtifacts } from './http';
export type { ModelDescription, LayerDescription, NamedTensor, TrainingDescription } from './description';

export interface SaveOptions extends OnnxExportOptions {
  /** Also save the compile config and the optimizer's state, so training resumes exactly (default false). */
  includeOptimizer?: boolean;
  /** A fitted data scaler (data.standardScaler() / minMaxScaler()) saved in userDefinedMetadata.scaler. */
  scaler?: { toJSON(): unknown };
}

/** What tfjs's model.save() resolves to (io.SaveResult). */
export interface SaveResult {
  modelArtifactsInfo: {
    dateSaved: Date;
    modelTopologyType: 'JSON';
    modelTopologyBytes: number;
    weightSpecsBytes: number;
    weightDataBytes: number;
  };
}

function describeModel(model: Sequential, options: SaveOptions): ModelDescription {
  if (!(model instanceof Sequential)) throw new BlasnetError('ERR_INVALID_ARG', `Expected a Sequential model but received ${describe(model)}`);
  if (options === null || typeof options !== 'object') throw new BlasnetError('ERR_INVALID_ARG', `Expected an options object but received ${describe(options)}`);
  if (options.includeOptimizer !== undefined && typeof options.includeOptimizer !== 'boolean') {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a boolean for options.includeOptimizer but received ${describe(options.includeOptimizer)}`);
  }
  let udm: Record<string, unknown> | null = model.userDefinedMetadata ? { ...model.userDefinedMetadata } : null;
  if (options.scaler !== undefined) {
    if (!options.scaler || typeof options.scaler.toJSON !== 'function') {
      throw new BlasnetError('ERR_INVALID_ARG', `Expected a fitted scaler (with toJSON()) for options.scaler but received ${describe(options.scaler)}`);
    }
    udm = { ...(udm ?? {}), scaler: options.scaler.toJSON() };
  }
  return model.toDescription({ includeOptimizer: options.includeOptimizer === true, userDefinedMetadata: udm });
}

/** The model as in-memory artifacts (model.json fields + one ArrayBuffer), e.g. for a database. */
export function toArtifacts(model: Sequential, options: SaveOptions = {}): ModelArtifacts {
  return descriptionToArtifacts(describeModel(model, options), { includeOptimizer: options.includeOptimizer === true });
}

/**
 * Builds the model a validated description describes. A config value the model rejects (an unknown
 * activation, a rate out of range) is a fault of the file: reported as ERR_FORMAT with the model's message.
 */
function buildModel(desc: ModelDescription): Sequential {
  try {
    return Sequential.fromDescription(desc);
  } catch (err) {
    if (err instanceof BlasnetError && ['ERR_INVALID_ARG', 'ERR_UNKNOWN_NAME', 'ERR_SHAPE_MISMATCH'].includes(err.code)) {
      throw new BlasnetError('ERR_FORMAT', `Invalid model file: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** Rebuilds a model from in-memory artifacts (validated exactly as files are). */
export function fromArtifacts(artifacts: ModelArtifacts, options: LoadOptions = {}): Sequential {
  return buildModel(artifactsToDescription(artifacts, options));
}

function saveResult(artifacts: ModelArtifacts, weightBytes: number): SaveResult {
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: Buffer.byteLength(JSON.stringify(artifacts.modelTopology), 'utf8'),
      weightSpecsBytes: Buffer.byteLength(JSON.stringify(artifacts.weightSpecs), 'utf8'),
      weightDataBytes: weightBytes,
    },
  };
}

/** A tfjs-style IOHandler (tf.io.withSaveHandler, tf.io.fromMemory, or any {save} / {load} object). */
export interface IOHandler {
  // `never`: any one-argument save accepts our artifacts, including tfjs's own SaveHandler, whose
  // ModelArtifacts type is stricter than ours at compile time and equal on the wire.
  save?: (artifacts: never) => Promise<unknown>;
  /** What it resolves to is validated as untrusted artifacts. */
  load?: () => Promise<unknown>;
}

function isHandler(v: unknown, method: 'save' | 'load'): v is IOHandler {
  return typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[method] === 'function';
}

/**
 * Saves a model to 'dir' or 'file://dir' (model.json + weights.bin), atomically; or hands the artifacts
 * to an IOHandler's save() as tfjs does.
 */
export async function saveModel(model: Sequential, target: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
  if (isSingleFileTarget(target)) {
    const desc = describeModel(model, { ...options, includeOptimizer: options.includeOptimizer ?? keepsOptimizerByDefault(target) });
    const { bytes } = saveForeignDescription(desc, target, options);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: bytes } };
  }
  const artifacts = toArtifacts(model, options);
  if (isHandler(target, 'save')) return (await (target.save as (a: ModelArtifacts) => Promise<unknown>)(artifacts)) as SaveResult;
  const { bytes } = saveArtifacts(artifacts, target as string);
  return saveResult(artifacts, bytes);
}

/**
 * tfjs's tf.loadLayersModel: local files ('file://dir/model.json', 'dir/model.json' or 'dir'), an
 * http(s) URL of a model.json, or an IOHandler with load() (e.g. tf.io.fromMemory); all validated alike.
 */
export async function loadLayersModel(pathOrUrl: string | IOHandler | ModelSource, options: LoadOptions & ForeignLoadOptions = {}): Promise<Sequential> {
  if (isSingleFileModel(pathOrUrl)) return buildModel(await loadForeignDescription(pathOrUrl, options));
  if (isHandler(pathOrUrl, 'load')) return fromArtifacts((await pathOrUrl.load!()) as ModelArtifacts, options);
  if (isHttpUrl(pathOrUrl)) return fromArtifacts(await fetchArtifacts(pathOrUrl), options);
  return buildModel(loadDescription(pathOrUrl as string, options));
}

/** Loads the model saved in a directory (same as loadLayersModel). */
export async function loadModel(dir: string | IOHandler | ModelSource, options: LoadOptions & ForeignLoadOptions = {}): Promise<Sequential> {
  return loadLayersModel(dir, options);
}

/** model.json text and weights bytes for a model (what save() writes), without touching disk. */
export function toFiles(model: Sequential, options: SaveOptions = {}): { modelJson: string; weights: Uint8Array } {
  const a = toArtifacts(model, options);
  const w = a.weightData;
  return {
    modelJson: JSON.stringify(artifactsToModelJSON(a, ['weights.bin'])),
    weights: Array.isArray(w) ? Buffer.concat(w.map((b) => new Uint8Array(b))) : new Uint8Array(w),
  };
}

/** The model as ONNX bytes (what model.save('model.onnx') writes). */
export function toOnnx(model: Sequential, options: SaveOptions = {}): Uint8Array {
  return descriptionToOnnx(describeModel(model, options), options);
}
setOnnxHook((m, options) => toOnnx(m, options));

// model.save() calls this (registered here so that lib/model does not import lib/io).
setSaveHook((m, target, options) => saveModel(m, target, options));

