// The seam between the model and the file formats: the model turns itself into a ModelDescription
// (Sequential.toDescription) and is rebuilt from one (Sequential.fromDescription); lib/io converts
// descriptions to and from the TensorFlow.js layers-model format. Neither side knows the other's insides.

/** The layer classes a model can hold, as tfjs and Keras name them (the model builds each; the formats read and write them). */
export const LAYER_CLASS_NAMES = ['Dense', 'Activation', 'LeakyReLU', 'Dropout', 'BatchNormalization', 'LayerNormalization', 'Flatten'] as const;
export type LayerClassName = (typeof LAYER_CLASS_NAMES)[number];

export interface LayerDescription {
  /** One of LAYER_CLASS_NAMES. */
  className: string;
  /**
   * The layer's config exactly as tfjs-layers' getConfig() returns it (camelCase keys, e.g. units,
   * activation: 'relu', useBias, kernelInitializer: { className: 'GlorotUniform', config: { seed: null } },
   * kernelRegularizer: { className: 'L1L2', config: { l1, l2 } } | null, kernelConstraint:
   * { className: 'MaxNorm', config: { maxValue, axis: 0 } } | null, name, trainable, dtype: 'float32',
   * batchInputShape: [null, n] on the first layer). Activation strings use the Keras/tfjs serialized
   * names: linear relu sigmoid tanh softmax elu selu gelu swish softplus softsign hard_sigmoid relu6 leaky_relu.
   */
  config: Record<string, unknown>;
}

export interface NamedTensor {
  /** e.g. 'dense_Dense1/kernel' for model weights; the optimizer's own names for its state. */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface TrainingDescription {
  /** Keras/tfjs loss name as compiled ('mean_squared_error', 'categorical_crossentropy', ...) or our name. */
  loss: string;
  metrics: string[];
  /** { className: 'Adam', config: { learningRate, beta1, beta2, epsilon, ... } } in tfjs naming. */
  optimizerConfig: { className: string; config: Record<string, unknown> };
  /** Options of a configurable loss (huber delta, fromLogits), when not the defaults. */
  lossConfig?: { fromLogits?: boolean; delta?: number };
  /**
   * Seed of fit's row shuffling, so that a model saved with includeOptimizer and loaded again shuffles
   * its next epochs as the original would have (the model derives each epoch's order from it and the epoch).
   */
  shuffleSeed?: number;
}

export interface ModelDescription {
  name: string;
  inputDim: number;
  layers: LayerDescription[];
  /** All layer weights in layer order (kernel, bias, gamma, beta, moving_mean, moving_variance). */
  weights: NamedTensor[];
  training: TrainingDescription | null;
  /** Optimizer state tensors (saved with group "optimizer"), present only with includeOptimizer. */
  optimizerWeights: NamedTensor[];
  /** Free-form metadata saved in userDefinedMetadata (e.g. { scaler: {...} }). */
  userDefinedMetadata: Record<string, unknown> | null;
}
