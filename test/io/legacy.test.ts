// Folders written before content-named shards still load and are saved over cleanly: the old layout
// (model.json + weights.bin), the backup a killed whole-directory save left, its temporary directories,
// and tfjs's own files, whose weights.bin is never removed because blasnet did not write it.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequential, layers, setSeed, loadModel, type Sequential } from '../../lib';
import { artifactsToModelJSON } from '../../lib/io';
import { toArtifacts } from '../../lib/model/saving';

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-legacy-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function model(seed: number): Sequential {
  setSeed(seed);
  const m = sequential({ layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 1 })] });
  m.userDefinedMetadata = { seed };
  return m;
}

/** The files the previous save wrote: model.json listing weights.bin (generatedBy as given). */
function oldLayout(dir: string, seed: number, generatedBy?: string): void {
  const m = model(seed);
  const art = toArtifacts(m);
  m.dispose();
  if (generatedBy) art.generatedBy = generatedBy;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(art.weightData as ArrayBuffer));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(artifactsToModelJSON(art, ['weights.bin'])));
}

async function seedOf(dir: string): Promise<number> {
  const m = await loadModel(dir);
  const s = (m.userDefinedMetadata as { seed: number }).seed;
  m.dispose();
  return s;
}

async function saveInto(dir: string, seed: number): Promise<void> {
  const m = model(seed);
  await m.save(dir);
  m.dispose();
}

const shards = (dir: string) => fs.readdirSync(dir).filter((n) => /^weights-[0-9a-f]{16}\.bin$/.test(n));

describe('models saved by earlier versions', () => {
  it('model.json + weights.bin loads; saving over it removes that weights.bin and nothing else', async () => {
    const dir = path.join(tmp, 'old');
    oldLayout(dir, 1);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep\n');
    expect(await seedOf(dir)).toBe(1);
    await saveInto(dir, 2);
    expect(await seedOf(dir)).toBe(2);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'notes.txt', ...shards(dir)].sort());
    expect(shards(dir)).toHaveLength(1);
  });

  it("tfjs's weights.bin is not ours: saving over a tfjs model keeps it", async () => {
    const dir = path.join(tmp, 'tfjs');
    oldLayout(dir, 3, 'TensorFlow.js tfjs-layers v4.22.0');
    await saveInto(dir, 4);
    expect(await seedOf(dir)).toBe(4);
    expect(fs.existsSync(path.join(dir, 'weights.bin'))).toBe(true);
  });

  it('the backup a killed whole-directory save left loads, and the next save puts it back with all it held', async () => {
    const dir = path.join(tmp, 'swapped');
    const backup = path.join(tmp, '.swapped.blasnet-old');
    oldLayout(backup, 5);
    fs.writeFileSync(path.join(backup, 'notes.txt'), 'moved away by the old save\n');
    expect(await seedOf(dir)).toBe(5);
    await saveInto(dir, 6);
    expect(fs.existsSync(backup)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('moved away by the old save\n');
    expect(await seedOf(dir)).toBe(6);
    expect(fs.existsSync(path.join(dir, 'weights.bin'))).toBe(false);
  });

  it("the old save's temporary directories of dead processes go when they hold only its files", async () => {
    const dir = path.join(tmp, 'temps');
    oldLayout(dir, 7);
    const dead = await new Promise<number>((resolve) => { const p = spawn(process.execPath, ['-e', '0']); p.on('exit', () => resolve(p.pid!)); });
    const leftover = path.join(tmp, `.temps.blasnet-tmp-${dead}-Ab12Cd`);
    const withUserFile = path.join(tmp, `.temps.blasnet-tmp-${dead}-Zz99Yy`);
    oldLayout(leftover, 7);
    oldLayout(withUserFile, 7);
    fs.writeFileSync(path.join(withUserFile, 'mine.txt'), 'x');
    await saveInto(dir, 8);
    expect(fs.existsSync(leftover)).toBe(false);
    expect(fs.existsSync(path.join(withUserFile, 'mine.txt'))).toBe(true);
  });

  it('a copy of an older model.json that the user kept keeps its weights file', async () => {
    const dir = path.join(tmp, 'kept');
    await saveInto(dir, 11);
    fs.copyFileSync(path.join(dir, 'model.json'), path.join(dir, 'model-v1.json'));
    const v1 = shards(dir)[0]!;
    await saveInto(dir, 12);
    expect(shards(dir).sort()).toEqual([v1, JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths[0]].sort());
    fs.unlinkSync(path.join(dir, 'model-v1.json'));
    await saveInto(dir, 13);
    expect(shards(dir)).toHaveLength(1);
  });

  it("a re-save keeps model.json's mode for the new files", async () => {
    const dir = path.join(tmp, 'modes');
    await saveInto(dir, 9);
    fs.chmodSync(path.join(dir, 'model.json'), 0o640);
    await saveInto(dir, 10);
    expect(fs.statSync(path.join(dir, 'model.json')).mode & 0o777).toBe(0o640);
    expect(fs.statSync(path.join(dir, shards(dir)[0]!)).mode & 0o777).toBe(0o640);
  });
});
