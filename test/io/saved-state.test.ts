// What a saved model carries besides weights is checked at load (an absurd learning rate, a scaler that
// does not fit the inputs or divides by zero: ERR_FORMAT then, not at the first fit or predict), and
// metadata that cannot be written is a BlasnetError at save, never a RangeError or TypeError.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequential, layers, data, setSeed, type Sequential } from '../../lib';
import { BlasnetError } from '../../lib/errors';
import { loadLayersModel, loadModel, toArtifacts, toFiles } from '../../lib/model/saving';

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-state-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function model(): Sequential {
  setSeed(2);
  const m = sequential({ layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dense({ units: 1 })] });
  m.compile({ optimizer: 'adam', loss: 'mse' });
  return m;
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'ok', message: '' };
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(BlasnetError);
    return { code: (err as BlasnetError).code, message: (err as Error).message };
  }
}

/** Saves a model, then rewrites its model.json with `edit`. */
async function savedThenEdited(name: string, edit: (json: Record<string, any>) => void, scaler?: { toJSON(): unknown }): Promise<string> {
  const dir = path.join(tmp, name);
  const m = model();
  await m.save(dir, { includeOptimizer: true, ...(scaler ? { scaler } : {}) });
  m.dispose();
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
  return dir;
}

const fitted = () => data.standardScaler().fit([[1, 2, 3], [2, 4, 7], [0, 1, 1]]);

describe('saved training config and scaler are checked at load', () => {
  it('a valid model with its scaler and optimizer loads and works', async () => {
    const dir = await savedThenEdited('valid', () => undefined, fitted());
    const m = await loadModel(dir);
    expect(m.getScaler()!.transform([[1, 2, 3]]).shape).toEqual([1, 3]);
    await m.fit([[1, 2, 3]], [[1]], { epochs: 1, verbose: 0 });
    m.dispose();
  });

  it('a learning rate of 1e300 (or any hyperparameter the engines refuse) is ERR_FORMAT at load', async () => {
    for (const [name, edit] of [
      ['blasnet config', (j: Record<string, any>) => { j.blasnetTrainingConfig.optimizer_config.config.learningRate = 1e300; }],
      ['tfjs config', (j: Record<string, any>) => { delete j.blasnetTrainingConfig; j.trainingConfig.optimizer_config.config.learningRate = 1e300; }],
      ['epsilon beyond the engines', (j: Record<string, any>) => { j.blasnetTrainingConfig.optimizer_config.config.epsilon = -1e31; }],
    ] as const) {
      const r = await codeOf(loadModel(await savedThenEdited(`lr-${name.replace(/ /g, '-')}`, edit)));
      expect(r.code, name).toBe('ERR_FORMAT');
      expect(r.message, name).toMatch(/the engines accept hyperparameters up to 1e\+30/);
    }
  });

  it('a scaler of the wrong width, with a zero or subnormal scale, or not a scaler is ERR_FORMAT at load', async () => {
    const cases: [string, (s: Record<string, any>) => void, RegExp][] = [
      ['width', (s) => { s.mean.push(0); s.scale.push(1); }, /4 columns but the model takes 3 inputs/],
      ['zero scale', (s) => { s.scale[1] = 0; }, /scaler/],
      ['subnormal scale', (s) => { s.scale[1] = 1e-320; }, /scale for column 1/],
      ['offset', (s) => { s.mean[0] = 1e39; }, /offset for column 0/],
      ['kind', (s) => { s.kind = 'robustScaler'; }, /scaler/],
    ];
    for (const [name, edit, pattern] of cases) {
      const dir = await savedThenEdited(`scaler-${name.replace(/ /g, '-')}`, (j) => edit(j.userDefinedMetadata.scaler), fitted());
      const r = await codeOf(loadLayersModel(dir));
      expect(r.code, name).toBe('ERR_FORMAT');
      expect(r.message, name).toMatch(pattern);
    }
  });
});

