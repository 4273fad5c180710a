// The job queue end to end on a real redis-server: several `blasnet worker` processes run 40 small jobs
// (each completes once, with the weights of the same job run here with fit), bad descriptions fail at
// once with their error as the failure reason, failures that may pass are retried with backoff, and
// cancellation stops a running job at the next epoch.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobs } from '../../lib';
import { getEngine } from '../../lib/engine';
import { redisMissing } from '../helpers/redis';
import { bits, queueFixture, spawnWorker, writeSlowTable, SLOW_ROWS, ROOT, type WorkerProcess } from './workers';

const IRIS = path.join(ROOT, 'data', 'iris.csv');
const engine = getEngine().name;
const missing = redisMissing();

describe.skipIf(missing)(`job queue: worker processes on one Redis (${engine} engine)${missing ? ` - skipped: ${missing}` : ''}`, () => {
  const f = queueFixture({ queue: 'q40', workers: 3, workerArgs: ['--concurrency', '1'] });

  it('40 jobs: every one completes exactly once, with the same weights as the job run here with fit', async () => {
    const resultDir = path.join(f.tmp, 'results');
    const descs = Array.from({ length: 40 }, (_, i) => ({
      name: `small-${i}`,
      data: { source: IRIS, label: 'label' },
      model: { hidden: [[8], [16], [8, 8], [12]][i % 4] },
      compile: { learningRate: [0.01, 0.005][i % 2] },
      fit: { epochs: 12, batchSize: 16, validationSplit: i % 3 === 0 ? 0.2 : 0 },
      seed: 100 + i,
      result: i % 5 === 0 ? { dir: resultDir } : {},
    }));
    const ev = await f.q.queueEvents();
    const completions = new Map<string, number>();
    const onCompleted = ({ jobId }: { jobId: string }): void => { completions.set(jobId, (completions.get(jobId) ?? 0) + 1); };
    ev.on('completed', onCompleted);
    const ids = await jobs.submitJobs(f.q, descs);
    expect(new Set(ids).size).toBe(40);
    const results = await Promise.all(ids.map((id) => jobs.waitForJob(f.q, id, { timeoutMs: 100_000 })));
    ev.off('completed', onCompleted);

    expect(await jobs.jobCounts(f.q)).toMatchObject({ completed: 40, failed: 0, active: 0, waiting: 0 });
    for (const id of ids) expect(completions.get(id), `completed events of job ${id}`).toBe(1);
    // The workers' log lines may come a moment after the queue's events.
    const logged = (id: string) => f.workers.some((w) => w.lines.some((l) => new RegExp(`job ${id} \\(small-\\d+\\) completed`).test(l)));
    for (const end = Date.now() + 10_000; !ids.every(logged) && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
    const logs = f.workers.flatMap((w) => w.lines);
    for (const id of ids) {
      expect(logs.filter((l) => new RegExp(`job ${id} \\(small-\\d+\\) completed`).test(l)), `job ${id} in the worker logs`).toHaveLength(1);
      expect(logs.filter((l) => new RegExp(`job ${id} \\(small-\\d+\\) started`).test(l))).toHaveLength(1);
    }
    // The work was shared: more than one worker's child process trained.
    expect(new Set(results.map((r) => r.pid)).size).toBeGreaterThan(1);

    for (const [i, r] of results.entries()) {
      expect(r.jobId).toBe(ids[i]);
      expect(r.name).toBe(`small-${i}`);
      expect(r.engine).toBe(engine);
      expect(r.epochs).toBe(12);
      if (i % 5 === 0) {
        expect(r.model.dir).toBe(path.join(resultDir, 'q40', ids[i]!));
        expect(r.model.inline).toBeUndefined();
        expect(JSON.parse(fs.readFileSync(path.join(r.model.dir!, 'history.json'), 'utf8')).history.loss).toEqual(r.history.loss);
      } else {
        expect(r.model.inline).toBeDefined();
      }
      const local = await jobs.runJob(descs[i], { resultPath: path.join(f.tmp, 'local', String(i)) });
      const remote = await jobs.modelFromResult(r);
      expect(bits(remote), `weights of job ${i}`).toEqual(bits(local.model));
      expect(r.history).toEqual(local.result.history);
      remote.dispose();
      local.model.dispose();
    }
  }, 120_000);

  it('a bad job description fails at once (no retry), with its error as the failure reason', async () => {
    const t0 = Date.now();
    // Added by another producer without blasnet's checks: the worker validates it and refuses it.
    const raw = await f.q.queue.add('raw', { data: { source: IRIS, label: 'label' }, fit: { epochs: 0 } }, { attempts: 5, backoff: { type: 'fixed', delay: 1000 } });
    const noColumn = await jobs.submitJob(f.q, { data: { source: IRIS, label: 'species' } }, { attempts: 5, backoffMs: 1000 });
    const badLoss = await jobs.submitJob(f.q, { data: { source: IRIS, label: 'label' }, compile: { loss: 'meanSquaredErr' } }, { attempts: 5, backoffMs: 1000 });
    const cases: [string, string, RegExp][] = [
      [String(raw.id), 'ERR_INVALID_ARG', /^ERR_INVALID_ARG: Expected an integer from 1 to 1000000 for job\.fit\.epochs but received 0$/],
      [noColumn, 'ERR_INVALID_ARG', /^ERR_INVALID_ARG: .*iris\.csv: no label column named "species"; the columns are: sepal_length_cm/],
      [badLoss, 'ERR_UNKNOWN_NAME', /^ERR_UNKNOWN_NAME: job\.compile: .*meanSquaredErr/],
    ];
    for (const [id, code, reason] of cases) {
      await expect(jobs.waitForJob(f.q, id, { timeoutMs: 60_000 })).rejects.toMatchObject({ code });
      const st = await jobs.getJobStatus(f.q, id);
      expect(st.state).toBe('failed');
      expect(st.failedReason).toMatch(reason);
      expect(st.attemptsMade).toBe(1);
      expect(st.attempts).toBe(5);
    }
    // With 5 attempts 1 s apart, a retried job would still be waiting.
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 60_000);

  it('a failure that may pass (HTTP 503 for the data) is retried with backoff, then fails with the reason', async () => {
    let requests = 0;
    const server = http.createServer((_req, res) => { requests++; res.writeHead(503).end('busy'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/iris.csv`;
      const t0 = Date.now();
      const id = await jobs.submitJob(f.q, { data: { source: url, label: 'label' } }, { attempts: 3, backoffMs: 300 });
      await expect(jobs.waitForJob(f.q, id, { timeoutMs: 60_000 })).rejects.toMatchObject({ code: 'ERR_IO', message: expect.stringMatching(/HTTP 503/) });
      const st = await jobs.getJobStatus(f.q, id);
      expect(st.attemptsMade).toBe(3);
      expect(requests).toBe(3);
      // Exponential backoff: 300 ms, then 600 ms.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    } finally {
      server.close();
    }
  }, 60_000);

  it('cancellation stops a running job at the next epoch, and a waiting job before it trains', async () => {
    const table = path.join(f.tmp, 'slow.csv');
    writeSlowTable(table, SLOW_ROWS);
    const desc = { name: 'long', data: { source: table, label: 'label' }, model: { hidden: [256, 256] }, fit: { epochs: 10_000, batchSize: 32 } };
    const id = await jobs.submitJob(f.q, desc);
    let seen = 0;
    let asked = -1;
    const done = jobs.waitForJob(f.q, id, {
      timeoutMs: 60_000,
      onProgress: (p) => {
        seen = Math.max(seen, p.epoch);
        if (asked < 0 && p.epoch >= 2) {
          asked = p.epoch;
          void jobs.cancelJob(f.q, id).then((r) => expect(r).toEqual({ id, state: 'active', cancelled: true }));
        }
      },
    });
    const err = await done.then(() => null, (e: Error) => e);
    expect(err).toMatchObject({ code: 'ERR_CANCELLED' });
    const m = /cancelled after epoch (\d+) of 10000/.exec(err!.message);
    expect(m, err!.message).not.toBeNull();
    const stoppedAt = Number(m![1]);
    // The epoch running when the request arrived ends, and no other starts (a little slack for the messages in flight).
    expect(stoppedAt).toBeGreaterThanOrEqual(asked);
    expect(stoppedAt - asked).toBeLessThanOrEqual(3);
    const st = await jobs.getJobStatus(f.q, id);
    expect(st.state).toBe('failed');
    expect(st.attemptsMade).toBe(1);
    expect(st.progress!.epoch).toBe(stoppedAt);
    expect(await jobs.cancelJob(f.q, id)).toEqual({ id, state: 'failed', cancelled: false });

    // A job cancelled while no worker serves its queue never trains once one does.
    const idle = await jobs.openQueue({ redis: f.redis.url, queue: 'idle' });
    let late: WorkerProcess | null = null;
    try {
      const wid = await jobs.submitJob(idle, desc);
      expect(await jobs.cancelJob(idle, wid)).toEqual({ id: wid, state: 'waiting', cancelled: true });
      expect((await jobs.getJobStatus(idle, wid)).cancelRequested).toBe(true);
      late = spawnWorker(['--redis', f.redis.url, '--queue', 'idle']);
      const e2 = await jobs.waitForJob(idle, wid, { timeoutMs: 60_000 }).then(() => null, (e: Error) => e);
      expect(e2).toMatchObject({ code: 'ERR_CANCELLED' });
      expect(e2!.message).toMatch(/cancelled (before it started|while reading its data|after epoch 1 of)/);
    } finally {
      await late?.stop();
      await idle.close();
    }
  }, 120_000);

  it('a worker started with --allow-path runs only jobs whose files are inside those folders', async () => {
    const inside = path.join(f.tmp, 'allowed');
    fs.mkdirSync(inside);
    fs.copyFileSync(IRIS, path.join(inside, 'iris.csv'));
    fs.symlinkSync(IRIS, path.join(inside, 'link.csv'));
    const fenced = await jobs.openQueue({ redis: f.redis.url, queue: 'fenced' });
    const w = spawnWorker(['--redis', f.redis.url, '--queue', 'fenced', '--allow-path', inside]);
    try {
      await w.waitFor(/worker ready/);
      const job = (source: string, dir?: string) => ({ data: { source, label: 'label' }, model: { hidden: [4] }, fit: { epochs: 2 }, ...(dir ? { result: { dir } } : {}) });
      const good = await jobs.submitJob(fenced, job(path.join(inside, 'iris.csv'), path.join(inside, 'models')));
      expect((await jobs.waitForJob(fenced, good, { timeoutMs: 60_000 })).model.dir).toBe(path.join(inside, 'models', 'fenced', good));
      for (const [source, dir, field] of [[IRIS, undefined, 'job.data.source'], [path.join(inside, 'link.csv'), undefined, 'job.data.source'],
        [path.join(inside, 'iris.csv'), path.join(f.tmp, 'elsewhere'), 'job.result.dir']] as const) {
        const id = await jobs.submitJob(fenced, job(source, dir), { attempts: 3 });
        await expect(jobs.waitForJob(fenced, id, { timeoutMs: 60_000 })).rejects.toMatchObject({
          code: 'ERR_INVALID_ARG', message: expect.stringContaining(`${field} `),
        });
        expect((await jobs.getJobStatus(fenced, id)).failedReason).toMatch(/is outside the folders this worker allows/);
        expect((await jobs.getJobStatus(fenced, id)).attemptsMade).toBe(1);
      }
      expect(fs.existsSync(path.join(f.tmp, 'elsewhere'))).toBe(false);
    } finally {
      await w.stop();
      await fenced.close();
    }
  }, 90_000);
});
