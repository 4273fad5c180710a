// A worker: pulls training jobs from a BullMQ queue and runs each in a sandboxed child process (BullMQ's
// advice for CPU-bound jobs: the worker's event loop stays free, so its locks keep being renewed and a
// crash takes down one child, not the worker). Cancellation requests arrive on a Redis channel.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { BlasnetError, invalidArg } from '../errors';
import { intInRange, orDefault } from '../validate';
import { bullmq, cancelKey, connect, ready, resolveConnection, safeUrl, CANCEL_REASON, type ConnectionOptions } from './connection';
import type { JobProgress } from './run';
import type { WorkerJobResult } from './processor';

export interface WorkerOptions extends ConnectionOptions {
  /** Jobs run at once, each in its own child process; default 1. */
  concurrency?: number;
  /** BLAS threads per job; default max(1, floor(cores / concurrency)), so concurrent jobs do not oversubscribe the cores. */
  threads?: number;
  /** How long a job's lock lasts without renewal (ms, default 30000): after that, a job of a dead worker is retried by another. */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died (ms, default lockDurationMs). */
  stalledIntervalMs?: number;
  /** Times a job may be found stalled before it fails (default 2). */
  maxStalledCount?: number;
  /** Folders jobs may read data and models from and write results to (default: anywhere this process may). URLs stay allowed. */
  allowedPaths?: string[];
  /** What happens, for logs (the CLI prints these). */
  onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'ready'; queue: string; redis: string; concurrency: number; threads: number }
  | { type: 'active'; jobId: string; name: string; attempt: number }
  | { type: 'progress'; jobId: string; progress: JobProgress }
  | { type: 'completed'; jobId: string; name: string; result: WorkerJobResult }
  | { type: 'failed'; jobId: string; name: string; reason: string; attempt: number; attempts: number; retrying: boolean }
  | { type: 'cancel'; jobId: string }
  | { type: 'error'; message: string };

export interface JobWorker {
  /** BullMQ's worker id. */
  readonly id: string;
  readonly queue: string;
  readonly concurrency: number;
  readonly threads: number;
  /** Jobs running now. */
  readonly running: number;
  /** Stops taking jobs, lets the running ones finish (or, with force, leaves them to be retried elsewhere) and disconnects. */
  close(force?: boolean): Promise<void>;
}

function processorFile(): string {
  const file = path.join(__dirname, 'processor.js');
  if (!fs.existsSync(file)) {
    throw new BlasnetError('ERR_IO', `The job processor ${file} is missing: workers run from the built package (npm run build)`);
  }
  return file;
}

function positiveIntOr(v: unknown, name: string, dflt: number, max: number): number {
  return orDefault(v, dflt, (x) => intInRange(x, name, 1, max));
}

