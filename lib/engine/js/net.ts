// The TypeScript engine's network: the training step, evaluate and predict of SPEC.md, mirroring
// native/core/net. Workspaces are sized once per batch size and reused; x and y are never copied whole.
import { BlasnetError, invalidArg } from '../../errors';
import { initialOptimizerState, layerOutputDim, optimizerStateLength, paramLayout } from '../layout';
import type {
  ActivationSpec, EvaluateResult, LayerSpec, Matrix, Net, NetSpec, ParamSlot, TrainArgs, TrainResult,
} from '../types';
import { activationBackward, activationForward } from './activations';
import {
  batchNormInferBackward, batchNormInferForward, batchNormTrainBackward, batchNormTrainForward, denseBackward,
  denseForward, dropoutBackward, dropoutForward, layerNormBackward, layerNormForward, type NormParams,
} from './layers';
import { lossForwardBackward, lossIsFused } from './losses';
import { applyUpdate, clipGradients, scheduledLearningRate } from './optimizers';
import { checkNetSpec } from './spec-check';
import { predictPool } from './pool';
import { markAsUntransferable } from 'worker_threads';

/**
 * As the native binding does: the buffers an async call reads or writes between its yields cannot be
 * detached (transferred to a Worker) while it runs; a transfer copies instead. Without this a
 * transfer mid-fit made the next batch throw a raw TypeError on the TypeScript engine only.
 */
function pin(...arrays: (ArrayBufferView | null | undefined)[]): void {
  for (const a of arrays) {
    if (a && a.buffer instanceof ArrayBuffer && a.buffer.byteLength > 0) markAsUntransferable(a.buffer);
  }
}

const YIELD_MS = 10;
// Predicts of at least this many rows x parameters (~50 ms in one thread) go to the worker pool, in
// chunks of about this many input values (4 MB).
const POOL_MIN_WORK = 2 ** 27;
const POOL_CHUNK_VALUES = 2 ** 20;
const PROGRESS_MS = 100;

/**
 * Every async call starts its work in a later macrotask, as a native call (run on the libuv pool)
 * resolves in a later turn: otherwise a loop of awaited small predicts runs on microtasks only and
 * starves timers, I/O and other models' fits (a concurrency test saw a fit take 20x longer).
 */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Views into the flat param (or grad) buffer for one layer, made once. */
interface LayerViews {
  kernel: Float32Array | null;
  bias: Float32Array | null;
  gamma: Float32Array | null;
  beta: Float32Array | null;
  movingMean: Float32Array | null;
  movingVar: Float32Array | null;
}

interface LayerRuntime {
  spec: LayerSpec;
  inDim: number;
  outDim: number;
  slots: ParamSlot[];
  p: LayerViews;
  g: LayerViews;
}

/** Per-layer buffers for a batch of up to `capacity` rows. */
interface LayerBuffers {
  out: Float32Array;
  z: Float32Array | null;      // dense pre-activation
  dOut: Float32Array;          // gradient with respect to this layer's output (and dense dZ in place)
  mask: Float32Array | null;   // dropout
  xhat: Float32Array | null;   // normalization
  stat: Float32Array | null;   // BN: mean[d], var[d], invStd[d]; LN: rowInvStd[capacity]
}

interface Workspace {
  capacity: number;
  x: Float32Array;
  y: Float32Array;
  w: Float32Array;
  rowIds: Uint32Array;
  layers: LayerBuffers[];
}

function views(slots: ParamSlot[], buf: Float32Array): LayerViews {
  const find = (name: string): Float32Array | null => {
    const s = slots.find((t) => t.name === name);
    return s ? buf.subarray(s.offset, s.offset + s.size) : null;
  };
  return {
    kernel: find('kernel'), bias: find('bias'), gamma: find('gamma'), beta: find('beta'),
    movingMean: find('moving_mean'), movingVar: find('moving_variance'),
  };
}

function activationOf(spec: LayerSpec): ActivationSpec | null {
  return spec.kind === 'dense' || spec.kind === 'activation' ? spec.activation : null;
}

