// JsNet: the Net of the TypeScript engine (types.ts) over a core Net (net.ts), as NativeNet is over the
// addon's NetHandle: the argument checks (the rules, codes and messages of native/binding/calls.cc),
// one call at a time (ERR_BUSY, a dispose() during a call deferred to its end), long calls paused every
// ~10 ms to give the event loop a turn, and large predicts on the worker pool (pool.ts).
import { markAsUntransferable } from 'worker_threads';
import { BlasnetError, invalidArg } from '../../errors';
import { optimizerStateLength, paramCount } from '../layout';
import type { EvaluateResult, Matrix, Net as EngineNet, NetSpec, TrainArgs, TrainResult } from '../types';
import { Net } from './net';
import { predictPool } from './pool';
import { checkNetSpec } from './spec-check';

/**
 * As the native binding does: the buffers an async call reads or writes between its pauses cannot be
 * detached (transferred to a Worker) while it runs; a transfer copies instead.
 */
function pin(...arrays: (ArrayBufferView | null | undefined)[]): void {
  for (const a of arrays) {
    if (a && a.buffer instanceof ArrayBuffer && a.buffer.byteLength > 0) markAsUntransferable(a.buffer);
  }
}

const YIELD_MS = 10;
const PROGRESS_MS = 100;
// Predicts of at least this many rows x parameters (~50 ms in one thread) go to the worker pool, in
// chunks of about this many input values (4 MB).
const POOL_MIN_WORK = 2 ** 27;
const POOL_CHUNK_VALUES = 2 ** 20;
// predictSync computes in batches of this many rows (its workspace stays that size).
const SYNC_BATCH = 1024;

/**
 * Every async call starts its work in a later macrotask, as a native call (run on a worker) resolves
 * in a later turn: otherwise a loop of awaited small predicts runs on microtasks only and starves
 * timers, I/O and other models' fits.
 */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** A function that says "go on" until YIELD_MS have passed since it was made. */
function timeSlice(): () => boolean {
  const start = performance.now();
  return () => performance.now() - start < YIELD_MS;
}

export class JsNet implements EngineNet {
  readonly spec: NetSpec;
  readonly outputDim: number;
  readonly paramCount: number;
  private core: Net | null;
  private busy = false;
  private isDisposed = false;

  constructor(spec: NetSpec, params: Float32Array) {
    checkNetSpec(spec);
    const count = paramCount(spec);
    this.checkLength(params, count, 'params', `the spec's ${count} parameters`);
    this.core = new Net(spec, params);
    this.spec = this.core.spec;
    this.paramCount = count;
    this.outputDim = this.core.outputDim;
  }

  get disposed(): boolean { return this.isDisposed; }

  /** Every call but dispose() needs a live net with no asynchronous call running. */
  private ready(method: string): Net {
    if (this.isDisposed || !this.core) throw new BlasnetError('ERR_DISPOSED', `Cannot call ${method} on a disposed net`);
    if (this.busy) {
      throw new BlasnetError('ERR_BUSY',
        `Cannot call ${method} while a trainBatches, evaluate or predict call on this net is running`);
    }
    return this.core;
  }

