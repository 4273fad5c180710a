// The TypeScript engine's worker threads, one per core (at most 4): they train and evaluate the nets off
// the JavaScript thread, and run large predicts in chunks on every core (BLASNET_JS_WORKERS=0: none).
//
// A net's parameters and optimizer state live in SharedArrayBuffers (js-net.ts): its twin on a worker
// (opened on the net's first call there, its "home" worker from then on) works on the same memory, so
// weights never travel and getWeights/setWeights on the JavaScript thread see what the worker left.
// A call's data is copied into SharedArrayBuffers by the caller (in slices between event-loop turns);
// predict chunks carry their rows copied by structured clone. Nothing is ever transferred: the first
// detached ArrayBuffer of an isolate invalidates V8's detach protector, and from then on typed-array
// accesses in optimized code check for detachment (a one-row predictSync measured 121 -> 150 us p50).
// Rows are independent in inference and chunks are whole batches of the caller's batchSize, so a chunked
// predict gives the bits of the one-thread loop. Idle workers are unref'd: they never keep a process alive.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { NetSpec } from '../types';

/** What a worker receives to predict: rows of x and the net (its shared buffers) to run them through. */
export interface PredictChunk {
  spec: NetSpec;
  params: Float32Array;
  state: Float32Array;
  x: Float32Array;
  rows: number;
  cols: number;
  batchSize: number;
}

/** A net as its home worker knows it; `open` (its spec and shared buffers) on the first call there. */
export interface RemoteNet {
  key: number;
  home: Worker | null;
  opened: boolean;
}

/** The settings a twin follows (the JavaScript thread may change them between calls). */
export interface NetSettings {
  learningRate: number;
  trainable: boolean[];
}

export type NetCallMethod = 'trainBatches' | 'evaluate';

export type WorkerRequest =
  | { type: 'chunk'; id: number; chunk: PredictChunk }
  | { type: 'call'; id: number; key: number; open: { spec: NetSpec; params: Float32Array; state: Float32Array } | null;
    settings: NetSettings; sync: Int32Array; method: NetCallMethod; args: unknown[]; progress: boolean }
  | { type: 'close'; key: number };

export type WorkerDone = { id: number; ok: true; out?: Float32Array; result?: unknown };
export type WorkerReply =
  | { id: number; progress: [number, number, number] }
  | WorkerDone
  | { id: number; ok: false; code: string | null; message: string };

/** A failure on a worker, with the code of the BlasnetError it threw there (null for anything else). */
export class WorkerError extends Error {
  constructor(message: string, readonly code: string | null) {
    super(message);
  }
}

interface Job {
  request: WorkerRequest & { id: number };
  home: Worker | null;  // null: any worker
  remote: RemoteNet | null;
  onProgress?: (batches: number, lossSum: number, samples: number) => void;
  /** What the progress function threw: the call is stopped (sync[1]) and rejects with it. */
  progressError?: { error: unknown };
  resolve: (reply: WorkerDone) => void;
  reject: (err: Error) => void;
}

/**
 * The compiled worker script. From dist/ it sits beside this file; when the sources run directly
 * (vitest runs lib/*.ts), the build in dist/ serves (npm test builds it first).
 */