export class JsNet implements Net {
  readonly spec: NetSpec;
  readonly outputDim: number;
  readonly paramCount: number;
  private params: Float32Array;
  private grads: Float32Array;
  private state: Float32Array;
  private iterations = 0;
  private lr0: number;
  private slots: ParamSlot[];
  private layers: LayerRuntime[];
  private trainWs: Workspace | null = null;
  private inferWs: Workspace | null = null;
  private syncWs: Workspace | null = null;
  private busy = false;
  private _disposed = false;

  constructor(spec: NetSpec, params: Float32Array) {
    checkNetSpec(spec);
    this.spec = structuredClone(spec);
    this.slots = paramLayout(this.spec);
    this.paramCount = this.slots.reduce((n, s) => n + s.size, 0);
    this.checkLength(params, this.paramCount, 'params', `the spec's ${this.paramCount} parameters`);
    this.params = Float32Array.from(params);
    this.grads = new Float32Array(this.paramCount);
    this.state = initialOptimizerState(this.spec);
    this.lr0 = this.spec.optimizer.learningRate;
    let dim = this.spec.inputDim;
    this.layers = this.spec.layers.map((layer, i) => {
      const slots = this.slots.filter((s) => s.layer === i);
      const rt: LayerRuntime = {
        spec: layer, inDim: dim, outDim: layerOutputDim(layer), slots,
        p: views(slots, this.params), g: views(slots, this.grads),
      };
      dim = rt.outDim;
      return rt;
    });
    this.outputDim = dim;
  }

  get disposed(): boolean { return this._disposed; }

  /** As the native binding: every call but dispose() needs a live net with no asynchronous call running. */
  private ready(method: string): void {
    if (this._disposed) throw new BlasnetError('ERR_DISPOSED', `Cannot call ${method} on a disposed net`);
    if (this.busy) {
      throw new BlasnetError('ERR_BUSY',
        `Cannot call ${method} while a trainBatches, evaluate or predict call on this net is running`);
    }
  }

  /** Ends an asynchronous call; runs a dispose() that arrived while it ran. */
  private endWork(): void {
    this.busy = false;
    if (this._disposed) this.release();
  }

  private release(): void {
    this.trainWs = this.inferWs = this.syncWs = null;
    this.params = new Float32Array(0);
    this.grads = new Float32Array(0);
    this.state = new Float32Array(0);
  }

  private workspace(kind: 'train' | 'infer' | 'sync', rows: number): Workspace {
    const key = kind === 'train' ? 'trainWs' : kind === 'infer' ? 'inferWs' : 'syncWs';
    const have = this[key];
    if (have && have.capacity >= rows) return have;
    const cap = rows;
    const ws: Workspace = {
      capacity: cap,
      x: new Float32Array(cap * this.spec.inputDim),
      y: new Float32Array(cap * Math.max(1, this.outputDim)),
      w: new Float32Array(cap),
      rowIds: new Uint32Array(cap),
      layers: this.layers.map((l) => {
        const d = l.outDim;
        const s = l.spec;
        return {
          out: new Float32Array(cap * d),
          z: s.kind === 'dense' ? new Float32Array(cap * d) : null,
          dOut: new Float32Array(kind === 'train' ? cap * d : 0),
          mask: s.kind === 'dropout' && kind === 'train' ? new Float32Array(cap * d) : null,
          xhat: s.kind === 'batchNormalization' || s.kind === 'layerNormalization' ? new Float32Array(cap * d) : null,
          stat: s.kind === 'batchNormalization' ? new Float32Array(3 * d) : s.kind === 'layerNormalization' ? new Float32Array(cap) : null,
        };
      }),
    };
    this[key] = ws;
    return ws;
  }

