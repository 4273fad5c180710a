// The contract between the model API and the two engines (native C++ and TypeScript).
// Both engines implement exactly the algorithm written down in lib/engine/SPEC.md; the model layer
// never knows which one it talks to. Shapes are row-major [rows, cols] over Float32Array.

/** A dense 2-D view over float32 data. Never copied by the engines. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export type ActivationId =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'leakyRelu' | 'elu' | 'selu' | 'gelu'
  | 'swish' | 'softplus' | 'softsign' | 'hardSigmoid' | 'relu6';

/** Canonical numeric ids, shared with native/core (the same order as enum Act in native/core/spec.h). */
export const ACTIVATION_CODES: readonly ActivationId[] = [
  'linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'elu', 'selu', 'gelu',
  'swish', 'softplus', 'softsign', 'hardSigmoid', 'relu6',
];

export type LossId =
  | 'meanSquaredError' | 'meanAbsoluteError' | 'huber' | 'binaryCrossentropy'
  | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

export const LOSS_CODES: readonly LossId[] = [
  'meanSquaredError', 'meanAbsoluteError', 'huber', 'binaryCrossentropy',
  'categoricalCrossentropy', 'sparseCategoricalCrossentropy',
];

export interface ActivationSpec {
  id: ActivationId;
  /** leakyRelu slope (default 0.3, as tfjs) or elu alpha (default 1). Ignored by the others. */
  alpha: number;
}

export interface DenseSpec {
  kind: 'dense';
  inputDim: number;
  units: number;
  activation: ActivationSpec;
  useBias: boolean;
  /** false freezes kernel and bias: no optimizer update, no regularization gradient. */
  trainable: boolean;
  kernelL1: number;
  kernelL2: number;
  biasL1: number;
  biasL2: number;
  /** MaxNorm constraint on the kernel (per output unit, over the input axis); 0 = none. */
  kernelMaxNorm: number;
}

export interface ActivationLayerSpec {
  kind: 'activation';
  dim: number;
  activation: ActivationSpec;
}

export interface DropoutSpec {
  kind: 'dropout';
  dim: number;
  rate: number;
  /** Seed of the counter-based mask generator (SPEC.md, "Dropout"). */
  seed: number;
}

export interface BatchNormSpec {
  kind: 'batchNormalization';
  dim: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  trainable: boolean;
}

export interface LayerNormSpec {
  kind: 'layerNormalization';
  dim: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  trainable: boolean;
}

export type LayerSpec = DenseSpec | ActivationLayerSpec | DropoutSpec | BatchNormSpec | LayerNormSpec;

export interface LossSpec {
  id: LossId;
  fromLogits: boolean;
  /** huber delta (default 1). */
  delta: number;
}

export type OptimizerId = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
export const OPTIMIZER_CODES: readonly OptimizerId[] = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'];

/** Learning rate as a function of the optimizer's iteration count (SPEC.md, "Schedules"). */
export type ScheduleSpec =
  | { kind: 'constant' }
  | { kind: 'exponentialDecay'; decaySteps: number; decayRate: number; staircase: boolean }
  | { kind: 'cosineDecay'; decaySteps: number; alpha: number; warmupTarget: number; warmupSteps: number }
  | { kind: 'piecewiseConstantDecay'; boundaries: number[]; values: number[] };

export interface OptimizerSpec {
  id: OptimizerId;
  learningRate: number;
  schedule: ScheduleSpec;
  // sgd
  momentum: number;
  nesterov: boolean;
  // adam / adamw
  beta1: number;
  beta2: number;
  epsilon: number;
  amsgrad: boolean;
  weightDecay: number;
  // rmsprop (also uses momentum, epsilon)
  rho: number;
  centered: boolean;
  // adagrad
  initialAccumulatorValue: number;
  // gradient clipping: 0 = off; at most one of the three is non-zero
  clipnorm: number;
  clipvalue: number;
  globalClipnorm: number;
}

/** The default of every optimizer option but the learning rate (SPEC.md, "Defaults"; Keras's defaults). */
export const OPTIMIZER_DEFAULTS: Omit<OptimizerSpec, 'id' | 'learningRate' | 'schedule'> = {
  momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0.004,
  rho: 0.9, centered: false, initialAccumulatorValue: 0.1, clipnorm: 0, clipvalue: 0, globalClipnorm: 0,
};