function workerScript(): string | null {
  const candidates = [
    path.join(__dirname, 'worker.js'),
    path.resolve(__dirname, '..', '..', '..', 'dist', 'engine', 'js', 'worker.js'),
  ];
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

class EnginePool {
  private readonly workers: Worker[] = [];
  private readonly idle = new Set<Worker>();
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly homes = new Map<Worker, number>();  // nets at home on each worker
  private broken = false;
  private nextId = 0;
  private nextKey = 0;
  /** Chunks handed to the pool so far (tests check that large predicts use it). */
  chunks = 0;
  /** Net calls handed to the pool so far. */
  calls = 0;

  constructor(private readonly script: string, readonly size: number) {}

  /** False once a worker failed to start or died: callers then compute in their own thread. */
  get usable(): boolean { return !this.broken; }

  remoteNet(): RemoteNet {
    return { key: this.nextKey++, home: null, opened: false };
  }

  run(chunk: PredictChunk): Promise<Float32Array> {
    this.chunks++;
    return this.submit({ type: 'chunk', id: this.nextId++, chunk }, null, undefined).then((r) => r.out!);
  }

  /** A call on a net's twin at its home worker (settle). */
  call(remote: RemoteNet, spec: NetSpec, params: Float32Array, state: Float32Array, settings: NetSettings, sync: Int32Array,
    method: NetCallMethod, args: unknown[], onProgress?: Job['onProgress']): Promise<unknown> {
    this.calls++;
    this.settle(remote);
    const open = remote.opened ? null : { spec, params, state };
    remote.opened = true;
    const request: WorkerRequest & { id: number } = {
      type: 'call', id: this.nextId++, key: remote.key, open, settings, sync, method, args, progress: onProgress !== undefined,
    };
    return this.submit(request, remote, onProgress).then((r) => r.result);
  }

  /**
   * Gives a net its home worker (on its first call: the one with fewest nets); true when that started
   * a worker, a few milliseconds of this thread that the caller can give a turn of its own.
   */
  settle(remote: RemoteNet): boolean {
    if (remote.home || this.broken) return false;
    const started = this.workers.length < this.size;
    remote.home = this.leastLoaded();
    return started;
  }

  /** Drops a net's twin on its home worker (and the net from that worker's count: settled, maybe never opened). */
  close(remote: RemoteNet): void {
    const home = remote.home;
    if (!home || !this.workers.includes(home)) return;
    this.homes.set(home, Math.max(0, (this.homes.get(home) ?? 1) - 1));
    if (remote.opened) home.postMessage({ type: 'close', key: remote.key } satisfies WorkerRequest);
    remote.home = null;
    remote.opened = false;
  }

  private leastLoaded(): Worker {
    if (this.workers.length < this.size) {
      const w = this.spawn();
      this.homes.set(w, 1);
      return w;
    }
    let best = this.workers[0]!;
    for (const w of this.workers) if ((this.homes.get(w) ?? 0) < (this.homes.get(best) ?? 0)) best = w;
    this.homes.set(best, (this.homes.get(best) ?? 0) + 1);
    return best;
  }

  private submit(request: WorkerRequest & { id: number }, remote: RemoteNet | null, onProgress: Job['onProgress']):
    Promise<WorkerDone> {
    if (this.broken) return Promise.reject(new WorkerError('the engine worker pool is broken', null));
    return new Promise((resolve, reject) => {
      const job: Job = { request, home: remote?.home ?? null, remote, resolve, reject };
      if (onProgress) job.onProgress = onProgress;
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Gives every idle worker the first queued job it can take (its own nets' calls, or any chunk). */
  private dispatch(): void {
    for (let i = 0; i < this.queue.length;) {
      const job = this.queue[i]!;
      let w: Worker | undefined;
      if (job.home) w = this.idle.has(job.home) ? job.home : undefined;
      else w = this.idle.values().next().value ?? (this.workers.length < this.size ? this.spawn() : undefined);
      if (!w) { i++; continue; }
      this.queue.splice(i, 1);
      this.idle.delete(w);
      this.running.set(w, job);
      w.ref();
      w.postMessage(job.request);
    }
  }

  private spawn(): Worker {
    const w = new Worker(this.script);
    this.workers.push(w);
    this.idle.add(w);
    w.on('message', (reply: WorkerReply) => {
      const job = this.running.get(w);
      if (!job || job.request.id !== reply.id) return;
      if ('progress' in reply) {
        if (job.progressError || !job.onProgress) return;
        try {
          job.onProgress(...reply.progress);
        } catch (error) {
          job.progressError = { error };
          if (job.request.type === 'call') Atomics.store(job.request.sync, 1, 1);
        }
        return;
      }
      this.running.delete(w);
      w.unref();
      this.idle.add(w);
      if (job.progressError) job.reject(job.progressError.error as Error);
      else if (reply.ok) job.resolve(reply);
      else job.reject(new WorkerError(reply.message, reply.code));
      this.dispatch();
    });
    const fail = (err: Error): void => {
      this.broken = true;
      const job = this.running.get(w);
      this.running.delete(w);
      this.idle.delete(w);
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
      if (job) job.reject(err);
      for (const q of this.queue.splice(0)) q.reject(err);
    };
    w.on('error', fail);
    w.on('exit', (code) => { if (this.workers.includes(w)) fail(new Error(`an engine worker exited with code ${code}`)); });
    w.unref();
    return w;
  }
}

let pool: EnginePool | null | undefined;

/** The shared pool, or null where it cannot run (BLASNET_JS_WORKERS=0, or no compiled worker script). */
export function enginePool(): EnginePool | null {
  if (pool === undefined) {
    const size = Math.max(1, Math.min(4, os.availableParallelism()));
    const script = process.env.BLASNET_JS_WORKERS !== '0' ? workerScript() : null;
    pool = script ? new EnginePool(script, size) : null;
  }
  return pool && pool.usable ? pool : null;
}
