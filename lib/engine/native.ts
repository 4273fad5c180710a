// The native engine: loads the Node-API binary (native/, built by cmake-js or node-gyp, or a prebuild)
// and wraps each of its NetHandles into NativeNet, the Net interface of types.ts.
//
// Threads. Calls that run off the JavaScript thread run on the engine's own threads, one per core at
// most (native/binding/engine_pool.h), never on libuv's pool. OpenBLAS's thread count is process-wide:
// it is set at load to min(2, availableParallelism()) (OPENBLAS_NUM_THREADS, if set, wins) for a call
// that runs alone, and the engine lowers it while several calls run so that engine threads x BLAS
// threads never exceed the cores; setNumThreads() changes the count for a lone call (native/README.md
// has the numbers).
import * as os from 'os';
import * as path from 'path';
import { markAsUntransferable } from 'worker_threads';
import { BlasnetError, ERROR_CODES, type ErrorCode } from '../errors';
import { defaultMemoryLimit } from '../limits';
import { checkTrainBatch, forwardBytesPerRow, inferWork, inferenceBatch, trainWork } from './budget';
import { checkBinary, isPrebuilt } from './prebuild-check';
import type {
  Engine, EngineInfo, EvaluateResult, Matrix, Net, NetSpec, ParamSlot, TrainArgs, TrainResult,
} from './types';

type Progress = (batchesDone: number, lossSum: number, samplesDone: number) => void;

/** The NetHandle object of the binding (native/binding/net_handle.h): one core net, its raw calls. */
export interface NetHandle extends Pick<Net, 'paramCount' | 'outputDim' | 'disposed' | 'getParams' | 'setParams'
  | 'getOptimizerState' | 'setOptimizerState' | 'setLearningRate' | 'setTrainable' | 'dispose'> {
  readonly inputDim: number;
  readonly stateLength: number;
  readonly busy: boolean;
  trainBatches(x: Float32Array, rows: number, cols: number, y: Float32Array, ycols: number, order: Uint32Array,
    batchSize: number, sampleWeight: Float32Array | null, predsOut: Float32Array | null, progress?: Progress): Promise<TrainResult>;
  /** trainBatches on the calling thread (same checks, same core call); progress is called once at the end. */
  trainBatchesSync(x: Float32Array, rows: number, cols: number, y: Float32Array, ycols: number, order: Uint32Array,
    batchSize: number, sampleWeight: Float32Array | null, predsOut: Float32Array | null, progress?: Progress): TrainResult;
  evaluate(x: Float32Array, rows: number, cols: number, y: Float32Array, ycols: number, batchSize: number,
    sampleWeight: Float32Array | null, predsOut: Float32Array | null): Promise<EvaluateResult>;
  evaluateSync(x: Float32Array, rows: number, cols: number, y: Float32Array, ycols: number, batchSize: number,
    sampleWeight: Float32Array | null, predsOut: Float32Array | null): EvaluateResult;
  predict(x: Float32Array, rows: number, cols: number, batchSize: number): Promise<Float32Array>;
  predictSync(x: Float32Array, rows: number, cols: number, batchSize?: number): Float32Array;
  computeGradients(x: Float32Array, rows: number, cols: number, y: Float32Array, ycols: number,
    sampleWeight: Float32Array | null): { loss: number; grads: Float32Array };
}

/** The whole native module, typed in one place. */
export interface NativeBinding {
  NetHandle: new (spec: NetSpec, params: Float32Array) => NetHandle;
  blasInfo(): { config: string; core: string; threads: number };
  /** True when applied at once; false when deferred until the running native calls end (OpenBLAS cannot
   * resize its pool under a running GEMM). */
  setNumThreads(n: number): boolean;
  setUntransferableMarker(mark: (buffer: ArrayBuffer) => void): void;
  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: Float32Array,
    lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void;
  /** The parameter layout the core computes for a spec (tests compare it with layout.ts). */
  layout(spec: NetSpec): { params: ParamSlot[]; paramCount: number; stateLength: number };
  /** The cores the engine's own threads plan for (native/binding/engine_pool.h). */
  setEngineCores(n: number): void;
  /** The engine threads now: how many exist, run a call, wait in the queue; the OpenBLAS thread count. */
  engineThreads(): { cores: number; threads: number; running: number; queued: number; active: number; blasThreads: number };
  /** The ERR_* name of every code of native/core/status.h (tests check each is in ERROR_CODES). */
  errorCodes: readonly string[];
  napiVersion: number;
}

