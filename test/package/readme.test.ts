// Every ```ts / ```js block of README.md runs, in order, in one working directory (with a copy of data/),
// against the built package (dist/); ts blocks are type-checked against dist/index.d.ts first. A ```text
// block right after a code block whose lead-in says it "prints" must match that block's output (numbers
// within a small tolerance, since the two engines round differently in the last digits). Every ```sh
// block is checked too: its blasnet commands run as written (npx blasnet -> the built CLI), with any
// "# loss: ..." comment matched against the output; npm scripts, files and test files it names exist.
// Blocks that use the job queue run against a redis-server of the test's own (BLASNET_REDIS), and a
// command ending in "&" (a worker) runs in the background until the sh blocks are done.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { backgroundCommand, redisMissing, startRedis, type RedisServer } from '../helpers/redis';

const ROOT = path.resolve(__dirname, '../..');
const README = path.join(ROOT, 'README.md');
const ENTRY = path.join(ROOT, 'dist', 'index.mjs');

interface Block { lang: string; code: string; line: number; expected: string | null }

/** The README's fenced blocks: runnable ones, each with the output block that follows it, if any. */
export function extractBlocks(md: string): { runnable: Block[]; all: { lang: string; line: number; code: string }[] } {
  const re = /^```(\S*)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm;
  const found: { lang: string; code: string; start: number; end: number; line: number }[] = [];
  for (let m = re.exec(md); m; m = re.exec(md)) {
    found.push({ lang: m[1]!.toLowerCase(), code: m[2]!, start: m.index, end: m.index + m[0].length, line: md.slice(0, m.index).split('\n').length });
  }
  const runnable: Block[] = [];
  found.forEach((b, i) => {
    if (!['ts', 'typescript', 'js', 'javascript', 'mjs'].includes(b.lang)) return;
    const next = found[i + 1];
    const between = next ? md.slice(b.end, next.start) : '';
    const expected = next && next.lang === 'text' && /\bprints\b/.test(between) && between.trim().split('\n').length <= 2 ? next.code : null;
    runnable.push({ lang: b.lang, code: b.code, line: b.line, expected });
  });
  return { runnable, all: found.map((b) => ({ lang: b.lang, line: b.line, code: b.code })) };
}

/** Same text with every number within abs 2e-3 + rel 2e-2 of the expected one. */
function matchesOutput(actual: string, expected: string): string | null {
  const num = /-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi;
  const a = actual.trim(), e = expected.trim();
  if (a.replace(num, '#') !== e.replace(num, '#')) return `text differs:\n${a}\n--- expected ---\n${e}`;
  const an = a.match(num) ?? [], en = e.match(num) ?? [];
  for (let i = 0; i < en.length; i++) {
    const x = Number(an[i]), y = Number(en[i]);
    if (Math.abs(x - y) > 2e-3 + 2e-2 * Math.abs(y)) return `number ${i + 1}: got ${an[i]}, README says ${en[i]}\n${a}`;
  }
  return null;
}

/** The commands of a sh block: continuation lines joined, `a && b` split, each with its trailing comment. */
function shellCommands(code: string): { cmd: string; comment: string }[] {
  const out: { cmd: string; comment: string }[] = [];
  for (const line of code.replace(/\\\n\s*/g, ' ').split('\n')) {
    const hash = line.search(/\s#\s/);
    const cmd = (hash >= 0 ? line.slice(0, hash) : line).trim();
    const comment = hash >= 0 ? line.slice(hash).replace(/^\s*#\s*/, '').trim() : '';
    if (cmd) for (const part of cmd.split(' && ')) out.push({ cmd: part.trim(), comment });
  }
  return out;
}

/** A `blasnet serve` started in the background: resolves with its port once it logs that it listens. */
function startServer(script: string, cwd: string): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let out = '', err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`blasnet serve did not listen within 60 s: ${err}`)); }, 60_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /"msg":"listening","url":"http:\/\/[^"]*:(\d+)"/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]), exited }); }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`blasnet serve exited with ${code}: ${err}`)); });
  });
}
let served: { child: ChildProcess; port: number; exited: Promise<number | null> } | null = null;

const md = fs.readFileSync(README, 'utf8');
const { runnable, all } = extractBlocks(md);

const NEEDS_REDIS = /\bblasnet (worker|submit|jobs|tune)\b|\bjobs\.(openQueue|startWorker)\b/;

describe(`README.md code blocks (${getEngine().name} engine)`, () => {
  let work = '';
  let redis: RedisServer | null = null;
  let noRedis: string | null = null;
  const background: ReturnType<typeof backgroundCommand>[] = [];
  const env = (): NodeJS.ProcessEnv => (redis ? { ...process.env, BLASNET_REDIS: redis.url } : process.env);
  const skipForRedis = (code: string, where: string): boolean => {
    if (!NEEDS_REDIS.test(code) || redis) return false;
    console.warn(`${where}: skipped (${noRedis})`);
    return true;
  };
  beforeAll(async () => {
    if (NEEDS_REDIS.test(md)) {
      noRedis = redisMissing();
      if (!noRedis) redis = await startRedis();
    }
    if (!fs.existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first (npm test does)`);
    // Inside node_modules/ (ignored by git) so that blocks importing @tensorflow/tfjs resolve it.
    const base = path.join(ROOT, 'node_modules', '.cache');
    fs.mkdirSync(base, { recursive: true });
    work = fs.mkdtempSync(path.join(base, 'blasnet-readme-'));
    fs.cpSync(path.join(ROOT, 'data'), path.join(work, 'data'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'examples'), path.join(work, 'examples'), { recursive: true });
  });
  afterAll(async () => {
    served?.child.kill('SIGKILL');
    await Promise.all(background.map((w) => w.stop()));
    await redis?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('has the sections a newcomer needs, shell and output blocks in their own fences, and the bench markers', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(5);
    for (const h of ['## Quick start', '## Ten lines', '## The API by example', '## The command line', '## Engines and threads',
      '## Benchmarks', '## Not supported yet', '## Contributing']) expect(md).toContain(`\n${h}\n`);
    expect(md).toMatch(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/);
    expect(md).toContain('npm install && npm run demo');
    expect(md).toContain('apt-get install -y libopenblas-dev');
    // Every fence has a language: an unlabeled block would silently escape this test.
    for (const b of all) expect(['ts', 'js', 'sh', 'text', 'json'], `block at README.md:${b.line}`).toContain(b.lang);
  });

  it('the ts blocks type-check against the built declarations', () => {
    const dir = path.join(work, 'typecheck');
    fs.mkdirSync(dir, { recursive: true });
    const files = runnable.filter((b) => b.lang === 'ts').map((b, i) => {
      const f = path.join(dir, `block${i}_line${b.line}.ts`);
      fs.writeFileSync(f, b.code);
      return f;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      baseUrl: ROOT, paths: { blasnet: ['dist/index.d.ts'] },
    });
    const diags = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
    expect(diags).toEqual([]);
  }, 120_000);

  it('every ts/js block runs (in order, one working directory) and prints what the README shows', () => {
    const entry = pathToFileURL(ENTRY).href;
    runnable.forEach((b, i) => {
      if (skipForRedis(b.code, `README.md:${b.line}`)) return;
      let code = b.code.replace(/from\s+['"]blasnet['"]/g, `from '${entry}'`);
      if (b.lang === 'ts' || b.lang === 'typescript') {
        code = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
      }
      const file = path.join(work, `block${i}_line${b.line}.mjs`);
      fs.writeFileSync(file, code);
      const r = spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8', env: env(), timeout: 120_000 });
      expect(r.status, `README.md:${b.line} (${b.lang}) exited ${r.status}:\n${r.stderr}`).toBe(0);
      if (b.expected !== null) {
        const problem = matchesOutput(r.stdout, b.expected);
        expect(problem, `README.md:${b.line}: the output shown after the block differs from what it prints`).toBeNull();
      }
    });
  }, 300_000);

  it('every sh block: blasnet commands run as written, npm scripts and files it names exist', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const cli = path.join(ROOT, 'dist', 'cli', 'main.js');
    const sh = all.filter((b) => b.lang === 'sh');
    expect(sh.length).toBeGreaterThanOrEqual(3);
    let ran = 0;
    for (const b of sh) {
      for (const { cmd, comment } of shellCommands(b.code)) {
        const where = `README.md:${b.line}: ${cmd}`;
        let m: RegExpMatchArray | null;
        if (skipForRedis(cmd, where)) continue;
        if (/^npx blasnet worker\b.*&$/.test(cmd)) {
          const w = backgroundCommand(cmd.slice(0, -1).replace(/^npx blasnet\b/, `"${process.execPath}" "${cli}"`), work, env());
          background.push(w);
          await w.waitFor(/worker ready/);
          ran++;
        } else if ((m = cmd.match(/^npx blasnet serve (.*?)\s*&$/))) {
          // A server started in the background for the curl lines after it (on a free port, not the README's).
          served = await startServer(`exec "${process.execPath}" "${cli}" serve ${m[1]!.replace(/--port \d+/, '--port 0')}`, work);
          ran++;
        } else if (/^curl /.test(cmd)) {
          expect(served, `${where}: no server was started before it`).not.toBeNull();
          const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd.replace(/localhost:\d+/g, `127.0.0.1:${served!.port}`)], { encoding: 'utf8', timeout: 60_000 });
          expect(r.status, `${where} exited ${r.status}:\n${r.stderr}`).toBe(0);
          if (/^[{"]/.test(comment)) expect(r.stdout, where).toContain(comment);
        } else if (cmd === 'kill %1') {
          expect(served, `${where}: no server was started before it`).not.toBeNull();
          served!.child.kill('SIGTERM');
          expect(await served!.exited, `${where}: the server's exit code`).toBe(0);
          served = null;
        } else if (/(^|\|\s*)npx blasnet\b/.test(cmd)) {
          const script = cmd.replace(/npx blasnet\b/g, `"${process.execPath}" "${cli}"`);
          const r = spawnSync('bash', ['-o', 'pipefail', '-c', script], { cwd: work, encoding: 'utf8', env: env(), timeout: 120_000 });
          expect(r.status, `${where} exited ${r.status}:\n${r.stderr}`).toBe(0);
          if (/^loss: /.test(comment)) expect(matchesOutput(r.stdout, comment), where).toBeNull();
          ran++;
        } else if ((m = cmd.match(/^npm run (\S+)/))) {
          expect(pkg.scripts[m[1]!], where).toBeTypeOf('string');
        } else if (cmd === 'npm test' || cmd === 'npm install') {
          expect(pkg.scripts[cmd === 'npm test' ? 'test' : 'install'], where).toBeTypeOf('string');
        } else if ((m = cmd.match(/^npx vitest run (\S+)$/)) || (m = cmd.match(/^node (\S+)/))) {
          expect(fs.existsSync(path.join(ROOT, m[1]!)), where).toBe(true);
        } else if ((m = cmd.match(/^apt-get install -y (.+)$/))) {
          // What the README tells users to install is what CI installs.
          const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
          for (const p of m[1]!.split(/\s+/).filter((p) => p !== 'python3')) expect(ci, `${where}: .ci/run installs ${p}`).toContain(p);
        } else {
          throw new Error(`${where}: no check for this command (add one to test/package/readme.test.ts)`);
        }
      }
    }
    expect(ran).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
