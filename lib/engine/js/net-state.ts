// What the forward, backward and update passes (passes.ts) read and write of a net: the TypeScript twin
// of native/core/net.h's members. The passes import these types only, never the Net class itself.
import type { Net } from './net';

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

/** The members of a Net that the passes use (declared and documented in net.ts). */
export type NetState = Pick<Net,
  'spec' | 'outputDim' | 'paramCount' | 'params' | 'grads' | 'state' | 'slots' | 'layerParams' | 'layerGrads' | 'buffers'
  | 'trained' | 'lossFused' | 'kernelTag'>;
