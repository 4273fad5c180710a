// --workers N: N server processes on one port (node:cluster), the engine's threads divided between them.
// The primary loads no model: it forks the workers, aggregates their metrics for /metrics (any worker
// may be asked), forwards SIGTERM / SIGINT (graceful shutdown) and SIGHUP (reload), and replaces a
// worker that dies while serving. A worker that fails before it listens stops the whole server.
import cluster, { type Worker } from 'node:cluster';
import * as os from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import { setNumThreads } from '../engine';
import { createLogger, type Logger, type LogSink } from './log';
import type { ServeOptions } from './options';
import { startServer, type Server } from './server';

const MSG = { listening: 'blasnet:listening', metricsAsk: 'blasnet:metrics?', metrics: 'blasnet:metrics', shutdown: 'blasnet:shutdown', reload: 'blasnet:reload', failed: 'blasnet:failed' };

interface Message { type: string; [k: string]: unknown }

/** Engine threads per worker: the machine's cores (or OPENBLAS_NUM_THREADS) shared out, at least 1. */
export function threadsPerWorker(workers: number): number {
  const env = Number(process.env.OPENBLAS_NUM_THREADS);
  const total = Number.isInteger(env) && env > 0 ? env : os.availableParallelism();
  return Math.max(1, Math.floor(total / workers));
}

/**
 * Runs the server in `workers` processes. Call it in every process (the primary and, via cluster.fork,
 * each worker run the same program): it resolves in the primary once all workers listen, and in a
 * worker once its server does.
 */
export async function serveCluster(options: ServeOptions, workers: number, sink: LogSink | false): Promise<void> {
  if (cluster.isPrimary) return primary(options, workers, createLogger(sink, options.logLevel ?? 'info', { process: 'primary' }));
  return worker(options, workers, sink);
}

function primary(options: ServeOptions, workers: number, log: Logger): Promise<void> {
  const aggregator = new AggregatorRegistry();
  const listening = new Map<number, string>();
  let stopping = false;
  let started = false;
  /** Exit codes of the workers stopped by a shutdown (a drained worker exits 0). */
  const exits: number[] = [];
  return new Promise<void>((resolve, reject) => {
    const fork = (): Worker => {
      const w = cluster.fork();
      w.on('message', (m: Message) => {
        if (m.type === MSG.listening) {
          listening.set(w.id, String(m.url));
          if (!started && listening.size === workers) {
            started = true;
            log.info('listening', { url: m.url, workers, threadsPerWorker: threadsPerWorker(workers) });
            resolve();
          }
        } else if (m.type === MSG.metricsAsk) {
          aggregator.clusterMetrics().then(
            (text) => w.send({ type: MSG.metrics, id: m.id, text }),
            (err: Error) => w.send({ type: MSG.metrics, id: m.id, error: err.message }));
        } else if (m.type === MSG.failed && !started) {
          stop(1, `a worker failed to start: ${String(m.error)}`);
        }
      });
      return w;
    };
    const stop = (code: number, why: string): void => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down the workers', { reason: why });
      for (const w of Object.values(cluster.workers ?? {})) w?.send({ type: MSG.shutdown });
      const deadline = setTimeout(() => {
        log.error('workers still running after the shutdown deadline: killing them', {});
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      }, (options.shutdownTimeoutMs ?? 10_000) + 2_000);
      deadline.unref();
      const done = (): void => {
        if (Object.keys(cluster.workers ?? {}).length > 0) return;
        const failed = code !== 0 || exits.some((c) => c !== 0);
        if (!started) reject(new Error(why));
        process.exit(failed ? 1 : 0);
      };
      cluster.on('exit', done);
      done();
    };
    cluster.on('exit', (w, code, signal) => {
      listening.delete(w.id);
      if (stopping) { exits.push(code ?? 1); return; }
      if (!started) { stop(1, `a worker exited (${signal ?? code}) before it listened`); return; }
      log.error('a worker died; starting another', { pid: w.process.pid, code, signal });
      fork();
    });
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => stop(0, sig));
    process.on('SIGHUP', () => { for (const w of Object.values(cluster.workers ?? {})) w?.send({ type: MSG.reload }); });
    for (let i = 0; i < workers; i++) fork();
  });
}

async function worker(options: ServeOptions, workers: number, sink: LogSink | false): Promise<void> {
  setNumThreads(threadsPerWorker(workers));
  const log = createLogger(sink, options.logLevel ?? 'info', { process: 'worker', pid: process.pid });
  let server: Server;
  try {
    server = await startServer({ ...options, handleSignals: false, log: sink === false ? false : (e) => sink({ ...e, pid: process.pid }) });
  } catch (err) {
    process.send?.({ type: MSG.failed, error: (err as Error).message });
    throw err;
  }
  // Any worker may be scraped: /metrics answers the sum over all of them, from the primary.
  const pending = new Map<number, (text: string) => void>();
  let next = 0;
  // Constructing one installs prom-client's answer to the primary's collection requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([server.metricsRegistry.registry]);
  server.metricsSource = () => new Promise<string>((resolve, reject) => {
    const id = next++;
    const t = setTimeout(() => { pending.delete(id); reject(new Error('the primary did not answer for the metrics')); }, 5000);
    pending.set(id, (text) => { clearTimeout(t); resolve(text); });
    process.send!({ type: MSG.metricsAsk, id });
  });
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    void server.close().then(({ drained }) => process.exit(drained ? 0 : 1));
  };
  process.on('message', (m: Message) => {
    if (m.type === MSG.metrics) pending.get(m.id as number)?.(typeof m.text === 'string' ? m.text : `# ${String(m.error)}\n`);
    else if (m.type === MSG.shutdown) shutdown();
    else if (m.type === MSG.reload) void server.reload();
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, shutdown);
  log.debug('worker listening', { url: server.url });
  process.send!({ type: MSG.listening, url: server.url });
}
