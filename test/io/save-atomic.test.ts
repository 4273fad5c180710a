// Saving is atomic: a child process saving in a loop into a user's folder is SIGKILLed at random
// moments ~200 times; after every kill, loading gives one of the two models it was writing, complete;
// the user's files are untouched; leftovers of killed saves never pile up (the next save removes them).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDescription, saveDescription } from '../../lib/io';
import { dist, ensureDist, killChildren, MODEL_FILE, snapshot, spawnNode, userFolder } from './helpers';

const child = path.join(__dirname, '..', 'fixtures', 'io-save-loop.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeDescriptions } = require('../fixtures/io-save-loop.js') as {
  makeDescriptions(): Record<'A' | 'B', Parameters<typeof saveDescription>[0]>;
};

/** Our own names: the model's files, files being written, the lock (and a lock set aside). */
const OURS = /^(model\.json|weights-[0-9a-f]{16}\.bin|\..*\.tmp|\.model\.json\.blasnet-lock.*)$/;
/** A user's file that looks like one of our shards but is not (its bytes do not hash to its name). */
const LOOKALIKE = 'weights-00000000deadbeef.bin';
const ours = (dir: string) => fs.readdirSync(dir).filter((n) => OURS.test(n) && n !== LOOKALIKE);
const notModel = (n: string) => MODEL_FILE.test(n) && n !== LOOKALIKE;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-atomic-'));
  ensureDist();
}, 120_000);
afterEach(killChildren);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** How long a save takes on this machine now (the median of the first saves the children finished). */
// A running estimate: a child's first finished save pulls it towards what it took, a child killed before
// finishing one pushes it up (a loaded machine can be ten times slower than an idle one).
let estimateMs = 100;
const typicalSaveMs = () => Math.round(estimateMs);

/** Starts a save loop and kills it `fraction` x 2.5 typical saves after it starts its first save. */
function runAndKill(target: string, first: 'A' | 'B', fraction: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawnNode([child, path.join(dist, 'io', 'files.js'), target, first]);
    // A child that neither saves nor dies (a machine stalled for a minute) fails this run, not the suite.
    const stuck = setTimeout(() => { p.kill('SIGKILL'); reject(new Error('a save loop did not start within 60 s')); }, 60_000);
    let err = '';
    let readyAt = 0;
    let timed = false;
    p.stderr!.on('data', (d) => { err += d; });
    p.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      if (text.includes('ready') && !readyAt) {
        readyAt = Date.now();
        setTimeout(() => p.kill('SIGKILL'), Math.floor(fraction * 2.5 * typicalSaveMs()));
      }
      if (text.includes('saved') && !timed) { estimateMs = (estimateMs + (Date.now() - readyAt)) / 2; timed = true; }
    });
    p.on('exit', (code, signal) => {
      clearTimeout(stuck);
      if (!timed) estimateMs = Math.min(estimateMs * 1.25, 10_000);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`save loop exited with ${code}: ${err}`));
    });
  });
}

describe('atomic save', () => {
  it('a process killed at random moments during save leaves the old or the new model, complete, and the folder as it was', async () => {
    const { A, B } = makeDescriptions();
    const seen = { A: 0, B: 0, none: 0, staleLock: 0, leftovers: 0, maxOurs: 0 };
    let seed = 12345;
    const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
    // 200 kills take ~10 s on an idle 2-core machine; a loaded one stops at the time budget instead
    // (each kill costs a node start-up, ten times slower there), with at least 20 kills done.
    const kills = 200;
    const budgetMs = 25_000;
    const started = Date.now();
    let done = 0;
    const workers = 3;
    const targets = Array.from({ length: workers }, (_, w) => path.join(tmp, `model${w}`));
    targets.forEach((t, w) => userFolder(t, path.join(tmp, `elsewhere${w}`)));
    targets.forEach((t) => fs.writeFileSync(path.join(t, LOOKALIKE), 'a user file\n'));
    const before = targets.map((t) => snapshot(t, notModel));
    // Three targets killed concurrently (the machine is mostly waiting for node to start).
    const worker = async (w: number) => {
      const target = targets[w]!;
      // Past the budget only while fewer than 20 kills are done (a very loaded machine), and never past 100 s.
      const more = () => Date.now() - started < budgetMs || (done < 20 && Date.now() - started < 100_000);
      for (let k = w; k < kills && more(); k += workers) {
        done++;
        // Kills land anywhere in a save: taking the lock, the writes, the fsyncs, the renames, the clean-up.
        await runAndKill(target, k % 2 ? 'B' : 'A', rand());
        const mine = ours(target);
        seen.maxOurs = Math.max(seen.maxOurs, mine.length);
        if (mine.some((n) => n.startsWith('.model.json.blasnet-lock'))) seen.staleLock++;
        if (mine.some((n) => n.endsWith('.tmp')) || mine.filter((n) => n.endsWith('.bin')).length > 1) seen.leftovers++;
        // Leftovers of at most the last two killed saves: every save removes what the one before left.
        expect(mine.filter((n) => n.endsWith('.bin')).length, mine.join(' ')).toBeLessThanOrEqual(4);
        expect(mine.length, mine.join(' ')).toBeLessThanOrEqual(9);
        if (!fs.existsSync(path.join(target, 'model.json'))) {
          seen.none++;
          continue;
        }
        const desc = loadDescription(target);
        const tag = (desc.userDefinedMetadata as { tag: 'A' | 'B' }).tag;
        const want = tag === 'A' ? A : B;
        expect(desc.weights).toHaveLength(2);
        desc.weights.forEach((wt, i) => expect(Buffer.from(wt.data.buffer).equals(Buffer.from(want.weights[i]!.data.buffer))).toBe(true));
        seen[tag]++;
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
    console.log(`io-atomic: ${done} kills in ${Date.now() - started} ms (a save took ${typicalSaveMs()} ms); loaded A ${seen.A}, B ${seen.B}, nothing saved yet ${seen.none}; ` +
      `a stale lock left ${seen.staleLock} times, other leftovers ${seen.leftovers} times; at most ${seen.maxOurs} files of ours at once`);
    expect(done).toBeGreaterThanOrEqual(20);
    expect(seen.A + seen.B).toBeGreaterThan(done / 2);
    expect(seen.A).toBeGreaterThan(0);
    expect(seen.B).toBeGreaterThan(0);
    // Kills interrupted saves in the middle, not only between them.
    expect(seen.staleLock).toBeGreaterThan(done / 4);
    // One clean save afterwards leaves exactly the model's two files beside the user's, unchanged.
    for (const [w, target] of targets.entries()) {
      await saveDescription(A, target);
      const shard = JSON.parse(fs.readFileSync(path.join(target, 'model.json'), 'utf8')).weightsManifest[0].paths[0];
      expect(ours(target).sort()).toEqual(['model.json', shard].sort());
      expect(snapshot(target, notModel)).toEqual(before[w]);
    }
  }, 180_000);
});
