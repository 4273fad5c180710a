// The TensorFlow.js layers-model format's shapes (tfjs's io.ModelArtifacts and model.json), the limits a
// file must stay within, and the helpers every part of the format shares.
import { BlasnetError } from '../../errors';

/** The in-memory form of a saved model (tfjs's io.ModelArtifacts, restricted to what a layers model uses). */
export interface ModelArtifacts {
  modelTopology: Record<string, unknown>;
  weightSpecs: WeightSpec[];
  /** Concatenated weight bytes in weightSpecs order (tfjs 4 also allows a list of buffers). */
  weightData: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: Record<string, unknown>;
  /**
   * blasnet's exact training config (its own loss, metric and optimizer names). Always written with
   * includeOptimizer; trainingConfig is written only when tfjs can read it exactly (else tfjs would
   * refuse the whole file), so tfjs users get a compiled model when possible and an uncompiled one otherwise.
   */
  blasnetTrainingConfig?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
}

export interface Quantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
  original_dtype?: string;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  group?: string;
  quantization?: Quantization;
}

/** model.json as written to disk: the artifacts' fields, with the weights described by shard files. */
export type ModelJSON = Omit<ModelArtifacts, 'weightSpecs' | 'weightData'> & {
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
};

export interface LoadOptions {
  /** Accept NaN / Infinity in weights (default false: ERR_NON_FINITE). */
  allowNonFinite?: boolean;
  /** Refuse (ERR_LIMIT) a model that needs more memory than this: bytes or "2G" (default: BLASNET_MEMORY_LIMIT or a quarter of RAM). */
  memoryLimit?: number | string;
  /** http(s) loads: the deadline for model.json and all its shards together, in ms (default 60,000): ERR_TIMEOUT. */
  timeoutMs?: number;
}

/** The tfjs-layers version whose format we write (keras_version), as tfjs-node 4.22.0 writes it. */
export const TFJS_LAYERS_VERSION = '4.22.0';
/** No single dimension or tensor may exceed these: a hostile file cannot make us allocate gigabytes. */
export const MAX_DIM = 1 << 24;
export const MAX_TENSOR_ELEMENTS = 1 << 28;
export const MAX_LAYERS = 10000;
export const MAX_WEIGHT_ENTRIES = 100000;

/** blasnet's version, for generatedBy. */
export function packageVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const v = (require('../../../package.json') as { version?: unknown }).version;
    return typeof v === 'string' ? v : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function formatError(message: string): BlasnetError {
  return new BlasnetError('ERR_FORMAT', message);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strips the TF variable suffix (":0") from a weight name. */
export function canonicalWeightName(name: string): string {
  return name.replace(/:\d+$/, '');
}
