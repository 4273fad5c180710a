// Writing a model out: the description it gives of itself (serialize.ts) becomes in-memory artifacts,
// a folder or an IOHandler's input, a .keras or .onnx file, or ONNX bytes; lib/io knows the formats.
import {
  descriptionToArtifacts, descriptionToOnnx, isSingleFileTarget, keepsOptimizerByDefault, writeArtifacts, writeModelFile,
  type IOHandler, type ModelArtifacts, type OnnxExportOptions, type SaveResult,
} from '../io';
import type { ModelDescription } from '../io/description';
import { saveDescribeOptions, type DescribeOptions } from './serialize';

export interface SaveOptions extends OnnxExportOptions {
  /** Also save the compile config and the optimizer's state, so training resumes exactly (default false). */
  includeOptimizer?: boolean;
  /** A fitted data scaler (data.standardScaler() / minMaxScaler()) saved in userDefinedMetadata.scaler. */
  scaler?: { toJSON(): unknown };
  /** A fitted data.preprocessor() saved in userDefinedMetadata.preprocessor (model.getPreprocessor() after loading). */
  preprocessor?: { toJSON(): unknown };
}

/** What writing needs of a model: the metadata it keeps, and its description for given options. */
export interface WritableModel {
  readonly userDefinedMetadata: Record<string, unknown> | null;
  toDescription(options: DescribeOptions): ModelDescription;
}

/** The model as tfjs artifacts (model.json fields + one ArrayBuffer). */
export function modelArtifacts(m: WritableModel, options: SaveOptions): ModelArtifacts {
  const describeOptions = saveDescribeOptions(options, m.userDefinedMetadata);
  return descriptionToArtifacts(m.toDescription(describeOptions), { includeOptimizer: describeOptions.includeOptimizer === true });
}

/** Writes the model to a folder or IOHandler (tfjs format), or to a .keras / .onnx file named by `target`. */
export async function writeModel(m: WritableModel, target: string | IOHandler, options: SaveOptions): Promise<SaveResult> {
  if (!isSingleFileTarget(target)) return writeArtifacts(modelArtifacts(m, options), target);
  const checked = saveDescribeOptions(options, m.userDefinedMetadata);
  // A .keras file keeps the optimizer state unless told otherwise, as Keras's own save does.
  const includeOptimizer = options.includeOptimizer ?? keepsOptimizerByDefault(target);
  return writeModelFile(m.toDescription({ ...checked, includeOptimizer }), target, options);
}

/** The model as the bytes of an ONNX file. */
export function modelOnnx(m: WritableModel, options: SaveOptions): Uint8Array {
  return descriptionToOnnx(m.toDescription(saveDescribeOptions(options, m.userDefinedMetadata)), options);
}
