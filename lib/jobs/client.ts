// The client side of the job queue: submit job descriptions, follow them, read their results, cancel them.
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { BlasnetError, ERROR_CODES, invalidArg, type ErrorCode } from '../errors';
import { intInRange, orDefault } from '../validate';
import { bullmq, cancelKey, connect, ready, resolveConnection, type ConnectionOptions, type ResolvedConnection } from './connection';
import { resolveJob, toDescription } from './description';
import type { JobProgress } from './run';
import type { WorkerJobResult } from './processor';

export type JobState = 'waiting' | 'active' | 'delayed' | 'prioritized' | 'completed' | 'failed' | 'waiting-children' | 'unknown';

export interface JobStatus {
  id: string;
  name: string;
  state: JobState;
  /** The last epoch reported, while it runs and after. */
  progress: JobProgress | null;
  /** Attempts made so far, and allowed. */
  attemptsMade: number;
  attempts: number;
  /** Why the last attempt failed ("ERR_...: message" for blasnet's errors). */
  failedReason: string | null;
  cancelRequested: boolean;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface SubmitOptions {
  /** Runs allowed before the job fails (default 3); a bad description or a deterministic error fails at the first. */
  attempts?: number;
  /** First retry delay in ms, doubled at each retry (default 2000). */
  backoffMs?: number;
  /** 1 (highest) to 2,097,152; default none (first come, first served). */
  priority?: number;
  /** Your own job id (a job with an id already in the queue is not added again). */
  jobId?: string;
  /** Relative paths in the description are taken from here (default: the working directory). */
  baseDir?: string;
}

/** A queue of training jobs on Redis. Close it when done (it holds connections). */
export class JobQueue {
  private eventsConn: Redis | null = null;
  private eventsReady: Promise<QueueEvents> | null = null;

  private constructor(readonly connection: ResolvedConnection, readonly queue: Queue, private readonly redis: Redis) {}

  get name(): string { return this.connection.queue; }

  /** Opens the queue; fails with ERR_IO when Redis does not answer. */
  static async open(options: ConnectionOptions = {}): Promise<JobQueue> {
    const c = resolveConnection(options);
    const redis = connect(c.redis);
    await ready(redis, c.redis);
    const { Queue: BullQueue } = bullmq();
    const queue = new BullQueue(c.queue, { connection: redis, prefix: c.prefix });
    queue.on('error', () => { /* reported by the call that fails */ });
    // Each job being waited for listens for the queue closing.
    queue.setMaxListeners(0);
    return new JobQueue(c, queue, redis);
  }

  /** The queue's event stream (progress, completed, failed), opened on first use. */
  async queueEvents(): Promise<QueueEvents> {
    this.eventsReady ??= (async () => {
      const conn = connect(this.connection.redis, { maxRetriesPerRequest: null });
      this.eventsConn = conn;
      await ready(conn, this.connection.redis);
      const { QueueEvents: BullEvents } = bullmq();
      const ev = new BullEvents(this.connection.queue, { connection: conn, prefix: this.connection.prefix });
      ev.on('error', () => { /* reconnects by itself */ });
      ev.setMaxListeners(0);
      await ev.waitUntilReady();
      return ev;
    })();
    return this.eventsReady;
  }

  /** The Redis connection (for cancellation flags). */
  get client(): Redis { return this.redis; }

