// Workers that die: a worker killed with SIGKILL mid-job leaves its job to be taken and completed by
// another worker (its lock expires; its child process stops too), and a job whose child process crashes
// is retried with backoff. Either way the result is the model the job gives when nothing goes wrong.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, setNumThreads, engineInfo } from '../../lib';
import { getEngine } from '../../lib/engine';
import { redisMissing, startRedis, type RedisServer } from '../helpers/redis';
import { alive, spawnWorkers, writeSlowTable, SLOW_ROWS, type WorkerProcess } from './workers';

const engine = getEngine().name;
const missing = redisMissing();

function bits(m: { getWeights(): { dataSync(): Float32Array }[] }): string[] {
  return m.getWeights().map((w) => Buffer.from(w.dataSync().slice().buffer).toString('hex'));
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return cond();
}

describe.skipIf(missing)(`job queue: dying workers (${engine} engine)${missing ? ` - skipped: ${missing}` : ''}`, () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  let q: jobs.JobQueue;
  let tmp: string;
  let desc: Record<string, unknown>;
  let expected: string[];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-kill-'));
    const table = path.join(tmp, 'slow.csv');
    writeSlowTable(table, SLOW_ROWS);
    desc = { name: 'victim', data: { source: table, label: 'label' }, model: { hidden: [256, 256] }, fit: { epochs: 10, batchSize: 32 }, seed: 5 };
    redis = await startRedis();
    // A short lock, so that a dead worker's job is noticed within seconds (the default is 30 s).
    workers = await spawnWorkers(2, ['--redis', redis.url, '--queue', 'kill', '--threads', '1', '--lock-duration', '2000']);
    q = await jobs.openQueue({ redis: redis.url, queue: 'kill' });
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

  afterAll(async () => {
    await q?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('a worker killed with SIGKILL mid-job: another worker takes the job and completes it, once', async () => {
    const id = await jobs.submitJob(q, desc);
    let child = 0;
    const done = jobs.waitForJob(q, id, { timeoutMs: 90_000, onProgress: (p) => { if (p.epoch >= 2 && !child) child = p.pid!; } });
    expect(await until(() => child > 0, 60_000)).toBe(true);
    const started = new RegExp(`job ${id} \\(victim\\) started`);
    const victim = workers.find((w) => w.lines.some((l) => started.test(l)))!;
    const other = workers.find((w) => w !== victim)!;
    expect(victim).toBeDefined();
    victim.proc.kill('SIGKILL');
    await victim.exited;
    // Its child process sees the worker gone and stops instead of training for nobody.
    expect(await until(() => !alive(child), 10_000), `child ${child} of the killed worker still runs`).toBe(true);

    const r = await done;
    expect(r.pid).not.toBe(child);
    expect(other.lines.some((l) => started.test(l))).toBe(true);
    expect(other.lines.some((l) => new RegExp(`job ${id} \\(victim\\) completed`).test(l))).toBe(true);
    expect(r.epochs).toBe(10);
    expect(bits(await jobs.modelFromResult(r))).toEqual(expected);
    expect(await jobs.jobCounts(q)).toMatchObject({ completed: 1, failed: 0, active: 0, waiting: 0 });
    workers.splice(workers.indexOf(victim), 1);
  }, 120_000);

  it("a job whose child process crashes is retried with backoff and completes", async () => {
    const id = await jobs.submitJob(q, desc, { attempts: 3, backoffMs: 200 });
    let child = 0;
    const done = jobs.waitForJob(q, id, { timeoutMs: 90_000, onProgress: (p) => { if (p.epoch >= 2 && !child) child = p.pid!; } });
    expect(await until(() => child > 0, 60_000)).toBe(true);
    process.kill(child, 'SIGKILL');
    const r = await done;
    expect(r.pid).not.toBe(child);
    expect(r.attempt).toBe(2);
    const log = workers.flatMap((w) => w.lines);
    expect(log.some((l) => new RegExp(`job ${id} \\(victim\\) failed \\(attempt 1 of 3, will be retried\\): .*SIGKILL`).test(l)), log.join('\n')).toBe(true);
    expect(bits(await jobs.modelFromResult(r))).toEqual(expected);
  }, 120_000);
});
