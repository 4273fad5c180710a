// The sandboxed processor: BullMQ forks a child process that loads this file and hands it one job at a
// time, so training never blocks the worker's event loop and its lock renewal keeps running. A job that
// cannot succeed (a bad description, a deterministic failure such as a NaN loss) fails at once with
// UnrecoverableError; only what may pass (I/O, a crash, a lost machine) is retried.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SandboxedJob } from 'bullmq';
import { setNumThreads } from '../engine';
import { BlasnetError } from '../errors';
import { bullmq, CANCEL_REASON } from './connection';
import { resolveJob, type ResolvedJob } from './description';
import { runJob, type JobProgress, type JobResult } from './run';

/** Codes of failures that may not recur: those jobs are retried (with backoff); all others fail at once. */
export const RETRYABLE_CODES = new Set(['ERR_IO', 'ERR_TIMEOUT', 'ERR_OUT_OF_MEMORY']);

/** The result stored with a completed job: runJob's, and where and how it ran. */
export interface WorkerJobResult extends JobResult {
  jobId: string;
  attempt: number;
  host: string;
  pid: number;
}

// The worker that forked this process is gone (killed, crashed): its jobs will be retried elsewhere,
// so this one stops instead of training for nobody.
process.on('disconnect', () => process.exit(1));

const threads = Number(process.env.BLASNET_JOB_THREADS);

/**
 * Epochs are reported as they end, but at most this often (and always the last one): each report is a
 * Redis write and an event every follower reads, which for epochs of a few milliseconds would cost more
 * than the training. The History in the result has every epoch.
 */
export const PROGRESS_INTERVAL_MS = 200;
let threadsSet = false;

const allowed: string[] | null = process.env.BLASNET_JOB_ALLOWED_PATHS ? JSON.parse(process.env.BLASNET_JOB_ALLOWED_PATHS) as string[] : null;

/** The real path of p, or of its deepest existing ancestor joined with the rest (symlinks cannot lead out). */
function realish(p: string): string {
  let head = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try { return path.join(fs.realpathSync(head), ...rest); } catch { /* not there yet */ }
    const up = path.dirname(head);
    if (up === head) return path.join(head, ...rest);
    rest.unshift(path.basename(head));
    head = up;
  }
}

/** With --allow-path, a job may read and write only inside those folders (anyone who can write to Redis can submit jobs). */
function checkPaths(job: ResolvedJob): void {
  if (!allowed) return;
  const fields: [string, string | null][] = [['job.data.source', job.data.source], ['job.model.from', job.model.from], ['job.result.dir', job.result.dir]];
  for (const [field, p] of fields) {
    if (p === null || /^https?:\/\//i.test(p)) continue;
    const real = realish(p);
    if (!allowed.some((root) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep))) {
      throw new BlasnetError('ERR_INVALID_ARG', `${field} ${p} is outside the folders this worker allows (${allowed.join(', ')})`);
    }
  }
}

function failure(err: unknown): Error {
  const { UnrecoverableError } = bullmq();
  if (err instanceof BlasnetError) {
    const msg = `${err.code}: ${err.message}`;
    return RETRYABLE_CODES.has(err.code) ? new Error(msg) : new UnrecoverableError(msg);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** A path segment from a queue name or job id (they are checked, but a foreign producer may choose ids). */
function segment(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
}

export default async function processJob(job: SandboxedJob, _token?: string, signal?: AbortSignal): Promise<WorkerJobResult> {
  try {
    if (!threadsSet && Number.isInteger(threads) && threads >= 1) { setNumThreads(threads); threadsSet = true; }
    const resolved = resolveJob(job.data);
    checkPaths(resolved);
    const id = String(job.id);
    const resultPath = resolved.result.dir ? path.join(resolved.result.dir, segment(job.queueName), segment(id)) : undefined;
    // Only a cancellation asked for through the queue stops the job; any other abort is BullMQ's business.
    const cancel = new AbortController();
    const onAbort = (): void => { if (signal?.reason === CANCEL_REASON) cancel.abort(CANCEL_REASON); };
    if (signal?.aborted) onAbort(); else signal?.addEventListener('abort', onAbort, { once: true });
    let lastReport = 0;
    const { result, model } = await runJob(job.data, {
      signal: cancel.signal,
      resultPath,
      // Where it runs goes with the epoch, so that a status shows which machine and process train it.
      onEpoch: (p: JobProgress) => {
        const now = Date.now();
        if (p.epoch < p.epochs && now - lastReport < PROGRESS_INTERVAL_MS && !cancel.signal.aborted) return;
        lastReport = now;
        return job.updateProgress({ ...p, host: os.hostname(), pid: process.pid });
      },
    });
    model.dispose();
    return { ...result, jobId: id, attempt: job.attemptsMade + 1, host: os.hostname(), pid: process.pid };
  } catch (err) {
    throw failure(err);
  }
}
