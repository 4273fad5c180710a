// What loading a model costs in memory, computed from model.json alone, before a shard is read or a
// buffer allocated; refused over the limit (lib/limits.ts) with the figure.
import { checkMemory, formatBytes, resolveMemoryLimit } from '../limits';
import { checkWeightSpecs } from './tfjs/manifest';
import { parseLayers } from './tfjs/topology';

/** predict / evaluate / fit's default batchSize (as tfjs): the rows a loaded model runs first. */
export const DEFAULT_BATCH_ROWS = 32;

export interface ModelMemory {
  /** Bytes of the shards as stored (quantized weights are smaller than float32). */
  storedBytes: number;
  /** Weight and optimizer-state values, each a float32 once decoded. */
  values: number;
  widest: number;
  layers: number;
  /** storedBytes + three float32 copies of the values + the workspace. */
  total: number;
  workspace: number;
}

/**
 * The peak a load reaches: the shard bytes as read, then three float32 copies of the values (the decoded
 * tensors, the model's flat parameters, the engine's net; measured: a 1 GiB model peaks at 4.2 GB of RSS
 * on either engine), and the workspace of one default batch (rows x widest layer x layers, float32),
 * which the model needs as soon as it predicts or trains.
 */
export function modelMemory(topology: unknown, weightSpecs: unknown, storedBytes: number): ModelMemory {
  const parsed = parseLayers(topology);
  let widest = parsed.inputDim;
  for (const l of parsed.layers) for (const s of l.slots) for (const d of s.shape) widest = Math.max(widest, d);
  let values = 0;
  for (const s of checkWeightSpecs(weightSpecs).specs) values += s.size;
  const layers = parsed.layers.length;
  const workspace = DEFAULT_BATCH_ROWS * widest * layers * 4;
  return { storedBytes, values, widest, layers, workspace, total: storedBytes + 3 * 4 * values + workspace };
}

/** ERR_LIMIT when the model's memory is over the limit (the memoryLimit option, else the default). */
export function checkModelMemory(where: string, topology: unknown, weightSpecs: unknown, storedBytes: number, memoryLimit: unknown): void {
  const limit = resolveMemoryLimit(memoryLimit);
  const m = modelMemory(topology, weightSpecs, storedBytes);
  checkMemory(m.total, `Loading ${where} (${formatBytes(m.storedBytes)} of weights as stored, ${m.values} values decoded and ` +
    `held by the engine, a ${DEFAULT_BATCH_ROWS}-row workspace over ${m.layers} layers up to ${m.widest} wide)`, limit);
}