const MIN_NAPI = 8;
// The package root: lib/engine (vitest, ts sources) and dist/engine (compiled) are both two levels down.
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

let binding: NativeBinding | null = null;
let loadError: string | null = null;

function load(): NativeBinding {
  if (binding) return binding;
  if (loadError !== null) throw new BlasnetError('ERR_ENGINE_UNAVAILABLE', loadError);
  try {
    const napi = Number(process.versions.napi ?? 0);
    if (!(napi >= MIN_NAPI)) {
      throw new Error(`Node-API version ${MIN_NAPI} is required but this Node.js has ${process.versions.napi ?? 'none'}`);
    }
    // node-gyp-build: prebuilds/<platform>-<arch>/ first, then build/Release (cmake-js or node-gyp).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
    const file = nodeGypBuild.resolve(PACKAGE_ROOT);
    // A prebuild was not built on this machine: check it in a child process before loading it here.
    if (isPrebuilt(file)) {
      const verdict = checkBinary(file);
      if (!verdict.ok) throw new Error(`the prebuilt binary ${file} failed its check (${verdict.reason})`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const b = require(file) as NativeBinding;
    if (typeof b?.NetHandle !== 'function' || typeof b.sgemm !== 'function') {
      throw new Error('the native binary does not export NetHandle and sgemm');
    }
    // While an async call runs on a worker thread, user code must not detach the buffers it reads or
    // writes (x, y, order, sampleWeight, predsOut), e.g. by transferring them to a Worker: that could
    // free memory the worker is using. The binding calls worker_threads.markAsUntransferable on each
    // of those ArrayBuffers (not on SharedArrayBuffers, which cannot be detached) when it queues the
    // call, so such a transfer copies instead (Node 20) or throws (newer Node). Registering the
    // function here covers raw-binding users too. The mark cannot be undone: it stays on the buffer
    // after the call, which only turns later transfers of it into copies.
    b.setUntransferableMarker(markAsUntransferable);
    b.setEngineCores(os.availableParallelism());
    if (process.env.OPENBLAS_NUM_THREADS === undefined || process.env.OPENBLAS_NUM_THREADS === '') {
      b.setNumThreads(Math.max(1, Math.min(2, os.availableParallelism())));
    }
    binding = b;
    return b;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
    loadError = `cannot load the native engine (${why})`;
    throw new BlasnetError('ERR_ENGINE_UNAVAILABLE', loadError, { cause: err });
  }
}

const KNOWN_CODES = new Set<string>(Object.keys(ERROR_CODES));

/** A native error as a BlasnetError with the native `code` (ERR_NATIVE when it has none). */
function toBlasnetError(err: unknown): BlasnetError {
  if (err instanceof BlasnetError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const known = typeof code === 'string' && KNOWN_CODES.has(code) ? (code as ErrorCode) : 'ERR_NATIVE';
  return new BlasnetError(known, message, { cause: err });
}

// Small calls run on the JavaScript thread. An async call costs a thread hop each way (~25-70 us: more
// than a whole epoch of a 100-row, 121-parameter net, or a one-row predict); below these estimates of
// the work (budget.ts) the call is done synchronously instead, and its promise still settles in a later
// macrotask (setImmediate), as an off-thread call's would: a loop of awaited small calls gives timers and
// I/O a turn after every call and never holds the event loop for more than one small call. The limits
// keep one synchronous call to roughly 0.1-0.5 ms on a 2020s x86 core.
const SYNC_TRAIN_WORK = 1_000_000;
const SYNC_INFER_WORK = 2_000_000;

/** Resolves in a later macrotask (the check phase of the next event-loop turn). */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** The handle methods that run on the calling thread and return at once. */
type ImmediateMethod = 'getParams' | 'setParams' | 'getOptimizerState' | 'setOptimizerState' | 'setLearningRate'
  | 'setTrainable' | 'computeGradients';

/** The Net of the native engine: a NetHandle with the call discipline of types.ts and BlasnetErrors. */
class NativeNet implements Net {
  readonly spec: NetSpec;
  readonly outputDim: number;
  readonly paramCount: number;
  private readonly handle: NetHandle;
  /**
   * A call done synchronously has not settled yet (it settles in a later macrotask): until then the
   * net is busy, as it is while a worker runs, so the busy / dispose rules of types.ts hold on both paths.
   */
  private pending = false;
  /** Workspace bytes of one predicted row, with its output, and the default memory limit, for predictSync's fast path. */
  private readonly rowBytes: number;
  private readonly defaultLimit = defaultMemoryLimit();

  constructor(b: NativeBinding, spec: NetSpec, params: Float32Array) {
    try {
      this.handle = new b.NetHandle(spec, params);
    } catch (err) {
      throw toBlasnetError(err);
    }
    this.spec = spec;
    this.outputDim = this.handle.outputDim;
    this.paramCount = this.handle.paramCount;
    this.rowBytes = forwardBytesPerRow(spec) + 4 * this.outputDim;
  }

  get disposed(): boolean {
    return this.handle.disposed;
  }

  /** ERR_BUSY while a synchronous call's promise is pending (the binding checks the worker case and disposal). */
  private idle(method: string): void {
    if (this.pending && !this.handle.disposed) {
      throw new BlasnetError('ERR_BUSY',
        `Cannot call ${method} while a trainBatches, evaluate or predict call on this net is running`);
    }
  }

  /** A handle method that returns at once, with the busy check and its errors as BlasnetErrors. */
  private now<M extends ImmediateMethod>(method: M, ...args: Parameters<NetHandle[M]>): ReturnType<NetHandle[M]> {
    try {
      this.idle(method);
      return (this.handle[method] as (...a: Parameters<NetHandle[M]>) => ReturnType<NetHandle[M]>).apply(this.handle, args);
    } catch (err) {
      throw toBlasnetError(err);
    }
  }

  /**
   * trainBatches, evaluate or predict: on a worker, or (small) now on this thread through the handle's
   * Sync twin, settling in a later macrotask with the net busy until then; `after` runs at settling.
   */
  private async offThread<M extends 'trainBatches' | 'evaluate' | 'predict'>(method: M, small: boolean,
    args: Parameters<NetHandle[M]>, after?: (r: Awaited<ReturnType<NetHandle[M]>>) => void): Promise<Awaited<ReturnType<NetHandle[M]>>> {
    type R = Awaited<ReturnType<NetHandle[M]>>;
    try {
      this.idle(method);
      if (!small) return await (this.handle[method] as (...a: typeof args) => Promise<R>).apply(this.handle, args);
      const r = (this.handle[`${method}Sync`] as (...a: typeof args) => R).apply(this.handle, args);
      this.pending = true;
      try {
        await nextTurn();
      } finally {
        this.pending = false;
      }
      after?.(r);
      return r;
    } catch (err) {
      throw toBlasnetError(err);
    }
  }

  trainBatches(args: TrainArgs): Promise<TrainResult> {
    const { x, y, order, batchSize, sampleWeight, predictionsOut, onProgress } = args;
    try {
      checkTrainBatch(this.spec, Math.min(batchSize, order?.length ?? 0));
    } catch (err) {
      return Promise.reject(err);
    }
    const small = trainWork(order.length, batchSize, this.paramCount) <= SYNC_TRAIN_WORK;
    // On this thread the one progress report comes when the promise settles, as a worker's last one does.
    return this.offThread('trainBatches', small,
      [x.data, x.rows, x.cols, y.data, y.cols, order, batchSize, sampleWeight, predictionsOut, small ? undefined : onProgress],
      small && onProgress ? (r): void => onProgress(r.batches, r.lossSum, r.samples) : undefined);
  }

  evaluate(x: Matrix, y: Matrix, batchSize: number, sampleWeight: Float32Array | null,
    predictionsOut: Float32Array | null, memoryLimit?: number): Promise<EvaluateResult> {
    let batch: number;
    try {
      batch = this.batchUnder(x, batchSize, memoryLimit, 0);
    } catch (err) {
      return Promise.reject(err);
    }
    const small = inferWork(x.rows, batch, this.paramCount) <= SYNC_INFER_WORK;
    return this.offThread('evaluate', small, [x.data, x.rows, x.cols, y.data, y.cols, batch, sampleWeight, predictionsOut]);
  }

  evaluateSync(x: Matrix, y: Matrix, batchSize: number, sampleWeight: Float32Array | null,
    predictionsOut: Float32Array | null, memoryLimit?: number): EvaluateResult {
    try {
      this.idle('evaluateSync');
      const batch = this.batchUnder(x, batchSize, memoryLimit, 0);
      return this.handle.evaluateSync(x.data, x.rows, x.cols, y.data, y.cols, batch, sampleWeight, predictionsOut);
    } catch (err) {
      throw toBlasnetError(err);
    }
  }

  predict(x: Matrix, batchSize: number, memoryLimit?: number): Promise<Float32Array> {
    let batch: number;
    try {
      batch = this.batchUnder(x, batchSize, memoryLimit, this.outputDim);
    } catch (err) {
      return Promise.reject(err);
    }
    const small = inferWork(x.rows, batch, this.paramCount) <= SYNC_INFER_WORK;
    return this.offThread('predict', small, [x.data, x.rows, x.cols, batch]);
  }

  /** batchSize, or fewer rows when one batch's workspace would go over the memory limit (budget.ts). */
  private batchUnder(x: Matrix, batchSize: number, memoryLimit: number | undefined, outputDim: number): number {
    const rows = x?.rows;
    if (!Number.isInteger(rows) || !Number.isInteger(batchSize) || batchSize < 1) return batchSize; // the binding says why
    return inferenceBatch(this.spec, rows, outputDim, batchSize, memoryLimit ?? this.defaultLimit);
  }

  computeGradients(x: Matrix, y: Matrix, sampleWeight: Float32Array | null): { loss: number; grads: Float32Array } {
    return this.now('computeGradients', x.data, x.rows, x.cols, y.data, y.cols, sampleWeight);
  }

  predictSync(x: Matrix, memoryLimit?: number): Float32Array {
    // Inline rather than through now(): no argument array per call on the latency path, and all rows in
    // one batch unless that would go over the memory limit.
    try {
      this.idle('predictSync');
      const limit = memoryLimit ?? this.defaultLimit;
      if (!(x?.rows * this.rowBytes <= limit)) {
        return this.handle.predictSync(x.data, x.rows, x.cols, this.batchUnder(x, Math.max(1, x.rows), limit, this.outputDim));
      }
      return this.handle.predictSync(x.data, x.rows, x.cols);
    } catch (err) {
      throw toBlasnetError(err);
    }
  }

  getParams(): Float32Array { return this.now('getParams'); }
  setParams(params: Float32Array): void { this.now('setParams', params); }
  getOptimizerState(): Float32Array { return this.now('getOptimizerState'); }
  setOptimizerState(state: Float32Array): void { this.now('setOptimizerState', state); }
  setLearningRate(lr: number): void { this.now('setLearningRate', lr); }

  setTrainable(layer: number, trainable: boolean): void {
    this.now('setTrainable', layer, trainable);
    const l = this.spec.layers[layer];
    if (l && 'trainable' in l) l.trainable = trainable;
  }

  dispose(): void {
    // A synchronous call that has not settled yet is already done with the net: freeing it now is safe.
    this.handle.dispose();
  }
}

/** The native engine; throws ERR_ENGINE_UNAVAILABLE (with the reason) when the binary cannot load. */
export function loadNativeEngine(): Engine {
  const b = load();
  return {
    name: 'native',
    createNet: (spec: NetSpec, params: Float32Array): Net => new NativeNet(b, spec, params),
    info: (): EngineInfo => {
      const i = b.blasInfo();
      return { engine: 'native', blasConfig: i.config, blasCore: i.core, threads: i.threads, nativeUnavailableReason: null };
    },
    setNumThreads: (n: number): void => {
      try {
        b.setNumThreads(n);
      } catch (err) {
        throw toBlasnetError(err);
      }
    },
  };
}

/** The raw binding (for the robustness tests); throws ERR_ENGINE_UNAVAILABLE when it cannot load. */
export function nativeBinding(): NativeBinding {
  return load();
}

/**
 * C = alpha op(A) op(B) + beta C with OpenBLAS, row-major (tests and the GEMM benchmark).
 * Throws ERR_ENGINE_UNAVAILABLE when the native engine cannot load.
 */
export function nativeSgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void {
  const b = load();
  try {
    b.sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  } catch (err) {
    throw toBlasnetError(err);
  }
}
