'use strict';
// The job queue (issue 19): jobs per minute with 1 and 2 `blasnet worker` processes on one redis-server,
// and the queue's overhead per job against the same jobs run one after another in a plain loop (runJob,
// one BLAS thread, as each worker's job gets). Every job's final loss must equal its loop twin's (same
// seed, same engine, same thread count) before a figure counts. Without redis-server: skipped, with why.
// Prints one BENCH_RESULT JSON line; report() turns it into the markdown section of the results.
// BJ_JOBS, BJ_EPOCHS and BJ_RUNS override the full run's sizes (24 jobs, 20 epochs, 3 runs).
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const C = require('../common');

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const DIGITS = path.join(ROOT, 'data', 'digits8x8.csv');

const SIZES = {
  full: { jobs: Number(process.env.BJ_JOBS ?? 24), epochs: Number(process.env.BJ_EPOCHS ?? 20), runs: Number(process.env.BJ_RUNS ?? 3) },
  quick: { jobs: 4, epochs: 2, runs: 1 },
};

function answers(sock) {
  return new Promise((resolve) => {
    const s = net.connect({ path: sock });
    const done = (ok) => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

async function startRedis(dir) {
  const sock = path.join(dir, 'redis.sock');
  const proc = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--unixsocketperm', '700', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--logfile', path.join(dir, 'redis.log')], { stdio: 'ignore' });
  const end = Date.now() + 15000;
  while (Date.now() < end && proc.exitCode === null && !(await answers(sock))) await new Promise((r) => setTimeout(r, 50));
  if (proc.exitCode !== null || !(await answers(sock))) { proc.kill('SIGKILL'); throw new Error('redis-server did not start'); }
  return { sock, stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) };
}

