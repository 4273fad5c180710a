// JsNet: the Net of the TypeScript engine (types.ts) over a core Net (net.ts), as NativeNet is over the
// addon's NetHandle. Its parameters and optimizer state live in SharedArrayBuffers: the twin here
// answers the synchronous calls and the small ones, its twin on an engine worker (pool.ts) trains,
// evaluates and predicts the large ones off the JavaScript thread, on the same memory. One call at a
// time (ERR_BUSY; a dispose() during a call is deferred to its end). Without workers
// (BLASNET_JS_WORKERS=0) the large calls run here, pausing every ~10 ms to give the event loop a turn.
import { BlasnetError, invalidArg, type ErrorCode } from '../../errors';
import { defaultMemoryLimit } from '../../limits';
import { checkTrainBatch, inferWork, inferenceBatch, trainWork } from '../budget';
import { initialOptimizerState, optimizerStateLength, paramCount } from '../layout';
import type { EvaluateResult, Matrix, Net as EngineNet, NetSpec, TrainArgs, TrainResult } from '../types';
import { nextTurn, pin } from '../turns';
import { checkBatchSize, checkLength, checkMatrices, checkPredictionsOut } from './args';
import { Net } from './net';
import { enginePool, WorkerError, type NetSettings, type RemoteNet } from './pool';
import { SharedCopies, sharedFloat32 } from './shared';
import { checkNetSpec } from './spec-check';

const YIELD_MS = 10;
const PROGRESS_MS = 100;
// Below these estimates of the work (budget.ts; the TypeScript engine does ~1/10 of the native engine's
// multiply-adds per second) a call runs on this thread: a worker hop, with its copies, costs more.
const SYNC_TRAIN_WORK = 150_000;
const SYNC_INFER_WORK = 300_000;
// Predicts of at least this many rows x parameters (~50 ms in one thread) go to the workers, in chunks of
// about this many input values (4 MB); smaller ones run here in time slices.
const POOL_MIN_WORK = 2 ** 27;
const CHUNK_VALUES = 2 ** 20;
// predictSync computes in batches of this many rows (its workspace stays that size).
const SYNC_BATCH = 1024;


/** A function that says "go on" until YIELD_MS have passed since it was made. */
function timeSlice(): () => boolean {
  const start = performance.now();
  return () => performance.now() - start < YIELD_MS;
}

/** A worker's failure as the BlasnetError it threw there (ERR_NATIVE when the worker itself failed). */
function fromWorker(err: unknown): unknown {
  if (err instanceof WorkerError) {
    return new BlasnetError(err.code ? err.code as ErrorCode : 'ERR_NATIVE', err.code ? err.message : `the engine worker failed: ${err.message}`);
  }
  if (err instanceof Error && !(err instanceof BlasnetError) && /worker/.test(err.message)) {
    return new BlasnetError('ERR_NATIVE', `the engine worker failed: ${err.message}`, { cause: err });
  }
  return err; // what the caller's progress function threw
}

// The twins on the workers of nets dropped without dispose().
const orphans = new FinalizationRegistry<RemoteNet>((remote) => enginePool()?.close(remote));

export class JsNet implements EngineNet {
  readonly spec: NetSpec;
  readonly outputDim: number;
  readonly paramCount: number;
  private core: Net | null;
  private readonly remote: RemoteNet | null;
  private readonly copies = new SharedCopies();
  // [0] orders the shared buffers' writes between this thread and the worker (Atomics on both sides);
  // [1] is set to stop a training call whose progress function threw.
  private readonly sync = new Int32Array(new SharedArrayBuffer(8));
  private busy = false;
  private isDisposed = false;

  constructor(spec: NetSpec, params: Float32Array) {
    checkNetSpec(spec);
    const count = paramCount(spec);
    checkLength(params, count, 'params', `the spec's ${count} parameters`);
    const shared = sharedFloat32(count);
    shared.set(params);
    const state = sharedFloat32(optimizerStateLength(spec));
    state.set(initialOptimizerState(spec));
    this.core = new Net(spec, shared, { state });
    this.spec = this.core.spec;
    this.paramCount = count;
    this.outputDim = this.core.outputDim;
    this.remote = enginePool()?.remoteNet() ?? null;
    if (this.remote) orphans.register(this, this.remote, this);
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
    if (this.isDisposed) this.release();
  }

  private release(): void {
    this.core?.releaseKernels();
    this.core = null;
    this.copies.clear();
    if (this.remote) {
      orphans.unregister(this);
      enginePool()?.close(this.remote);
    }
  }

  private settings(core: Net): NetSettings {
    return {
      learningRate: core.spec.optimizer.learningRate,
      trainable: core.spec.layers.map((l) => !('trainable' in l) || l.trainable),
    };
  }

  /** The pool when the call should go to a worker (it is not small, and a worker can run it). */
  private workers(work: number, small: number): ReturnType<typeof enginePool> {
    return work > small && this.remote ? enginePool() : null;
  }

