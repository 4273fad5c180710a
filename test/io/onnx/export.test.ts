// ONNX export checked by onnxruntime-node: every layer type and every activation runs there within 1e-5
// of blasnet's own predict, with graph optimizations off and on; .onnx -> blasnet -> .onnx keeps the
// outputs; the scaler folds in as Sub/Div; names, opset, IR version and the dynamic batch are as promised.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequential, layers, setSeed, loadModel, data, BlasnetError, type Sequential } from '../../../lib';
import type { ActivationName } from '../../../lib/model/names';
import { decodeModel } from '../../../lib/io/onnx/model';
import { expectClose } from '../../helpers/formats';

const ACTIVATIONS: ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'elu', 'selu', 'gelu', 'swish',
  'softplus', 'softsign', 'hardSigmoid', 'relu6'];

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-onnx-export-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function inputs(rows: number, cols: number, seed: number): number[][] {
  let s = seed;
  const r = () => { s = (s * 16807) % 2147483647; return s / 2147483647; };
  // Wide enough to cross every activation's kinks (relu6 at 6, hardSigmoid at +-2.5) and saturations.
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (r() - 0.5) * 16));
}

async function runOrt(bytes: Uint8Array, x: number[][], level: 'disabled' | 'all', names = { input: 'input', output: 'output' }): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  try {
    const feed = new ort.Tensor('float32', Float32Array.from(x.flat()), [x.length, x[0]!.length]);
    const out = await session.run({ [names.input]: feed });
    return out[names.output]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

async function checkInOrt(model: Sequential, x: number[][], what: string): Promise<void> {
  const bytes = model.toOnnx();
  const want = model.predictSync(x).dataSync();
  for (const level of ['disabled', 'all'] as const) expectClose(await runOrt(bytes, x, level), want, 1e-5, `${what}, optimizations ${level}`);
}

/** Moving statistics and normalization weights that are not the identity, so the export of each is exercised. */
function perturb(model: Sequential): void {
  for (const l of model.layers) {
    const ws = l.getWeights();
    if (ws.length === 0 || l.getClassName() === 'Dense') continue;
    const bn = l.getClassName() === 'BatchNormalization';
    l.setWeights(ws.map((w, k) => Float32Array.from(w.dataSync(), (_, i) => {
      if (bn && k === ws.length - 1) return 0.5 + ((i * 7) % 5) / 4; // moving variance > 0
      return (k === 0 ? 1 : 0) + Math.sin(i + k) * 0.3;
    })));
  }
}

describe('blasnet -> ONNX in onnxruntime', () => {
  it.each(ACTIVATIONS)('a Dense with activation %s, and the same activation as its own layer', async (act) => {
    setSeed(5);
    const m = sequential({ layers: [
      layers.dense({ units: 7, inputShape: [5], activation: act, kernelInitializer: 'heNormal', biasInitializer: 'randomNormal' }),
      layers.dense({ units: 4, kernelInitializer: 'heNormal' }),
      layers.activation({ activation: act }),
    ] });
    await checkInOrt(m, inputs(33, 5, 11), act);
  });

  it('every layer type: Dense without bias, BatchNormalization, LayerNormalization, Dropout, LeakyReLU, Activation', async () => {
    setSeed(6);
    const m = sequential({ layers: [
      layers.dense({ units: 9, inputShape: [6], useBias: false }),
      layers.batchNormalization({ epsilon: 0.01 }),
      layers.leakyReLU({ alpha: 0.15 }),
      layers.dropout({ rate: 0.4 }),
      layers.layerNormalization({ epsilon: 1e-4 }),
      layers.batchNormalization({ center: false, scale: false }),
      layers.layerNormalization({ center: false }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    perturb(m);
    await checkInOrt(m, inputs(20, 6, 3), 'all layers');
    const ops = decodeModel(m.toOnnx()).graph.nodes.map((n) => n.opType);
    expect(ops).toEqual(['Gemm', 'BatchNormalization', 'LeakyRelu', 'LayerNormalization', 'BatchNormalization', 'LayerNormalization', 'Gemm', 'Softmax']);
    const bn = decodeModel(m.toOnnx()).graph.nodes[1]!.attributes.find((a) => a.name === 'epsilon')!;
    expect(bn.f).toBeCloseTo(0.01, 7);
  });

  it('a trained model, with the batch dimension dynamic and the names chosen', async () => {
    setSeed(7);
    const m = sequential({ layers: [layers.dense({ units: 8, inputShape: [3], activation: 'relu' }), layers.dense({ units: 2, activation: 'sigmoid' })] });
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const x = inputs(40, 3, 5);
    await m.fit(x, x.map((r) => [r[0]! > 0 ? 1 : 0, r[1]! > r[2]! ? 1 : 0]), { epochs: 5, verbose: 0 });
    const bytes = m.toOnnx({ inputName: 'features', outputName: 'scores' });
    const decoded = decodeModel(bytes);
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(decoded.graph.inputs[0]).toMatchObject({ name: 'features', elemType: 1, dims: ['batch', 3] });
    expect(decoded.graph.outputs[0]).toMatchObject({ name: 'scores', elemType: 1, dims: ['batch', 2] });
    for (const rows of [1, 7, 40]) {
      const xs = x.slice(0, rows);
      expectClose(await runOrt(bytes, xs, 'all', { input: 'features', output: 'scores' }), m.predictSync(xs).dataSync(), 1e-5, `${rows} rows`);
    }
  });

  it('save(x.onnx) writes the same bytes as toOnnx(); .onnx -> blasnet -> .onnx keeps the outputs', async () => {
    setSeed(8);
    const m = sequential({ layers: [
      layers.dense({ units: 6, inputShape: [4], activation: 'gelu' }), layers.batchNormalization(), layers.dense({ units: 5, activation: 'swish' }),
      layers.layerNormalization(), layers.dense({ units: 3, activation: 'relu6' }), layers.activation({ activation: 'softmax' }),
    ] });
    perturb(m);
    const file = path.join(tmp, 'm.onnx');
    await m.save(file);
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(m.toOnnx());
    const back = await loadModel(file);
    const x = inputs(15, 4, 9);
    expectClose(back.predictSync(x).dataSync(), m.predictSync(x).dataSync(), 1e-6, 'imported');
    const again = back.toOnnx();
    for (const level of ['disabled', 'all'] as const) expectClose(await runOrt(again, x, level), await runOrt(m.toOnnx(), x, level), 1e-6, `re-exported, ${level}`);
  });

  it('folds the saved scaler in as Sub/Div, and the importer gives it back', async () => {
    setSeed(9);
    const raw = inputs(30, 3, 4).map((r) => [r[0]! * 100 + 50, r[1]!, r[2]! * 0.01]);
    const scaler = data.standardScaler().fit(raw);
    const m = sequential({ layers: [layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), layers.dense({ units: 1 })] });
    const file = path.join(tmp, 'scaled.onnx');
    await m.save(file, { scaler, foldScaler: true });
    const bytes = fs.readFileSync(file);
    expect(decodeModel(bytes).graph.nodes.slice(0, 2).map((n) => n.opType)).toEqual(['Sub', 'Div']);
    const want = m.predictSync(scaler.transform(raw).arraySync()).dataSync();
    expectClose(await runOrt(bytes, raw, 'all'), want, 1e-5, 'raw features through the folded scaler');
    const back = await loadModel(file);
    expect(back.getScaler()).not.toBeNull();
    expectClose(back.predictSync(back.getScaler()!.transform(raw)).dataSync(), want, 1e-5, 'imported scaler');
    // Without folding, the scaler travels in the metadata and the graph takes scaled features.
    await m.save(file, { scaler });
    expect(decodeModel(fs.readFileSync(file)).graph.nodes[0]!.opType).toBe('Gemm');
    expect((await loadModel(file)).getScaler()?.toJSON()).toEqual(scaler.toJSON());
  });

  it('refuses to fold a scaler it does not have, and to write legacy .h5', async () => {
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
    expect(() => m.toOnnx({ foldScaler: true })).toThrow(BlasnetError);
    const err = await m.save(path.join(tmp, 'x.h5')).then(() => null, (e: unknown) => e);
    expect((err as BlasnetError).code).toBe('ERR_UNSUPPORTED');
    expect(fs.existsSync(path.join(tmp, 'x.h5'))).toBe(false);
  });
});
