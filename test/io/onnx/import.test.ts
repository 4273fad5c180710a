// ONNX import: graphs made by torch.onnx.export, and with the structure tf2onnx and skl2onnx emit
// (fixtures from test/fixtures/formats/make_fixtures.py), predict as the producing library did; the
// result is an ordinary model (fine-tune, save in every format); unsupported and hostile graphs are
// one typed error each.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, BlasnetError } from '../../../lib';
import { DT, encodeModel, encodeTensor, type NodeSpec } from '../../../lib/io/onnx/model';
import { ProtoWriter } from '../../../lib/io/onnx/protobuf';
import { FIXTURES, expectedOutputs, expectClose } from '../../helpers/formats';

const expected = expectedOutputs();
const onnxFixtures = Object.keys(expected).filter((f) => f.endsWith('.onnx'));
let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-onnx-import-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('ONNX files from torch, tf2onnx and skl2onnx', () => {
  it.each(onnxFixtures)('%s predicts as its producer did (1e-5)', async (file) => {
    const m = await loadModel(path.join(FIXTURES, file));
    const e = expected[file]!;
    expectClose(m.predictSync(e.input).dataSync(), e.output.flat(), 1e-5, file);
  });

  it('maps torch ops to layers: Gemm + activation is one Dense, Flatten vanishes, BatchNorm keeps its statistics', async () => {
    const acts = await loadModel(path.join(FIXTURES, 'torch_acts.onnx'));
    expect(acts.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dense', 'LeakyReLU', 'Dense', 'Dense']);
    expect(acts.toDescription().layers.map((l) => l.config.activation)).toEqual(['tanh', 'linear', undefined, 'elu', 'sigmoid']);
    const bn = await loadModel(path.join(FIXTURES, 'torch_batchnorm.onnx'));
    expect(bn.layers.map((l) => l.getClassName())).toEqual(['Dense', 'BatchNormalization', 'Activation', 'Dense']);
    expect(bn.toDescription().layers[1]!.config).toMatchObject({ epsilon: expect.closeTo(1e-5, 9), momentum: expect.closeTo(0.9, 6) });
  });

  it('skl2onnx classifiers: the probabilities output is the model (ZipMap and the label are left to the caller)', async () => {
    const multi = await loadModel(path.join(FIXTURES, 'skl2onnx_mlpclassifier.onnx'));
    expect(multi.outputShape).toEqual([null, 3]);
    const binary = await loadModel(path.join(FIXTURES, 'skl2onnx_mlpclassifier_binary.onnx'));
    expect(binary.outputShape).toEqual([null, 2]);
  });

  it('external data is read beside the file, and refused for a Buffer', async () => {
    const file = path.join(FIXTURES, 'torch_gelu_external.onnx');
    await expect(loadModel(file)).resolves.toBeDefined();
    const err = await loadModel(fs.readFileSync(file)).then(() => null, (e: unknown) => e);
    expect((err as BlasnetError).code).toBe('ERR_UNSUPPORTED');
    expect((err as BlasnetError).message).toMatch(/external file \("torch_gelu_external.weights"\)/);
  });

  it('an imported model fine-tunes and saves in every format', async () => {
    const m = await loadModel(path.join(FIXTURES, 'torch_relu_softmax.onnx'));
    const e = expected['torch_relu_softmax.onnx']!;
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const y = e.input.map((_, i) => [0, 1, 2].map((c) => (c === i % 3 ? 1 : 0)));
    const before = m.predictSync(e.input).dataSync().slice();
    const h = await m.fit(e.input, y, { epochs: 5, batchSize: 2, verbose: 0 });
    expect(h.history.loss![4]!).toBeLessThan(h.history.loss![0]!);
    const after = m.predictSync(e.input).dataSync();
    expect(after).not.toEqual(before);
    await m.save(path.join(tmp, 'tuned'), { includeOptimizer: true });
    await m.save(path.join(tmp, 'tuned.onnx'));
    expectClose((await loadModel(path.join(tmp, 'tuned'))).predictSync(e.input).dataSync(), after, 0, 'tfjs folder');
    expectClose((await loadModel(path.join(tmp, 'tuned.onnx'))).predictSync(e.input).dataSync(), after, 1e-6, '.onnx');
  });
});

// ------------------------------------------------------------------------------- crafted graphs

const W = encodeTensor('W', [3, 2], [1, 2, 3, 4, 5, 6]);
const B = encodeTensor('B', [2], [0.5, -0.5]);

function graph(nodes: NodeSpec[], options: { initializers?: ProtoWriter[]; output?: string; inputDims?: (number | string)[] } = {}): Buffer {
  return Buffer.from(encodeModel({
    irVersion: 8, opset: 17, producerName: 'test', producerVersion: '0', graphName: 'g', nodes,
    initializers: options.initializers ?? [W, B], inputs: [{ name: 'x', dims: options.inputDims ?? ['N', 3] }],
    outputs: [{ name: options.output ?? 'y', dims: ['N', 2] }], metadata: {},
  }));
}

async function refusal(bytes: Uint8Array): Promise<BlasnetError> {
  const err = await loadModel(bytes, { format: 'onnx' }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(BlasnetError);
  return err as BlasnetError;
}

describe('unsupported and hostile ONNX graphs', () => {
  it('a crafted MatMul + Add + Relu graph loads (the baseline for the cases below)', async () => {
    const m = await loadModel(graph([
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'], name: 'mm' }, { op: 'Add', inputs: ['h', 'B'], outputs: ['z'], name: 'add' },
      { op: 'Relu', inputs: ['z'], outputs: ['y'], name: 'relu' },
    ]));
    expectClose(m.predictSync([[1, 1, 1], [-1, 0, 0]]).dataSync(), [9.5, 11.5, 0, 0], 1e-6);
  });

  it('Dropout (inference), Flatten, Cast, Reshape of the batch and Identity vanish; their training or reshaping forms are refused', async () => {
    // torch.onnx.export in TrainingMode.PRESERVE writes Dropout(x, ratio, training_mode) with a bool training_mode.
    const bool = (name: string, v: number) => new ProtoWriter().int(2, DT.BOOL).string(8, name).bytes(9, Uint8Array.of(v));
    const chain = (o: { training?: number; shape?: number[]; flattenAxis?: number } = {}) => graph([
      { op: 'Gemm', inputs: ['x', 'W', 'B'], outputs: ['h'], name: 'fc' },
      { op: 'Dropout', inputs: ['h', 'ratio', 'training'], outputs: ['d'], name: 'drop' },
      { op: 'Flatten', inputs: ['d'], outputs: ['f'], name: 'flat', attributes: { axis: { int: o.flattenAxis ?? 1 } } },
      { op: 'Cast', inputs: ['f'], outputs: ['c'], name: 'cast', attributes: { to: { int: DT.FLOAT } } },
      { op: 'Reshape', inputs: ['c', 'shape'], outputs: ['r'], name: 'reshape' },
      { op: 'Identity', inputs: ['r'], outputs: ['y'], name: 'out' },
    ], { initializers: [W, B, encodeTensor('ratio', [], [0.3]), bool('training', o.training ?? 0), encodeTensor('shape', [(o.shape ?? [-1, 2]).length], o.shape ?? [-1, 2], DT.INT64)] });
    const m = await loadModel(chain());
    expect(m.layers.map((l) => l.getClassName())).toEqual(['Dense']);
    expectClose(m.predictSync([[1, 1, 1], [-1, 0, 2]]).dataSync(), [9.5, 11.5, 9.5, 9.5], 1e-6);
    const cases: [Buffer, RegExp][] = [
      [chain({ training: 1 }), /^ONNX op "Dropout" \(Dropout node "drop"\) is not supported: training_mode = true/],
      [chain({ shape: [-1, 1, 2] }), /^ONNX op "Reshape" \(Reshape node "reshape"\) is not supported: a reshape to \[-1, 1, 2\]/],
      [chain({ flattenAxis: 0 }), /^ONNX op "Flatten" \(Flatten node "flat"\) is not supported: axis 0/],
    ];
    for (const [bytes, message] of cases) {
      const err = await refusal(bytes);
      expect(err.message).toMatch(message);
      expect(err.code).toBe('ERR_UNSUPPORTED');
    }
  });

  it('an op blasnet does not compute is one ERR_UNSUPPORTED naming it', async () => {
    const err = await refusal(graph([
      { op: 'Gemm', inputs: ['x', 'W', 'B'], outputs: ['h'], name: 'fc' }, { op: 'Conv', inputs: ['h'], outputs: ['y'], name: 'conv1' },
    ]));
    expect(err.code).toBe('ERR_UNSUPPORTED');
    expect(err.message).toMatch(/^ONNX op "Conv" \(Conv node "conv1"\) is not supported/);
  });

  it('a residual connection (two paths that join) is refused with the ops named', async () => {
    const err = await refusal(graph([
      { op: 'Gemm', inputs: ['x', 'W', 'B'], outputs: ['h'], name: 'fc' }, { op: 'Relu', inputs: ['h'], outputs: ['r'], name: 'relu' },
      { op: 'Add', inputs: ['h', 'r'], outputs: ['y'], name: 'skip' },
    ]));
    expect(err.code).toBe('ERR_UNSUPPORTED');
    expect(err.message).toMatch(/feeds 2 ops \(Relu, Add\)/);
  });

  it('a cycle is ERR_FORMAT', async () => {
    const err = await refusal(graph([
      { op: 'Add', inputs: ['x', 'loop'], outputs: ['a'], name: 'a' }, { op: 'Relu', inputs: ['a'], outputs: ['loop'], name: 'b' },
      { op: 'Identity', inputs: ['loop'], outputs: ['y'], name: 'out' },
    ]));
    expect(err.code).toBe('ERR_FORMAT');
    expect(err.message).toMatch(/cycle/);
  });

  it('a dangling edge is ERR_FORMAT naming the tensor', async () => {
    const err = await refusal(graph([{ op: 'Gemm', inputs: ['x', 'W', 'nowhere'], outputs: ['y'], name: 'fc' }]));
    expect(err.code).toBe('ERR_FORMAT');
    expect(err.message).toMatch(/reads tensor "nowhere", which no node, initializer or graph input provides/);
    const noOut = await refusal(graph([{ op: 'Gemm', inputs: ['x', 'W', 'B'], outputs: ['h'], name: 'fc' }]));
    expect(noOut.message).toMatch(/graph output "y" is produced by no node/);
  });

  it('a tensor whose dims promise more than its bytes hold is ERR_FORMAT; one beyond the limits is ERR_LIMIT', async () => {
    const lying = new ProtoWriter().packedInts(1, [3, 2]).int(2, 1).string(8, 'W').bytes(9, new Uint8Array(8));
    const err = await refusal(graph([{ op: 'Gemm', inputs: ['x', 'W', 'B'], outputs: ['y'], name: 'fc' }], { initializers: [lying, B] }));
    expect(err.code).toBe('ERR_FORMAT');
    expect(err.message).toMatch(/tensor "W" has dims \[3, 2\] \(24 bytes\) but holds 8 bytes/);
    const huge = new ProtoWriter().packedInts(1, [1 << 20, 1 << 20]).int(2, 1).string(8, 'W').bytes(9, new Uint8Array(8));
    const big = await refusal(graph([{ op: 'Gemm', inputs: ['x', 'W', 'B'], outputs: ['y'], name: 'fc' }], { initializers: [huge, B] }));
    expect(big.code).toBe('ERR_LIMIT');
  });

  it('truncated files and random bytes are ERR_FORMAT, quickly', async () => {
    const good = fs.readFileSync(path.join(FIXTURES, 'torch_batchnorm.onnx'));
    const started = Date.now();
    for (let cut = 1; cut < good.length; cut += 37) {
      const err = await loadModel(good.subarray(0, cut), { format: 'onnx' }).then(() => null, (e: unknown) => e);
      expect(err, `cut at ${cut}`).toBeInstanceOf(BlasnetError);
      expect(['ERR_FORMAT', 'ERR_UNSUPPORTED'], `cut at ${cut}: ${(err as Error).message}`).toContain((err as BlasnetError).code);
    }
    let s = 99;
    for (let k = 0; k < 200; k++) {
      const junk = Buffer.alloc(64 + (k % 50) * 13, 0).map(() => { s = (s * 16807) % 2147483647; return s & 0xff; });
      junk[0] = 0x08;
      const err = await loadModel(junk, { format: 'onnx' }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(BlasnetError);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a declared length far beyond the data is refused without allocating it', async () => {
    // graph field (7) declaring 2^40 bytes.
    const bytes = Buffer.from([0x08, 0x08, 0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x00]);
    const err = await refusal(bytes);
    expect(err.message).toMatch(/declares \d+ bytes but only \d+ remain/);
  });
});