  async trainBatches(args: TrainArgs): Promise<TrainResult> {
    const core = this.ready('trainBatches');
    const { x, y, order, batchSize, sampleWeight, predictionsOut, onProgress } = args;
    checkMatrices(this.spec, this.outputDim, x, y, sampleWeight);
    if (!(order instanceof Uint32Array)) throw invalidArg('order', 'a Uint32Array', order);
    checkBatchSize(batchSize);
    if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidArg('onProgress', 'a function', onProgress);
    checkPredictionsOut(predictionsOut, order.length, this.outputDim);
    checkTrainBatch(this.spec, Math.min(batchSize, order.length));
    pin(x.data, y.data, order, sampleWeight, predictionsOut);
    this.busy = true;
    try {
      // Every async call starts its work in a later macrotask, as an off-thread call resolves in a later
      // turn: otherwise a loop of awaited small calls runs on microtasks only and starves timers, I/O and
      // other models' fits.
      await nextTurn();
      const pool = this.workers(trainWork(order.length, batchSize, this.paramCount), SYNC_TRAIN_WORK);
      if (pool) {
        if (pool.settle(this.remote!)) await nextTurn();
        const { xs, ys, ws, ps } = await this.shareData(x, y, sampleWeight, predictionsOut ? order.length : 0);
        const os = await this.copies.share('order', order);
        Atomics.store(this.sync, 1, 0);
        Atomics.add(this.sync, 0, 1);
        // The worker reports every ~50 ms; the caller hears at most every PROGRESS_MS, measured here.
        let lastProgress = performance.now();
        const progress = onProgress && ((batches: number, lossSum: number, samples: number): void => {
          const now = performance.now();
          if (now - lastProgress < PROGRESS_MS) return;
          lastProgress = now;
          onProgress(batches, lossSum, samples);
        });
        const result = await pool.call(this.remote!, this.spec, core.params, core.state, this.settings(core), this.sync,
          'trainBatches', [xs, x.rows, x.cols, ys, y.cols, os, batchSize, ws, ps], progress).catch((err) => {
          throw fromWorker(err);
        }) as TrainResult;
        Atomics.load(this.sync, 0);
        if (predictionsOut && ps) predictionsOut.set(ps);
        if (onProgress && result.nonFiniteBatch < 0) onProgress(result.batches, result.lossSum, result.samples);
        return result;
      }
      return await this.trainHere(core, args);
    } finally {
      this.endWork();
    }
  }

  /** x, y and the row weights copied into the workers' shared memory, and a shared buffer for predRows rows of predictions (none for 0). */
  private async shareData(x: Matrix, y: Matrix, sampleWeight: Float32Array | null, predRows: number):
    Promise<{ xs: Float32Array; ys: Float32Array; ws: Float32Array | null; ps: Float32Array | null }> {
    const xs = await this.copies.share('x', x.data, x.rows * x.cols);
    const ys = await this.copies.share('y', y.data, y.rows * y.cols);
    const ws = sampleWeight ? await this.copies.share('w', sampleWeight, x.rows) : null;
    const ps = predRows > 0 ? this.copies.buffer('preds', predRows * this.outputDim, Float32Array) : null;
    return { xs, ys, ws, ps };
  }

  /** trainBatches on this thread, a time slice per event-loop turn. */
  private async trainHere(core: Net, args: TrainArgs): Promise<TrainResult> {
    const { x, y, order, batchSize, sampleWeight, predictionsOut, onProgress } = args;
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
  }

  async evaluate(x: Matrix, y: Matrix, batchSize: number, sampleWeight: Float32Array | null,
    predictionsOut: Float32Array | null, memoryLimit?: number): Promise<EvaluateResult> {
    const core = this.ready('evaluate');
    checkMatrices(this.spec, this.outputDim, x, y, sampleWeight);
    checkBatchSize(batchSize);
    checkPredictionsOut(predictionsOut, x.rows, this.outputDim);
    const batch = inferenceBatch(this.spec, x.rows, 0, batchSize, memoryLimit ?? defaultMemoryLimit());
    pin(x.data, y.data, sampleWeight, predictionsOut);
    this.busy = true;
    try {
      await nextTurn();
      const pool = this.workers(inferWork(x.rows, batch, this.paramCount), SYNC_INFER_WORK);
      if (pool) {
        if (pool.settle(this.remote!)) await nextTurn();
        const { xs, ys, ws, ps } = await this.shareData(x, y, sampleWeight, predictionsOut ? x.rows : 0);
        Atomics.add(this.sync, 0, 1);
        const result = await pool.call(this.remote!, this.spec, core.params, core.state, this.settings(core), this.sync,
          'evaluate', [xs, x.rows, x.cols, ys, y.cols, batch, ws, ps]).catch((err) => { throw fromWorker(err); }) as EvaluateResult;
        Atomics.load(this.sync, 0);
        if (predictionsOut && ps) predictionsOut.set(ps);
        return { lossSum: result.lossSum, samples: x.rows };
      }
      const result: EvaluateResult = { lossSum: 0, samples: 0 };
      for (;;) {
        core.evaluate(x.data, x.rows, x.cols, y.data, y.cols, batch, sampleWeight, predictionsOut, result, timeSlice());
        if (result.samples >= x.rows) break;
        await nextTurn();
      }
      return { lossSum: result.lossSum, samples: x.rows };
    } finally {
      this.endWork();
    }
  }

