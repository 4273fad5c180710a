// blasnet's single public entry: a Keras / TensorFlow.js-style API for dense networks over a native
// OpenBLAS engine or a pure TypeScript one.
export { sequential, Sequential, History } from './model/sequential';
export type { SequentialArgs, CompileArgs, FitArgs, EvaluateArgs, PredictArgs, SaveOptions } from './model/sequential';
export { layers, Layer, Dense, Activation, LeakyReLU, Dropout, BatchNormalization, LayerNormalization, InputLayer, deserializeLayer } from './model/layers';
export type {
  LayerArgs, DenseLayerArgs, ActivationLayerArgs, DropoutLayerArgs, BatchNormalizationLayerArgs, LayerNormalizationLayerArgs,
} from './model/layers';
export { setSeed } from './random';
export { callbacks, Callback, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, CSVLogger, ModelCheckpoint } from './model/callbacks';
export type { CallbackHooks, Logs, EarlyStoppingArgs, ReduceLROnPlateauArgs, ModelCheckpointArgs } from './model/callbacks';
export { optimizers, Optimizer } from './model/optimizers';
export type { OptimizerArgs, SgdArgs, AdamArgs, AdamWArgs, RmspropArgs, AdagradArgs, LearningRateSchedule } from './model/optimizers';
export type { Loss, LossConfig } from './model/losses';
export type { Metric, MetricName, CustomMetricFn } from './model/metrics';
export { regularizers, constraints } from './model/regularizers';
export type { Regularizer, Constraint } from './model/regularizers';
export { initializers } from './model/initializers';
export type { Initializer, InitializerName } from './model/initializers';
export type { ActivationName, LossName, OptimizerName } from './model/names';
export type { MatrixLike, LabelsLike, TrainTestSplit, TrainTestSplitOptions, ReadCsvOptions, RecordsInput, RecordRows, RecordAnswer } from './data';
export { loadLayersModel, loadModel, fromArtifacts } from './model/saving';
export type { SaveResult, ModelArtifacts, LoadOptions, IOHandler } from './io';
export { setEngine, engineInfo, setNumThreads, getEngine } from './engine';
export type { EngineInfo } from './engine/types';
export * as jobs from './jobs';
export { BlasnetError } from './errors';
export type { ErrorCode } from './errors';
export { serve } from './serve';
export type { ServeOptions, InferenceServer, ServedModelStatus, ModelsOption } from './serve';
// The TensorFlow.js namespace (tensors, ops, tidy, tf.train, tf.losses, tf.metrics, tf.data, tf.util, tf.io).
export * from './tfjs';
import { addUnsupportedExports } from './tfjs';
// JavaScript callers of a tfjs function blasnet lacks get ERR_UNSUPPORTED naming it.
if (typeof exports === 'object' && exports !== null) addUnsupportedExports(exports as Record<string, unknown>);
