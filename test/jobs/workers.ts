// Worker processes for the job tests: `blasnet worker` from the built CLI (dist/), as users run it.
// They inherit BLASNET_ENGINE, so each engine's pass tests its own workers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

export interface WorkerProcess {
  proc: ChildProcess;
  /** Every line it printed so far. */
  lines: string[];
  /** Resolves with the first line (already printed or to come) that matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function spawnWorker(args: string[]): WorkerProcess {
  const proc = spawn(process.execPath, [CLI, 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let carry = '';
  const onData = (d: Buffer): void => {
    carry += d.toString();
    const parts = carry.split('\n');
    carry = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      for (const w of [...waiters]) if (w.re.test(l)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(l); }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc, lines, exited,
    waitFor(re, timeoutMs = 60_000) {
      const found = lines.find((l) => re.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`worker ${proc.pid}: no line matching ${re} within ${timeoutMs} ms; it printed:\n${lines.join('\n')}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l); } });
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
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