  /** Forward pass over ws.x (n rows). Returns the output buffer. */
  private forward(ws: Workspace, n: number, training: boolean): Float32Array {
    let input = ws.x;
    const step = this.iterations;
    for (let li = 0; li < this.layers.length; li++) {
      const l = this.layers[li]!;
      const b = ws.layers[li]!;
      const s = l.spec;
      switch (s.kind) {
        case 'dense':
          denseForward(input, l.p.kernel!, b.z!, n, l.inDim, l.outDim);
          activationForward(s.activation.id, s.activation.alpha, b.z!, b.out, n, l.outDim, l.p.bias, 0);
          break;
        case 'activation':
          activationForward(s.activation.id, s.activation.alpha, input, b.out, n, l.outDim, null, 0);
          break;
        case 'dropout':
          if (training && s.rate > 0) dropoutForward(input, b.out, b.mask!, n, l.outDim, s.rate, s.seed, step);
          else b.out.set(input.subarray(0, n * l.outDim));
          break;
        case 'batchNormalization': {
          const d = l.outDim;
          const np: NormParams = { gamma: l.p.gamma, beta: l.p.beta };
          const st = b.stat!;
          if (training && s.trainable) {
            batchNormTrainForward(input, b.out, b.xhat!, st.subarray(0, d), st.subarray(d, 2 * d), st.subarray(2 * d, 3 * d), np, n, d, s.epsilon);
          } else {
            batchNormInferForward(input, b.out, l.p.movingMean!, l.p.movingVar!, st.subarray(2 * d, 3 * d), np, n, d, s.epsilon);
          }
          break;
        }
        case 'layerNormalization':
          layerNormForward(input, b.out, b.xhat!, b.stat!, { gamma: l.p.gamma, beta: l.p.beta }, n, l.outDim, s.epsilon);
          break;
      }
      input = b.out;
    }
    return input;
  }

  private layerInput(ws: Workspace, li: number): Float32Array {
    return li === 0 ? ws.x : ws.layers[li - 1]!.out;
  }

  /** Backward pass; ws.layers[last].dOut holds the loss gradient (w.r.t. Z of the last layer when fused). */
  private backward(ws: Workspace, n: number, fused: boolean): void {
    this.grads.fill(0);
    for (let li = this.layers.length - 1; li >= 0; li--) {
      const l = this.layers[li]!;
      const b = ws.layers[li]!;
      const s = l.spec;
      const input = this.layerInput(ws, li);
      const dX = li > 0 ? ws.layers[li - 1]!.dOut : null;
      const skipAct = fused && li === this.layers.length - 1;
      switch (s.kind) {
        case 'dense': {
          if (!skipAct) activationBackward(s.activation.id, s.activation.alpha, b.z!, b.out, b.dOut, b.dOut, n, l.outDim);
          denseBackward(input, l.p.kernel!, b.dOut, s.trainable ? l.g.kernel : null, s.trainable ? l.g.bias : null, dX, n, l.inDim, l.outDim);
          break;
        }
        case 'activation':
          if (dX) {
            if (skipAct) dX.set(b.dOut.subarray(0, n * l.outDim));
            else activationBackward(s.activation.id, s.activation.alpha, input, b.out, b.dOut, dX, n, l.outDim);
          }
          break;
        case 'dropout':
          if (dX) {
            if (s.rate > 0) dropoutBackward(b.dOut, b.mask!, dX, n, l.outDim);
            else dX.set(b.dOut.subarray(0, n * l.outDim));
          }
          break;
        case 'batchNormalization': {
          const d = l.outDim;
          const np: NormParams = { gamma: l.p.gamma, beta: l.p.beta };
          const invStd = b.stat!.subarray(2 * d, 3 * d);
          if (s.trainable) batchNormTrainBackward(b.dOut, b.xhat!, invStd, np, l.g.gamma, l.g.beta, dX, n, d);
          else if (dX) batchNormInferBackward(b.dOut, invStd, np, dX, n, d);
          break;
        }
        case 'layerNormalization':
          layerNormBackward(b.dOut, b.xhat!, b.stat!, { gamma: l.p.gamma, beta: l.p.beta },
            s.trainable ? l.g.gamma : null, s.trainable ? l.g.beta : null, dX, n, l.outDim);
          break;
      }
    }
  }

  /** Regularization penalty over trainable regularized tensors; adds its gradient when addGrad. */
  private regularization(addGrad: boolean): number {
    let penalty = 0;
    for (const l of this.layers) {
      const s = l.spec;
      if (s.kind !== 'dense' || !s.trainable) continue;
      const pairs: [Float32Array | null, Float32Array | null, number, number][] = [
        [l.p.kernel, l.g.kernel, s.kernelL1, s.kernelL2], [l.p.bias, l.g.bias, s.biasL1, s.biasL2],
      ];
      for (const [w, g, l1, l2] of pairs) {
        if (!w || !g || (l1 === 0 && l2 === 0)) continue;
        let a = 0, q = 0;
        for (let i = 0; i < w.length; i++) {
          const v = w[i]!;
          a += Math.abs(v);
          q += v * v;
          if (addGrad) g[i] = g[i]! + l1 * Math.sign(v) + 2 * l2 * v;
        }
        penalty += l1 * a + l2 * q;
      }
    }
    return penalty;
  }