/** Starts a worker; it runs until close(). Resolves once it is connected. */
export async function startWorker(options: WorkerOptions = {}): Promise<JobWorker> {
  const c = resolveConnection(options);
  const concurrency = positiveIntOr(options.concurrency, 'concurrency', 1, 256);
  const threads = positiveIntOr(options.threads, 'threads', Math.max(1, Math.floor(os.availableParallelism() / concurrency)), 1024);
  const lockDuration = positiveIntOr(options.lockDurationMs, 'lockDurationMs', 30_000, 86_400_000);
  const stalledInterval = positiveIntOr(options.stalledIntervalMs, 'stalledIntervalMs', lockDuration, 86_400_000);
  const maxStalledCount = positiveIntOr(options.maxStalledCount, 'maxStalledCount', 2, 1000);
  const emit = (e: WorkerEvent): void => { try { options.onEvent?.(e); } catch { /* a logger's fault is not the worker's */ } };
  const file = processorFile();

  const conn = connect(c.redis, { maxRetriesPerRequest: null });
  const sub = connect(c.redis, { maxRetriesPerRequest: null });
  try {
    await ready(conn, c.redis);
    await ready(sub, c.redis);
  } catch (err) {
    conn.disconnect(); sub.disconnect();
    throw err;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, BLASNET_JOB_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  if (options.allowedPaths !== undefined) {
    if (!Array.isArray(options.allowedPaths) || !options.allowedPaths.every((p) => typeof p === 'string' && p !== '')) {
      throw invalidArg('allowedPaths', 'an array of folder paths', options.allowedPaths);
    }
    env.BLASNET_JOB_ALLOWED_PATHS = JSON.stringify(options.allowedPaths.map((p) => {
      try { return fs.realpathSync(path.resolve(p)); } catch { throw new BlasnetError('ERR_INVALID_ARG', `allowedPaths: ${p} does not exist`); }
    }));
  }
  if (threads < 2) env.BLASNET_JS_WORKERS = '0';
  const { Worker: BullWorker } = bullmq();
  const worker: Worker = new BullWorker(c.queue, file, {
    connection: conn, prefix: c.prefix, concurrency, lockDuration, stalledInterval, maxStalledCount,
    autorun: false, workerForkOptions: { env },
    // Keep results for a week and failures for a month, at most 10,000 each: a queue must not grow forever.
    removeOnComplete: { age: 7 * 86_400, count: 10_000 }, removeOnFail: { age: 30 * 86_400, count: 10_000 },
  });
  const active = new Set<string>();
  const key = cancelKey(c);
  const cancelIfAsked = async (ids: string[]): Promise<void> => {
    if (ids.length === 0) return;
    const flags = await conn.smismember(key, ...ids);
    ids.forEach((id, i) => { if (flags[i] === 1 && worker.cancelJob(id, CANCEL_REASON)) emit({ type: 'cancel', jobId: id }); });
  };
  worker.on('active', (job: Job) => {
    active.add(String(job.id));
    emit({ type: 'active', jobId: String(job.id), name: job.name, attempt: job.attemptsMade + 1 });
    // A job cancelled while it waited stops before it trains.
    cancelIfAsked([String(job.id)]).catch((err: Error) => emit({ type: 'error', message: err.message }));
  });
  worker.on('progress', (job: Job, p) => emit({ type: 'progress', jobId: String(job.id), progress: p as unknown as JobProgress }));
  worker.on('completed', (job: Job, result: WorkerJobResult) => {
    active.delete(String(job.id));
    emit({ type: 'completed', jobId: String(job.id), name: job.name, result });
  });
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (!job) return;
    active.delete(String(job.id));
    const attempts = job.opts.attempts ?? 1;
    const retrying = err.name !== 'UnrecoverableError' && job.attemptsMade < attempts;
    // A cancelled job is done with its request (a retry asked for later runs again).
    if (err.message.startsWith('ERR_CANCELLED:')) conn.srem(key, String(job.id)).catch(() => undefined);
    emit({ type: 'failed', jobId: String(job.id), name: job.name, reason: err.message, attempt: job.attemptsMade, attempts, retrying });
  });
  worker.on('error', (err: Error) => emit({ type: 'error', message: err.message }));

  // The channel says "cancel now"; the set (checked when a job starts and every few seconds) covers a
  // message this worker missed while it reconnected.
  sub.on('message', (_channel: string, id: string) => {
    if (worker.cancelJob(id, CANCEL_REASON)) emit({ type: 'cancel', jobId: id });
  });
  await sub.subscribe(key);
  const sweep = setInterval(() => {
    cancelIfAsked([...active]).catch((err: Error) => emit({ type: 'error', message: err.message }));
  }, 3000);
  sweep.unref();

  void worker.run().catch((err: Error) => emit({ type: 'error', message: err.message }));
  await worker.waitUntilReady();
  emit({ type: 'ready', queue: c.queue, redis: safeUrl(c.redis), concurrency, threads });

  let closing: Promise<void> | null = null;
  return {
    id: worker.id,
    queue: c.queue,
    concurrency,
    threads,
    get running() { return active.size; },
    close(force = false) {
      closing ??= (async () => {
        clearInterval(sweep);
        try {
          await worker.close(force);
        } finally {
          sub.disconnect();
          await conn.quit().catch(() => conn.disconnect());
        }
      })();
      return closing;
    },
  };
}
