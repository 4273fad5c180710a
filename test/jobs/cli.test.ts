// The queue from the command line (Redis over TCP on loopback this time): submit, jobs status / results /
// cancel, and tune on iris, whose table must match the jobs' own results and whose best trial must be at
// least as good as the default settings; tune through the API with random search.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobs, loadModel } from '../../lib';
import { getEngine } from '../../lib/engine';
import { redisMissing } from '../helpers/redis';
import { bits, cli, queueFixture, ROOT } from './workers';

const engine = getEngine().name;
const missing = redisMissing();
const IRIS = path.join(ROOT, 'data', 'iris.csv');

describe.skipIf(missing)(`the job commands (${engine} engine)${missing ? ` - skipped: ${missing}` : ''}`, () => {
  const f = queueFixture({ queue: 'cli', workers: 2, workerArgs: ['--threads', '1'], tcp: true });
  let tmp: string;
  let q: jobs.JobQueue;
  let jobFile: string;
  let flags: string[];
  // The search's base job: train's default network (64-32, adam at 0.001) for 30 epochs, 30% held out.
  const base = { name: 'iris', data: { source: '../iris.csv', label: 'label' }, fit: { epochs: 30, batchSize: 16, validationSplit: 0.3 }, seed: 11 };

  beforeAll(async () => {
    tmp = f.tmp;
    fs.copyFileSync(IRIS, path.join(tmp, 'iris.csv'));
    fs.mkdirSync(path.join(tmp, 'jobs'));
    // Relative paths in a job file are taken from the file's folder.
    jobFile = path.join(tmp, 'jobs', 'iris.json');
    fs.writeFileSync(jobFile, JSON.stringify(base, null, 1));
    flags = ['--redis', f.redis.url, '--queue', 'cli'];
    q = f.q;
  }, 60_000);

  it('submit --wait, jobs status, results and cancel', async () => {
    const out = path.join(tmp, 'submitted');
    const r = cli(['submit', jobFile, ...flags, '--wait', '--out', out], { cwd: tmp });
    expect(r.status, r.stderr).toBe(0);
    const [id, done, saved] = r.stdout.trim().split('\n');
    expect(id).toMatch(/^\d+$/);
    expect(done).toMatch(new RegExp(`^job ${id} completed: 30 epochs in [\\d.]+ s: val_loss: [\\d.]+ - val_accuracy: [\\d.]+$`));
    expect(saved).toBe(`Saved the model to ${out}/`);
    expect(fs.existsSync(path.join(out, 'model.json'))).toBe(true);

    const st = cli(['jobs', 'status', id!, ...flags]);
    expect(st.stdout.trim()).toBe(`job ${id} - iris - completed - epoch 30/30`);
    const all = cli(['jobs', ...flags]);
    expect(all.stdout).toMatch(/^queue cli: 0 active, 0 waiting, 0 prioritized, 0 delayed, \d+ completed, 0 failed\n/);
    const res = cli(['jobs', 'results', id!, ...flags]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Training rows \(105\): loss: [\d.]+ - accuracy: [\d.]+\nValidation rows \(45\): loss: [\d.]+ - accuracy: [\d.]+\n/);
    expect(res.stdout).toMatch(new RegExp(`Ran on .+, ${engine} engine, 1 BLAS thread, attempt 1`));
    const json = JSON.parse(cli(['jobs', 'results', id!, ...flags, '--json']).stdout);
    expect(json.history.loss).toHaveLength(30);
    expect(json.features).toEqual(['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm']);
    expect(cli(['jobs', 'cancel', id!, ...flags]).stdout.trim()).toBe(`job ${id}: already completed, nothing to cancel`);
    // The saved model is what blasnet train saves: the CLI's metadata and the preprocessor (predict and evaluate use them).
    const model = await loadModel(out);
    expect(model.userDefinedMetadata!.blasnetCli).toEqual({ task: 'classification', label: 'label', features: json.features, classes: [0, 1, 2] });
    expect(model.getPreprocessor()!.featureNames).toEqual(json.features);
    const scored = cli(['evaluate', out, IRIS]);
    expect(scored.status, scored.stderr).toBe(0);
    expect(scored.stdout).toMatch(/accuracy: (0\.9\d*|1\.0*)\b/);
  }, 90_000);

  it('refuses a bad job file before it reaches the queue, and an unreachable Redis, with one line each', async () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ data: { source: 'iris.csv', label: 'label' }, fit: { batchSize: 0 } }));
    const before = (await jobs.jobCounts(q)).waiting;
    const r = cli(['submit', bad, ...flags]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('blasnet: Expected an integer from 1 to 16777216 for job.fit.batchSize but received 0\n');
    expect((await jobs.jobCounts(q)).waiting).toBe(before);
    const down = cli(['jobs', 'status', '--redis', 'redis://127.0.0.1:1']);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/^blasnet: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1: /);
    const usage = cli(['tune', jobFile, ...flags]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--grid/);
  }, 60_000);

  it('tune on iris: the table matches the jobs, the best trial beats (or ties) the default settings, and is saved', async () => {
    const out = path.join(tmp, 'tuned');
    const r = cli(['tune', jobFile, ...flags, '--grid', 'units=[8,32]', '--grid', 'learningRate=[1e-3,1e-2]', '--out', out], { cwd: tmp });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const head = lines.findIndex((l) => /^trial\s+job\s+units\s+learningRate\s+state\s+epochs\s+val_accuracy\s+time$/.test(l));
    expect(head, r.stdout).toBeGreaterThanOrEqual(0);
    const rows = lines.slice(head + 2, head + 6).map((l) => l.split(/\s{2,}/));
    expect(rows.map((c) => [c[0], c[2], c[3]])).toEqual([['1', '8', '0.001'], ['2', '8', '0.01'], ['3', '32', '0.001'], ['4', '32', '0.01']]);
    let best = { score: -1, id: '' };
    for (const c of rows) {
      const [, id, units, lr, state, epochs, score] = c;
      const job = (await q.queue.getJob(id!))!;
      expect(job.data.model.hidden).toEqual([Number(units), Number(units)]);
      expect(job.data.compile.learningRate).toBe(Number(lr));
      expect(state).toBe('completed');
      const result = await jobs.getJobResult(q, id!);
      expect(epochs).toBe(String(result.epochs));
      const accuracy = result.scores.validation!.accuracy!;
      expect(score).toBe(accuracy.toFixed(4));
      if (accuracy > best.score) best = { score: accuracy, id: id! };
    }
    expect(lines).toContain(`Saved the best model to ${out}/ and every trial to ${out}/tune.json`);
    const bestLine = lines.find((l) => l.startsWith('Best: '))!;
    expect(bestLine).toMatch(new RegExp(`^Best: trial \\d \\(job ${best.id}\\): units=\\d+, learningRate=[\\d.]+: val_accuracy ${best.score.toFixed(4)}$`));
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'tune.json'), 'utf8'));
    expect(summary.best.jobId).toBe(best.id);
    expect(summary.trials).toHaveLength(4);
    const saved = await loadModel(out);
    expect(bits(saved)).toEqual(bits(await jobs.modelFromResult(await jobs.getJobResult(q, best.id))));

    // The default settings (the job as written) on the same rows: the search does at least as well.
    const dflt = await jobs.waitForJob(q, await jobs.submitJob(q, base, { baseDir: path.join(tmp, 'jobs') }));
    expect(best.score).toBeGreaterThanOrEqual(dflt.scores.validation!.accuracy!);
  }, 120_000);

  it('tune through the API: random search with live updates, ranked by the chosen objective', async () => {
    const updates: string[] = [];
    const r = await jobs.tune(q, { ...base, data: { source: IRIS, label: 'label' } }, {
      random: { learningRate: { log: [1e-3, 3e-2] } }, grid: { units: [8, 16] }, trials: 3, seed: 4, objective: 'val_loss',
      onUpdate: (ts) => { updates.push(ts.map((t) => t.state[0]).join('')); },
    });
    expect(r.objective).toBe('val_loss');
    expect(r.maximize).toBe(false);
    expect(r.trials).toHaveLength(3);
    expect(updates[0]).toBe('www');
    expect(updates[updates.length - 1]).toBe('ccc');
    for (const t of r.trials) {
      expect(t.score).toBe(t.result!.scores.validation!.loss);
      expect(t.job.compile!.learningRate).toBe(t.params.learningRate);
    }
    const min = Math.min(...r.trials.map((t) => t.score!));
    expect(r.best!.score).toBe(min);
  }, 90_000);
});
