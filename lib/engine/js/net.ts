// A network built from a NetSpec and a flat parameter buffer: whole epochs of mini-batch training,
// evaluate, predict and gradients (SPEC.md "One training step"). The class of native/core/net.h in
// TypeScript, synchronous, one call at a time (JsNet enforces it). This file holds the public calls
// (the loops over batches) and the workspaces; passes.ts the work on one batch.
//
// One difference from the C++: a call resumes where `result` says it stopped, so JsNet can pause a
// long call (its progress function returns false) to give the JavaScript thread a turn.
import { BlasnetError } from '../../errors';
import { initialOptimizerState, optimizerStateLength, paramTensors, type ParamTensor } from '../layout';
import type { EvaluateResult, NetSpec, TrainResult } from '../types';
import type { WeightTag } from './gemm-cache';
import { dropKeptOperands } from './gemm-simd';
import { regularizationBackward, regularizationForward } from './regularizers';
import { clipGradients } from './optimizers';
import { applyUpdate, backward, dataLoss, forward, loss } from './passes';
import type { LayerBuffers, LayerParams, ProgressFn } from './net-state';

export type { LayerBuffers, LayerParams, ProgressFn } from './net-state';

const EMPTY = new Float32Array(0);
// Float32 counts the iterations one by one up to 2^24 (fround(2^24 + 1) is 2^24).
const COUNTED_ITERATIONS = 2 ** 24;
let nextTagId = 1;
// The kept kernels of nets dropped without dispose().
const collected = new FinalizationRegistry<number[]>((ids) => dropKeptOperands(ids));

function views(tensors: ParamTensor[], layer: number, buf: Float32Array): LayerParams {
  const find = (name: string): Float32Array | null => {
    const t = tensors.find((s) => s.layer === layer && s.name === name);
    return t ? buf.subarray(t.offset, t.offset + t.size) : null;
  };
  return {
    kernel: find('kernel'), bias: find('bias'), gamma: find('gamma'), beta: find('beta'),
    movingMean: find('moving_mean'), movingVariance: find('moving_variance'),
  };
}

export class Net {
  readonly spec: NetSpec;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly layout: ParamTensor[];
  /** The tensors the optimizer, the regularizers and clipping touch now. */
  trained: ParamTensor[] = [];
  readonly params: Float32Array;
  readonly grads: Float32Array;
  /** [iterations, slot_0[P], ...]: the iteration count lives in the state, as it is saved. */
  readonly state: Float32Array;
  /** state without its iteration count: slot k at k * paramCount. */
  readonly slots: Float32Array;
  readonly layerParams: LayerParams[];
  readonly layerGrads: LayerParams[];
  readonly buffers: LayerBuffers[];
  private capacity = 0;
  private trainCapacity = 0;
  // One tag per layer for the row kernel's kept copies of the kernels (gemm-cache.ts); none when not kept.
  private readonly kernelTags: WeightTag[];
  // Writes to params on this thread: a part of every kernel's version.
  private paramWrites = 0;
  // The gathered rows of a training batch, and the row of x each batch row came from (for messages).
  batchX = EMPTY;
  batchY = EMPTY;
  batchW = EMPTY;
  batchRows = new Uint32Array(0);

