// Workers that die: a worker killed with SIGKILL mid-job leaves its job to be taken and completed by
// another worker (its lock expires; its child process stops too), and a job whose child process crashes
// is retried with backoff. Either way the result is the model the job gives when nothing goes wrong.
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobs, setNumThreads, engineInfo } from '../../lib';
import { getEngine } from '../../lib/engine';
import { redisMissing } from '../helpers/redis';
import { alive, bits, queueFixture, writeSlowTable, SLOW_ROWS } from './workers';
// Enough epochs that the kill, sent after the first, lands while the job still trains (10 finished first once).
const EPOCHS = 25;

const engine = getEngine().name;
const missing = redisMissing();

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return cond();
}

describe.skipIf(missing)(`job queue: dying workers (${engine} engine)${missing ? ` - skipped: ${missing}` : ''}`, () => {
  // A short lock, so that a dead worker's job is noticed within seconds (the default is 30 s).
  const f = queueFixture({ queue: 'kill', workers: 2, workerArgs: ['--threads', '1', '--lock-duration', '2000'] });
  let desc: Record<string, unknown>;
  let expected: string[];

  beforeAll(async () => {
    const table = path.join(f.tmp, 'slow.csv');
    writeSlowTable(table, SLOW_ROWS);
    desc = { name: 'victim', data: { source: table, label: 'label' }, model: { hidden: [256, 256] }, fit: { epochs: EPOCHS, batchSize: 32 }, seed: 5 };
    // The workers run each job on one BLAS thread; so does the reference (multi-threaded GEMMs of this
    // size may round differently).
    const threads = engineInfo().threads;
    setNumThreads(1);
    try {
      const local = await jobs.runJob(desc);
      expected = bits(local.model);
      local.model.dispose();
    } finally {
      setNumThreads(threads);
    }
  }, 90_000);

  it('a worker killed with SIGKILL mid-job: another worker takes the job and completes it, once', async () => {
    const id = await jobs.submitJob(f.q, desc);
    let child = 0;
    const done = jobs.waitForJob(f.q, id, { timeoutMs: 90_000, onProgress: (p) => { if (p.epoch >= 1 && !child) child = p.pid!; } });
    expect(await until(() => child > 0, 60_000)).toBe(true);
    const started = new RegExp(`job ${id} \\(victim\\) started`);
    const victim = f.workers.find((w) => w.lines.some((l) => started.test(l)))!;
    const other = f.workers.find((w) => w !== victim)!;
    expect(victim).toBeDefined();
    victim.proc.kill('SIGKILL');
    await victim.exited;
    // Its child process sees the worker gone and stops instead of training for nobody.
    expect(await until(() => !alive(child), 10_000), `child ${child} of the killed worker still runs`).toBe(true);

    const r = await done;
    expect(r.pid).not.toBe(child);
    expect(other.lines.some((l) => started.test(l))).toBe(true);
    // (Its log line may come a moment after the queue's completed event.)
    await other.waitFor(new RegExp(`job ${id} \\(victim\\) completed`), 10_000);
    expect(r.epochs).toBe(EPOCHS);
    expect(bits(await jobs.modelFromResult(r))).toEqual(expected);
    expect(await jobs.jobCounts(f.q)).toMatchObject({ completed: 1, failed: 0, active: 0, waiting: 0 });
    f.workers.splice(f.workers.indexOf(victim), 1);
  }, 120_000);

  it("a job whose child process crashes is retried with backoff and completes", async () => {
    const id = await jobs.submitJob(f.q, desc, { attempts: 3, backoffMs: 200 });
    let child = 0;
    const done = jobs.waitForJob(f.q, id, { timeoutMs: 90_000, onProgress: (p) => { if (p.epoch >= 1 && !child) child = p.pid!; } });
    expect(await until(() => child > 0, 60_000)).toBe(true);
    process.kill(child, 'SIGKILL');
    const r = await done;
    expect(r.pid).not.toBe(child);
    expect(r.attempt).toBe(2);
    await Promise.any(f.workers.map((w) => w.waitFor(new RegExp(`job ${id} \\(victim\\) completed`), 10_000)));
    const log = f.workers.flatMap((w) => w.lines);
    expect(log.some((l) => new RegExp(`job ${id} \\(victim\\) failed \\(attempt 1 of 3, will be retried\\): .*SIGKILL`).test(l)), log.join('\n')).toBe(true);
    expect(bits(await jobs.modelFromResult(r))).toEqual(expected);
  }, 120_000);
});
