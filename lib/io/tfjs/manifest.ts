// model.json <-> ModelArtifacts: the weights manifest (shard paths and weight specs), validated before
// any shard is read, so that a hostile file is refused before it makes us allocate anything.
import { describe } from '../../errors';
import {
  MAX_TENSOR_ELEMENTS, MAX_WEIGHT_ENTRIES, formatError, isObject, packageVersion,
  type ModelArtifacts, type ModelJSON, type Quantization, type WeightSpec,
} from './artifacts';
import { DTYPE_BYTES, type CheckedSpec } from './weight-codecs';

/** Validates one manifest weight entry (names, shape, dtype, quantization) and computes its byte length. */
function checkSpec(spec: unknown, i: number): CheckedSpec {
  if (!isObject(spec)) throw formatError(`Expected {name, shape, dtype} for weight entry ${i} but received ${describe(spec)}`);
  const { name, shape, dtype, group, quantization } = spec;
  if (typeof name !== 'string' || name.length === 0 || name.length > 1000) throw formatError(`Expected a name string for weight entry ${i} but received ${describe(name)}`);
  if (!Array.isArray(shape) || shape.length > 8) throw formatError(`Expected a shape array (at most 8 dims) for weight ${JSON.stringify(name)} but received ${describe(shape)}`);
  let size = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > MAX_TENSOR_ELEMENTS) {
      throw formatError(`Expected non-negative integer dimensions for weight ${JSON.stringify(name)} but received shape ${JSON.stringify(shape).slice(0, 80)}`);
    }
    size *= d;
    if (size > MAX_TENSOR_ELEMENTS) throw formatError(`Weight ${JSON.stringify(name)} has more than ${MAX_TENSOR_ELEMENTS} elements`);
  }
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw formatError(`Expected dtype "float32" or "int32" for weight ${JSON.stringify(name)} but received ${describe(dtype)}`);
  }
  if (group !== undefined && group !== null && typeof group !== 'string') throw formatError(`Expected a string group for weight ${JSON.stringify(name)} but received ${describe(group)}`);
  let stored: string = dtype;
  let q: Quantization | undefined;
  if (quantization !== undefined && quantization !== null) {
    if (!isObject(quantization)) throw formatError(`Expected an object for the quantization of weight ${JSON.stringify(name)} but received ${describe(quantization)}`);
    const qd = quantization.dtype;
    if (qd !== 'uint8' && qd !== 'uint16' && qd !== 'float16') {
      throw formatError(`Expected quantization dtype "uint8", "uint16" or "float16" for weight ${JSON.stringify(name)} but received ${describe(qd)}`);
    }
    if (qd !== 'float16') {
      for (const k of ['scale', 'min'] as const) {
        if (typeof quantization[k] !== 'number' || !Number.isFinite(quantization[k])) {
          throw formatError(`Expected a finite number for quantization.${k} of weight ${JSON.stringify(name)} but received ${describe(quantization[k])}`);
        }
      }
    }
    q = { dtype: qd, scale: quantization.scale as number | undefined, min: quantization.min as number | undefined };
    stored = qd;
  }
  const out: CheckedSpec = { name, shape: shape as number[], dtype, size, bytes: size * DTYPE_BYTES[stored]! };
  if (typeof group === 'string') out.group = group;
  if (q) out.quantization = q;
  return out;
}

/** Validates a list of weight specs; returns them with sizes and their total byte length. */
export function checkWeightSpecs(specs: unknown): { specs: CheckedSpec[]; bytes: number } {
  if (!Array.isArray(specs)) throw formatError(`Expected a list of weight specs but received ${describe(specs)}`);
  if (specs.length > MAX_WEIGHT_ENTRIES) throw formatError(`Expected at most ${MAX_WEIGHT_ENTRIES} weight entries but received ${specs.length}`);
  const checked = specs.map((s, i) => checkSpec(s, i));
  return { specs: checked, bytes: checked.reduce((n, s) => n + s.bytes, 0) };
}

/**
 * Validates the shape of a model.json object (before any shard is read): returns the flattened weight
 * specs and, per manifest group, its shard paths and byte length.
 */
export function checkModelJSON(json: unknown): { weightSpecs: WeightSpec[]; groups: { paths: string[]; bytes: number }[] } {
  if (!isObject(json)) throw formatError(`Expected a JSON object in model.json but received ${describe(json)}`);
  if (!isObject(json.modelTopology)) throw formatError(`Expected an object for modelTopology in model.json but received ${describe(json.modelTopology)}`);
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw formatError(`Expected a list for weightsManifest but received ${describe(manifest)}`);
  const weightSpecs: WeightSpec[] = [];
  const groups: { paths: string[]; bytes: number }[] = [];
  manifest.forEach((g, gi) => {
    if (!isObject(g)) throw formatError(`Expected {paths, weights} for weightsManifest[${gi}] but received ${describe(g)}`);
    if (!Array.isArray(g.paths) || g.paths.length > 10000 || !g.paths.every((p) => typeof p === 'string')) {
      throw formatError(`Expected a list of path strings for weightsManifest[${gi}].paths but received ${describe(g.paths)}`);
    }
    const { specs, bytes } = checkWeightSpecs(g.weights);
    if (bytes > 0 && g.paths.length === 0) throw formatError(`weightsManifest[${gi}] has weights but no paths`);
    for (const s of specs) {
      const w: WeightSpec = { name: s.name, shape: s.shape, dtype: s.dtype };
      if (s.group !== undefined) w.group = s.group;
      if (s.quantization) w.quantization = s.quantization;
      weightSpecs.push(w);
    }
    groups.push({ paths: g.paths as string[], bytes });
  });
  return { weightSpecs, groups };
}

/** model.json (already parsed) plus the bytes of its shards in manifest order -> ModelArtifacts. */
export function modelJSONToArtifacts(json: unknown, weightData: ArrayBuffer | ArrayBuffer[]): ModelArtifacts {
  const { weightSpecs } = checkModelJSON(json);
  const j = json as ModelJSON;
  const out: ModelArtifacts = { modelTopology: j.modelTopology, weightSpecs, weightData };
  if (j.format !== undefined) out.format = j.format;
  if (j.generatedBy !== undefined) out.generatedBy = j.generatedBy;
  if (j.convertedBy !== undefined) out.convertedBy = j.convertedBy;
  if (j.trainingConfig !== undefined) out.trainingConfig = j.trainingConfig;
  if (j.blasnetTrainingConfig !== undefined) out.blasnetTrainingConfig = j.blasnetTrainingConfig;
  if (j.userDefinedMetadata !== undefined) out.userDefinedMetadata = j.userDefinedMetadata;
  return out;
}

/** model.json contents for artifacts whose weights are stored in the given shard files (tfjs io_utils). */
export function artifactsToModelJSON(artifacts: ModelArtifacts, paths: string[] = ['weights.bin']): ModelJSON {
  const json: ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `blasnet v${packageVersion()}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
  };
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.blasnetTrainingConfig != null) json.blasnetTrainingConfig = artifacts.blasnetTrainingConfig;
  return json;
}
