// Loading cannot be tricked and is bounded: files are checked on the opened descriptor (no symlinked
// shards, no FIFOs, nothing outside the folder, even while a process swaps them), a shard listed twice is
// refused, memory is checked from model.json before a shard is read, and model.json's structure is
// limited before JSON.parse sees it.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sequential, layers, setSeed } from '../../lib';
import { BlasnetError } from '../../lib/errors';
import { artifactsToModelJSON, loadDescription, type ModelArtifacts } from '../../lib/io';
import { loadLayersModel, toArtifacts } from '../../lib/model/saving';
import { killChildren, spawnNode } from './helpers';

let tmp: string;
let art: ModelArtifacts;
let other: ModelArtifacts;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-limits-'));
  setSeed(5);
  const make = () => sequential({ layers: [layers.dense({ units: 3, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1 })] });
  const a = make(), b = make();
  art = toArtifacts(a);
  other = toArtifacts(b);
  a.dispose();
  b.dispose();
});
afterEach(killChildren);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
    return { code: 'ok', message: '' };
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(BlasnetError);
    return { code: (err as BlasnetError).code, message: (err as Error).message };
  }
}

/** A model folder: model.json listing `paths`, and the weights as weights.bin unless told otherwise. */
function modelDir(name: string, paths: string[] = ['weights.bin'], json?: unknown): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json ?? artifactsToModelJSON(art, paths)));
  if (paths.length === 1 && !json) fs.writeFileSync(path.join(dir, paths[0]!), new Uint8Array(art.weightData as ArrayBuffer));
  return dir;
}

