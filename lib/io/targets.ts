// Where a model's artifacts go to and come from: a directory ('dir', 'file://dir', '.../model.json'),
// an http(s) URL (loading only), or a tfjs-style IOHandler such as tf.io.withSaveHandler or tf.io.fromMemory.
import type { ModelDescription } from './description';
import { loadDescription, saveArtifacts } from './files';
import { fetchArtifacts, isHttpUrl } from './http';
import { artifactsToDescription, type LoadOptions, type ModelArtifacts } from './tfjs';

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

/** Writes artifacts to a directory (model.json + weights.bin, atomically), or hands them to an IOHandler's save(). */
export async function writeArtifacts(artifacts: ModelArtifacts, target: string | IOHandler): Promise<SaveResult> {
  if (isHandler(target, 'save')) return (await (target.save as (a: ModelArtifacts) => Promise<unknown>)(artifacts)) as SaveResult;
  const { bytes } = saveArtifacts(artifacts, target as string);
  return saveResult(artifacts, bytes);
}

/** Reads and validates the description of a saved model from a directory, an http(s) URL or an IOHandler's load(). */
export async function readDescription(source: string | IOHandler, options: LoadOptions = {}): Promise<ModelDescription> {
  if (isHandler(source, 'load')) return artifactsToDescription((await source.load!()) as ModelArtifacts, options);
  if (isHttpUrl(source)) return artifactsToDescription(await fetchArtifacts(source), options);
  return loadDescription(source as string, options);
}
