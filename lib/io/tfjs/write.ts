// ModelDescription -> ModelArtifacts, as tfjs-layers' LayersModel.save() builds them, so that tfjs
// loads what we write: topology from toJSON (snake_case configs, batch_input_shape on the first layer),
// weights in model.weights order, the optimizer's weights in group "optimizer".
import { BlasnetError, describe } from '../../errors';
import type { ModelDescription, NamedTensor } from '../description';
import { TFJS_LAYERS_VERSION, isObject, packageVersion, type ModelArtifacts, type WeightSpec } from './artifacts';
import { stateEntriesToSave, tfjsStateLayout } from './optimizer-state';
import { convertTsToPythonic, parseLayers } from './topology';
import { tfjsTrainingConfig, trainingToConfig } from './training-config';
import { encodeWeights } from './weight-codecs';
import { checkJsonValue } from '../json-guard';

function checkTensor(w: NamedTensor, what: string): void {
  const n = Array.isArray(w?.shape) ? w.shape.reduce((a, b) => a * b, 1) : NaN;
  if (typeof w?.name !== 'string' || !(w.data instanceof Float32Array) || n !== w.data.length) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a {name, shape, data: Float32Array} with matching size for ${what} ${describe(w?.name)}`);
  }
}

/**
 * The tfjs ModelArtifacts for a description. Weights come in model.weights order: trainable ones first,
 * then the non-trainable ones (moving statistics, and every weight of a frozen layer), each part in
 * layer order; then, with includeOptimizer (by default: when the description carries optimizer state),
 * the optimizer's state and a trainingConfig.
 */
export function descriptionToArtifacts(desc: ModelDescription, options: { includeOptimizer?: boolean } = {}): ModelArtifacts {
  if (!isObject(desc) || !Array.isArray(desc.layers) || !Array.isArray(desc.weights)) {
    throw new BlasnetError('ERR_INVALID_ARG', `Expected a ModelDescription for desc but received ${describe(desc)}`);
  }
  const layers = desc.layers.map((l, i) => {
    const config = convertTsToPythonic(l.config ?? {}) as Record<string, unknown>;
    if (i === 0) {
      delete config.input_shape;
      config.batch_input_shape = [null, desc.inputDim];
    } else {
      // tfjs's Layer.getConfig() has dtype only on layers built with an input shape.
      delete config.batch_input_shape;
      delete config.dtype;
    }
    // tfjs stores LayerNormalization's axis as the list of positive axes it resolved at build (rank 2: [1]).
    if (l.className === 'LayerNormalization' && (config.axis === -1 || config.axis === 1)) config.axis = [1];
    return { class_name: l.className, config };
  });
  const modelTopology = {
    class_name: 'Sequential',
    config: { name: desc.name, layers },
    keras_version: `tfjs-layers ${TFJS_LAYERS_VERSION}`,
    backend: 'tensor_flow.js',
  };

  const parsed = parseLayers(modelTopology).layers;
  const nonTrainable = new Set(parsed.flatMap((l) => l.slots.filter((s) => !s.trainable).map((s) => `${l.name}/${s.name}`)));
  const ordered = [...desc.weights.filter((w) => !nonTrainable.has(w.name)), ...desc.weights.filter((w) => nonTrainable.has(w.name))];

  const includeOptimizer = options.includeOptimizer ?? (desc.optimizerWeights?.length ?? 0) > 0;
  const specs: WeightSpec[] = [];
  const chunks: { data: Float32Array; int: boolean }[] = [];
  for (const w of ordered) {
    checkTensor(w, 'weight');
    specs.push({ name: w.name, shape: [...w.shape], dtype: 'float32' });
    chunks.push({ data: w.data, int: false });
  }
  const tfjsTraining = includeOptimizer && desc.training ? tfjsTrainingConfig(desc.training) : null;
  if (includeOptimizer) {
    for (const w of desc.optimizerWeights ?? []) checkTensor(w, 'optimizer weight');
    const kept = stateEntriesToSave(desc.optimizerWeights ?? [], parsed, desc.training);
    for (const w of tfjsTraining ? tfjsStateLayout(kept, desc.training!) : kept) {
      // tfjs saves the optimizer's iteration count as an int32 scalar.
      const int = w.name === 'iter' && w.shape.length === 0;
      specs.push({ name: w.name, shape: [...w.shape], dtype: int ? 'int32' : 'float32', group: 'optimizer' });
      chunks.push({ data: w.data, int });
    }
  }
  const artifacts: ModelArtifacts = {
    modelTopology,
    weightSpecs: specs,
    weightData: encodeWeights(chunks),
    format: 'layers-model',
    generatedBy: `blasnet v${packageVersion()}`,
    convertedBy: null,
  };
  if (includeOptimizer && desc.training) {
    if (tfjsTraining) artifacts.trainingConfig = tfjsTraining;
    artifacts.blasnetTrainingConfig = trainingToConfig(desc.training);
  }
  if (desc.userDefinedMetadata) {
    // Whoever receives the artifacts (a file, an IOHandler, a database) serializes them as JSON.
    checkJsonValue(desc.userDefinedMetadata, 'userDefinedMetadata');
    artifacts.userDefinedMetadata = desc.userDefinedMetadata;
  }
  return artifacts;
}
