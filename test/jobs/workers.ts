// Worker processes for the job tests: `blasnet worker` from the built CLI (dist/), as users run it.
// They inherit BLASNET_ENGINE, so each engine's pass tests its own workers.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { jobs } from '../../lib';
import { getEngine } from '../../lib/engine';
import { backgroundCommand, startRedis, type Background, type RedisServer } from '../helpers/redis';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

export type WorkerProcess = Background;

export function spawnWorker(args: string[]): WorkerProcess {
  const quoted = [process.execPath, CLI, 'worker', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return backgroundCommand(quoted, ROOT, process.env);
}

export async function spawnWorkers(n: number, args: string[]): Promise<WorkerProcess[]> {
  const ws = Array.from({ length: n }, () => spawnWorker(args));
  await Promise.all(ws.map((w) => w.waitFor(/worker ready/)));
  return ws;
}

/** Runs the CLI to the end. */
export function cli(args: string[], options: { cwd?: string; input?: string; timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT, encoding: 'utf8', env: process.env, input: options.input, timeout: options.timeoutMs ?? 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Whether a process is alive. */
export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** A numeric table big enough that an epoch takes a noticeable time on this engine. */
export function writeSlowTable(file: string, rows: number, cols = 32): void {
  let s = 1;
  const r = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const out = [[...Array(cols).keys()].map((i) => `f${i}`).join(',') + ',label'];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: cols }, r);
    out.push(`${x.map((v) => v.toFixed(4)).join(',')},${x[0]! + x[1]! > 1 ? 1 : 0}`);
  }
  fs.writeFileSync(file, out.join('\n') + '\n');
}

/** Rows for a slow table: the TypeScript engine is about ten times slower than the native one. */
export const SLOW_ROWS = getEngine().name === 'js' ? 200 : 2000;

export interface QueueFixture {
  redis: RedisServer;
  workers: WorkerProcess[];
  q: jobs.JobQueue;
  /** A temporary folder, removed after. */
  tmp: string;
}

/**
 * For a describe block: a redis-server, `workers` worker processes on `queue` (with workerArgs) and a client
 * queue, started before its tests and stopped after. The object is filled in by beforeAll.
 */
export function queueFixture(o: { queue: string; workers: number; workerArgs?: string[]; tcp?: boolean }): QueueFixture {
  const f = { workers: [] } as unknown as QueueFixture;
  beforeAll(async () => {
    f.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `blasnet-${o.queue}-`));
    f.redis = await startRedis({ tcp: o.tcp });
    f.workers = await spawnWorkers(o.workers, ['--redis', f.redis.url, '--queue', o.queue, ...(o.workerArgs ?? [])]);
    f.q = await jobs.openQueue({ redis: f.redis.url, queue: o.queue });
  }, 60_000);
  afterAll(async () => {
    await f.q?.close();
    await Promise.all(f.workers.map((w) => w.stop()));
    await f.redis?.stop();
    if (f.tmp) fs.rmSync(f.tmp, { recursive: true, force: true });
  }, 60_000);
  return f;
}

/** A model's weights as hex strings, to compare bit for bit. */
export function bits(m: { getWeights(): { dataSync(): Float32Array }[] }): string[] {
  return m.getWeights().map((w) => Buffer.from(w.dataSync().slice().buffer).toString('hex'));
}
