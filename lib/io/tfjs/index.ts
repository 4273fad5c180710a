// The TensorFlow.js layers-model format (model.json + binary weights) <-> ModelDescription. Pure
// functions: no files, no network, no model. Reading accepts what tfjs, tensorflowjs_converter and older
// tfjs versions wrote; writing is what tfjs-layers' LayersModel.save() writes.
export {
  MAX_DIM, MAX_LAYERS, MAX_TENSOR_ELEMENTS, MAX_WEIGHT_ENTRIES, TFJS_LAYERS_VERSION,
  type LoadOptions, type ModelArtifacts, type ModelJSON, type Quantization, type WeightSpec,
} from './artifacts';
export { descriptionToArtifacts } from './write';
export { artifactsToDescription } from './read';
export { artifactsToModelJSON, checkModelJSON, checkWeightSpecs, modelJSONToArtifacts } from './manifest';
export { convertTsToPythonic, SUPPORTED_CLASSES } from './topology';
export { float16ToFloat32 } from './weight-codecs';
export { toCamelCase, toSnakeCase } from '../../naming';
