// Predictions of the engine of this run against an independent float64 forward pass, on awkward
// shapes (1, 3, 17 and 4,097 rows; hidden widths 1, 7, 33 and 255, around the native kernels' 6-row
// tiles, 16-column panels and 256-deep K blocks) with every activation; predict's outputs do not
// depend on batchSize; evaluate's predictions (the native engine's sgemm path) agree with predict's
// (its prepacked path on AVX2+FMA CPUs); new weights are used by the next predict.
import { describe, expect, it } from 'vitest';
import { paramLayout } from '../../lib/engine/layout';
import type { ActivationId, ActivationSpec, Matrix, NetSpec } from '../../lib/engine/types';
import { engineOfRun } from '../helpers/engines';
import { refErf } from '../helpers/reference';
import { dense, initialParams, loss, netSpec, optimizer, randomArray } from '../helpers/spec';

const ACTIVATIONS: ActivationId[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'elu', 'selu',
  'gelu', 'swish', 'softplus', 'softsign', 'hardSigmoid', 'relu6'];
const WIDTHS = [1, 7, 33, 255];
const INPUT = 33;
const OUT = 7;
// Relative to max(1, |reference|): float32 outputs of float32 products, as the engines compute them.
const TOL = 1e-6;

function act(a: ActivationSpec, z: number[]): number[] {
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  if (a.id === 'softmax') {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((v) => v / s);
  }
  return z.map((v) => {
    switch (a.id) {
      case 'linear': return v;
      case 'relu': return Math.max(0, v);
      case 'sigmoid': return sig(v);
      case 'tanh': return Math.tanh(v);
      case 'leakyRelu': return v > 0 ? v : a.alpha * v;
      case 'elu': return v > 0 ? v : a.alpha * (Math.exp(v) - 1);
      case 'selu': return 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1));
      case 'gelu': return 0.5 * v * (1 + refErf(v / Math.SQRT2));
      case 'swish': return v * sig(v);
      case 'softplus': return Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
      case 'softsign': return v / (1 + Math.abs(v));
      case 'hardSigmoid': return Math.min(1, Math.max(0, 0.2 * v + 0.5));
      case 'relu6': return Math.min(6, Math.max(0, v));
      default: throw new Error(`no reference for ${a.id}`);
    }
  });
}

/** The inference forward pass of a dense-only spec in float64, each layer's output rounded to float32 as the engines store it. */
function reference(spec: NetSpec, params: Float32Array, x: Matrix): Float64Array {
  const slots = paramLayout(spec);
  let rows: number[][] = Array.from({ length: x.rows }, (_, i) => Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)));
  spec.layers.forEach((layer, li) => {
    if (layer.kind !== 'dense') throw new Error('dense layers only');
    const W = slots.find((s) => s.layer === li && s.name === 'kernel')!;
    const b = slots.find((s) => s.layer === li && s.name === 'bias')!;
    rows = rows.map((r) => act(layer.activation, Array.from({ length: layer.units }, (_, j) => {
      let s = 0;
      for (let k = 0; k < r.length; k++) s += r[k]! * params[W.offset + k * layer.units + j]!;
      return Math.fround(s + params[b.offset + j]!);
    })).map(Math.fround));
  });
  return Float64Array.from(rows.flat());
}

function worstError(got: Float32Array, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let k = 0; k < got.length; k++) {
    const w = want[k]!;
    worst = Math.max(worst, Math.abs(got[k]! - w) / Math.max(1, Math.abs(w)));
  }
  return worst;
}

function net(engineSpec: NetSpec, seed: number) {
  return { spec: engineSpec, params: initialParams(engineSpec, seed) };
}

describe.each(engineOfRun())('predict kernels (%s engine)', (_name, engine) => {
  it('match a float64 forward pass for every activation and hidden width, at 1, 3 and 17 rows', () => {
    const x17: Matrix = { data: randomArray(17 * INPUT, 5, 2), rows: 17, cols: INPUT };
    let worst = 0;
    ACTIVATIONS.forEach((a, ai) => {
      for (const width of WIDTHS) {
        const alpha = a === 'leakyRelu' ? 0.3 : 1;
        const { spec, params } = net(netSpec(INPUT, [dense(INPUT, width, a), dense(width, OUT, a)],
          loss('meanSquaredError'), optimizer('sgd')), 11 + ai * 7 + width);
        spec.layers.forEach((l) => { if (l.kind === 'dense') l.activation.alpha = alpha; });
        const n = engine.createNet(spec, params);
        try {
          const want = reference(spec, params, x17);
          const all = n.predictSync(x17);
          worst = Math.max(worst, worstError(all, want));
          for (const rows of [1, 3]) {
            const part = n.predictSync({ data: x17.data.subarray(0, rows * INPUT), rows, cols: INPUT });
            worst = Math.max(worst, worstError(part, want.subarray(0, rows * OUT)));
          }
        } finally {
          n.dispose();
        }
      }
    });
    expect(worst).toBeLessThan(TOL);
  });

  it('at 4,097 rows: the same outputs for any batchSize, the same as evaluate gives, and new weights used at once', async () => {
    const x: Matrix = { data: randomArray(4097 * INPUT, 9, 2), rows: 4097, cols: INPUT };
    for (const [hidden, last] of [['relu', 'softmax'], ['elu', 'linear']] as const) {
      const { spec, params } = net(netSpec(INPUT, [dense(INPUT, 255, hidden), dense(255, 33, 'tanh'), dense(33, OUT, last)],
        loss('meanSquaredError'), optimizer('sgd')), 3);
      const n = engine.createNet(spec, params);
      try {
        const want = reference(spec, params, x);
        const whole = n.predictSync(x);
        expect(worstError(whole, want)).toBeLessThan(TOL);
        expect(worstError(await n.predict(x, 5), whole)).toBeLessThan(TOL);
        const viaEvaluate = new Float32Array(whole.length);
        n.evaluateSync(x, { data: new Float32Array(whole.length), rows: x.rows, cols: OUT }, 256, null, viaEvaluate);
        expect(worstError(viaEvaluate, whole)).toBeLessThan(TOL);
        const flipped = params.map((v) => -v);
        n.setParams(flipped);
        const after = n.predictSync({ data: x.data.subarray(0, 17 * INPUT), rows: 17, cols: INPUT });
        expect(worstError(after, reference(spec, flipped, { data: x.data.subarray(0, 17 * INPUT), rows: 17, cols: INPUT }))).toBeLessThan(TOL);
      } finally {
        n.dispose();
      }
    }
  });
});
