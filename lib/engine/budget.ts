// What a call costs, for both engines: the work estimates that decide whether a call runs on the
// JavaScript thread or off it, and the workspace memory a batch needs, kept under lib/limits.ts's
// budget before anything is allocated.
import { checkMemory, defaultMemoryLimit } from '../limits';
import type { NetSpec } from './types';

// A fixed cost per batch (about 1 us of bookkeeping natively), counted in multiply-adds.
const BATCH_COST = 2000;

/** Estimated work of training `rows` rows in batches of batchSize (forward + backward ~ 3 x the MACs, plus the update). */
export function trainWork(rows: number, batchSize: number, params: number): number {
  const batches = Math.ceil(rows / Math.max(1, batchSize));
  return 3 * rows * params + batches * (BATCH_COST + 4 * params);
}

/** Estimated work of a forward pass (predict, evaluate) over `rows` rows. */
export function inferWork(rows: number, batchSize: number, params: number): number {
  return rows * params + Math.ceil(rows / Math.max(1, batchSize)) * BATCH_COST;
}

/**
 * Bytes of workspace per batch row in a forward pass, as both engines allocate it (native/core/net.cc
 * reserve, lib/engine/js/net.ts reserve): each layer's output, plus a dense layer's pre-activation, a
 * dropout mask, a normalization's xhat (and a layerNormalization's per-row statistic).
 */
export function forwardBytesPerRow(spec: NetSpec): number {
  let floats = 0;
  for (const l of spec.layers) {
    const d = l.kind === 'dense' ? l.units : l.dim;
    floats += d;
    if (l.kind === 'dense' || l.kind === 'dropout' || l.kind === 'batchNormalization') floats += d;
    if (l.kind === 'layerNormalization') floats += d + 1;
  }
  return 4 * floats;
}

/** Bytes of workspace per batch row in training: the forward's, each layer's gradient, the gathered row. */
export function trainBytesPerRow(spec: NetSpec): number {
  let floats = spec.inputDim + 2;
  for (const l of spec.layers) floats += l.kind === 'dense' ? l.units : l.dim;
  const last = spec.layers[spec.layers.length - 1]!;
  floats += last.kind === 'dense' ? last.units : last.dim;
  return forwardBytesPerRow(spec) + 4 * floats;
}

/**
 * The rows an inference batch may have under the memory limit (default: defaultMemoryLimit()): the
 * requested batchSize when its workspace fits, else fewer (ERR_LIMIT when not even one row, or the
 * output of all rows, fits). Same batches, same bits: only a batch over the budget is split.
 */
export function inferenceBatch(spec: NetSpec, rows: number, outputDim: number, batchSize: number,
  limit: number = defaultMemoryLimit()): number {
  const perRow = forwardBytesPerRow(spec);
  checkMemory(rows * outputDim * 4, `The output of a predict of ${rows} rows`, limit);
  checkMemory(perRow, 'The workspace of one row of this model', limit - rows * outputDim * 4);
  const fit = Math.max(1, Math.floor((limit - rows * outputDim * 4) / perRow));
  return Math.max(1, Math.min(batchSize, fit));
}

/** ERR_LIMIT when a training batch of `batchRows` rows would take more workspace than the limit. */
export function checkTrainBatch(spec: NetSpec, batchRows: number, limit: number = defaultMemoryLimit()): void {
  checkMemory(batchRows * trainBytesPerRow(spec), `The training workspace of a batch of ${batchRows} rows`, limit);
}
