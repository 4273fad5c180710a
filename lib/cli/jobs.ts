// The CLI's job-queue commands: worker, submit and jobs (status, results, cancel); tune is in tune.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { BlasnetError } from '../index';
import { formatLogs as fmtLogs } from '../model/progress';
import type { Print } from './commands';
import { CliError } from './errors';
import { intOption } from './flags';
import {
  openQueue, submitJobs, waitForJob, getJobStatus, getJobResult, listJobs, jobCounts, cancelJob, startWorker, modelFromResult,
  type JobQueue, type JobStatus, type WorkerEvent, type WorkerJobResult,
} from '../jobs';
import { queueOptions, readJobFile, withQueue, type QueueFlags } from './queue-options';
import { registerTune } from './tune';

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

function secs(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The line that sums up a finished job: epochs, its validation (else training) scores, where the model is. */
export function resultLine(r: WorkerJobResult): string {
  const scores = r.scores.validation ? Object.fromEntries(Object.entries(r.scores.validation).map(([k, v]) => [`val_${k}`, v])) : r.scores.train;
  const where = r.model.dir ? ` -> ${r.model.dir}` : '';
  return `${r.epochs} epoch${r.epochs === 1 ? '' : 's'}${r.stoppedEarly ? ' (early stopping)' : ''} in ${secs(r.durationMs)}: ${fmtLogs(scores)}${where}`;
}

function workerLine(e: WorkerEvent, logEpochs: boolean): string | null {
  switch (e.type) {
    case 'ready': return `worker ready: queue ${e.queue} on ${e.redis}, ${e.concurrency} job${e.concurrency === 1 ? '' : 's'} at a time, ` +
      `${e.threads} BLAS thread${e.threads === 1 ? '' : 's'} per job`;
    case 'active': return `job ${e.jobId} (${e.name}) started${e.attempt > 1 ? `, attempt ${e.attempt}` : ''}`;
    case 'progress': return logEpochs ? `job ${e.jobId} epoch ${e.progress.epoch}/${e.progress.epochs}: ${fmtLogs(e.progress.logs)}` : null;
    case 'completed': return `job ${e.jobId} (${e.name}) completed: ${resultLine(e.result)}`;
    case 'failed':
      if (e.reason.startsWith('ERR_CANCELLED:')) return `job ${e.jobId} (${e.name}) cancelled: ${e.reason.slice('ERR_CANCELLED: '.length)}`;
      return `job ${e.jobId} (${e.name}) failed (attempt ${e.attempt} of ${e.attempts}${e.retrying ? ', will be retried' : ''}): ${e.reason}`;
    case 'cancel': return `job ${e.jobId}: cancellation requested, stopping at the end of the epoch`;
    case 'error': return `error: ${e.message}`;
  }
}

function statusLine(s: JobStatus): string {
  const p = s.progress;
  const bits = [`job ${s.id}`, s.name, s.state + (s.cancelRequested && s.state !== 'completed' && s.state !== 'failed' ? ' (cancel requested)' : '')];
  if (p) bits.push(`epoch ${p.epoch}/${p.epochs}${s.state === 'active' ? `${p.host ? ` on ${p.host} (pid ${p.pid})` : ''}: ${fmtLogs(p.logs)}` : ''}`);
  if (s.attemptsMade > 1 || (s.attemptsMade > 0 && s.state !== 'completed' && s.state !== 'failed')) bits.push(`attempts ${s.attemptsMade}/${s.attempts}`);
  if (s.state === 'failed' && s.failedReason) bits.push(s.failedReason);
  return bits.join(' - ');
}

async function saveModel(r: WorkerJobResult, out: string): Promise<void> {
  const model = await modelFromResult(r);
  try {
    await model.save(out);
  } catch (err) {
    if (err instanceof BlasnetError) throw new CliError(`cannot save the model to ${out}: ${err.message}`);
    throw err;
  } finally {
    model.dispose();
  }
}

export function registerJobCommands(program: Command, print: Print): void {
  queueOptions(program.command('worker')
    .description('run training jobs from a queue, each in a child process, until stopped (SIGINT/SIGTERM: finish the running jobs and exit)'))
    .addOption(intOption('--concurrency <n>', 'jobs at a time', 1, 256).default(1))
    .addOption(intOption('--threads <n>', 'BLAS threads per job (default: cores / concurrency)', 1, 1024))
    .addOption(intOption('--lock-duration <ms>', "how long a job's lock lasts unrenewed: a dead worker's job is retried elsewhere after this", 1000).default(30_000))
    .option('--allow-path <dir>', 'jobs may read and write only inside this folder (repeatable; URLs stay allowed)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--log-epochs', 'log every epoch of every job')
    .action(async (o: QueueFlags & { concurrency: number; threads?: number; lockDuration: number; allowPath?: string[]; logEpochs?: boolean }, cmd: Command) => {
      const quiet = Boolean(cmd.optsWithGlobals().quiet);
      const log = (e: WorkerEvent): void => {
        const line = workerLine(e, Boolean(o.logEpochs));
        if (line && (!quiet || e.type === 'error')) (e.type === 'error' ? process.stderr : process.stdout).write(`[${time()}] ${line}\n`);
      };
      const worker = await startWorker({ redis: o.redis, queue: o.queue, concurrency: o.concurrency, threads: o.threads, lockDurationMs: o.lockDuration, allowedPaths: o.allowPath, onEvent: log });
      await new Promise<void>((resolve) => {
        let stops = 0;
        const stop = (sig: string): void => {
          stops++;
          if (stops === 1) {
            if (!quiet) print(`[${time()}] ${sig}: finishing ${worker.running} running job${worker.running === 1 ? '' : 's'} (again to stop now; they will be retried elsewhere)`);
            void worker.close().finally(resolve);
          } else {
            void worker.close(true).finally(resolve);
          }
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
    });

  queueOptions(program.command('submit')
    .description('add training jobs (JSON job descriptions) to a queue and print their ids')
    .argument('<job.json...>', 'job description files (- for stdin); relative paths in them are taken from the file\'s folder'))
    .addOption(intOption('--attempts <n>', 'runs allowed when a job fails for a reason that may pass (a crash, I/O)', 1, 1000).default(3))
    .addOption(intOption('--priority <n>', '1 (highest) to 2097152; default: first come, first served', 1, 2_097_152))
    .option('--job-id <id>', 'your own id for the job (one job only)')
    .option('--wait', 'follow the jobs to the end and print their results (exit 1 if one fails)')
    .option('--out <dir>', 'with --wait and one job: save its model here')
    .action(async (files: string[], o: QueueFlags & { attempts: number; priority?: number; jobId?: string; wait?: boolean; out?: string }, cmd: Command) => {
      if (o.out && (!o.wait || files.length !== 1)) throw new CliError('--out needs --wait and a single job file', 2);
      if (o.jobId !== undefined && files.length !== 1) throw new CliError('--job-id names one job: give a single job file', 2);
      const quiet = Boolean(cmd.optsWithGlobals().quiet);
      const jobs = files.map(readJobFile);
      for (const j of jobs) warnMissingSource(j.description, j.baseDir);
      await withQueue(o, async (q) => {
        const ids: string[] = [];
        for (const j of jobs) {
          ids.push(...await submitJobs(q, [j.description], { attempts: o.attempts, priority: o.priority, jobId: o.jobId, baseDir: j.baseDir }));
        }
        for (const id of ids) print(id);
        if (!o.wait) return;
        let failed = 0;
        await Promise.all(ids.map(async (id) => {
          try {
            const r = await waitForJob(q, id, {
              // A terminal shows the epoch on one line; logs get the summary line only.
              onProgress: (p) => { if (!quiet && process.stderr.isTTY) process.stderr.write(`\r\x1b[2Kjob ${id} epoch ${p.epoch}/${p.epochs}: ${fmtLogs(p.logs)}`); },
            });
            if (!quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
            print(`job ${id} completed: ${resultLine(r)}`);
            if (o.out) { await saveModel(r, o.out); print(`Saved the model to ${o.out}/`); }
          } catch (err) {
            failed++;
            process.stderr.write(`blasnet: ${(err as Error).message}\n`);
          }
        }));
        if (failed > 0) throw new CliError(`${failed} of ${ids.length} job${ids.length === 1 ? '' : 's'} failed`);
      });
    });

  const jobs = program.command('jobs').description('status, results and cancellation of queued jobs');
  queueOptions(jobs.command('status', { isDefault: true })
    .description('counts per state and the latest jobs, or the given jobs')
    .argument('[ids...]', 'job ids (default: the latest jobs)'))
    .addOption(intOption('--limit <n>', 'at most this many jobs per state', 1, 10_000).default(20))
    .option('--json', 'print JSON')
    .action(async (ids: string[], o: QueueFlags & { limit: number; json?: boolean }) => {
      await withQueue(o, async (q) => {
        if (ids.length > 0) {
          const all = await Promise.all(ids.map((id) => getJobStatus(q, id)));
          if (o.json) print(JSON.stringify(all, null, 1));
          else for (const s of all) print(statusLine(s));
          return;
        }
        const [counts, list] = await Promise.all([jobCounts(q), listJobs(q, { limit: o.limit })]);
        if (o.json) { print(JSON.stringify({ counts, jobs: list }, null, 1)); return; }
        print(`queue ${q.name}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
        for (const s of list) print(statusLine(s));
      });
    });
  queueOptions(jobs.command('results')
    .description("a finished job's result: epochs, scores, where its model is")
    .argument('<id>', 'job id'))
    .option('--out <dir>', 'save the model here (with its preprocessor and classes, ready for blasnet predict)')
    .option('--json', 'print the whole result as JSON (with the history of every epoch)')
    .action(async (id: string, o: QueueFlags & { out?: string; json?: boolean }) => {
      await withQueue(o, async (q) => {
        const r = await getJobResult(q, id);
        if (o.json) {
          const { model, ...rest } = r;
          print(JSON.stringify({ ...rest, model: model.dir ? { dir: model.dir } : { inline: `(${model.inline ? 'the model; use --out to save it' : 'none'})` } }, null, 1));
        } else {
          print(`job ${id}${r.name ? ` (${r.name})` : ''}: ${resultLine(r)}`);
          print(`Training rows (${r.rows.train}): ${fmtLogs(r.scores.train)}`);
          if (r.scores.validation) print(`Validation rows (${r.rows.validation}): ${fmtLogs(r.scores.validation)}`);
          print(`Ran on ${r.host} (pid ${r.pid}), ${r.engine} engine, ${r.threads} BLAS thread${r.threads === 1 ? '' : 's'}, attempt ${r.attempt}`);
        }
        if (o.out) { await saveModel(r, o.out); if (!o.json) print(`Saved the model to ${o.out}/`); }
      });
    });
  queueOptions(jobs.command('cancel')
    .description('stop jobs: a running job stops at the end of its epoch, a waiting one does not start')
    .argument('<ids...>', 'job ids'))
    .action(async (ids: string[], o: QueueFlags) => {
      await withQueue(o, async (q) => {
        for (const id of ids) {
          const r = await cancelJob(q, id);
          print(r.cancelled ? `job ${id}: cancelling (it was ${r.state})` : `job ${id}: already ${r.state}, nothing to cancel`);
        }
      });
    });

  registerTune(program, print);
}

/** A warning (not an error) when a job's data is not visible from here: the workers may still see it. */
function warnMissingSource(description: unknown, baseDir: string): void {
  const src = (description as { data?: { source?: unknown } } | null)?.data?.source;
  if (typeof src !== 'string' || /^https?:\/\//i.test(src)) return;
  const p = path.resolve(baseDir, src.replace(/^file:\/\//, ''));
  if (!fs.existsSync(p)) process.stderr.write(`blasnet: warning: ${p} does not exist here; the workers must be able to read it\n`);
}

