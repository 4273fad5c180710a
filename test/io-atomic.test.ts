// Saving is atomic: a child process saving in a loop is SIGKILLed at random moments ~200 times; after
// every kill, loading the target gives one of the two models it was writing, complete.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDescription } from '../lib/io';

const root = path.resolve(__dirname, '..');
const distFiles = path.join(root, 'dist', 'io', 'files.js');
const child = path.join(__dirname, 'fixtures', 'io-save-loop.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeDescriptions } = require('./fixtures/io-save-loop.js') as {
  makeDescriptions(): Record<'A' | 'B', { weights: { data: Float32Array }[]; userDefinedMetadata: { tag: string } }>;
};

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-atomic-'));
  // `npm test` builds dist first; a direct vitest run rebuilds it when lib/io is newer.
  const newest = Math.max(...fs.readdirSync(path.join(root, 'lib', 'io')).map((f) => fs.statSync(path.join(root, 'lib', 'io', f)).mtimeMs));
  if (!fs.existsSync(distFiles) || fs.statSync(distFiles).mtimeMs < newest) {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
    if (!fs.existsSync(distFiles)) throw new Error(`dist/io/files.js is missing and the build failed: ${r.stdout}${r.stderr}`);
  }
}, 120_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runAndKill(target: string, first: 'A' | 'B', delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, distFiles, target, first], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.stdout.once('data', () => setTimeout(() => p.kill('SIGKILL'), delayMs));
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`save loop exited with ${code}: ${err}`));
    });
  });
}

describe('atomic save', () => {
  it('a process killed at random moments during save leaves the old or the new model, complete', async () => {
    const { A, B } = makeDescriptions();
    const seen = { A: 0, B: 0, none: 0, fromBackup: 0 };
    let seed = 12345;
    const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
    const kills = 200;
    const workers = 3;
    // Three targets killed concurrently (the machine is mostly waiting for node to start).
    const worker = async (w: number) => {
      const target = path.join(tmp, `model${w}`);
      for (let k = w; k < kills; k += workers) {
        // Kills land anywhere in a save: before it writes, during the writes, the fsyncs or the renames.
        await runAndKill(target, k % 2 ? 'B' : 'A', Math.floor(rand() * 30));
        if (!fs.existsSync(path.join(target, 'model.json')) && !fs.existsSync(path.join(tmp, `.model${w}.blasnet-old`, 'model.json'))) {
          seen.none++;
          continue;
        }
        if (!fs.existsSync(target)) seen.fromBackup++;
        const desc = loadDescription(target);
        const tag = (desc.userDefinedMetadata as { tag: 'A' | 'B' }).tag;
        const want = tag === 'A' ? A : B;
        expect(desc.weights).toHaveLength(2);
        desc.weights.forEach((wt, i) => expect(Buffer.from(wt.data.buffer).equals(Buffer.from(want.weights[i]!.data.buffer))).toBe(true));
        seen[tag]++;
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
    console.log(`io-atomic: ${kills} kills; loaded A ${seen.A}, B ${seen.B}, from the backup left between renames ${seen.fromBackup}, nothing saved yet ${seen.none}`);
    expect(seen.A + seen.B).toBeGreaterThan(kills / 2);
    expect(seen.A).toBeGreaterThan(0);
    expect(seen.B).toBeGreaterThan(0);
    // Temp directories of killed saves are cleaned up by later saves: only the last kill's per target may remain.
    const leftovers = fs.readdirSync(tmp).filter((n) => n.includes('blasnet-tmp'));
    expect(leftovers.length).toBeLessThanOrEqual(workers);
  }, 120_000);
});
