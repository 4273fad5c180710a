// Large predicts of the TypeScript engine run on worker threads, one per core (at most 4), so they use
// every core and leave the event loop free. Rows are independent in inference (dropout is off, batch
// normalization uses its moving statistics) and chunks are whole batches of the caller's batchSize, so
// every thread runs exactly the batches the one-thread loop would: the same bits.
// Each chunk carries its rows and the net (spec and parameters), copied by postMessage's structured
// clone, and its predictions come back the same way; a worker keeps nothing between chunks. Nothing
// is transferred: the first detached ArrayBuffer of an isolate invalidates V8's detach protector, and
// from then on typed-array accesses in optimized code check for detachment (measured: a one-row
// predictSync 121 -> 150 us p50 for the rest of the process after one transferring pooled predict).
// The extra copy is a few ms per chunk of ~300 ms. Idle workers are unref'd: they never keep a process alive.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { NetSpec } from '../types';

/** What a worker receives: rows [start, start + rows) of x and the net to run them through. */
export interface PredictChunk {
  spec: NetSpec;
  params: Float32Array;
  x: Float32Array;
  rows: number;
  cols: number;
  batchSize: number;
}

export type ChunkReply = { ok: true; out: Float32Array } | { ok: false; message: string };

interface Job {
  chunk: PredictChunk;
  resolve: (out: Float32Array) => void;
  reject: (err: Error) => void;
}

/**
 * The compiled worker script. From dist/ it sits beside this file; when the sources run directly
 * (vitest runs lib/*.ts), the build in dist/ serves (npm test builds it first).
 */
function workerScript(): string | null {
  const candidates = [
    path.join(__dirname, 'predict-worker.js'),
    path.resolve(__dirname, '..', '..', '..', 'dist', 'engine', 'js', 'predict-worker.js'),
  ];
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

class PredictPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private broken = false;
  /** Chunks handed to the pool so far (tests check that large predicts use it). */
  chunks = 0;

  constructor(private readonly script: string, readonly size: number) {}

  run(chunk: PredictChunk): Promise<Float32Array> {
    if (this.broken) return Promise.reject(new Error('the predict pool is broken'));
    this.chunks++;
    return new Promise((resolve, reject) => {
      this.queue.push({ chunk, resolve, reject });
      this.dispatch();
    });
  }

  /** False once a worker failed to start or died: callers then compute in their own thread. */
  get usable(): boolean { return !this.broken; }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (!w && this.workers.length < this.size) w = this.spawn();
      if (!w) return;
      const job = this.queue.shift()!;
      this.running.set(w, job);
      w.ref();
      const { chunk } = job;
      w.postMessage(chunk);
    }
  }

  private spawn(): Worker {
    const w = new Worker(this.script);
    this.workers.push(w);
    w.on('message', (reply: ChunkReply) => {
      const job = this.running.get(w);
      this.running.delete(w);
      w.unref();
      this.idle.push(w);
      if (job) {
        if (reply.ok) job.resolve(reply.out);
        else job.reject(new Error(reply.message));
      }
      this.dispatch();
    });
    const fail = (err: Error): void => {
      this.broken = true;
      const job = this.running.get(w);
      this.running.delete(w);
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
      const j = this.idle.indexOf(w);
      if (j >= 0) this.idle.splice(j, 1);
      if (job) job.reject(err);
      for (const q of this.queue.splice(0)) q.reject(err);
    };
    w.on('error', fail);
    w.on('exit', (code) => { if (this.workers.includes(w)) fail(new Error(`a predict worker exited with code ${code}`)); });
    w.unref();
    return w;
  }
}

let pool: PredictPool | null | undefined;

/** The shared pool, or null where it cannot help (one core) or cannot run (no compiled worker script). */
export function predictPool(): PredictPool | null {
  if (pool === undefined) {
    const size = Math.min(4, os.availableParallelism());
    const script = size >= 2 && process.env.BLASNET_JS_WORKERS !== '0' ? workerScript() : null;
    pool = script ? new PredictPool(script, size) : null;
  }
  return pool && pool.usable ? pool : null;
}
