// Numerical safety on the engine chosen by BLASNET_ENGINE: exploding training stops with ERR_NAN_LOSS
// and never leaves NaN weights or predictions behind; softmax + cross-entropy and sigmoid + binary
// cross-entropy stay finite for logits of +-1e4 (fused and fromLogits paths, forward and gradients).
import { describe, expect, it } from 'vitest';
import { BlasnetError, callbacks, layers, optimizers, sequential, setSeed } from '../../lib/index';
import { getEngine } from '../../lib/engine';
import type { ActivationId, LossId } from '../../lib/engine/types';
import { dense, loss, netSpec, optimizer } from '../helpers/spec';

const engine = getEngine();
const ENGINE = engine.name;

function regression(rows: number): { x: number[][]; y: number[][] } {
  const x = Array.from({ length: rows }, (_, r) => [Math.sin(r), Math.cos(r * 0.7), (r % 5) - 2]);
  return { x, y: x.map((v) => [3 * v[0]! - 2 * v[1]! + v[2]! * 10]) };
}

/** Outputs all finite, or a refusal with ERR_NON_FINITE naming row and column: never NaN/Inf returned. */
async function expectFiniteOrRefused(f: () => unknown): Promise<void> {
  try {
    const out = (await f()) as { dataSync(): Float32Array };
    expect(out.dataSync().every(Number.isFinite)).toBe(true);
  } catch (e) {
    expect(e).toBeInstanceOf(BlasnetError);
    expect((e as BlasnetError).code).toBe('ERR_NON_FINITE');
    expect((e as BlasnetError).message).toMatch(/finite outputs from predict but received .* at row \d+, column \d+/);
  }
}

describe(`exploding training (${ENGINE} engine)`, () => {
  it.each([
    ['sgd lr 1e6, linear net', 'linear'],
    ['sgd lr 1e6, relu hidden layer', 'relu'],
    ['sgd lr 1e6, tanh hidden layer', 'tanh'],
  ] as const)('%s: ERR_NAN_LOSS, then finite weights and predictions', async (_name, act) => {
    setSeed(5);
    const m = sequential({ layers: [layers.dense({ units: 16, activation: act, inputShape: [3] }), layers.dense({ units: 1 })] });
    m.compile({ optimizer: optimizers.sgd({ learningRate: 1e6 }), loss: 'mse' });
    const initial = m.getWeights().map((t) => Float32Array.from(t.dataSync()));
    const { x, y } = regression(200);
    let err: unknown = null;
    try {
      await m.fit(x, y, { epochs: 20, batchSize: 10, verbose: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BlasnetError);
    expect((err as BlasnetError).code).toBe('ERR_NAN_LOSS');
    expect((err as BlasnetError).message).toMatch(/epoch \d+/);
    for (const w of m.getWeights()) expect(w.dataSync().every(Number.isFinite)).toBe(true);
    // Finite weights can still be too large for float32 outputs: predict then refuses with
    // ERR_NON_FINITE rather than returning Infinity or NaN.
    await expectFiniteOrRefused(() => m.predict(x));
    await expectFiniteOrRefused(() => m.predictSync(x));
    // The model is still usable: fresh weights and a sane learning rate train it.
    m.setWeights(initial);
    m.setLearningRate(1e-3);
    const h = await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss![0])).toBe(true);
    expect(m.predictSync(x).dataSync().every(Number.isFinite)).toBe(true);
    m.dispose();
  });

  it('with terminateOnNaN the fit ends without an error, records loss NaN and keeps finite weights', async () => {
    setSeed(6);
    const m = sequential({ layers: [layers.dense({ units: 8, activation: 'relu', inputShape: [3] }), layers.dense({ units: 1 })] });
    m.compile({ optimizer: optimizers.sgd({ learningRate: 1e6 }), loss: 'mse' });
    const { x, y } = regression(100);
    const h = await m.fit(x, y, { epochs: 20, batchSize: 10, verbose: 0, callbacks: [callbacks.terminateOnNaN()] });
    expect(h.epoch.length).toBeLessThan(20);
    expect(Number.isNaN(h.history.loss![h.history.loss!.length - 1])).toBe(true);
    for (const w of m.getWeights()) expect(w.dataSync().every(Number.isFinite)).toBe(true);
    await expectFiniteOrRefused(() => m.predictSync(x));
    m.dispose();
  });
});