function startWorker(sock, queue, engine) {
  const proc = spawn(process.execPath, [CLI, 'worker', '--redis', sock, '--queue', queue, '--threads', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BLASNET_ENGINE: engine },
  });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker did not start: ${out}`)), 60000);
    const onData = (d) => { out += d; if (/worker ready/.test(out)) { clearTimeout(t); resolve(); } };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`worker exited (${code}): ${out}`)));
  });
  return {
    ready,
    stop: () => new Promise((r) => {
      if (proc.exitCode !== null) return r();
      proc.once('exit', r);
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 15000).unref();
    }),
  };
}

const job = (i, epochs) => ({
  name: `bench-${i}`, data: { source: DIGITS, label: 'label' }, model: { hidden: [64, 32] },
  fit: { epochs, batchSize: 32, validationSplit: 0.2 }, seed: 1000 + i,
});

async function viaQueue(bn, sock, queue, engine, workers, size) {
  const ws = Array.from({ length: workers }, () => startWorker(sock, queue, engine));
  const q = await bn.jobs.openQueue({ redis: sock, queue });
  try {
    await Promise.all(ws.map((w) => w.ready));
    // Untimed: every worker forks its child process and loads the engine first.
    const warm = await bn.jobs.submitJobs(q, Array.from({ length: 2 * workers }, (_, i) => job(900 + i, 1)));
    await Promise.all(warm.map((id) => bn.jobs.waitForJob(q, id)));
    const t0 = C.nowMs();
    const ids = await bn.jobs.submitJobs(q, Array.from({ length: size.jobs }, (_, i) => job(i, size.epochs)));
    const results = await Promise.all(ids.map((id) => bn.jobs.waitForJob(q, id, { timeoutMs: 600000 })));
    const ms = C.nowMs() - t0;
    return { ms, finalLoss: results.map((r) => r.final.loss), computeMs: results.map((r) => r.durationMs), pids: new Set(results.map((r) => r.pid)).size };
  } finally {
    await q.close();
    await Promise.all(ws.map((w) => w.stop()));
  }
}

async function plainLoop(bn, size) {
  bn.setNumThreads(1);
  // Untimed, as the workers' warm-up: the first job pays for loading and compiling the code.
  (await bn.jobs.runJob(job(900, 1))).model.dispose();
  const t0 = C.nowMs();
  const finalLoss = [];
  const computeMs = [];
  for (let i = 0; i < size.jobs; i++) {
    const t = C.nowMs();
    const { result, model } = await bn.jobs.runJob(job(i, size.epochs));
    computeMs.push(C.nowMs() - t);
    finalLoss.push(result.final.loss);
    model.dispose();
  }
  return { ms: C.nowMs() - t0, finalLoss, computeMs };
}

async function main(task) {
  if (spawnSync('redis-server', ['--version']).status !== 0) return { skipped: 'redis-server is not installed (apt-get install -y redis-server)' };
  process.env.BLASNET_QUIET = '1';
  const bn = require(path.join(ROOT, 'dist', 'index.js'));
  let engine = task.engine || 'native';
  try { bn.setEngine(engine); } catch { engine = 'js'; bn.setEngine(engine); }
  process.env.BLASNET_ENGINE = engine;
  const size = task.quick ? SIZES.quick : SIZES.full;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-bench-jobs-'));
  const redis = await startRedis(dir);
  try {
    const runs = { loop: [], one: [], two: [] };
    let reference = null;
    let check = { ok: true, detail: '' };
    const same = (a, what) => {
      if (a.finalLoss.length !== size.jobs || a.finalLoss.some((v, i) => v !== reference[i])) {
        check = { ok: false, detail: `${what}: final losses differ from the plain loop's` };
      }
    };
    for (let r = 0; r < size.runs; r++) {
      const loop = await plainLoop(bn, size);
      reference ??= loop.finalLoss;
      same(loop, 'plain loop run ' + (r + 1));
      runs.loop.push(loop);
      const one = await viaQueue(bn, redis.sock, `one-${r}`, engine, 1, size);
      same(one, '1 worker');
      runs.one.push(one);
      const two = await viaQueue(bn, redis.sock, `two-${r}`, engine, 2, size);
      same(two, '2 workers');
      if (two.pids < 2) check = { ok: false, detail: `2 workers: only ${two.pids} process trained` };
      runs.two.push(two);
    }
    if (check.ok) check.detail = `${size.jobs} jobs x ${size.runs} run(s): every job completed, final losses equal the plain loop's bit for bit`;
    const perMin = (xs) => xs.map((x) => (size.jobs * 60000) / x.ms);
    return {
      engine, jobs: size.jobs, epochs: size.epochs, runs: size.runs, cores: os.availableParallelism(),
      loopPerMin: perMin(runs.loop), onePerMin: perMin(runs.one), twoPerMin: perMin(runs.two),
      loopMsPerJob: runs.loop.map((x) => x.ms / size.jobs), oneMsPerJob: runs.one.map((x) => x.ms / size.jobs),
      workerComputeMs: C.median(runs.one.flatMap((x) => x.computeMs)), loopComputeMs: C.median(runs.loop.flatMap((x) => x.computeMs)),
      loadAvg: os.loadavg().map((v) => +v.toFixed(2)), check,
    };
  } finally {
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The markdown section of a run's results. */
function report(r) {
  if (!r) return '';
  const head = '### Jobs: BullMQ queue on redis-server, digits 8x8 (1,797 rows) 64-32-10 jobs, one BLAS thread per job';
  if (r.skipped) return `${head}\n\nNot run: ${r.skipped}.`;
  if (r.error) return `${head}\n\nerror: ${r.error}`;
  const m = (xs) => C.median(xs);
  const f = (v) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
  const one = m(r.onePerMin), two = m(r.twoPerMin), loop = m(r.loopPerMin);
  const overhead = m(r.oneMsPerJob) - m(r.loopMsPerJob);
  const lines = [head, '',
    `${r.jobs} jobs of ${r.epochs} epochs each (20% validation), ${r.engine} engine, ${r.cores} cores; median of ${r.runs} run(s). ` +
    'Workers are started and warmed (child process forked) before the clock starts; the clock runs from submitting the jobs to the last result.', '',
    '| setup | jobs/min | ÷ 1 worker | wall ms per job |', '|---|---|---|---|',
    `| plain loop (runJob, one process) | ${f(loop)} | ${(loop / one).toFixed(2)}x | ${f(m(r.loopMsPerJob))} |`,
    `| 1 worker process | ${f(one)} | 1.00x | ${f(m(r.oneMsPerJob))} |`,
    `| 2 worker processes | ${f(two)} | **${(two / one).toFixed(2)}x** | ${f((r.jobs * 60000) / two / r.jobs)} |`, '',
    `Queue overhead per job (1 worker against the loop): ${overhead.toFixed(1)} ms (a job's own time: ${f(r.workerComputeMs)} ms in a worker, ` +
    `${f(r.loopComputeMs)} ms in the loop). Target 2 workers >= 1.8x one: ${two / one >= 1.8 ? 'yes' : '**no**'}. ` +
    `Check: ${r.check.ok ? 'ok' : 'FAILED'}: ${r.check.detail}. Load average at the end: ${r.loadAvg.join(' / ')}.`];
  return lines.join('\n');
}

module.exports = { report };
if (require.main === module) C.runChild(main);
