// `blasnet serve` in a child process, its JSON log lines, and requests on fresh connections (so that a
// request is either refused or accepted, never lost on a connection the server was closing).
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';

export const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface ServeChild {
  child: ChildProcess;
  url: string;
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
}

export function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const logs: Record<string, unknown>[] = [];
    let err = '';
    let buf = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not start: ${err}`)); }, 60_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try { logs.push(JSON.parse(line)); } catch { err += line; }
        const last = logs[logs.length - 1];
        // With --workers the primary's line says the server listens (the workers log theirs too).
        if (last?.msg === 'listening' && (!args.includes('--workers') || last.process === 'primary')) {
          clearTimeout(timer);
          resolve({ child, url: String(last.url), logs, stderr: () => err, exited });
        }
      }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code} before listening: ${err}`)); });
  });
}

export interface Outcome { status?: number; body?: string; error?: string; sentAt: number; doneAt: number }

/** One POST on a new connection. */
export function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Outcome> {
  const sentAt = performance.now();
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode, body: text, sentAt, doneAt: performance.now() }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, sentAt, doneAt: performance.now() }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, sentAt, doneAt: performance.now() }));
    req.end(body);
  });
}