  evaluateSync(x: Matrix, y: Matrix, batchSize: number, sampleWeight: Float32Array | null,
    predictionsOut: Float32Array | null, memoryLimit?: number): EvaluateResult {
    const core = this.ready('evaluateSync');
    checkMatrices(this.spec, this.outputDim, x, y, sampleWeight);
    checkBatchSize(batchSize);
    checkPredictionsOut(predictionsOut, x.rows, this.outputDim);
    const batch = inferenceBatch(this.spec, x.rows, 0, batchSize, memoryLimit ?? defaultMemoryLimit());
    const result: EvaluateResult = { lossSum: 0, samples: 0 };
    core.evaluate(x.data, x.rows, x.cols, y.data, y.cols, batch, sampleWeight, predictionsOut, result);
    return { lossSum: result.lossSum, samples: x.rows };
  }

  async predict(x: Matrix, batchSize: number, memoryLimit?: number): Promise<Float32Array> {
    const core = this.ready('predict');
    checkMatrices(this.spec, this.outputDim, x, null);
    checkBatchSize(batchSize);
    const limit = memoryLimit ?? defaultMemoryLimit();
    const batch = inferenceBatch(this.spec, x.rows, this.outputDim, batchSize, limit);
    pin(x.data);
    this.busy = true;
    try {
      await nextTurn();
      const pool = x.rows * this.paramCount >= POOL_MIN_WORK ? enginePool() : null;
      if (pool) {
        // The workers compute side by side: they share the budget.
        const output = x.rows * this.outputDim * 4;
        const shared = inferenceBatch(this.spec, x.rows, this.outputDim, batch, output + (limit - output) / pool.size);
        const out = await this.predictOnWorkers(core, pool, x, shared);
        if (out) return out;
      }
      const out = new Float32Array(x.rows * this.outputDim);
      for (let done = 0; done < x.rows;) {
        done = core.predict(x.data, x.rows, x.cols, batch, out, done, timeSlice());
        if (done < x.rows) await nextTurn();
      }
      return out;
    } finally {
      this.endWork();
    }
  }

  /**
   * Predict on the workers in chunks of whole batches (a few MB each, so only a few chunks' copies of x
   * exist at once); null if the pool failed, and the caller computes in this thread.
   */
  private async predictOnWorkers(core: Net, pool: NonNullable<ReturnType<typeof enginePool>>, x: Matrix,
    batchSize: number): Promise<Float32Array | null> {
    const d = this.outputDim;
    const out = new Float32Array(x.rows * d);
    const chunkRows = Math.max(1, Math.ceil(CHUNK_VALUES / Math.max(1, x.cols) / batchSize)) * batchSize;
    let next = 0;
    // One chunk in flight per worker: each is cut from x only when a worker is free for it.
    const feed = async (): Promise<void> => {
      while (next < x.rows) {
        const start = next;
        const rows = Math.min(chunkRows, x.rows - start);
        next += rows;
        const chunk = {
          spec: this.spec, params: core.params, state: core.state, x: x.data.slice(start * x.cols, (start + rows) * x.cols),
          rows, cols: x.cols, batchSize,
        };
        out.set(await pool.run(chunk), start * d);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(pool.size, Math.ceil(x.rows / chunkRows)) }, feed));
      return out;
    } catch {
      return null;
    }
  }

  predictSync(x: Matrix, memoryLimit?: number): Float32Array {
    const core = this.ready('predictSync');
    checkMatrices(this.spec, this.outputDim, x, null);
    const batch = inferenceBatch(this.spec, x.rows, this.outputDim, SYNC_BATCH, memoryLimit ?? defaultMemoryLimit());
    const out = new Float32Array(x.rows * this.outputDim);
    core.predict(x.data, x.rows, x.cols, batch, out);
    return out;
  }

  computeGradients(x: Matrix, y: Matrix, sampleWeight: Float32Array | null): { loss: number; grads: Float32Array } {
    const core = this.ready('computeGradients');
    checkMatrices(this.spec, this.outputDim, x, y, sampleWeight);
    if (x.rows < 1) throw invalidArg('x', 'at least one row', x.rows);
    return core.computeGradients(x.data, x.rows, x.cols, y.data, y.cols, sampleWeight);
  }

  getParams(): Float32Array {
    return this.ready('getParams').params.slice();
  }

  setParams(params: Float32Array): void {
    const core = this.ready('setParams');
    checkLength(params, this.paramCount, 'params', 'paramCount');
    core.setParams(params);
  }

  getOptimizerState(): Float32Array {
    return this.ready('getOptimizerState').state.slice();
  }

  setOptimizerState(state: Float32Array): void {
    const core = this.ready('setOptimizerState');
    checkLength(state, optimizerStateLength(this.spec), 'optimizer state', 'the optimizer state length');
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
    if (!this.busy) this.release();
  }
}
