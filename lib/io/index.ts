// Model files: descriptions (the seam with lib/model) to and from the TensorFlow.js layers-model format,
// on disk, over http(s) or through tfjs IOHandlers. Nothing here knows a Sequential.
export * from './tfjs';
export { loadArtifacts, loadDescription, saveArtifacts, saveDescription, resolveModelDir } from './files';
export type { SaveFilesOptions, SavedFiles } from './files';
export { modelFiles } from './save';
export { fetchArtifacts } from './http';
export { describeArtifacts, readDescription, writeArtifacts, writeModelFile, type IOHandler, type SaveResult } from './targets';
export { isSingleFileTarget, keepsOptimizerByDefault, type ForeignLoadOptions, type ModelSource } from './keras/formats';
export { descriptionToOnnx, onnxToDescription, type OnnxExportOptions, type OnnxImportOptions } from './onnx';
export { descriptionToKeras } from './keras/write';
export { LAYER_CLASS_NAMES } from './description';
export type { ModelDescription, LayerDescription, LayerClassName, NamedTensor, TrainingDescription } from './description';
