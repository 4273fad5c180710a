// Shared by the io tests that run real processes: the compiled library they load, a snapshot of a
// folder (names, contents, modes, link targets) to prove a save left it alone, and a user's folder.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const root = path.resolve(__dirname, '..', '..');
export const dist = path.join(root, 'dist');

/** `npm test` builds dist first; a direct vitest run rebuilds it when lib/ is newer. */
export function ensureDist(): void {
  const newest = (dir: string): number => Math.max(0, ...fs.readdirSync(dir, { withFileTypes: true }).map((e) =>
    e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs));
  const marker = path.join(dist, 'index.js');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= newest(path.join(root, 'lib'))) return;
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building dist failed: ${r.stdout}${r.stderr}`);
  fs.utimesSync(marker, new Date(), new Date());
}

/** Makes a child exit when this process goes: required by every child script before it starts work. */
export const EXIT_WITH_PARENT = path.join(root, 'test', 'fixtures', 'exit-with-parent.js');

const children = new Set<ChildProcess>();

/**
 * Starts `node ...args` with an IPC channel (closed when this process dies, which the child's
 * exit-with-parent guard notices), piped stdout/stderr, and remembers it for killChildren().
 */
export function spawnNode(args: string[], inheritStderr = false): ChildProcess {
  const p = spawn(process.execPath, ['--require', EXIT_WITH_PARENT, ...args], { stdio: ['ignore', 'pipe', inheritStderr ? 'inherit' : 'pipe', 'ipc'] });
  children.add(p);
  p.once('exit', () => children.delete(p));
  return p;
}

/** SIGKILLs every child spawnNode started that is still running (afterEach: on failure and timeout too). */
export function killChildren(): void {
  for (const p of children) {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
  children.clear();
}

export interface Entry { type: 'file' | 'dir' | 'link'; mode: number; content?: string; target?: string }

/** Every entry under dir except those `skip` accepts, keyed by relative path (links not followed). */
export function snapshot(dir: string, skip: (name: string) => boolean = () => false): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (!rel && skip(name)) continue;
      const full = path.join(dir, r);
      const st = fs.lstatSync(full);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) out[r] = { type: 'link', mode, target: fs.readlinkSync(full) };
      else if (st.isDirectory()) { out[r] = { type: 'dir', mode }; walk(r); }
      else out[r] = { type: 'file', mode, content: fs.readFileSync(full, 'utf8') };
    }
  };
  out['.'] = { type: 'dir', mode: fs.statSync(dir).mode & 0o7777 };
  walk('');
  return out;
}

export const MODEL_FILE = /^(model\.json|weights-[0-9a-f]{16}\.bin)$/;

/**
 * A folder as a user has it: notes, a script, a subfolder with its own files, a symlink to a directory
 * elsewhere, a file and a folder with unusual modes, and the folder itself with mode 0o751.
 */
export function userFolder(dir: string, elsewhere: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(elsewhere, { recursive: true });
  fs.writeFileSync(path.join(elsewhere, 'data.csv'), 'a,b\n1,2\n');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'my notes\n');
  fs.writeFileSync(path.join(dir, 'train.js'), 'console.log(1)\n');
  fs.mkdirSync(path.join(dir, 'runs'));
  fs.writeFileSync(path.join(dir, 'runs', 'log.txt'), 'epoch 1\n');
  fs.symlinkSync(elsewhere, path.join(dir, 'data-link'));
  fs.writeFileSync(path.join(dir, 'secret.key'), 'k\n');
  fs.chmodSync(path.join(dir, 'secret.key'), 0o600);
  fs.mkdirSync(path.join(dir, 'private'));
  fs.chmodSync(path.join(dir, 'private'), 0o700);
  fs.writeFileSync(path.join(dir, 'weights.bin.txt'), 'not ours\n');
  fs.writeFileSync(path.join(dir, 'weights-0123456789abcdef.bin.bak'), 'not ours either\n');
  fs.chmodSync(dir, 0o751);
}