  /** Ends an asynchronous call; runs a dispose() that arrived while it ran. */
  private endWork(): void {
    this.busy = false;
    if (this.isDisposed) this.core = null;
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
      const want = this.spec.loss.id === 'sparseCategoricalCrossentropy' ? 1 : this.outputDim;
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

  private checkBatchSize(batchSize: number): void {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArg('batchSize', 'a positive integer', batchSize);
  }

  /** A Float32Array of exactly `want` elements (codes as the native binding: wrong type vs wrong length). */
  private checkLength(a: unknown, want: number, what: string, wantName: string): asserts a is Float32Array {
    if (!(a instanceof Float32Array)) throw invalidArg(what, 'a Float32Array', a);
    if (a.length !== want) {
      throw new BlasnetError('ERR_SHAPE_MISMATCH', `Expected ${want} elements (${wantName}) for ${what} but received ${a.length}`);
    }
  }

  async trainBatches(args: TrainArgs): Promise<TrainResult> {
    const core = this.ready('trainBatches');
    const { x, y, order, batchSize, sampleWeight, predictionsOut, onProgress } = args;
    this.checkMatrices(x, y, sampleWeight);
    if (!(order instanceof Uint32Array)) throw invalidArg('order', 'a Uint32Array', order);
    this.checkBatchSize(batchSize);
    if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidArg('onProgress', 'a function', onProgress);
    this.checkPredictionsOut(predictionsOut, order.length);
    pin(x.data, y.data, order, sampleWeight, predictionsOut);
    this.busy = true;
    try {
      await nextTurn();
      const result: TrainResult = { lossSum: 0, samples: 0, batches: 0, nonFiniteBatch: -1 };
      let lastProgress = performance.now();
      for (;;) {
        const goOn = timeSlice();
        core.trainBatches(x.data, x.rows, x.cols, y.data, y.cols, order, batchSize, sampleWeight, predictionsOut,
          (batches, lossSum, samples) => {
            const now = performance.now();
            if (onProgress && now - lastProgress >= PROGRESS_MS) {
              lastProgress = now;
              onProgress(batches, lossSum, samples);
            }
            return goOn();
          }, result);
        if (result.nonFiniteBatch >= 0) return result;
        if (result.batches * batchSize >= order.length) break;
        // A dispose() arriving here is deferred to endWork(), as in the native binding.
        await nextTurn();
      }
      if (onProgress) onProgress(result.batches, result.lossSum, result.samples);
      return result;
    } finally {
      this.endWork();
    }
  }

  async evaluate(x: Matrix, y: Matrix, batchSize: number, sampleWeight: Float32Array | null,
    predictionsOut: Float32Array | null): Promise<EvaluateResult> {
    const core = this.ready('evaluate');
    this.checkMatrices(x, y, sampleWeight);
    this.checkBatchSize(batchSize);
    this.checkPredictionsOut(predictionsOut, x.rows);
    pin(x.data, y.data, sampleWeight, predictionsOut);
    this.busy = true;
    try {
      await nextTurn();
      const result: EvaluateResult = { lossSum: 0, samples: 0 };
      for (;;) {
        core.evaluate(x.data, x.rows, x.cols, y.data, y.cols, batchSize, sampleWeight, predictionsOut, result, timeSlice());
        if (result.samples >= x.rows) break;
        await nextTurn();
      }
      return { lossSum: result.lossSum, samples: x.rows };
    } finally {
      this.endWork();
    }
  }

  async predict(x: Matrix, batchSize: number): Promise<Float32Array> {
    const core = this.ready('predict');
    this.checkMatrices(x, null);
    this.checkBatchSize(batchSize);
    pin(x.data);
    this.busy = true;
    try {
      await nextTurn();
      const pool = x.rows * this.paramCount >= POOL_MIN_WORK ? predictPool() : null;
      if (pool) {
        const out = await this.predictOnPool(core, pool, x, batchSize);
        if (out) return out;
      }
      const out = new Float32Array(x.rows * this.outputDim);
      for (let done = 0; done < x.rows;) {
        done = core.predict(x.data, x.rows, x.cols, batchSize, out, done, timeSlice());
        if (done < x.rows) await nextTurn();
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
  private async predictOnPool(core: Net, pool: NonNullable<ReturnType<typeof predictPool>>, x: Matrix,
    batchSize: number): Promise<Float32Array | null> {
    const d = this.outputDim;
    const out = new Float32Array(x.rows * d);
    const chunkRows = Math.max(1, Math.ceil(POOL_CHUNK_VALUES / Math.max(1, x.cols) / batchSize)) * batchSize;
    const params = core.params.slice();
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

  predictSync(x: Matrix): Float32Array {
    const core = this.ready('predictSync');
    this.checkMatrices(x, null);
    const out = new Float32Array(x.rows * this.outputDim);
    core.predict(x.data, x.rows, x.cols, SYNC_BATCH, out);
    return out;
  }

  computeGradients(x: Matrix, y: Matrix, sampleWeight: Float32Array | null): { loss: number; grads: Float32Array } {
    const core = this.ready('computeGradients');
    this.checkMatrices(x, y, sampleWeight);
    if (x.rows < 1) throw invalidArg('x', 'at least one row', x.rows);
    return core.computeGradients(x.data, x.rows, x.cols, y.data, y.cols, sampleWeight);
  }

  getParams(): Float32Array {
    return Float32Array.from(this.ready('getParams').params);
  }

  setParams(params: Float32Array): void {
    const core = this.ready('setParams');
    this.checkLength(params, this.paramCount, 'params', 'paramCount');
    core.setParams(params);
  }

  getOptimizerState(): Float32Array {
    return Float32Array.from(this.ready('getOptimizerState').state);
  }

  setOptimizerState(state: Float32Array): void {
    const core = this.ready('setOptimizerState');
    this.checkLength(state, optimizerStateLength(this.spec), 'optimizer state', 'the optimizer state length');
    const it = state[0]!;
    if (!Number.isInteger(it) || it < 0) throw invalidArg('optimizer state[0] (iterations)', 'a non-negative integer', it);
    core.setOptimizerState(state);
  }

  setLearningRate(lr: number): void {
    const core = this.ready('setLearningRate');
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0 || lr > 1e30) {
      throw invalidArg('learningRate', 'a finite number from 0 to 1e+30', lr);
    }
    core.setLearningRate(lr);
  }

  setTrainable(layer: number, trainable: boolean): void {
    const core = this.ready('setTrainable');
    if (!Number.isInteger(layer) || !this.spec.layers[layer]) {
      throw invalidArg('layer', `an integer from 0 to ${this.spec.layers.length - 1}`, layer);
    }
    if (typeof trainable !== 'boolean') throw invalidArg('trainable', 'a boolean', trainable);
    core.setTrainable(layer, trainable);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    // While an asynchronous call runs, it finishes with its buffers and endWork() releases them.
    if (!this.busy) this.core = null;
  }
}