  async close(): Promise<void> {
    if (this.eventsReady) {
      const ev = await this.eventsReady.catch(() => null);
      await ev?.close().catch(() => undefined);
      this.eventsConn?.disconnect();
    }
    await this.queue.close().catch(() => undefined);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Opens a queue (see JobQueue.open). */
export function openQueue(options: ConnectionOptions = {}): Promise<JobQueue> {
  return JobQueue.open(options);
}

function checkQueue(q: unknown): asserts q is JobQueue {
  if (!(q instanceof JobQueue)) throw invalidArg('queue', 'a JobQueue from openQueue()', q);
}

function jobOptions(o: SubmitOptions): Record<string, unknown> {
  if (o === null || typeof o !== 'object') throw invalidArg('submit options', 'an object', o);
  const int = (v: unknown, name: string, min: number, max: number): number | undefined => orDefault(v, undefined, (x) => intInRange(x, name, min, max));
  const attempts = int(o.attempts, 'attempts', 1, 1000) ?? 3;
  const delay = int(o.backoffMs, 'backoffMs', 0, 86_400_000) ?? 2000;
  const priority = int(o.priority, 'priority', 1, 2_097_152);
  if (o.jobId !== undefined && (typeof o.jobId !== 'string' || !/^[A-Za-z0-9_.-]{1,200}$/.test(o.jobId) || /^\d+$/.test(o.jobId))) {
    // BullMQ numbers its own ids: an all-digit id of ours could collide with one of them.
    throw invalidArg('jobId', 'an id of letters, digits, "_", "." and "-" that is not only digits', o.jobId);
  }
  return {
    attempts, backoff: { type: 'exponential', delay },
    ...(priority !== undefined ? { priority } : {}), ...(o.jobId !== undefined ? { jobId: o.jobId } : {}),
    removeOnComplete: { age: 7 * 86_400, count: 10_000 }, removeOnFail: { age: 30 * 86_400, count: 10_000 },
  };
}

/** Validates each description (an error names the job and the field) and adds them all at once; resolves to their ids. */
export async function submitJobs(q: JobQueue, descriptions: unknown[], options: SubmitOptions = {}): Promise<string[]> {
  checkQueue(q);
  if (!Array.isArray(descriptions)) throw invalidArg('descriptions', 'an array of job descriptions', descriptions);
  if (options.jobId !== undefined && descriptions.length > 1) throw invalidArg('jobId', 'no jobId when several jobs are submitted', options.jobId);
  const opts = jobOptions(options);
  const entries = descriptions.map((d, i) => {
    let job;
    try {
      job = resolveJob(d, { baseDir: options.baseDir });
    } catch (err) {
      if (err instanceof BlasnetError && descriptions.length > 1) throw new BlasnetError(err.code, `job ${i + 1} of ${descriptions.length}: ${err.message}`);
      throw err;
    }
    return { name: job.name ?? 'train', data: toDescription(job), opts };
  });
  const jobs = await q.queue.addBulk(entries);
  return jobs.map((j) => String(j.id));
}

/** Validates a description and adds it to the queue; resolves to the job's id. */
export async function submitJob(q: JobQueue, description: unknown, options: SubmitOptions = {}): Promise<string> {
  return (await submitJobs(q, [description], options))[0]!;
}

async function getJob(q: JobQueue, id: string): Promise<Job> {
  checkQueue(q);
  if (typeof id !== 'string' || id === '') throw invalidArg('job id', 'a job id string', id);
  const job = await q.queue.getJob(id);
  if (!job) throw new BlasnetError('ERR_INVALID_ARG', `No job ${id} in queue ${q.name} (finished jobs are kept 7 days, failed ones 30)`);
  return job;
}

function progressOf(p: unknown): JobProgress | null {
  return p !== null && typeof p === 'object' && typeof (p as JobProgress).epoch === 'number' ? p as JobProgress : null;
}

async function statusOf(q: JobQueue, job: Job, state?: JobState): Promise<JobStatus> {
  const id = String(job.id);
  const [st, flagged] = await Promise.all([
    state ?? (job.getState() as Promise<JobState>),
    q.client.sismember(cancelKey(q.connection), id),
  ]);
  return {
    id, name: job.name, state: st,
    progress: progressOf(job.progress),
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    failedReason: job.failedReason || null,
    cancelRequested: flagged === 1,
    createdAt: job.timestamp,
    startedAt: job.processedOn ?? null,
    finishedAt: job.finishedOn ?? null,
  };
}

/** Where a job is: state, last epoch, attempts, failure reason. */
export async function getJobStatus(q: JobQueue, id: string): Promise<JobStatus> {
  return statusOf(q, await getJob(q, id));
}

const LIST_STATES: JobState[] = ['active', 'waiting', 'prioritized', 'delayed', 'failed', 'completed'];

/** The most recent jobs (newest first), with their states; at most `limit` (default 50) of each state. */
export async function listJobs(q: JobQueue, options: { states?: JobState[]; limit?: number } = {}): Promise<JobStatus[]> {
  checkQueue(q);
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalidArg('limit', 'an integer from 1 to 10000', limit);
  const out: JobStatus[] = [];
  for (const st of options.states ?? LIST_STATES) {
    const jobs = await q.queue.getJobs([st as 'active'], 0, limit - 1, false);
    for (const j of jobs) if (j) out.push(await statusOf(q, j as Job, st));
  }
  const num = (s: string): number => (/^\d+$/.test(s) ? Number(s) : Number.MAX_SAFE_INTEGER);
  return out.sort((a, b) => b.createdAt - a.createdAt || num(b.id) - num(a.id));
}

/** Jobs per state. */
export async function jobCounts(q: JobQueue): Promise<Record<string, number>> {
  checkQueue(q);
  return q.queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed');
}

/** The error a failed job's reason stands for: its blasnet code when it has one. */
export function jobFailure(id: string, reason: string): BlasnetError {
  const m = /^(ERR_[A-Z_]+): /.exec(reason);
  const code = (m && m[1]! in ERROR_CODES ? m[1] : 'ERR_IO') as ErrorCode;
  const err = new BlasnetError(code, `Job ${id} failed: ${m && m[1]! in ERROR_CODES ? reason.slice(m[0].length) : reason}`);
  return Object.assign(err, { jobId: id, failedReason: reason });
}

/** The result of a completed job; a failed job's reason as an error; ERR_INVALID_ARG while it has not finished. */
export async function getJobResult(q: JobQueue, id: string): Promise<WorkerJobResult> {
  const job = await getJob(q, id);
  const state = await job.getState();
  if (state === 'completed') return job.returnvalue as WorkerJobResult;
  if (state === 'failed') throw jobFailure(id, job.failedReason);
  throw new BlasnetError('ERR_INVALID_ARG', `Job ${id} has not finished (it is ${state})`);
}

export interface WaitOptions {
  /** Called with each epoch's progress while the job runs. */
  onProgress?: (progress: JobProgress) => void;
  /** Give up after this long (ms) with ERR_TIMEOUT; default: wait as long as it takes. */
  timeoutMs?: number;
}

/** Resolves to the job's result when it completes; rejects with its failure (code from the reason) when it fails. */
export async function waitForJob(q: JobQueue, id: string, options: WaitOptions = {}): Promise<WorkerJobResult> {
  // At most what a Node timer holds: a longer one fires at once.
  const timeoutMs = orDefault(options.timeoutMs, undefined, (x) => intInRange(x, 'timeoutMs', 1, 2 ** 31 - 1));
  const job = await getJob(q, id);
  const ev = await q.queueEvents();
  const onProgress = options.onProgress;
  const listener = ({ jobId, data }: { jobId: string; data: unknown }): void => {
    const p = progressOf(data);
    if (jobId === id && p) onProgress!(p);
  };
  if (onProgress) ev.on('progress', listener);
  try {
    return (await job.waitUntilFinished(ev, timeoutMs)) as WorkerJobResult;
  } catch (err) {
    const msg = (err as Error).message;
    if (timeoutMs !== undefined && /timed out before finishing/.test(msg)) {
      throw new BlasnetError('ERR_TIMEOUT', `Job ${id} did not finish within ${timeoutMs} ms`);
    }
    throw jobFailure(id, msg);
  } finally {
    if (onProgress) ev.off('progress', listener);
  }
}

/**
 * Asks for a job to stop: a running job stops at the end of its current epoch and fails with
 * ERR_CANCELLED; a waiting one fails so when a worker takes it. A finished job is left as it is.
 */
export async function cancelJob(q: JobQueue, id: string): Promise<{ id: string; state: JobState; cancelled: boolean }> {
  const job = await getJob(q, id);
  const state = (await job.getState()) as JobState;
  if (state === 'completed' || state === 'failed') return { id, state, cancelled: false };
  const key = cancelKey(q.connection);
  await q.client.multi().sadd(key, id).expire(key, 30 * 86_400).publish(key, id).exec();
  return { id, state, cancelled: true };
}