describe('metadata that cannot be saved is a BlasnetError', () => {
  function nested(depth: number): Record<string, unknown> {
    let v: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < depth; i++) v = { v };
    return v;
  }

  it('deeply nested, circular or BigInt userDefinedMetadata: save and toFiles refuse it with a code', async () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    for (const [name, udm] of [['deep', { deep: nested(100_000) }], ['circular', circular], ['bigint', { n: 10n }]] as const) {
      const m = model();
      m.userDefinedMetadata = udm as Record<string, unknown>;
      const r = await codeOf(m.save(path.join(tmp, `udm-${name}`)));
      expect(r.code, name).toBe('ERR_INVALID_ARG');
      expect(r.message, name).toMatch(/userDefinedMetadata/);
      expect(fs.existsSync(path.join(tmp, `udm-${name}`, 'model.json')), name).toBe(false);
      let err: unknown;
      try { toFiles(m); } catch (e) { err = e; }
      expect(err, name).toBeInstanceOf(BlasnetError);
      m.dispose();
    }
  });

  it('a loaded model whose metadata became deeply nested, self-referring or huge: re-save refuses it with a code, fast, and the saved model stays', async () => {
    const dir = path.join(tmp, 'udm-resave');
    const first = model();
    first.userDefinedMetadata = { note: 'kept', inner: { a: 1 } };
    await first.save(dir);
    first.dispose();
    const before = new Map(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(path.join(dir, n))]));
    const twice: Record<string, unknown> = {};
    twice.a = twice;
    twice.b = twice;
    // Not a cycle, but 2^40 paths: JSON.stringify would never finish.
    let shared: unknown = 1;
    for (let i = 0; i < 40; i++) shared = [shared, shared];
    const throwing = Object.defineProperty({}, 'x', { enumerable: true, get() { throw new Error('no'); } });
    const cases: [string, (udm: Record<string, any>) => void, RegExp][] = [
      ['deep', (u) => { u.inner.deep = nested(100_000); }, /nested more than 56 levels/],
      ['self twice', (u) => { u.inner.loop = twice; }, /refers to itself/],
      ['shared', (u) => { u.inner.shared = shared; }, /more than 2500000 values/],
      ['getter', (u) => { u.inner.bad = throwing; }, /Cannot read userDefinedMetadata: no/],
    ];
    for (const [name, spoil, pattern] of cases) {
      const m = await loadModel(dir);
      expect(m.userDefinedMetadata).toEqual({ note: 'kept', inner: { a: 1 } });
      spoil(m.userDefinedMetadata!);
      const started = Date.now();
      const r = await codeOf(m.save(dir));
      expect(r.code, name).toBe('ERR_INVALID_ARG');
      expect(r.message, name).toMatch(pattern);
      let handed = 0;
      expect((await codeOf(m.save({ save: async () => { handed++; return {}; } }))).code, name).toBe('ERR_INVALID_ARG');
      expect(handed, name).toBe(0);
      expect(() => toArtifacts(m), name).toThrow(BlasnetError);
      expect(Date.now() - started, name).toBeLessThan(20_000);
      m.dispose();
      expect(new Map(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(path.join(dir, n))])), name).toEqual(before);
    }
  });

  it('metadata as deep as the loader accepts saves and loads back; a file nested deeper is ERR_LIMIT at load', async () => {
    const m = model();
    m.userDefinedMetadata = { deep: nested(50) };
    const dir = path.join(tmp, 'udm-ok');
    await m.save(dir);
    const back = await loadModel(dir);
    expect(back.userDefinedMetadata).toEqual(m.userDefinedMetadata);
    back.dispose();
    m.dispose();
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify(json).replace('"deep":', `"deeper":${'['.repeat(100)}${']'.repeat(100)},"deep":`));
    expect((await codeOf(loadModel(dir))).code).toBe('ERR_LIMIT');
  });
});
