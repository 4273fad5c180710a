// The TensorFlow.js namespace as blasnet gives it: tensors and ops, the memory API, tf.train,
// tf.losses / tf.metrics (callable on tensors, accepted by compile), tf.data (tfjs's datasets beside
// blasnet's data helpers), tf.util and tf.io. lib/index.ts re-exports all of it at the package's top level.
import './chain';
import { data as blasnetData } from '../data';
import { layers } from '../model/layers';
import { callbacks } from '../model/callbacks';
import { initializers } from '../model/initializers';
import { regularizers, constraints } from '../model/regularizers';
import { tfData } from './data';
import { losses } from './losses';
import { metrics } from './metrics';
import { util } from './util';
import { TFJS_FUNCTIONS, TFJS_NAMESPACES, TFJS_NAMESPACE_FUNCTIONS, TFJS_TENSOR_METHODS, unsupported, unsupportedNamespace, withStubs } from './unsupported';
import { Tensor } from '../tensor';
import type { Rank as RankEnum } from '../tensor/types';
import { Sequential, type History } from '../model/sequential';
import { evaluateDataset, fitDataset, type DatasetLike, type FitDatasetArgs } from './fit-dataset';

export * from './ops';
export * from './extras';
export { tidy, keep, dispose, memory, engine } from './memory';
export type { TensorContainer } from './memory';
export type { MemoryInfo } from '../tensor/engine';
export { Tensor, isTensor } from '../tensor';
export { Variable, variable, disposeVariables } from './variable';
export { Rank } from '../tensor/types';
export type { DataType, TensorLike, TypedArray, ShapeMap, ArrayMap, DataTypeMap } from '../tensor/types';
export { train, TfjsOptimizer, UnsupportedOptimizer } from './train';
export { Reduction, BUILTIN, builtinOf } from './losses';
export type { Builtin, BuiltinLoss, BuiltinMetric } from './losses';
export type { CSVConfig, ColumnConfig, LazyIterator } from './data';
export { Dataset, CSVDataset } from './data';

// tfjs's rank-typed aliases; as values they are the Tensor class (for instanceof).
export type Scalar = Tensor<RankEnum.R0>;
export type Tensor1D = Tensor<RankEnum.R1>;
export type Tensor2D = Tensor<RankEnum.R2>;
export type Tensor3D = Tensor<RankEnum.R3>;
export type Tensor4D = Tensor<RankEnum.R4>;
export const Scalar = Tensor;
export const Tensor1D = Tensor;
export const Tensor2D = Tensor;
export const Tensor3D = Tensor;
export const Tensor4D = Tensor;

const stubs = TFJS_NAMESPACE_FUNCTIONS;
const namespaced = <T extends object>(o: T, name: string): T => withStubs(o, stubs[name]!, `tf.${name}.`);

export { losses, metrics, util };
namespaced(losses, 'losses');
namespaced(metrics, 'metrics');
namespaced(util, 'util');
// blasnet's own namespaces gain a refusing entry for each tfjs function they lack (tf.layers.conv2d ...).
const hint = ' (blasnet builds dense networks: see "Coming from TensorFlow.js" in the README)';
withStubs(layers, stubs.layers!, 'tf.layers.', hint);
withStubs(callbacks, stubs.callbacks!, 'tf.callbacks.');
withStubs(initializers, stubs.initializers!, 'tf.initializers.');
withStubs(regularizers, stubs.regularizers!, 'tf.regularizers.');
withStubs(constraints, stubs.constraints!, 'tf.constraints.');

/** blasnet's data helpers (readCsv, trainTestSplit, scalers, oneHot ...) and tfjs's datasets (array, csv, generator, zip ...). */
export const data: typeof blasnetData & typeof tfData = namespaced({ ...blasnetData, ...tfData }, 'data');

export { io } from './io';

for (const name of TFJS_TENSOR_METHODS) {
  if (!(name in Tensor.prototype)) {
    Object.defineProperty(Tensor.prototype, name, { value: unsupported(`Tensor.${name}`), writable: true, configurable: true });
  }
}

/**
 * Adds to a module's exports a refusing function (ERR_UNSUPPORTED, naming it) for every tfjs function
 * and namespace it does not export, so JavaScript callers get a clear error. TypeScript sees none of
 * them: there, a missing function is a compile error.
 */
export function addUnsupportedExports(target: Record<string, unknown>): void {
  for (const name of TFJS_FUNCTIONS) {
    if (!(name in target)) Object.defineProperty(target, name, { value: unsupported(`tf.${name}`), enumerable: true, configurable: true });
  }
  for (const name of TFJS_NAMESPACES) {
    if (!(name in target)) Object.defineProperty(target, name, { value: unsupportedNamespace(name), enumerable: true, configurable: true });
  }
}

// model.fitDataset and model.evaluateDataset, on top of the model's own fit and evaluate calls.
declare module '../model/sequential' {
  interface Sequential {
    /** tfjs's fitDataset: trains from a Dataset of {xs, ys} batches, streamed in chunks of batches. */
    fitDataset(dataset: DatasetLike, args?: FitDatasetArgs): Promise<History>;
    /** tfjs's evaluateDataset: the loss (and metrics) over a Dataset of {xs, ys} batches, as scalars. */
    evaluateDataset(dataset: DatasetLike, args?: { batches?: number; verbose?: number }): Promise<Tensor | Tensor[]>;
  }
}
Object.defineProperties(Sequential.prototype, {
  fitDataset: { value: function (this: Sequential, ds: DatasetLike, args?: FitDatasetArgs) { return fitDataset(this as never, ds, args); }, configurable: true, writable: true },
  evaluateDataset: { value: function (this: Sequential, ds: DatasetLike, args?: { batches?: number }) { return evaluateDataset(this as never, ds, args); }, configurable: true, writable: true },
});
export type { FitDatasetArgs } from './fit-dataset';