export interface NetSpec {
  inputDim: number;
  layers: LayerSpec[];
  loss: LossSpec;
  optimizer: OptimizerSpec;
}

/** One tensor inside the flat parameter buffer (SPEC.md, "Parameter layout"). */
export interface ParamSlot {
  layer: number;
  /** 'kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance' */
  name: string;
  shape: number[];
  offset: number;
  size: number;
  /** Updated by the optimizer (false for moving statistics and frozen layers). */
  trainable: boolean;
}

export interface TrainArgs {
  x: Matrix;
  y: Matrix;
  /** Row indices into x / y, in the order to train; batches are consecutive slices of it. */
  order: Uint32Array;
  batchSize: number;
  /** Per-row weight (sampleWeight x classWeight), indexed by row of x; null = all 1. */
  sampleWeight: Float32Array | null;
  /** If given (length order.length * outputDim), receives each batch's outputs (before its update), in `order` order. */
  predictionsOut: Float32Array | null;
  /** Called at most ~10 times a second with the batches done so far and the loss sum so far. */
  onProgress?: (batchesDone: number, lossSum: number, samplesDone: number) => void;
}

export interface TrainResult {
  /** Sum over batches of (batch loss x batch rows); divide by samples for the epoch mean. */
  lossSum: number;
  samples: number;
  batches: number;
  /** Index (within this call) of the first batch whose loss was NaN or infinite, or -1. That batch's update was not applied and the call stopped there. */
  nonFiniteBatch: number;
}

export interface EvaluateResult {
  lossSum: number;
  samples: number;
}

export interface Net {
  readonly spec: NetSpec;
  readonly outputDim: number;
  readonly paramCount: number;
  /** Throws ERR_LIMIT when one batch's training workspace would go over defaultMemoryLimit() (lib/limits.ts). */
  trainBatches(args: TrainArgs): Promise<TrainResult>;
  /**
   * evaluate, predict and predictSync keep their workspace under `memoryLimit` bytes (default:
   * defaultMemoryLimit()): a batch whose workspace would go over it is computed in fewer rows at a
   * time (ERR_LIMIT when not even one row, or predict's output, fits).
   */
  evaluate(x: Matrix, y: Matrix, batchSize: number, sampleWeight: Float32Array | null,
    predictionsOut: Float32Array | null, memoryLimit?: number): Promise<EvaluateResult>;
  predict(x: Matrix, batchSize: number, memoryLimit?: number): Promise<Float32Array>;
  /** evaluate on the calling thread (tfjs's synchronous model.evaluate); same checks and numbers. */
  evaluateSync(x: Matrix, y: Matrix, batchSize: number, sampleWeight: Float32Array | null,
    predictionsOut: Float32Array | null, memoryLimit?: number): EvaluateResult;
  /**
   * Loss and gradient (flat, param layout) of one batch made of all rows of x, in training mode
   * (dropout at step = iterations), including the regularization terms, without clipping or update.
   * For gradient checks and debugging; synchronous.
   */
  computeGradients(x: Matrix, y: Matrix, sampleWeight: Float32Array | null): { loss: number; grads: Float32Array };
  predictSync(x: Matrix, memoryLimit?: number): Float32Array;
  /** Copy of the flat parameter buffer (layout in SPEC.md). */
  getParams(): Float32Array;
  setParams(params: Float32Array): void;
  /** Flat optimizer state; element 0 is the iteration count. */
  getOptimizerState(): Float32Array;
  setOptimizerState(state: Float32Array): void;
  setLearningRate(lr: number): void;
  /** Freezes or unfreezes a layer (index into spec.layers) without rebuilding the net. */
  setTrainable(layer: number, trainable: boolean): void;
  dispose(): void;
  readonly disposed: boolean;
}

export interface EngineInfo {
  engine: 'native' | 'js';
  /** e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"; null for js. */
  blasConfig: string | null;
  blasCore: string | null;
  threads: number;
  /** Why the native engine is not in use, when it is not. */
  nativeUnavailableReason: string | null;
}

export interface Engine {
  readonly name: 'native' | 'js';
  createNet(spec: NetSpec, params: Float32Array): Net;
  info(): EngineInfo;
  setNumThreads(n: number): void;
}
