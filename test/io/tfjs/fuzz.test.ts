// Loader fuzzing: thousands of seeded mutations of a real model.json and weights.bin. Every load either
// succeeds with a usable model whose weights are finite, or throws a BlasnetError: never another
// exception, a crash or a hang.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequential, layers, setSeed, type Sequential } from '../../../lib';
import { BlasnetError } from '../../../lib/errors';
import { RandomStream } from '../../../lib/random';
import { loadLayersModel, toFiles } from '../../../lib/model/saving';

let tmp: string;
let baseJson: string;
let baseBin: Buffer;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-fuzz-'));
  setSeed(21);
  const m = sequential({ layers: [
    layers.dense({ units: 6, activation: 'relu', inputShape: [4] }),
    layers.batchNormalization(),
    layers.dropout({ rate: 0.2 }),
    layers.dense({ units: 5, activation: 'tanh', useBias: false }),
    layers.layerNormalization(),
    layers.activation({ activation: 'sigmoid' }),
    layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = Array.from({ length: 16 }, (_, i) => [0, 1, 2, 3].map((k) => Math.sin(i + k)));
  await m.fit(x, x.map((r) => [r[0]! > 0 ? 1 : 0, r[0]! > 0 ? 0 : 1, 0]), { epochs: 2, batchSize: 4, verbose: 0 });
  const f = toFiles(m, { includeOptimizer: true });
  baseJson = f.modelJson;
  baseBin = Buffer.from(f.weights);
  m.dispose();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The library's mulberry32 started at the seed, so every failure can be replayed from its case number. */
function prng(seed: number): () => number {
  return RandomStream.fromState(seed).next;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every container path in the JSON tree (to pick a place to mutate). */
function containers(v: Json, at: (string | number)[] = [], out: { node: Json[] | { [k: string]: Json }; path: (string | number)[] }[] = []) {
  if (Array.isArray(v)) { out.push({ node: v, path: at }); v.forEach((c, i) => containers(c, [...at, i], out)); }
  else if (v !== null && typeof v === 'object') { out.push({ node: v, path: at }); for (const [k, c] of Object.entries(v)) containers(c, [...at, k], out); }
  return out;
}

const HOSTILE: Json[] = [
  null, true, false, 0, -1, 1, 2, 3, 1.5, -7, 1e12, 2 ** 31, 2 ** 53, -(2 ** 31), 1e308, '', 'x', 'float16', 'uint8', 'int32', 'string',
  'complex64', 'bool', 'Dense', 'Conv2D', 'InputLayer', 'BatchNormalization', 'Sequential', 'Model', '../weights.bin', '/etc/passwd',
  '..%2Fweights.bin', 'weights.bin', './weights.bin', 'sub/../weights.bin', 'graph-model', 'optimizer', '__proto__', 'relu', 'nope',
  [], [null], [null, 4], [null, 1e9], [-1], [1e6, 1e6], [4, 6], [6], [0], [null, 2, 2], {}, { dtype: 'uint8', scale: 1, min: 0 },
  { dtype: 'float16' }, { dtype: 'uint16', scale: 'a', min: 0 }, { class_name: 'Dense', config: {} }, { __proto__: { polluted: 1 } } as Json,
];

function mutateJson(text: string, rand: () => number): string {
  const root = JSON.parse(text) as Json;
  const n = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < n; k++) {
    const all = containers(root);
    const { node } = all[Math.floor(rand() * all.length)]!;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const op = rand();
    const value = rand() < 0.8 ? pick(HOSTILE) : Math.floor(rand() * 20) - 5;
    if (keys.length === 0 || op < 0.1) {
      if (Array.isArray(node)) node.push(JSON.parse(JSON.stringify(value)));
      else node[pick(['units', 'batch_input_shape', 'paths', 'dtype', 'group', 'quantization', 'use_bias', 'center', 'scale', 'format', 'model_config', 'extra'])] = JSON.parse(JSON.stringify(value));
    } else if (op < 0.35) {
      const key = pick(keys as (string | number)[]);
      if (Array.isArray(node)) node.splice(key as number, 1);
      else delete node[key as string];
    } else if (op < 0.45 && Array.isArray(node) && node.length > 0) {
      node.push(JSON.parse(JSON.stringify(node[Math.floor(rand() * node.length)]!)));
    } else {
      const key = pick(keys as (string | number)[]);
      (node as Record<string | number, Json>)[key] = JSON.parse(JSON.stringify(value));
    }
  }
  let out = JSON.stringify(root);
  // Sometimes break the text itself.
  if (rand() < 0.05) out = out.slice(0, Math.floor(rand() * out.length));
  return out;
}

function mutateBin(bin: Buffer, rand: () => number): Buffer {
  const op = rand();
  if (op < 0.25) return bin.subarray(0, Math.floor(rand() * bin.length));
  if (op < 0.4) return Buffer.concat([bin, Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)))]);
  const out = Buffer.from(bin);
  const flips = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(rand() * out.length);
    // High bytes of a float hold the exponent: flipping them makes huge values, NaN and Infinity.
    out[at] = rand() < 0.5 ? out[at]! ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
  }
  return out;
}