describe('files are checked on the opened descriptor', () => {
  it('a symlinked shard is refused even when it points inside the folder; a FIFO never blocks the load', async () => {
    const dir = modelDir('link-inside', ['real.bin']);
    fs.symlinkSync('real.bin', path.join(dir, 'alias.bin'));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(artifactsToModelJSON(art, ['alias.bin'])));
    expect(await codeOf(() => loadDescription(dir))).toMatchObject({ code: 'ERR_FORMAT', message: expect.stringMatching(/symbolic link/) });

    const fifo = modelDir('fifo', ['real.bin']);
    execFileSync('mkfifo', [path.join(fifo, 'pipe.bin')]);
    fs.writeFileSync(path.join(fifo, 'model.json'), JSON.stringify(artifactsToModelJSON(art, ['pipe.bin'])));
    expect(await codeOf(() => loadDescription(fifo))).toMatchObject({ code: 'ERR_IO', message: expect.stringMatching(/not a regular file/) });
    fs.renameSync(path.join(fifo, 'model.json'), path.join(fifo, 'saved.json'));
    execFileSync('mkfifo', [path.join(fifo, 'model.json')]);
    expect(await codeOf(() => loadDescription(fifo))).toMatchObject({ code: 'ERR_IO', message: expect.stringMatching(/not a regular file/) });
  });

  it('model.json may be a symlink to a file in its folder, never out of it', async () => {
    const outside = modelDir('outside');
    const dir = modelDir('versions', ['weights.bin']);
    fs.renameSync(path.join(dir, 'model.json'), path.join(dir, 'model-v2.json'));
    fs.symlinkSync('model-v2.json', path.join(dir, 'model.json'));
    expect(loadDescription(dir).weights).toHaveLength(4);
    fs.unlinkSync(path.join(dir, 'model.json'));
    fs.symlinkSync(path.join(outside, 'model.json'), path.join(dir, 'model.json'));
    expect(await codeOf(() => loadDescription(dir))).toMatchObject({ code: 'ERR_FORMAT', message: expect.stringMatching(/inside the model directory/) });
  });

  it('a shard listed twice is refused, however it is spelled', async () => {
    const bin = new Uint8Array(art.weightData as ArrayBuffer);
    const half = bin.length / 2;
    for (const [name, paths] of [['twice', ['w.bin', 'w.bin']], ['dot', ['w.bin', './w.bin']], ['encoded', ['w.bin', 'w%2Ebin']]] as const) {
      const dir = path.join(tmp, `dup-${name}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'w.bin'), bin.subarray(0, half));
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(artifactsToModelJSON(art, [...paths])));
      expect(await codeOf(() => loadDescription(dir)), name).toMatchObject({ code: 'ERR_FORMAT', message: expect.stringMatching(/listed more than once/) });
    }
    // Across two manifest groups too.
    const dir = path.join(tmp, 'dup-groups');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'w.bin'), bin);
    const json = artifactsToModelJSON(art, ['w.bin']);
    const specs = json.weightsManifest[0]!.weights;
    json.weightsManifest = [{ paths: ['w.bin'], weights: specs.slice(0, 2) }, { paths: ['./w.bin'], weights: specs.slice(2) }];
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    expect(await codeOf(() => loadDescription(dir))).toMatchObject({ code: 'ERR_FORMAT', message: expect.stringMatching(/listed more than once/) });
  });

  it('a process swapping a shard for a symlink out of the folder never gets the outside bytes loaded', async () => {
    const outside = path.join(tmp, 'secret-weights.bin');
    fs.writeFileSync(outside, new Uint8Array(other.weightData as ArrayBuffer));
    const dir = modelDir('swap');
    const script = `
      const fs = require('fs'), d = ${JSON.stringify(dir)};
      fs.writeFileSync(d + '/good.bin', fs.readFileSync(d + '/weights.bin'));
      process.stdout.write('ready\\n');
      const parent = process.ppid;
      for (let i = 0; process.ppid === parent; i++) {
        try { fs.symlinkSync(${JSON.stringify(outside)}, d + '/link.tmp'); } catch {}
        try { fs.copyFileSync(d + '/good.bin', d + '/file.tmp'); } catch {}
        fs.renameSync(d + (i % 2 ? '/link.tmp' : '/file.tmp'), d + '/weights.bin');
      }`;
    const swapper = spawnNode(['-e', script], true);
    await new Promise((r) => swapper.stdout!.once('data', r));
    const outcome: Record<string, number> = {};
    const good = Buffer.from(art.weightData as ArrayBuffer);
    try {
      for (let i = 0; i < 300; i++) {
        let key: string;
        try {
          const desc = loadDescription(dir);
          const bytes = Buffer.concat(desc.weights.map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)));
          key = bytes.equals(good) ? 'the folder\'s weights' : 'OTHER BYTES';
        } catch (err) {
          expect(err).toBeInstanceOf(BlasnetError);
          key = (err as BlasnetError).code;
        }
        outcome[key] = (outcome[key] ?? 0) + 1;
      }
    } finally {
      swapper.kill('SIGKILL');
    }
    console.log('io-limits symlink swap: 300 loads', JSON.stringify(outcome));
    expect(outcome['OTHER BYTES']).toBeUndefined();
    expect(outcome['the folder\'s weights']).toBeGreaterThan(0);
    expect(outcome.ERR_FORMAT).toBeGreaterThan(0);
  });
});

describe('memory is bounded before it is allocated', () => {
  /** model.json of a Dense layer whose kernel alone is `inputs` x `units` floats; no shard exists. */
  function bigModel(name: string, inputs: number, units: number): string {
    const json = {
      modelTopology: { class_name: 'Sequential', config: { name: 'big', layers: [{ class_name: 'Dense', config: { name: 'd', units, batch_input_shape: [null, inputs] } }] } },
      format: 'layers-model',
      weightsManifest: [{ paths: ['missing.bin'], weights: [{ name: 'd/kernel', shape: [inputs, units], dtype: 'float32' }, { name: 'd/bias', shape: [units], dtype: 'float32' }] }],
    };
    return modelDir(name, ['missing.bin'], json);
  }

  it('a model over the memoryLimit is ERR_LIMIT with the figure, before any shard is read', async () => {
    const dir = bigModel('big', 16384, 16384);
    const r = await codeOf(loadLayersModel(dir, { memoryLimit: '256M' }));
    expect(r.code).toBe('ERR_LIMIT');
    expect(r.message).toMatch(/would take 4\.0 GiB, more than the memory limit of 256\.0 MiB/);
    expect(r.message).toMatch(/268451840 values/);
    // Under a limit it fits, the load goes on to the missing shard.
    expect((await codeOf(loadLayersModel(dir, { memoryLimit: 8 * 2 ** 30 }))).code).toBe('ERR_IO');
    const saved = process.env.BLASNET_MEMORY_LIMIT;
    process.env.BLASNET_MEMORY_LIMIT = '1G';
    try {
      expect((await codeOf(loadLayersModel(dir))).message).toMatch(/memory limit of 1\.0 GiB/);
    } finally {
      if (saved === undefined) delete process.env.BLASNET_MEMORY_LIMIT; else process.env.BLASNET_MEMORY_LIMIT = saved;
    }
    for (const bad of ['lots', -1, 0, 1.5, {}]) {
      expect((await codeOf(loadLayersModel(dir, { memoryLimit: bad as never }))).code, String(bad)).toBe('ERR_INVALID_ARG');
    }
  });

  it('the workspace counts: a weightless model of wide layers is refused, a small one loads under a small limit', async () => {
    const wide = {
      modelTopology: { class_name: 'Sequential', config: { layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 1 << 24] } },
        ...Array.from({ length: 100 }, (_, i) => ({ class_name: 'Activation', config: { name: `a${i}`, activation: 'relu' } })),
      ] } },
      weightsManifest: [],
    };
    const r = await codeOf(loadLayersModel(modelDir('wide', [], wide)));
    expect(r.code).toBe('ERR_LIMIT');
    expect(r.message).toMatch(/32-row workspace over 100 layers up to 16777216 wide/);
    const small = modelDir('small');
    expect((await codeOf(loadLayersModel(small, { memoryLimit: 100 }))).code).toBe('ERR_LIMIT');
    const m = await loadLayersModel(small, { memoryLimit: 4096 });
    expect(m.predictSync([[1, 2]]).dataSync()).toHaveLength(1);
    m.dispose();
  });
});

describe('model.json structure is limited before it is parsed', () => {
  const cases: [string, () => string, RegExp][] = [
    ['nested arrays', () => '['.repeat(1 << 20) + ']'.repeat(1 << 20), /more than 64 levels of nesting/],
    ['tiny numbers', () => `{"modelTopology":{},"userDefinedMetadata":{"x":[${'0,'.repeat(3_000_000)}0]}}`, /more than 2000000 numbers/],
    ['empty objects', () => `{"modelTopology":{},"userDefinedMetadata":[${'{},'.repeat(600_000)}{}]}`, /more than 500000 arrays and objects/],
    ['distinct keys', () => `{"modelTopology":{},"userDefinedMetadata":{${Array.from({ length: 150_000 }, (_, i) => `"k${i}":0`).join(',')}}}`, /more than 100000 distinct key names/],
    ['repeated keys', () => `{"modelTopology":{},"userDefinedMetadata":[${'{"a":0,"b":1},'.repeat(600_000)}{}]}`, /more than 500000 arrays and objects|more than 1000000 object keys/],
  ];
  for (const [name, make, pattern] of cases) {
    it(`${name}: ERR_LIMIT from the pre-scan`, async () => {
      const dir = path.join(tmp, `hostile-${name.replace(/ /g, '-')}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'model.json'), make());
      expect(await codeOf(loadLayersModel(dir))).toMatchObject({ code: 'ERR_LIMIT', message: expect.stringMatching(pattern) });
    });
  }

  it('over 64 MB is ERR_LIMIT without reading it; escaped quotes do not confuse the scan', async () => {
    const dir = path.join(tmp, 'huge');
    fs.mkdirSync(dir);
    const fd = fs.openSync(path.join(dir, 'model.json'), 'w');
    fs.ftruncateSync(fd, 64 * 1024 * 1024 + 1);
    fs.closeSync(fd);
    expect(await codeOf(loadLayersModel(dir))).toMatchObject({ code: 'ERR_LIMIT', message: expect.stringMatching(/67108865 bytes/) });
    // A string holding brackets, colons and escaped quotes counts as one scalar, and the model loads.
    const json = artifactsToModelJSON(art, ['weights.bin']);
    json.userDefinedMetadata = { note: `${'[{\\":'.repeat(100_000)}"]}` };
    const ok = modelDir('escaped', ['weights.bin'], json);
    fs.writeFileSync(path.join(ok, 'weights.bin'), new Uint8Array(art.weightData as ArrayBuffer));
    expect(loadDescription(ok).userDefinedMetadata).toEqual(json.userDefinedMetadata);
  });
});
