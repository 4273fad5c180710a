// tf.io: the IOHandlers tfjs programs pass to model.save() and tf.loadLayersModel(). Files and URLs
// go through blasnet's own loaders and writers (validated, atomic); these only adapt tfjs's call forms.
import { invalidArg } from '../errors';
import { fetchArtifacts } from '../io/http';
import { loadArtifacts, saveArtifacts } from '../io/files';
import type { ModelArtifacts } from '../io/tfjs/artifacts';
import { TFJS_NAMESPACE_FUNCTIONS, withStubs } from './unsupported';

interface SaveResult { modelArtifactsInfo: { dateSaved: Date; modelTopologyType: 'JSON'; weightDataBytes?: number } }
export interface TfjsIOHandler {
  save?: (artifacts: ModelArtifacts) => Promise<SaveResult | unknown>;
  load?: () => Promise<ModelArtifacts>;
}

/** tfjs-node's tf.io.fileSystem(path): save writes path/model.json + weights.bin; load reads a model.json. */
function fileSystem(path: string): TfjsIOHandler {
  if (typeof path !== 'string' || path === '') throw invalidArg('tf.io.fileSystem(path)', 'a directory or model.json path', path);
  const p = path.startsWith('file://') ? path.slice(7) : path;
  return {
    save: async (artifacts: ModelArtifacts) => {
      const { bytes } = saveArtifacts(artifacts, p.endsWith('model.json') ? p.slice(0, -'model.json'.length) || '.' : p);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes } };
    },
    load: async () => loadArtifacts(p),
  };
}

/** tf.io.fromMemory(artifacts) or the older (modelTopology, weightSpecs, weightData, trainingConfig) form. */
function fromMemory(modelArtifacts: ModelArtifacts | object, weightSpecs?: unknown, weightData?: ArrayBuffer, trainingConfig?: unknown): TfjsIOHandler {
  const artifacts = (weightSpecs === undefined && (modelArtifacts as ModelArtifacts).modelTopology !== undefined)
    ? modelArtifacts as ModelArtifacts
    : { modelTopology: modelArtifacts, weightSpecs, weightData, trainingConfig } as unknown as ModelArtifacts;
  return { load: async () => artifacts };
}

function withSaveHandler(saveHandler: (artifacts: ModelArtifacts) => Promise<unknown>): TfjsIOHandler {
  if (typeof saveHandler !== 'function') throw invalidArg('tf.io.withSaveHandler(saveHandler)', 'a function', saveHandler);
  return { save: saveHandler };
}

function http(path: string): TfjsIOHandler {
  if (typeof path !== 'string') throw invalidArg('tf.io.http(path)', 'an http(s) URL of a model.json', path);
  return { load: () => fetchArtifacts(path) };
}

export const io = withStubs({ fileSystem, fromMemory, withSaveHandler, http, browserHTTPRequest: http },
  TFJS_NAMESPACE_FUNCTIONS.io!, 'tf.io.');