async function check(dir: string, caseNo: number, outcome: Record<string, number>): Promise<void> {
  let model: Sequential | null = null;
  const t0 = Date.now();
  try {
    model = await loadLayersModel(dir);
  } catch (err) {
    if (!(err instanceof BlasnetError)) {
      throw new Error(`case ${caseNo}: load threw a non-BlasnetError: ${(err as Error)?.stack ?? String(err)}`);
    }
    outcome[err.code] = (outcome[err.code] ?? 0) + 1;
    return;
  } finally {
    expect(Date.now() - t0, `case ${caseNo} took too long`).toBeLessThan(5000);
  }
  for (const w of model.getWeights()) {
    const d = w.dataSync();
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) throw new Error(`case ${caseNo}: loaded a non-finite weight`);
  }
  // A loaded model is usable: it predicts with the shape its topology says (or, when flipped exponent
  // bits made finite weights so large that the outputs overflow, predict says so with ERR_NON_FINITE).
  const inputDim = model.getWeights()[0]?.shape[0] ?? 1;
  try {
    const out = model.predictSync([new Array(inputDim).fill(0.5)]);
    expect(out.shape[0]).toBe(1);
    outcome.ok = (outcome.ok ?? 0) + 1;
  } catch (err) {
    if (!(err instanceof BlasnetError) || err.code !== 'ERR_NON_FINITE') throw new Error(`case ${caseNo}: predict after load threw ${String(err)}`);
    outcome.okOverflowOnPredict = (outcome.okOverflowOnPredict ?? 0) + 1;
  } finally {
    model.dispose();
  }
}

/**
 * Loads `cases` mutations of one of the model's two files (case c drawn from prng(firstSeed + c), the
 * other file kept as saved) and counts the outcomes: ok, or the error code.
 */
async function fuzzFile(file: 'model.json' | 'weights.bin', cases: number, firstSeed: number,
  mutate: (rand: () => number) => string | Buffer): Promise<Record<string, number>> {
  const outcome: Record<string, number> = {};
  const dir = path.join(tmp, file === 'model.json' ? 'json' : 'bin');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'model.json'), baseJson);
  fs.writeFileSync(path.join(dir, 'weights.bin'), baseBin);
  for (let c = 0; c < cases; c++) {
    fs.writeFileSync(path.join(dir, file), mutate(prng(firstSeed + c)));
    await check(dir, c, outcome);
  }
  console.log(`io-fuzz ${file}: ${cases} cases`, JSON.stringify(outcome));
  return outcome;
}

describe('loader fuzzing', () => {
  it('mutated model.json (structure, types, shapes, dtypes, paths)', async () => {
    const cases = 2500;
    const outcome = await fuzzFile('model.json', cases, 1000, (rand) => mutateJson(baseJson, rand));
    expect(outcome.ERR_FORMAT).toBeGreaterThan(cases / 4);
    expect(outcome.ok ?? 0).toBeGreaterThan(0);
  }, 60_000);

  it('mutated weights.bin (truncated, extended, flipped bytes)', async () => {
    const outcome = await fuzzFile('weights.bin', 1500, 900000, (rand) => mutateBin(baseBin, rand));
    expect(outcome.ERR_FORMAT).toBeGreaterThan(0);
    expect(outcome.ERR_NON_FINITE).toBeGreaterThan(0);
    expect(outcome.ok).toBeGreaterThan(0);
  }, 60_000);
});