describe(`extreme logits (${ENGINE} engine)`, () => {
  // x = [1, 0, 0] and the kernel's first row sets the logits directly: z = row 0 of W (bias 0).
  function extremeNet(act: ActivationId, units: number, lossId: LossId, fromLogits: boolean, logits: number[]) {
    const spec = netSpec(3, [dense(3, units, act)], loss(lossId, { fromLogits }), optimizer('sgd'));
    const params = new Float32Array(3 * units + units);
    logits.forEach((v, j) => { params[j] = v; });
    return engine.createNet(spec, params);
  }
  const x = { data: Float32Array.from([1, 0, 0, -1, 0, 0]), rows: 2, cols: 3 }; // row 1 negates the logits

  const big = [1e4, -1e4, 0, 5e3];
  it.each([
    ['softmax + categoricalCrossentropy (fused)', 'softmax', 'categoricalCrossentropy', false, [0, 1, 0, 0, 0, 0, 1, 0]],
    ['linear + categoricalCrossentropy fromLogits', 'linear', 'categoricalCrossentropy', true, [0, 1, 0, 0, 0, 0, 1, 0]],
    ['softmax + sparseCategoricalCrossentropy', 'softmax', 'sparseCategoricalCrossentropy', false, [1, 2]],
    ['linear + sparseCategoricalCrossentropy fromLogits', 'linear', 'sparseCategoricalCrossentropy', true, [1, 2]],
  ] as const)('%s: loss, gradients and outputs finite for logits +-1e4', (_n, act, lossId, fromLogits, labels) => {
    const net = extremeNet(act, 4, lossId, fromLogits, big);
    const y = { data: Float32Array.from(labels), rows: 2, cols: lossId === 'sparseCategoricalCrossentropy' ? 1 : 4 };
    const { loss: l, grads } = net.computeGradients(x, y, null);
    expect(Number.isFinite(l)).toBe(true);
    // The wrong class is 2e4 (row 0) and 1e4 (row 1) below the max: the mean loss is about 1.5e4.
    expect(l).toBeGreaterThan(1e4);
    expect(l).toBeLessThan(2e4);
    expect(grads.every(Number.isFinite)).toBe(true);
    const p = net.predictSync(x);
    expect(p.every(Number.isFinite)).toBe(true);
    if (act === 'softmax') {
      // Row 0: all the mass on class 0; row 1 (logits negated): on class 1.
      expect(Array.from(p.subarray(0, 4))).toEqual([1, 0, 0, 0]);
      expect(Array.from(p.subarray(4, 8))).toEqual([0, 1, 0, 0]);
    }
    net.dispose();
  });

  it.each([
    ['sigmoid + binaryCrossentropy (fused)', 'sigmoid', false],
    ['linear + binaryCrossentropy fromLogits', 'linear', true],
  ] as const)('%s: finite for logits +-1e4, right and wrong labels', (_n, act, fromLogits) => {
    const net = extremeNet(act, 2, 'binaryCrossentropy', fromLogits, [1e4, -1e4]);
    for (const labels of [[1, 0, 0, 1], [0, 1, 1, 0]]) {
      const y = { data: Float32Array.from(labels), rows: 2, cols: 2 };
      const { loss: l, grads } = net.computeGradients(x, y, null);
      expect(Number.isFinite(l), `labels ${labels}`).toBe(true);
      expect(grads.every(Number.isFinite)).toBe(true);
    }
    const p = net.predictSync(x);
    expect(p.every(Number.isFinite)).toBe(true);
    if (act === 'sigmoid') expect(Array.from(p)).toEqual([1, 0, 0, 1]);
    net.dispose();
  });

  it.each(['sigmoid', 'tanh', 'softplus', 'swish', 'gelu', 'elu', 'selu', 'softsign', 'hardSigmoid'] as const)(
    '%s activation: outputs and gradients finite for pre-activations +-1e4', (act) => {
      const net = extremeNet(act, 2, 'meanSquaredError', false, [1e4, -1e4]);
      const p = net.predictSync(x);
      expect(p.every(Number.isFinite), Array.from(p).join(',')).toBe(true);
      const { loss: l, grads } = net.computeGradients(x, { data: new Float32Array(4), rows: 2, cols: 2 }, null);
      expect(Number.isFinite(l)).toBe(true);
      expect(grads.every(Number.isFinite)).toBe(true);
      net.dispose();
    });
});
