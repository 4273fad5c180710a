// Saves and loads racing in real processes: a loader beside a saver, hundreds of times each, gets the old
// model or the new one whole, never a mix and never an error; two savers at once serialize on the
// directory's lock and leave one whole model; a saver that cannot get the lock says so with ERR_IO.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BlasnetError } from '../../lib/errors';
import { loadDescription, saveDescription } from '../../lib/io';
import { dist, ensureDist, killChildren, MODEL_FILE, snapshot, spawnNode, userFolder } from './helpers';

const fixture = path.join(__dirname, '..', 'fixtures', 'io-concurrent.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeDescriptions } = require('../fixtures/io-save-loop.js') as {
  makeDescriptions(): Record<'A' | 'B', Parameters<typeof saveDescription>[0]>;
};
const { A, B } = makeDescriptions();

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-concurrency-'));
  ensureDist();
}, 120_000);
afterEach(killChildren);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run { code: number | null; out: Record<string, number>; err: string }

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawnNode([fixture, args[0]!, path.join(dist, 'io', 'files.js'), ...args.slice(1)]);
    let out = '', err = '';
    p.stdout!.on('data', (d) => { out += d; });
    p.stderr!.on('data', (d) => { err += d; });
    p.on('exit', (code) => resolve({ code, out: out.trim() ? JSON.parse(out.trim().split('\n').pop()!) : {}, err }));
  });
}

/** Savers run to completion, then the stop file ends the loaders. */
async function race(dir: string, savers: string[][], loaders: number): Promise<{ saves: Run[]; loads: Run[] }> {
  const stop = path.join(tmp, `stop-${path.basename(dir)}`);
  const loadRuns = Array.from({ length: loaders }, () => run(['load', dir, stop]));
  const saves = await Promise.all(savers.map((s) => run(['save', dir, ...s])));
  fs.writeFileSync(stop, '');
  return { saves, loads: await Promise.all(loadRuns) };
}

function modelFilesIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => !n.includes('not ours') && /^(model\.json|weights-.*\.bin|\..*\.tmp|\.model\.json\.blasnet-lock.*)$/.test(n)).sort();
}

function expectOneWholeModel(dir: string): void {
  const shard = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths[0];
  expect(modelFilesIn(dir)).toEqual(['model.json', shard].sort());
  const tag = (loadDescription(dir).userDefinedMetadata as { tag: string }).tag;
  expect(['A', 'B']).toContain(tag);
}

describe('saves and loads at the same time', () => {
  it('a loader beside a saver (hundreds of times each) always gets one model whole, never an error', async () => {
    const dir = path.join(tmp, 'one-saver');
    userFolder(dir, path.join(tmp, 'elsewhere1'));
    const before = snapshot(dir, (n) => MODEL_FILE.test(n));
    await saveDescription(A, dir);
    // 200 saves take ~4 s on an idle machine; a loaded one stops at 20 s with at least 100.
    const { saves, loads } = await race(dir, [['AB', '200', '20000']], 1);
    expect(saves[0]!.err).toBe('');
    expect(saves[0]!.code).toBe(0);
    expect(saves[0]!.out.saved).toBeGreaterThanOrEqual(100);
    const l = loads[0]!;
    expect(l.err).toBe('');
    expect(l.code).toBe(0);
    console.log(`io concurrency, one saver: ${saves[0]!.out.saved} saves; ${l.out.loads} loads (A ${l.out.A}, B ${l.out.B}), ${l.out.reloads} of them re-read model.json after its shard was replaced`);
    expect(l.out.loads).toBeGreaterThanOrEqual(saves[0]!.out.saved!);
    expect(l.out.A).toBeGreaterThan(0);
    expect(l.out.B).toBeGreaterThan(0);
    expectOneWholeModel(dir);
    expect(snapshot(dir, (n) => MODEL_FILE.test(n))).toEqual(before);
  }, 120_000);

  it('two savers at once take turns: both finish, the folder holds one whole model, loaders never fail', async () => {
    const dir = path.join(tmp, 'two-savers');
    userFolder(dir, path.join(tmp, 'elsewhere2'));
    const before = snapshot(dir, (n) => MODEL_FILE.test(n));
    await saveDescription(B, dir);
    const { saves, loads } = await race(dir, [['A', '60', '15000'], ['B', '60', '15000']], 2);
    for (const s of saves) {
      expect(s.err).toBe('');
      expect(s.out.saved).toBeGreaterThanOrEqual(10);
    }
    for (const l of loads) {
      expect(l.err).toBe('');
      expect(l.code).toBe(0);
    }
    console.log(`io concurrency, two savers: ${saves.map((x) => x.out.saved).join(' + ')} saves; loads ${loads.map((l) => `${l.out.loads} (A ${l.out.A}, B ${l.out.B}, ${l.out.reloads} re-read)`).join(', ')}`);
    expect(loads.reduce((n, l) => n + l.out.A!, 0)).toBeGreaterThan(0);
    expect(loads.reduce((n, l) => n + l.out.B!, 0)).toBeGreaterThan(0);
    expectOneWholeModel(dir);
    expect(snapshot(dir, (n) => MODEL_FILE.test(n))).toEqual(before);
  }, 120_000);

  it('a save that cannot get the lock in time is ERR_IO naming the owner; the running save completes', async () => {
    const dir = path.join(tmp, 'busy');
    const first = saveDescription(A, dir);
    const err = await saveDescription(B, dir, { lockWaitMs: 0 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(BlasnetError);
    expect((err as BlasnetError).code).toBe('ERR_IO');
    expect((err as BlasnetError).message).toMatch(new RegExp(`another save is in progress \\(process ${process.pid} on `));
    await first;
    expect((loadDescription(dir).userDefinedMetadata as { tag: string }).tag).toBe('A');
    // Waiting (the default) serializes them instead.
    await Promise.all([saveDescription(B, dir), saveDescription(A, dir)]);
    expectOneWholeModel(dir);
  });

  it('a lock left by a dead process is taken over; one held on another host is never taken', async () => {
    const dir = path.join(tmp, 'stale');
    await saveDescription(A, dir);
    const lock = path.join(dir, '.model.json.blasnet-lock');
    const dead = await new Promise<number>((resolve) => { const p = spawn(process.execPath, ['-e', '0']); p.on('exit', () => resolve(p.pid!)); });
    fs.writeFileSync(lock, JSON.stringify({ host: os.hostname(), boot: '', pid: dead, start: '', token: 'x' }));
    // A killed save's leftovers: a staging file of the dead pid and a shard no model.json lists.
    fs.writeFileSync(path.join(dir, `.model.json.${dead}-abcdef.tmp`), '{');
    await saveDescription(B, dir);
    expect((loadDescription(dir).userDefinedMetadata as { tag: string }).tag).toBe('B');
    expectOneWholeModel(dir);

    fs.writeFileSync(lock, JSON.stringify({ host: 'another-host.example', boot: '', pid: process.pid, start: '', token: 'y' }));
    const err = await saveDescription(A, dir, { lockWaitMs: 50 }).then(() => null, (e: unknown) => e);
    expect((err as BlasnetError).code).toBe('ERR_IO');
    expect((err as BlasnetError).message).toContain(lock);
    expect(fs.readFileSync(lock, 'utf8')).toContain('another-host.example');
    fs.unlinkSync(lock);
  });
});