  private applyMaxNorm(): void {
    for (const l of this.layers) {
      const s = l.spec;
      if (s.kind !== 'dense' || !s.trainable || !(s.kernelMaxNorm > 0)) continue;
      const W = l.p.kernel!;
      const units = l.outDim;
      for (let j = 0; j < units; j++) {
        let sq = 0;
        for (let i = 0; i < l.inDim; i++) sq += W[i * units + j]! * W[i * units + j]!;
        const norm = Math.sqrt(sq);
        const f = Math.min(Math.max(norm, 0), s.kernelMaxNorm) / (1e-7 + norm);
        for (let i = 0; i < l.inDim; i++) W[i * units + j] = W[i * units + j]! * f;
      }
    }
  }

  /** The BN moving-statistics update of an applied step. */
  private updateMovingStats(ws: Workspace): void {
    for (let li = 0; li < this.layers.length; li++) {
      const l = this.layers[li]!;
      const s = l.spec;
      if (s.kind !== 'batchNormalization' || !s.trainable) continue;
      const d = l.outDim;
      const st = ws.layers[li]!.stat!;
      const mm = l.p.movingMean!, mv = l.p.movingVar!;
      for (let j = 0; j < d; j++) {
        mm[j] = mm[j]! * s.momentum + st[j]! * (1 - s.momentum);
        mv[j] = mv[j]! * s.momentum + st[d + j]! * (1 - s.momentum);
      }
    }
  }

  private lastActivation(): ActivationSpec | null {
    const last = this.layers[this.layers.length - 1];
    return last ? activationOf(last.spec) : null;
  }

  /** Pre-activation of the last layer in ws (the logits of the fused losses). */
  private lastPreActivation(ws: Workspace): Float32Array | null {
    const li = this.layers.length - 1;
    const last = this.layers[li];
    if (!last) return null;
    if (last.spec.kind === 'dense') return ws.layers[li]!.z;
    if (last.spec.kind === 'activation') return this.layerInput(ws, li);
    return null;
  }

  /** Gathers rows order[start..start+n) of x, y and w into ws; validates each row index. */
  private gather(ws: Workspace, x: Matrix, y: Matrix | null, order: Uint32Array | null, start: number, n: number,
    sampleWeight: Float32Array | null): void {
    const ic = x.cols;
    const yc = y ? y.cols : 0;
    for (let r = 0; r < n; r++) {
      const row = order ? order[start + r]! : start + r;
      if (row >= x.rows) {
        throw new BlasnetError('ERR_INVALID_ARG',
          `Expected a row index in [0, ${x.rows - 1}] for order[${start + r}] but received ${row}`);
      }
      ws.rowIds[r] = row;
      ws.x.set(x.data.subarray(row * ic, row * ic + ic), r * ic);
      if (y) ws.y.set(y.data.subarray(row * yc, row * yc + yc), r * yc);
      ws.w[r] = sampleWeight ? sampleWeight[row]! : 1;
    }
  }

  /** Loss (sum_i w_i l_i, without penalty) and, when grad, its gradient into the last layer's dOut. */
  private loss(ws: Workspace, n: number, out: Float32Array, grad: boolean, weighted: boolean): number {
    const act = this.lastActivation();
    return lossForwardBackward({
      loss: this.spec.loss, lastActivation: act ? act.id : null, Z: this.lastPreActivation(ws), A: out,
      y: ws.y, rows: n, d: this.outputDim, w: weighted ? ws.w : null, scale: 1 / n,
    }, grad ? ws.layers[this.layers.length - 1]!.dOut : null, ws.rowIds);
  }

  private fused(): boolean {
    const act = this.lastActivation();
    return lossIsFused(this.spec.loss, act ? act.id : null);
  }

