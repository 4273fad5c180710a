// A real redis-server for tests: started on a unix socket in a temporary directory (or on a free loopback
// port), with no persistence, and stopped after. Nothing is mocked. Without redis-server the caller skips
// with the reason, except where BLASNET_REQUIRE_REDIS=1 (CI), where its absence is a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RedisServer {
  /** What --redis / { redis } take: the socket path, or redis://127.0.0.1:<port>. */
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export function redisMissing(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return null;
  const why = 'redis-server is not installed (apt-get install -y redis-server)';
  if (process.env.BLASNET_REQUIRE_REDIS === '1') throw new Error(`${why}, and BLASNET_REQUIRE_REDIS=1`);
  return why;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function answers(target: { path: string } | { port: number; host: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(target as net.NetConnectOpts);
    let buf = '';
    const done = (ok: boolean): void => { sock.destroy(); resolve(ok); };
    sock.setTimeout(1000, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => { buf += d.toString(); if (buf.includes('\r\n')) done(buf.startsWith('+PONG')); });
  });
}

export async function startRedis(options: { tcp?: boolean } = {}): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-redis-'));
  const common = ['--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', path.join(dir, 'redis.log'), '--daemonize', 'no'];
  for (let attempt = 0; ; attempt++) {
    let args: string[], url: string, target: { path: string } | { port: number; host: string };
    if (options.tcp) {
      const port = await freePort();
      args = ['--port', String(port), '--bind', '127.0.0.1', ...common];
      url = `redis://127.0.0.1:${port}`;
      target = { port, host: '127.0.0.1' };
    } else {
      const sock = path.join(dir, 'redis.sock');
      args = ['--port', '0', '--unixsocket', sock, '--unixsocketperm', '700', ...common];
      url = sock;
      target = { path: sock };
    }
    const proc: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
    let exited = false;
    proc.once('exit', () => { exited = true; });
    const deadline = Date.now() + 15_000;
    while (!exited && Date.now() < deadline && !(await answers(target))) await new Promise((r) => setTimeout(r, 50));
    if (!exited && Date.now() < deadline) {
      return {
        url, dir,
        stop: async () => {
          if (!exited) {
            const gone = new Promise((r) => proc.once('exit', r));
            proc.kill('SIGTERM');
            const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
            await gone;
            clearTimeout(t);
          }
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    proc.kill('SIGKILL');
    // Another process may have taken the free port in between: try another.
    if (!options.tcp || attempt >= 3) {
      const log = fs.existsSync(path.join(dir, 'redis.log')) ? fs.readFileSync(path.join(dir, 'redis.log'), 'utf8').slice(-500) : '';
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start: ${log}`);
    }
  }
}

/** A command running in the background (a worker), with what it prints. */
export interface Background {
  proc: ChildProcess;
  /** Every line it printed so far (stdout and stderr). */
  lines: string[];
  /** Resolves with the first line (already printed or to come) that matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** Runs a shell command line in the background; `exec` makes the command itself the process signals go to. */
export function backgroundCommand(script: string, cwd: string, env: NodeJS.ProcessEnv): Background {
  const proc = spawn('bash', ['-c', `exec ${script}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
        const t = setTimeout(() => reject(new Error(`${script}: no line matching ${re} within ${timeoutMs} ms; it printed:\n${lines.join('\n')}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l); } });
        void exited.then((code) => reject(new Error(`${script} exited (${code}) before printing ${re}:\n${lines.join('\n')}`)));
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