  /**
   * The spec must have passed checkNetSpec; params are copied in. With `shared`, the net works on those
   * very buffers instead (a twin of a net on another thread over SharedArrayBuffers: JsNet lets only one
   * of the two run at a time); `keepKernels: false` for the twin whose params the other thread writes
   * without training (setParams), which this twin cannot see.
   */
  constructor(spec: NetSpec, params: Float32Array, shared?: { state: Float32Array; keepKernels?: boolean }) {
    this.spec = structuredClone(spec);
    this.inputDim = spec.inputDim;
    this.layout = paramTensors(this.spec);
    const count = this.layout.reduce((n, t) => n + t.size, 0);
    if (params.length !== count) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${count} parameters for this net but received ${params.length}`);
    }
    const stateLength = optimizerStateLength(this.spec);
    if (shared && shared.state.length !== stateLength) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected an optimizer state of length ${stateLength} but received ${shared.state.length}`);
    }
    this.params = shared ? params : Float32Array.from(params);
    this.grads = new Float32Array(count);
    this.state = shared ? shared.state : initialOptimizerState(this.spec);
    this.slots = this.state.subarray(1);
    this.layerParams = this.spec.layers.map((_, l) => views(this.layout, l, this.params));
    this.layerGrads = this.spec.layers.map((_, l) => views(this.layout, l, this.grads));
    this.buffers = this.spec.layers.map(() => ({
      preact: EMPTY, output: EMPTY, gradOutput: EMPTY, dropoutMask: EMPTY, xhat: EMPTY, mean: EMPTY, variance: EMPTY,
      rstd: EMPTY, input: EMPTY, preactIn: EMPTY, out: EMPTY, batchStats: false,
    }));
    const last = this.spec.layers[this.spec.layers.length - 1]!;
    this.outputDim = last.kind === 'dense' ? last.units : last.dim;
    this.updateTrainedTensors();
    this.kernelTags = shared?.keepKernels === false ? [] : this.spec.layers.map(() => ({ id: nextTagId++, version: 0 }));
    if (this.kernelTags.length > 0) collected.register(this, this.kernelTags.map((t) => t.id), this);
  }

  /**
   * Layer l's kernel under a tag whose version changes with every write to the params, for the row
   * kernel to keep between inference calls; null when it must not be kept. The writes of this thread
   * are counted here; a twin training on another thread writes the shared params where this one cannot
   * count, but every step it applies adds one to the iteration count, shared too: so the version is
   * both, and nothing is kept once float32 no longer counts the iterations.
   */
  kernelTag(layer: number): WeightTag | null {
    const tag = this.kernelTags[layer];
    const iterations = this.state[0]!;
    if (!tag || !(iterations >= 0 && iterations < COUNTED_ITERATIONS)) return null;
    tag.version = this.paramWrites * COUNTED_ITERATIONS + iterations;
    return tag;
  }

  /** Frees the row kernel's kept copies of this net's kernels (the net is being disposed). */
  releaseKernels(): void {
    collected.unregister(this);
    dropKeptOperands(this.kernelTags.map((t) => t.id));
  }

  get paramCount(): number { return this.params.length; }

  /** Label columns the loss expects (1 for sparse categorical CE). */
  get labelDim(): number { return this.spec.loss.id === 'sparseCategoricalCrossentropy' ? 1 : this.outputDim; }

  private updateTrainedTensors(): void {
    this.trained = this.layout.filter((t) => {
      const layer = this.spec.layers[t.layer]!;
      return !t.moving && (!('trainable' in layer) || layer.trainable);
    });
  }

  /** True when the loss gradient is taken with respect to the last layer's pre-activation (fused paths). */
  lossFused(): boolean {
    const last = this.spec.layers[this.spec.layers.length - 1]!;
    if ((last.kind !== 'dense' && last.kind !== 'activation') || this.spec.loss.fromLogits) return false;
    if (this.spec.loss.id === 'binaryCrossentropy') return last.activation.id === 'sigmoid';
    if (this.spec.loss.id === 'categoricalCrossentropy' || this.spec.loss.id === 'sparseCategoricalCrossentropy') {
      return last.activation.id === 'softmax';
    }
    return false;
  }

  /**
   * Workspaces for `rows` rows, allocated only when rows exceeds every batch size seen so far; the
   * gradient and gather buffers only for training (predict and evaluate never pay for them).
   */
  private reserve(rows: number, training: boolean): void {
    const forwardGrows = rows > this.capacity;
    const backwardGrows = training && rows > this.trainCapacity;
    if (!forwardGrows && !backwardGrows) return;
    this.spec.layers.forEach((layer, l) => {
      const buf = this.buffers[l]!;
      const d = layer.kind === 'dense' ? layer.units : layer.dim;
      if (backwardGrows) buf.gradOutput = new Float32Array(rows * d);
      if (!forwardGrows) return;
      buf.output = new Float32Array(rows * d);
      switch (layer.kind) {
        case 'dense': buf.preact = new Float32Array(rows * d); break;
        case 'activation': break;
        case 'dropout': buf.dropoutMask = new Float32Array(rows * d); break;
        case 'batchNormalization':
          buf.xhat = new Float32Array(rows * d);
          buf.mean = new Float32Array(d);
          buf.variance = new Float32Array(d);
          break;
        case 'layerNormalization':
          buf.xhat = new Float32Array(rows * d);
          buf.rstd = new Float32Array(rows);
          break;
      }
    });
    if (forwardGrows) {
      this.batchRows = new Uint32Array(rows);
      this.capacity = rows;
    }
    if (backwardGrows) {
      this.batchX = new Float32Array(rows * this.inputDim);
      this.batchY = new Float32Array(rows * Math.max(this.outputDim, 1));
      this.batchW = new Float32Array(rows);
      this.trainCapacity = rows;
    }
  }

  private checkShapes(call: string, cols: number, ycols: number | null, batch: number): void {
    if (cols !== this.inputDim || (ycols !== null && ycols !== this.labelDim) || !(batch >= 1)) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `${call}: shapes do not match the net`);
    }
  }

  /**
   * x[rows, cols], y[rows, ycols]; batches are consecutive slices of order (row indices, each checked at
   * use); sampleWeight[rows] or null; predsOut[order.length, outputDim] or null. Adds to `result` and
   * starts after the result.batches batches it already holds.
   */
  trainBatches(x: Float32Array, rows: number, cols: number, y: Float32Array, ycols: number, order: Uint32Array,
    batch: number, sampleWeight: Float32Array | null, predsOut: Float32Array | null, progress: ProgressFn | null,
    result: TrainResult): void {
    this.checkShapes('trainBatches', cols, ycols, batch);
    if (order.length === 0) return;
    this.reserve(Math.min(batch, order.length), true);
    const inDim = this.inputDim, od = this.outputDim;
    for (let start = result.batches * batch; start < order.length; start += batch) {
      const n = Math.min(batch, order.length - start);
      // 1. Gather the rows (each index read once and checked).
      for (let i = 0; i < n; i++) {
        const r = order[start + i]!;
        if (r >= rows) {
          throw new BlasnetError('ERR_INVALID_ARG', `Expected a row index in [0, ${rows - 1}] for order[${start + i}] but received ${r}`);
        }
        this.batchRows[i] = r;
        this.batchX.set(x.subarray(r * cols, r * cols + inDim), i * inDim);
        this.batchY.set(y.subarray(r * ycols, r * ycols + ycols), i * ycols);
        this.batchW[i] = sampleWeight ? sampleWeight[r]! : 1;
      }
      // 2-3. Forward in training mode; the outputs before this batch's update.
      const out = forward(this, this.batchX, n, true, this.state[0]!);
      if (predsOut) predsOut.set(out.subarray(0, n * od), start * od);
      // 4-5. The loss; a non-finite one stops the call before anything is applied.
      const batchLoss = loss(this, this.batchY, sampleWeight ? this.batchW : null, n, true, this.batchRows);
      if (!Number.isFinite(batchLoss)) {
        result.nonFiniteBatch = result.batches;
        return;
      }
      // 6-9. Gradients, regularization, clipping, the update and the constraints.
      backward(this, n);
      regularizationBackward(this.trained, this.params, this.grads);
      clipGradients(this.spec.optimizer, this.trained, this.grads);
      this.paramWrites++;
      applyUpdate(this);
      result.lossSum += batchLoss * n;
      result.samples += n;
      result.batches += 1;
      if (progress && !progress(result.batches, result.lossSum, result.samples)) return;
    }
  }

  /**
   * Inference-mode loss over rows in order; predsOut[rows, outputDim] or null. Adds to `result`, starting
   * after the result.samples rows it already holds; `progress(rowsDone)` may stop the call after a batch.
   */
  evaluate(x: Float32Array, rows: number, cols: number, y: Float32Array, ycols: number, batch: number,
    sampleWeight: Float32Array | null, predsOut: Float32Array | null, result: EvaluateResult,
    progress: ((rowsDone: number) => boolean) | null = null): void {
    this.checkShapes('evaluate', cols, ycols, batch);
    if (rows === 0) return;
    this.reserve(Math.min(batch, rows), false);
    const od = this.outputDim;
    // The penalty enters once per row: data + penalty * n per batch (the C++ adds (data / n + penalty) * n).
    const penalty = regularizationForward(this.trained, this.params);
    for (let start = result.samples; start < rows; start += batch) {
      const n = Math.min(batch, rows - start);
      for (let i = 0; i < n; i++) this.batchRows[i] = start + i;
      const out = forward(this, x.subarray(start * cols, (start + n) * cols), n, false, 0);
      if (predsOut) predsOut.set(out.subarray(0, n * od), start * od);
      const data = dataLoss(this, y.subarray(start * ycols, (start + n) * ycols),
        sampleWeight ? sampleWeight.subarray(start, start + n) : null, n, false, this.batchRows);
      result.lossSum += data + penalty * n;
      result.samples += n;
      if (progress && !progress(result.samples)) return;
    }
  }

  /** out[rows, outputDim], rows from `firstRow` on; returns the rows done (progress may stop it after a batch). */
  predict(x: Float32Array, rows: number, cols: number, batch: number, out: Float32Array, firstRow = 0,
    progress: ((rowsDone: number) => boolean) | null = null): number {
    this.checkShapes('predict', cols, null, batch);
    if (rows === 0) return 0;
    this.reserve(Math.min(batch, rows), false);
    const od = this.outputDim;
    for (let start = firstRow; start < rows; start += batch) {
      const n = Math.min(batch, rows - start);
      const res = forward(this, x.subarray(start * cols, (start + n) * cols), n, false, 0);
      out.set(res.subarray(0, n * od), start * od);
      if (progress && !progress(start + n)) return start + n;
    }
    return rows;
  }

  /** One batch of all rows, training mode, dropout step = iterations; the gradients of every parameter. */
  computeGradients(x: Float32Array, rows: number, cols: number, y: Float32Array, ycols: number,
    sampleWeight: Float32Array | null): { loss: number; grads: Float32Array } {
    this.checkShapes('computeGradients', cols, ycols, 1);
    this.reserve(rows, true);
    for (let i = 0; i < rows; i++) this.batchRows[i] = i;
    forward(this, x.subarray(0, rows * cols), rows, true, this.state[0]!);
    const batchLoss = loss(this, y.subarray(0, rows * ycols), sampleWeight, rows, true, this.batchRows);
    this.grads.fill(0);
    backward(this, rows);
    regularizationBackward(this.trained, this.params, this.grads);
    return { loss: batchLoss, grads: Float32Array.from(this.grads) };
  }

  setParams(params: Float32Array): void {
    this.paramWrites++;
    this.params.set(params);
  }

  /** Counted as a write to the params: the iteration count, a part of their version, may go back. */
  setOptimizerState(state: Float32Array): void {
    this.paramWrites++;
    this.state.set(state);
  }

  setLearningRate(lr: number): void {
    this.spec.optimizer.learningRate = lr;
  }

  setTrainable(layer: number, trainable: boolean): void {
    const l = this.spec.layers[layer]!;
    if ('trainable' in l) l.trainable = trainable;
    this.updateTrainedTensors();
  }
}
