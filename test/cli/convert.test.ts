// `blasnet convert` between the formats, and summary / predict / evaluate on every format, through the built CLI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../lib';
import { assertBuilt, cli, parseCsvOut, tempDir } from '../helpers/cli';
import { FIXTURES, expectedOutputs, expectClose } from '../helpers/formats';

const expected = expectedOutputs();
let tmp: string;
beforeAll(() => { assertBuilt(); tmp = tempDir('blasnet-cli-convert-'); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('blasnet convert', () => {
  it('.keras -> folder -> .onnx -> folder keeps the outputs, and the .onnx runs in onnxruntime', async () => {
    const e = expected['keras3_mlp.keras']!;
    const folder = path.join(tmp, 'k'), onnx = path.join(tmp, 'k.onnx'), back = path.join(tmp, 'k2');
    let r = cli(['convert', path.join(FIXTURES, 'keras3_mlp.keras'), folder]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\(Keras \.keras\) -> .* \(TensorFlow\.js folder\): 9 layers, 161 parameters, compile config and optimizer state kept/);
    expect(cli(['convert', folder, onnx]).status).toBe(0);
    expect(cli(['convert', onnx, back]).status).toBe(0);
    const session = await ort.InferenceSession.create(onnx);
    const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(e.input.flat()), [e.input.length, 6]) });
    await session.release();
    expectClose(out.output!.data as Float32Array, e.output.flat(), 1e-5, 'onnxruntime');
    expectClose((await loadModel(folder)).predictSync(e.input).dataSync(), e.output.flat(), 1e-5, 'folder');
    expectClose((await loadModel(back)).predictSync(e.input).dataSync(), e.output.flat(), 1e-5, 'back from onnx');
    expect((await loadModel(folder)).toDescription({ includeOptimizer: true }).optimizerWeights.length).toBeGreaterThan(0);
  });

  it('.h5 -> .onnx, and summary, predict and evaluate read .h5, .keras and .onnx directly', () => {
    const h5 = path.join(FIXTURES, 'keras2_functional.h5');
    const onnx = path.join(tmp, 'f.onnx');
    expect(cli(['convert', h5, onnx]).status).toBe(0);
    const e = expected['keras2_functional.h5']!;
    const csv = path.join(tmp, 'in.csv');
    fs.writeFileSync(csv, 'a,b,c,d\n' + e.input.map((r) => r.join(',')).join('\n') + '\n');
    for (const model of [h5, onnx]) {
      const r = cli(['predict', model, csv]);
      expect(r.status, r.stderr).toBe(0);
      const { header, rows } = parseCsvOut(r.stdout);
      expect(header).toEqual(['class', 'p_0', 'p_1']);
      expectClose(rows.map((row) => row[2]!), e.output.flat(), 1e-5, `predict ${path.basename(model)}`);
    }
    // evaluate: the labels are the expected classes, so accuracy is 1 and the loss is the mean cross-entropy of expected.
    const labelled = path.join(tmp, 'labelled.csv');
    fs.writeFileSync(labelled, 'a,b,c,d,y\n' + e.input.map((r, i) => [...r, e.output[i]![0]! > 0.5 ? 1 : 0].join(',')).join('\n') + '\n');
    const bce = -e.output.reduce((s, [p]) => s + Math.log(p! > 0.5 ? p! : 1 - p!), 0) / e.output.length;
    for (const model of [h5, onnx]) {
      const r = cli(['evaluate', model, labelled, '--label', 'y']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^loss: ${bce.toFixed(4)} - accuracy: 1\\.0000 \\(${e.input.length} rows`));
    }
    expect(cli(['evaluate', onnx, labelled]).stderr).toMatch(/does not name its label column: pass --label/);
    for (const model of [h5, onnx, path.join(FIXTURES, 'keras3_mlp.keras'), path.join(FIXTURES, 'skl2onnx_mlpregressor.onnx')]) {
      const r = cli(['summary', model]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Total params: \d+/);
    }
  });

  it('.h5 -> .keras keeps outputs and state; refuses to write .h5 (usage), and names the layer it cannot convert', async () => {
    const keras = path.join(tmp, 'x.keras');
    expect(cli(['convert', path.join(FIXTURES, 'keras2_functional.h5'), keras]).status).toBe(0);
    const e = expected['keras2_functional.h5']!;
    const m = await loadModel(keras);
    expectClose(m.predictSync(e.input).dataSync(), e.output.flat(), 1e-5, '.keras copy');
    expect(m.toDescription({ includeOptimizer: true }).training?.optimizerConfig.className).toBe('SGD');
    const r = cli(['convert', keras, path.join(tmp, 'x.h5')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/legacy \.h5 files are read, not written/);
    const bad = cli(['convert', path.join(FIXTURES, 'refused', 'lambda.keras'), path.join(tmp, 'y')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/Keras layer "lambda" \(Lambda\)/);
    expect(fs.existsSync(path.join(tmp, 'y'))).toBe(false);
    expect(cli(['convert', path.join(tmp, 'missing.onnx'), path.join(tmp, 'z')]).stderr).toMatch(/no such file/);
  });
});
