// Where a model's artifacts go to and come from: a directory ('dir', 'file://dir', '.../model.json'),
// an http(s) URL (loading only), a tfjs-style IOHandler such as tf.io.withSaveHandler or tf.io.fromMemory,
// or a single file in another format (.keras, .onnx; .h5 loading only).
import { checkModelMemory } from './budget';
import type { ModelDescription } from './description';
import { loadDescription, saveArtifacts } from './files';
import { fetchArtifacts, isHttpUrl, timeoutOption } from './http';
import { checkSavedState } from './saved-state';
import { artifactsToDescription, type LoadOptions, type ModelArtifacts } from './tfjs';
import { isSingleFileModel, loadForeignDescription, saveForeignDescription, type ForeignLoadOptions, type ModelSource } from './keras/formats';
import type { OnnxExportOptions } from './onnx';

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

/**
 * Writes artifacts into a directory (model.json and a content-named shard; nothing else there is touched,
 * see save.ts), or hands them to an IOHandler's save().
 */
export async function writeArtifacts(artifacts: ModelArtifacts, target: string | IOHandler): Promise<SaveResult> {
  if (isHandler(target, 'save')) return (await (target.save as (a: ModelArtifacts) => Promise<unknown>)(artifacts)) as SaveResult;
  const { bytes } = await saveArtifacts(artifacts, target as string);
  return saveResult(artifacts, bytes);
}

/**
 * Validates untrusted in-memory artifacts (an IOHandler's, a database's) as files are: the memory the
 * model needs first, then the format, then the saved training config and scaler.
 */
export function describeArtifacts(artifacts: ModelArtifacts, options: LoadOptions = {}): ModelDescription {
  if (artifacts && typeof artifacts === 'object' && Array.isArray(artifacts.weightSpecs)) {
    checkModelMemory('the model artifacts', artifacts.modelTopology, artifacts.weightSpecs, 0, options.memoryLimit);
  }
  const desc = artifactsToDescription(artifacts, options);
  checkSavedState(desc);
  return desc;
}

/** Writes a description to a single-file format (.onnx, .keras), atomically. */
export function writeModelFile(desc: ModelDescription, target: string, options: OnnxExportOptions = {}): SaveResult {
  const { bytes } = saveForeignDescription(desc, target, options);
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: bytes } };
}

/**
 * Reads and validates the description of a saved model from a directory, an http(s) URL or an IOHandler's
 * load(); a .keras, .h5 or .onnx path or URL, or the bytes of one, from that format.
 */
export async function readDescription(source: string | IOHandler | ModelSource, options: LoadOptions & ForeignLoadOptions = {}): Promise<ModelDescription> {
  timeoutOption(options?.timeoutMs);
  if (isSingleFileModel(source)) {
    const foreign = await loadForeignDescription(source, options);
    checkSavedState(foreign);
    return foreign;
  }
  if (isHandler(source, 'load')) return describeArtifacts((await source.load!()) as ModelArtifacts, options);
  if (isHttpUrl(source)) return describeArtifacts(await fetchArtifacts(source, options), options);
  const desc = loadDescription(source as string, options);
  checkSavedState(desc);
  return desc;
}
