// A model <-> its ModelDescription (the seam with lib/io): architecture, weights, training config and,
// with includeOptimizer, the training state (optimizer state, shuffling stream, dropout seeds).
import { BlasnetError, describe, invalidArg } from '../errors';
import type { NetSpec, ParamSlot } from '../engine/types';
import type { ModelDescription, NamedTensor, TrainingDescription } from '../io/description';
import { bool } from '../validate';
import type { CompileArgs, Compiled } from './compile';
import { Dropout, deserializeLayer, type Layer } from './layers';
import { namedSlotTensors, optimizerStateFrom, optimizerStateTensors } from './weights';

/** What a description is made of: the model's state at the moment it is described. */
export interface DescribedModel {
  name: string;
  inputDim: number;
  layers: readonly Layer[];
  params: Float32Array;
  slots: readonly ParamSlot[];
  spec: NetSpec;
  compiled: Compiled | null;
  learningRate: number;
  shuffleState: number;
  /** The engine's optimizer state (read only with includeOptimizer). */
  optimizerState: () => Float32Array;
}

export interface DescribeOptions {
  includeOptimizer?: boolean;
  userDefinedMetadata?: Record<string, unknown> | null;
}

export function describeModel(m: DescribedModel, options: DescribeOptions): ModelDescription {
  const layerNames = m.layers.map((l) => l.name);
  const layers = m.layers.map((l, i) => {
    const config = l.getConfig();
    if (i === 0) config.batchInputShape = [null, m.inputDim];
    return { className: l.getClassName(), config };
  });
  const c = m.compiled;
  const training: TrainingDescription | null = c ? {
    loss: c.loss.serializedName,
    metrics: [...c.metricNames],
    optimizerConfig: { className: c.optimizer.getClassName(), config: { ...c.optimizer.getConfig(), ...(c.optimizer.schedule ? {} : { learningRate: m.learningRate }) } },
  } : null;
  if (training && c && (c.loss.spec.fromLogits || c.loss.spec.id === 'huber')) {
    training.lossConfig = { fromLogits: c.loss.spec.fromLogits, delta: c.loss.spec.delta };
  }
  const withState = options.includeOptimizer === true && c !== null;
  if (withState) training!.shuffleSeed = m.shuffleState;
  const optimizerWeights: NamedTensor[] = withState ? optimizerStateTensors(m.optimizerState(), m.spec, m.slots, layerNames) : [];
  let metadata = options.userDefinedMetadata ?? null;
  const dropouts = m.layers.filter((l): l is Dropout => l instanceof Dropout);
  if (withState && dropouts.length > 0) {
    // Drawn dropout seeds are training state (tfjs's config keeps seed null): saved with the optimizer
    // state so that training resumes with the same masks.
    metadata = { ...(metadata ?? {}), dropoutSeeds: Object.fromEntries(dropouts.map((l) => [l.name, l.seed])) };
  }
  return {
    name: m.name, inputDim: m.inputDim, layers, weights: namedSlotTensors(m.params, m.slots, layerNames),
    training, optimizerWeights, userDefinedMetadata: metadata,
  };
}

/** save()'s options, checked: whether to include the optimizer, and the metadata to save (with the scaler's and preprocessor's state). */
export function saveDescribeOptions(options: unknown, metadata: Record<string, unknown> | null): DescribeOptions {
  if (options === null || typeof options !== 'object') throw new BlasnetError('ERR_INVALID_ARG', `Expected an options object but received ${describe(options)}`);
  const o = options as { includeOptimizer?: unknown; scaler?: { toJSON?: unknown }; preprocessor?: { toJSON?: unknown } };
  if (o.includeOptimizer !== undefined) bool(o.includeOptimizer, 'options.includeOptimizer');
  let udm: Record<string, unknown> | null = metadata ? { ...metadata } : null;
  if (o.scaler !== undefined) {
    if (!o.scaler || typeof o.scaler.toJSON !== 'function') {
      throw invalidArg('options.scaler', 'a fitted scaler (with toJSON())', o.scaler);
    }
    udm = { ...(udm ?? {}), scaler: (o.scaler.toJSON as () => unknown).call(o.scaler) };
  }
  if (o.preprocessor !== undefined) {
    if (!o.preprocessor || typeof o.preprocessor.toJSON !== 'function') {
      throw invalidArg('options.preprocessor', 'a fitted preprocessor (with toJSON())', o.preprocessor);
    }
    udm = { ...(udm ?? {}), preprocessor: (o.preprocessor.toJSON as () => unknown).call(o.preprocessor) };
  }
  return { includeOptimizer: o.includeOptimizer === true, userDefinedMetadata: udm };
}

/** The layers a description lists, the first one declaring the input width. */
export function layersFromDescription(desc: ModelDescription): Layer[] {
  if (!desc || typeof desc !== 'object' || !Array.isArray(desc.layers)) throw invalidArg('model description', 'a ModelDescription', desc);
  if (!Number.isInteger(desc.inputDim) || desc.inputDim < 1) throw invalidArg('model description inputDim', 'a positive integer', desc.inputDim);
  const layers = desc.layers.map((l, i) => {
    const cfg = { ...(l.config ?? {}) };
    if (i > 0) { delete cfg.batchInputShape; delete cfg.batch_input_shape; delete cfg.inputShape; delete cfg.batchShape; }
    else { delete cfg.inputShape; delete cfg.batchShape; delete cfg.batch_input_shape; cfg.batchInputShape = [null, desc.inputDim]; }
    return deserializeLayer(l.className, cfg);
  });
  const seeds = desc.userDefinedMetadata?.dropoutSeeds;
  if (seeds && typeof seeds === 'object') {
    for (const l of layers) {
      const v = (seeds as Record<string, unknown>)[l.name];
      if (l instanceof Dropout && typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) l.seed = v;
    }
  }
  return layers;
}

/** The compile() arguments a saved training config stands for. */
export function compileArgsOf(t: TrainingDescription): CompileArgs {
  const loss = t.lossConfig ? { name: t.loss, ...t.lossConfig } : t.loss;
  return { optimizer: t.optimizerConfig as never, loss: loss as never, metrics: t.metrics ?? [] };
}

/** The saved state of the shuffling stream, when it is a valid one. */
export function savedShuffleState(t: TrainingDescription): number | null {
  const s = t.shuffleSeed;
  return typeof s === 'number' && Number.isInteger(s) && s >= 0 && s < 2 ** 32 ? s : null;
}

/** The description's weights, one per slot of the architecture, as setWeights takes them. */
export function descriptionWeights(desc: ModelDescription, slotCount: number): { dataSync(): Float32Array; shape: number[] }[] {
  if (!Array.isArray(desc.weights) || desc.weights.length !== slotCount) {
    const received = Array.isArray(desc.weights) ? desc.weights.length : describe(desc.weights);
    throw new BlasnetError('ERR_FORMAT', `Expected ${slotCount} weight tensors for this architecture but received ${received}`);
  }
  return desc.weights.map((w) => ({ dataSync: () => w.data, shape: w.shape }));
}

/** The optimizer state a description saved, in the engine's layout (null: none saved). */
export function savedOptimizerState(desc: ModelDescription, spec: NetSpec, slots: readonly ParamSlot[], layerNames: readonly string[]): Float32Array | null {
  if (!desc.optimizerWeights || desc.optimizerWeights.length === 0) return null;
  return optimizerStateFrom(desc.optimizerWeights, spec, slots, layerNames);
}
