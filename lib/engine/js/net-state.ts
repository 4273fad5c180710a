// What the forward, backward and update passes (passes.ts) read and write of a net: the TypeScript twin
// of native/core/net.h's members, kept apart from the Net class so that the passes do not import it.
import type { NetSpec } from '../types';
import type { ParamTensor } from '../layout';

/** Called after every batch with (batches done, loss sum, samples done); return false to stop the call. */
export type ProgressFn = (batches: number, lossSum: number, samples: number) => boolean;

/** Views of one layer's tensors in the flat parameter (or gradient) buffer; null when absent. */
export interface LayerParams {
  kernel: Float32Array | null;
  bias: Float32Array | null;
  gamma: Float32Array | null;
  beta: Float32Array | null;
  movingMean: Float32Array | null;
  movingVariance: Float32Array | null;
}

/** One layer's workspaces, sized for `capacity` rows, and where its last forward read and wrote. */
export interface LayerBuffers {
  preact: Float32Array;
  output: Float32Array;
  gradOutput: Float32Array;
  dropoutMask: Float32Array;
  xhat: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  rstd: Float32Array;
  /** Input of the last forward. */
  input: Float32Array;
  /** Pre-activation: dense Z, or an activation layer's input. */
  preactIn: Float32Array;
  /** Output of the last forward (an identity dropout passes its input). */
  out: Float32Array;
  /** batchNormalization ran with batch statistics. */
  batchStats: boolean;
}

/** The state of a net that the passes use; Net implements it. */
export interface NetState {
  readonly spec: NetSpec;
  readonly outputDim: number;
  readonly paramCount: number;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  /** [iterations, slot_0[P], ...]. */
  readonly state: Float32Array;
  readonly slots: Float32Array;
  readonly layerParams: LayerParams[];
  readonly layerGrads: LayerParams[];
  readonly buffers: LayerBuffers[];
  /** The tensors the optimizer, the regularizers and clipping touch now. */
  trained: ParamTensor[];
  lossFused(): boolean;
}
