// What the queue commands (worker, submit, jobs, tune) share: --redis / --queue, job files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { openQueue, type JobQueue } from '../jobs';
import { parseJobJson } from '../jobs/description';
import { CliError } from './errors';

export interface QueueFlags { redis?: string; queue?: string }

/** --redis and --queue, on every queue command. */
export function queueOptions(cmd: Command): Command {
  return cmd
    .option('--redis <url>', 'Redis: redis://host:port, rediss://..., or a unix socket path (default: $BLASNET_REDIS or redis://127.0.0.1:6379)')
    .option('--queue <name>', 'the queue (default: $BLASNET_QUEUE or blasnet)');
}

export async function withQueue<T>(o: QueueFlags, fn: (q: JobQueue) => Promise<T>): Promise<T> {
  const q = await openQueue({ redis: o.redis, queue: o.queue });
  try { return await fn(q); } finally { await q.close(); }
}

/** A job file (or - for stdin) as JSON, and the folder its relative paths are taken from. */
export function readJobFile(file: string): { description: unknown; baseDir: string } {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read: ${(err as Error).message}`);
  }
  return { description: parseJobJson(text, file === '-' ? 'stdin' : file), baseDir: file === '-' ? process.cwd() : path.dirname(path.resolve(file)) };
}
