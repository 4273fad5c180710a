// Hostile text given to the numeric flags of every command: lib/validate's text parsers refuse each
// spelling Number() would read as something else, and the CLI says so in one line naming the flag, with
// exit 2. Every flag is tried with every value in process (the program the CLI builds, parsing only),
// and through the real CLI (dist/cli/main.js in a child process, bounded in time) with one value each.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../lib/cli/main';
import { CliError } from '../../lib/cli/errors';
import { BlasnetError } from '../../lib/errors';
import { intFromText, numberFromText } from '../../lib/validate';
import { assertBuilt, CLI, ROOT } from '../helpers/cli';

const HOSTILE = ['12abc', '', ' 12', '1e3', '0x10', '-1', '1.5', '1e300', '9007199254740993'];

// Paths that do not exist and a Redis nobody listens on: a value let through by mistake fails fast,
// with a message that is not the one these tests expect.
const MISSING = path.join(ROOT, 'no-such-dir-for-hostile-flags');
const csv = path.join(MISSING, 'x.csv');
const redis = ['--redis', 'redis://127.0.0.1:1'];

interface Flag { args: string[]; flag: string; refused?: string[] }
const cmd = (args: string[], flags: string[]): Flag[] => flags.map((flag) => ({ args, flag }));

const FLAGS: Flag[] = [
  ...cmd(['demo', '--out', MISSING], ['--epochs', '--seed']),
  ...cmd(['train', csv, '--label', 'y'], ['--epochs', '--batch-size', '--validation-split', '--early-stopping', '--test-split', '--cv',
    '--max-categories', '--seed', '--max-columns']),
  // A list: spaces around its commas are allowed ("64, 32"), and an empty one is no hidden layer, as "none".
  { args: ['train', csv, '--label', 'y'], flag: '--hidden', refused: HOSTILE.filter((v) => v.trim() === v && v !== '') },
  // A learning rate of 1e3 or 1.5 is a number > 0: only what is not a decimal number, or not > 0, is refused.
  { args: ['train', csv, '--label', 'y'], flag: '--learning-rate', refused: ['12abc', '', ' 12', '0x10', '-1'] },
  { args: ['train', csv, '--no-header'], flag: '--label' },
  ...cmd(['evaluate', MISSING, csv], ['--batch-size', '--max-columns']),
  ...cmd(['predict', MISSING, csv], ['--batch-size', '--max-columns']),
  ...cmd(['serve', MISSING], ['--port', '--max-batch-size', '--max-queue-delay-us', '--max-queue-rows', '--max-rows', '--timeout-ms', '--workers',
    '--poll-interval-ms', '--shutdown-timeout-ms']),
  ...cmd(['worker', ...redis], ['--concurrency', '--threads', '--lock-duration']),
  ...cmd(['submit', csv, ...redis], ['--attempts', '--priority']),
  ...cmd(['jobs', 'status', ...redis], ['--limit']),
  ...cmd(['tune', csv, ...redis], ['--trials', '--seed', '--attempts']),
];

const refusedOf = (f: Flag): string[] => f.refused ?? HOSTILE;
const where = (f: Flag): string => `${f.args[0]} ${f.flag}`;

function expectRefusal(message: string, f: Flag, value: string): void {
  expect(message, `${where(f)} ${JSON.stringify(value)}`).toMatch(/^Expected .+ but received /);
  expect(message).toContain(` for ${f.flag}`);
  expect(message.endsWith(`but received ${JSON.stringify(value)}`), message).toBe(true);
}

async function parseError(args: string[]): Promise<unknown> {
  try {
    await buildProgram().parseAsync(['node', 'blasnet', ...args]);
  } catch (err) {
    return err;
  }
  return null;
}

function run(args: string[]): Promise<{ status: number | null; stderr: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: process.env, timeout: 30_000, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, stderr, signal }));
  });
}

describe('the text parsers', () => {
  it('read plain decimal and nothing else', () => {
    expect(intFromText('12', 'n', 1)).toBe(12);
    expect(intFromText('0', 'n', 0)).toBe(0);
    expect(intFromText('-0', 'n', 0)).toBe(0);
    expect(intFromText('9007199254740991', 'n', 1)).toBe(2 ** 53 - 1);
    expect(numberFromText('1e-3', 'x')).toBe(0.001);
    expect(numberFromText('.5', 'x')).toBe(0.5);
    for (const v of HOSTILE) {
      let err: unknown = null;
      try { intFromText(v, '--n', 1); } catch (e) { err = e; }
      expect(err, JSON.stringify(v)).toBeInstanceOf(BlasnetError);
      expect((err as BlasnetError).code).toBe('ERR_INVALID_ARG');
      expect((err as BlasnetError).message).toBe(`Expected an integer >= 1 in decimal digits${v === '9007199254740993' ? ' (at most 2^53 - 1)' : ''} for --n but received ${JSON.stringify(v)}`);
    }
    for (const v of ['0x10', '0b11', '0o17', 'Infinity', '-Infinity', 'NaN', '', ' 1', '1 ', '1e400', '1'.repeat(65)]) {
      expect(() => numberFromText(v, 'x'), JSON.stringify(v)).toThrow(/^Expected a decimal number for x but received /);
    }
    expect(() => intFromText(12 as unknown, '--n', 1)).toThrow(/but received 12$/);
  });
});

describe('hostile values of numeric flags', () => {
  it('every flag refuses every hostile value, as a usage error naming it (in process, parsing only)', { timeout: 60_000 }, async () => {
    let tried = 0;
    for (const f of FLAGS) {
      for (const value of refusedOf(f)) {
        const err = await parseError([...f.args, f.flag, value]);
        expect(err, `${where(f)} ${JSON.stringify(value)} was accepted`).toBeInstanceOf(CliError);
        expect((err as CliError).exitCode).toBe(2);
        expectRefusal((err as Error).message, f, value);
        tried++;
      }
    }
    expect(tried).toBe(FLAGS.reduce((n, f) => n + refusedOf(f).length, 0));
  });

  it('through the real CLI: one line naming the flag and exit 2, for every flag', { timeout: 240_000 }, async () => {
    assertBuilt();
    // Each flag gets a different value of the list in turn, two children at a time.
    const cases = FLAGS.map((f, i) => ({ f, value: refusedOf(f)[i % refusedOf(f).length]! }));
    const results: { f: Flag; value: string; r: Awaited<ReturnType<typeof run>> }[] = [];
    for (let i = 0; i < cases.length; i += 2) {
      const pair = cases.slice(i, i + 2);
      results.push(...await Promise.all(pair.map(async ({ f, value }) => ({ f, value, r: await run([...f.args, f.flag, value]) }))));
    }
    for (const { f, value, r } of results) {
      expect(r.signal, `${where(f)} ${JSON.stringify(value)} did not exit in time`).toBeNull();
      expect(r.status, `${where(f)} ${JSON.stringify(value)}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.split('\n');
      expect(lines.length, r.stderr).toBe(2);
      expect(lines[1]).toBe('');
      expect(lines[0]!.startsWith('blasnet: '), r.stderr).toBe(true);
      expectRefusal(lines[0]!.slice('blasnet: '.length), f, value);
    }
  });

  it('through the real CLI: a plain value gets past the flags (and the run fails on the missing file instead)', { timeout: 60_000 }, async () => {
    assertBuilt();
    const r = await run(['train', csv, '--label', 'y', '--epochs', '12', '--batch-size', '0012', '--learning-rate', '1e-3', '--test-split', '.2']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no such file/);
    expect(r.stderr).not.toMatch(/Expected/);
  });
});