  private checkMatrices(x: Matrix, y: Matrix | null, sampleWeight: Float32Array | null = null): void {
    if (!(x?.data instanceof Float32Array)) throw invalidArg('x.data', 'a Float32Array', x?.data);
    if (!Number.isInteger(x.rows) || x.rows < 0) throw invalidArg('x.rows', 'a non-negative integer', x.rows);
    if (x.cols !== this.spec.inputDim) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected x with ${this.spec.inputDim} cols but received ${x.cols}`);
    }
    if (x.data.length < x.rows * x.cols) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Expected at least ${x.rows * x.cols} elements for x (${x.rows} x ${x.cols}) but received ${x.data.length}`);
    }
    if (y) {
      if (!(y.data instanceof Float32Array)) throw invalidArg('y.data', 'a Float32Array', y.data);
      const sparse = this.spec.loss.id === 'sparseCategoricalCrossentropy';
      const want = sparse ? 1 : this.outputDim;
      if (y.cols !== want) throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected y with ${want} cols (ycols) but received ${y.cols}`);
      if (y.rows !== x.rows) throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected y with ${x.rows} rows but received ${y.rows}`);
      if (y.data.length < y.rows * y.cols) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH',
          `Expected at least ${y.rows * y.cols} elements for y but received ${y.data.length}`);
      }
    }
    if (sampleWeight !== null) {
      if (!(sampleWeight instanceof Float32Array)) throw invalidArg('sampleWeight', 'a Float32Array or null', sampleWeight);
      if (sampleWeight.length < x.rows) {
        throw new BlasnetError('ERR_SHAPE_MISMATCH',
          `Expected at least ${x.rows} elements (one per row of x) for sampleWeight but received ${sampleWeight.length}`);
      }
    }
  }

  private checkPredictionsOut(out: Float32Array | null, rows: number): void {
    if (out === null) return;
    if (!(out instanceof Float32Array)) throw invalidArg('predictionsOut', 'a Float32Array or null', out);
    if (out.length < rows * this.outputDim) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH',
        `Expected at least ${rows * this.outputDim} elements for predictionsOut but received ${out.length}`);
    }
  }

  async trainBatches(args: TrainArgs): Promise<TrainResult> {
    this.ready('trainBatches');
    const { x, y, order, sampleWeight, predictionsOut, onProgress } = args;
    this.checkMatrices(x, y, sampleWeight);
    if (!(order instanceof Uint32Array)) throw invalidArg('order', 'a Uint32Array', order);
    const batchSize = args.batchSize;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArg('batchSize', 'a positive integer', batchSize);
    if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidArg('onProgress', 'a function', onProgress);
    const total = order.length;
    const d = this.outputDim;
    this.checkPredictionsOut(predictionsOut, total);
    pin(x.data, y.data, order, sampleWeight, predictionsOut);
    this.busy = true;
    try {
      await nextTurn();
      const ws = this.workspace('train', Math.min(batchSize, Math.max(1, total)));
      const fused = this.fused();
      const weighted = sampleWeight !== null;
      let lossSum = 0;
      let samples = 0;
      let batches = 0;
      let lastYield = performance.now();
      let lastProgress = lastYield;
      for (let start = 0; start < total; start += batchSize) {
        const n = Math.min(batchSize, total - start);
        this.gather(ws, x, y, order, start, n, sampleWeight);
        const out = this.forward(ws, n, true);
        if (predictionsOut) predictionsOut.set(out.subarray(0, n * d), start * d);
        const dataLoss = this.loss(ws, n, out, true, weighted);
        const batchLoss = dataLoss / n + this.regularization(false);
        if (!Number.isFinite(batchLoss)) {
          return { lossSum, samples, batches, nonFiniteBatch: batches };
        }
        this.backward(ws, n, fused);
        this.regularization(true);
        clipGradients(this.spec.optimizer, this.slots, this.grads);
        this.iterations += 1;
        const lr = scheduledLearningRate(this.lr0, this.spec.optimizer.schedule, this.iterations - 1);
        applyUpdate(this.spec.optimizer, this.slots, this.params, this.grads, this.state, this.paramCount, this.iterations, lr);
        this.updateMovingStats(ws);
        this.applyMaxNorm();
        lossSum += batchLoss * n;
        samples += n;
        batches += 1;
        const now = performance.now();
        if (onProgress && now - lastProgress >= PROGRESS_MS) {
          lastProgress = now;
          onProgress(batches, lossSum, samples);
        }
        if (now - lastYield >= YIELD_MS) {
          // A dispose() arriving here is deferred to endWork(), as in the native binding.
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
      if (onProgress) onProgress(batches, lossSum, samples);
      return { lossSum, samples, batches, nonFiniteBatch: -1 };
    } finally {
      this.endWork();
    }
  }

  async evaluate(x: Matrix, y: Matrix, batchSize: number, sampleWeight: Float32Array | null,
    predictionsOut: Float32Array | null): Promise<EvaluateResult> {
    this.ready('evaluate');
    this.checkMatrices(x, y, sampleWeight);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArg('batchSize', 'a positive integer', batchSize);
    const d = this.outputDim;
    this.checkPredictionsOut(predictionsOut, x.rows);
    pin(x.data, y.data, sampleWeight, predictionsOut);
    this.busy = true;
    try {
      await nextTurn();
      const ws = this.workspace('infer', Math.min(batchSize, Math.max(1, x.rows)));
      const penalty = this.regularization(false);
      let lossSum = 0;
      let lastYield = performance.now();
      for (let start = 0; start < x.rows; start += batchSize) {
        const n = Math.min(batchSize, x.rows - start);
        this.gather(ws, x, y, null, start, n, sampleWeight);
        const out = this.forward(ws, n, false);
        if (predictionsOut) predictionsOut.set(out.subarray(0, n * d), start * d);
        lossSum += this.loss(ws, n, out, false, sampleWeight !== null) + penalty * n;
        if (performance.now() - lastYield >= YIELD_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
      return { lossSum, samples: x.rows };
    } finally {
      this.endWork();
    }
  }

  private predictInto(ws: Workspace, x: Matrix, start: number, n: number, out: Float32Array): void {
    this.gather(ws, x, null, null, start, n, null);
    const res = this.forward(ws, n, false);
    out.set(res.subarray(0, n * this.outputDim), start * this.outputDim);
  }

  async predict(x: Matrix, batchSize: number): Promise<Float32Array> {
    this.ready('predict');
    this.checkMatrices(x, null);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArg('batchSize', 'a positive integer', batchSize);
    pin(x.data);
    this.busy = true;
    try {
      await nextTurn();
      const pool = x.rows * this.paramCount >= POOL_MIN_WORK ? predictPool() : null;
      if (pool) {
        const out = await this.predictOnPool(pool, x, batchSize);
        if (out) return out;
      }
      const out = new Float32Array(x.rows * this.outputDim);
      const ws = this.workspace('infer', Math.min(batchSize, Math.max(1, x.rows)));
      let lastYield = performance.now();
      for (let start = 0; start < x.rows; start += batchSize) {
        this.predictInto(ws, x, start, Math.min(batchSize, x.rows - start), out);
        if (performance.now() - lastYield >= YIELD_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
      return out;
    } finally {
      this.endWork();
    }
  }

  /**
   * Predict on the worker pool in chunks of whole batches (a few MB each, so only a few chunks' copies
   * of x exist at once); null if the pool failed, and the caller computes in this thread.
   */
  private async predictOnPool(pool: NonNullable<ReturnType<typeof predictPool>>, x: Matrix, batchSize: number): Promise<Float32Array | null> {
    const d = this.outputDim;
    const out = new Float32Array(x.rows * d);
    const chunkRows = Math.max(1, Math.ceil(POOL_CHUNK_VALUES / Math.max(1, x.cols) / batchSize)) * batchSize;
    const params = this.params.slice();
    let next = 0;
    // One chunk in flight per worker: each is cut from x only when a worker is free for it.
    const feed = async (): Promise<void> => {
      while (next < x.rows) {
        const start = next;
        const rows = Math.min(chunkRows, x.rows - start);
        next += rows;
        const chunk = {
          spec: this.spec, params, x: x.data.slice(start * x.cols, (start + rows) * x.cols), rows, cols: x.cols, batchSize,
        };
        out.set(await pool.run(chunk), start * d);
      }
    };
    try {
      await Promise.all(Array.from({ length: pool.size }, feed));
      return out;
    } catch {
      return null;
    }
  }

  /** Predictions for all rows of x in batches, in this thread (the pool's workers run this). */
  predictRows(x: Matrix, batchSize: number): Float32Array {
    this.ready('predict');
    this.checkMatrices(x, null);
    const out = new Float32Array(x.rows * this.outputDim);
    const ws = this.workspace('infer', Math.min(batchSize, Math.max(1, x.rows)));
    for (let start = 0; start < x.rows; start += batchSize) this.predictInto(ws, x, start, Math.min(batchSize, x.rows - start), out);
    return out;
  }

  predictSync(x: Matrix): Float32Array {
    this.ready('predictSync');
    this.checkMatrices(x, null);
    const out = new Float32Array(x.rows * this.outputDim);
    const chunk = 1024;
    const ws = this.workspace('sync', Math.min(chunk, Math.max(1, x.rows)));
    for (let start = 0; start < x.rows; start += chunk) this.predictInto(ws, x, start, Math.min(chunk, x.rows - start), out);
    return out;
  }

  computeGradients(x: Matrix, y: Matrix, sampleWeight: Float32Array | null): { loss: number; grads: Float32Array } {
    this.ready('computeGradients');
    this.checkMatrices(x, y, sampleWeight);
    const n = x.rows;
    if (n < 1) throw invalidArg('x', 'at least one row', x.rows);
    // A private workspace: gradients are a debugging path, not worth keeping buffers for.
    const saved = this.trainWs;
    this.trainWs = null;
    try {
      const ws = this.workspace('train', n);
      this.gather(ws, x, y, null, 0, n, sampleWeight);
      const out = this.forward(ws, n, true);
      const loss = this.loss(ws, n, out, true, sampleWeight !== null) / n + this.regularization(false);
      this.backward(ws, n, this.fused());
      this.regularization(true);
      return { loss, grads: Float32Array.from(this.grads) };
    } finally {
      this.trainWs = saved;
    }
  }

  /** A Float32Array of exactly `want` elements (codes as the native binding: wrong type vs wrong length). */
  private checkLength(a: unknown, want: number, what: string, wantName: string): asserts a is Float32Array {
    if (!(a instanceof Float32Array)) throw invalidArg(what, 'a Float32Array', a);
    if (a.length !== want) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${want} elements (${wantName}) for ${what} but received ${a.length}`);
    }
  }

  getParams(): Float32Array {
    this.ready('getParams');
    return Float32Array.from(this.params);
  }

  setParams(params: Float32Array): void {
    this.ready('setParams');
    this.checkLength(params, this.paramCount, 'params', 'paramCount');
    this.params.set(params);
  }

  getOptimizerState(): Float32Array {
    this.ready('getOptimizerState');
    const s = Float32Array.from(this.state);
    s[0] = this.iterations;
    return s;
  }

  setOptimizerState(state: Float32Array): void {
    this.ready('setOptimizerState');
    const want = optimizerStateLength(this.spec);
    this.checkLength(state, want, 'optimizer state', 'the optimizer state length');
    const it = state[0]!;
    if (!Number.isInteger(it) || it < 0) throw invalidArg('optimizer state[0] (iterations)', 'a non-negative integer', it);
    this.state.set(state);
    this.iterations = it;
  }

  setLearningRate(lr: number): void {
    this.ready('setLearningRate');
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0 || lr > 1e30) {
      throw invalidArg('learningRate', 'a finite number from 0 to 1e+30', lr);
    }
    this.lr0 = lr;
    this.spec.optimizer.learningRate = lr;
  }

  setTrainable(layer: number, trainable: boolean): void {
    this.ready('setTrainable');
    const l = this.layers[layer];
    if (!Number.isInteger(layer) || !l) throw invalidArg('layer', `an integer from 0 to ${this.layers.length - 1}`, layer);
    if (typeof trainable !== 'boolean') throw invalidArg('trainable', 'a boolean', trainable);
    const s = l.spec;
    if (s.kind === 'dense' || s.kind === 'batchNormalization' || s.kind === 'layerNormalization') s.trainable = trainable;
    for (const slot of this.slots) {
      if (slot.layer === layer && slot.name !== 'moving_mean' && slot.name !== 'moving_variance') slot.trainable = trainable;
    }
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    // While an asynchronous call runs, it finishes with its buffers and endWork() releases them.
    if (!this.busy) this.release();
  }
}
