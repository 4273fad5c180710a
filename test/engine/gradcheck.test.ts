// Gradient check: the engine's computeGradients against central finite differences of an independent
// float64 forward pass (test/helpers/reference.ts), for every activation, every loss variant,
// regularizers, normalization layers and dropout. Tolerance per element:
//   |analytic - numeric| <= ABS_TOL + REL_TOL * |numeric|
import { afterAll, describe, expect, it } from 'vitest';
import { paramLayout } from '../../lib/engine/layout';
import type { ActivationId, LayerSpec, LossSpec, NetSpec } from '../../lib/engine/types';
import { ACTIVATION_CODES } from '../../lib/engine/types';
import { engineOfRun } from '../helpers/engines';
import { refLoss } from '../helpers/reference';
import {
  activation, batchNorm, dense, dropout, initialParams, layerNorm, loss, netSpec, optimizer, randomArray,
} from '../helpers/spec';

const ABS_TOL = 1e-5;
const REL_TOL = 1e-3;
const H = 1e-5;
const ROWS = 6;
const IN = 3;

type LabelKind = 'regression' | 'binary' | 'soft' | 'unnormalized' | 'sparse';

interface Case {
  name: string;
  spec: NetSpec;
  labels: LabelKind;
  weighted?: boolean;
  /** Optimizer iterations before the call (the dropout step). */
  step?: number;
  xScale?: number;
}

function labels(kind: LabelKind, d: number, seed: number): number[][] {
  const r = randomArray(ROWS * d, seed);
  return Array.from({ length: ROWS }, (_, i) => {
    const row = Array.from(r.subarray(i * d, i * d + d));
    switch (kind) {
      case 'regression': return row;
      case 'binary': return row.map((v) => (v + 1) / 2); // soft targets in [0, 1]
      case 'soft': {
        const p = row.map((v) => v + 1.1);
        const s = p.reduce((a, b) => a + b, 0);
        return p.map((v) => v / s);
      }
      case 'unnormalized': return row.map((v) => (v + 1) * 0.8); // sum(y) != 1 exercises the sum(y) term
      case 'sparse': return [i % d];
    }
  });
}

const mlp = (hidden: ActivationId, out: ActivationId, d: number, l: LossSpec, extra: Partial<Parameters<typeof dense>[3]> = {}): NetSpec =>
  netSpec(IN, [dense(IN, 4, hidden, extra), dense(4, d, out, extra)], l, optimizer('sgd'));

const cases: Case[] = [];
for (const act of ACTIVATION_CODES) {
  const alpha = act === 'leakyRelu' ? 0.2 : act === 'elu' ? 0.7 : 1;
  const spec = netSpec(IN, [
    dense(IN, 4, act, { activation: { id: act, alpha } }),
    dense(4, 3, act, { activation: { id: act, alpha } }),
  ], loss('meanSquaredError'), optimizer('sgd'));
  cases.push({ name: `activation ${act} (hidden and output, mse)`, spec, labels: 'regression', xScale: 2 });
  cases.push({
    name: `activation layer ${act}`,
    spec: netSpec(IN, [dense(IN, 4), activation(4, act, alpha), dense(4, 2)], loss('meanSquaredError'), optimizer('sgd')),
    labels: 'regression', xScale: 2,
  });
}
cases.push(
  { name: 'mse', spec: mlp('tanh', 'linear', 3, loss('meanSquaredError')), labels: 'regression' },
  { name: 'mse weighted', spec: mlp('tanh', 'linear', 3, loss('meanSquaredError')), labels: 'regression', weighted: true },
  { name: 'mae', spec: mlp('tanh', 'linear', 3, loss('meanAbsoluteError')), labels: 'regression' },
  { name: 'huber delta 1', spec: mlp('tanh', 'linear', 3, loss('huber')), labels: 'regression' },
  { name: 'huber delta 0.25', spec: mlp('tanh', 'linear', 3, loss('huber', { delta: 0.25 })), labels: 'regression' },
  { name: 'bce fused sigmoid', spec: mlp('tanh', 'sigmoid', 2, loss('binaryCrossentropy')), labels: 'binary' },
  { name: 'bce fused weighted', spec: mlp('relu', 'sigmoid', 2, loss('binaryCrossentropy')), labels: 'binary', weighted: true },
  {
    name: 'bce fused via activation layer',
    spec: netSpec(IN, [dense(IN, 4, 'tanh'), dense(4, 2), activation(2, 'sigmoid')], loss('binaryCrossentropy'), optimizer('sgd')),
    labels: 'binary',
  },
  { name: 'bce fromLogits linear', spec: mlp('tanh', 'linear', 2, loss('binaryCrossentropy', { fromLogits: true })), labels: 'binary' },
  { name: 'bce fromLogits tanh output', spec: mlp('tanh', 'tanh', 2, loss('binaryCrossentropy', { fromLogits: true })), labels: 'binary' },
  { name: 'bce plain (softmax outputs)', spec: mlp('tanh', 'softmax', 3, loss('binaryCrossentropy')), labels: 'binary' },
  { name: 'cce fused softmax', spec: mlp('tanh', 'softmax', 3, loss('categoricalCrossentropy')), labels: 'soft' },
  { name: 'cce fused, sum(y) != 1', spec: mlp('tanh', 'softmax', 3, loss('categoricalCrossentropy')), labels: 'unnormalized' },
  { name: 'cce fused weighted', spec: mlp('elu', 'softmax', 3, loss('categoricalCrossentropy')), labels: 'soft', weighted: true },
  {
    name: 'cce fused via activation layer',
    spec: netSpec(IN, [dense(IN, 4, 'tanh'), dense(4, 3), activation(3, 'softmax')], loss('categoricalCrossentropy'), optimizer('sgd')),
    labels: 'soft',
  },
  { name: 'cce fromLogits', spec: mlp('tanh', 'linear', 3, loss('categoricalCrossentropy', { fromLogits: true })), labels: 'soft' },
  { name: 'cce fromLogits softsign output', spec: mlp('tanh', 'softsign', 3, loss('categoricalCrossentropy', { fromLogits: true })), labels: 'soft' },
  { name: 'cce plain (sigmoid outputs)', spec: mlp('tanh', 'sigmoid', 3, loss('categoricalCrossentropy')), labels: 'unnormalized' },
  { name: 'scce fused softmax', spec: mlp('tanh', 'softmax', 4, loss('sparseCategoricalCrossentropy')), labels: 'sparse' },
  { name: 'scce fused weighted', spec: mlp('gelu', 'softmax', 4, loss('sparseCategoricalCrossentropy')), labels: 'sparse', weighted: true },
  { name: 'scce fromLogits', spec: mlp('tanh', 'linear', 4, loss('sparseCategoricalCrossentropy', { fromLogits: true })), labels: 'sparse' },
  { name: 'scce plain (sigmoid outputs)', spec: mlp('tanh', 'sigmoid', 4, loss('sparseCategoricalCrossentropy')), labels: 'sparse' },
  {
    name: 'l1/l2 regularizers on kernel and bias',
    spec: mlp('tanh', 'linear', 2, loss('meanSquaredError'), { kernelL1: 0.01, kernelL2: 0.02, biasL1: 0.03, biasL2: 0.04 }),
    labels: 'regression',
  },
  {
    name: 'frozen regularized layer (no penalty, no gradient)',
    spec: netSpec(IN, [dense(IN, 4, 'tanh', { trainable: false, kernelL2: 0.5, biasL1: 0.5 }), dense(4, 2, 'linear', { kernelL1: 0.05 })],
      loss('meanSquaredError'), optimizer('sgd')),
    labels: 'regression',
  },
);
const normNet = (mid: LayerSpec[], d = 2): NetSpec =>
  netSpec(IN, [dense(IN, 4), ...mid, dense(4, d, 'linear')], loss('meanSquaredError'), optimizer('sgd'));
cases.push(
  { name: 'batchNormalization', spec: normNet([batchNorm(4), activation(4, 'tanh')]), labels: 'regression' },
  { name: 'batchNormalization without center/scale', spec: normNet([batchNorm(4, { center: false, scale: false }), activation(4, 'tanh')]), labels: 'regression' },
  { name: 'batchNormalization frozen (inference mode)', spec: normNet([batchNorm(4, { trainable: false }), activation(4, 'tanh')]), labels: 'regression' },
  { name: 'batchNormalization last, cce fromLogits', spec: netSpec(IN, [dense(IN, 3), batchNorm(3)], loss('categoricalCrossentropy', { fromLogits: true }), optimizer('sgd')), labels: 'soft' },
  { name: 'layerNormalization', spec: normNet([layerNorm(4), activation(4, 'relu')]), labels: 'regression' },
  { name: 'layerNormalization without center/scale', spec: normNet([layerNorm(4, { center: false, scale: false })]), labels: 'regression' },
  { name: 'dropout 0.4 at step 0', spec: normNet([activation(4, 'tanh'), dropout(4, 0.4, 77)]), labels: 'regression' },
  { name: 'dropout 0.5 at step 7', spec: normNet([dropout(4, 0.5, 3), activation(4, 'swish')]), labels: 'regression', step: 7 },
  { name: 'dropout before softmax + cce', spec: netSpec(IN, [dense(IN, 4, 'tanh'), dropout(4, 0.3, 9), dense(4, 3, 'softmax')], loss('categoricalCrossentropy'), optimizer('sgd')), labels: 'soft' },
);

const worst = new Map<string, { abs: number; rel: number; where: string }>();

describe.each(engineOfRun())('%s engine: computeGradients vs finite differences', (engineName, engine) => {
  afterAll(() => {
    const w = worst.get(engineName);
    if (w) console.log(`[gradcheck ${engineName}] max |analytic - numeric| = ${w.abs.toExponential(2)}, max relative = ${w.rel.toExponential(2)} (worst: ${w.where})`);
  });

  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const spec = c.spec;
    const outDim = (() => { const l = spec.layers[spec.layers.length - 1]!; return l.kind === 'dense' ? l.units : l.dim; })();
    const xs = randomArray(ROWS * IN, 1000 + i, c.xScale ?? 1.5);
    const y = labels(c.labels, outDim, 2000 + i);
    const yFlat = Float32Array.from(y.flat());
    const sw = c.weighted ? Array.from(randomArray(ROWS, 3000 + i), (v) => v + 1.2) : null;
    const params = initialParams(spec, 4000 + i);
    const net = engine.createNet(spec, params);
    try {
      const step = c.step ?? 0;
      if (step > 0) {
        const st = net.getOptimizerState();
        st[0] = step;
        net.setOptimizerState(st);
      }
      const { loss: lossValue, grads } = net.computeGradients(
        { data: xs, rows: ROWS, cols: IN }, { data: yFlat, rows: ROWS, cols: y[0]!.length },
        sw ? Float32Array.from(sw) : null);
      const x = Array.from({ length: ROWS }, (_, r) => Array.from(xs.subarray(r * IN, r * IN + IN)));
      const p64 = Float64Array.from(params);
      const ref = (): number => refLoss({ spec, params: p64, x, y, sampleWeight: sw, step });
      const L0 = ref();
      expect(Math.abs(lossValue - L0)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(L0)));
      let maxAbs = 0;
      let maxRel = 0;
      for (const slot of paramLayout(spec)) {
        for (let k = slot.offset; k < slot.offset + slot.size; k++) {
          const g = grads[k]!;
          if (!slot.trainable) {
            expect(g, `${slot.name}[${k - slot.offset}] of frozen/statistics slot`).toBe(0);
            continue;
          }
          const base = p64[k]!;
          p64[k] = base + H;
          const up = ref();
          p64[k] = base - H;
          const down = ref();
          p64[k] = base;
          const numeric = (up - down) / (2 * H);
          const diff = Math.abs(g - numeric);
          maxAbs = Math.max(maxAbs, diff);
          maxRel = Math.max(maxRel, diff / Math.max(Math.abs(numeric), 1e-3));
          expect(diff, `layer ${slot.layer} ${slot.name}[${k - slot.offset}]: analytic ${g}, numeric ${numeric}`)
            .toBeLessThanOrEqual(ABS_TOL + REL_TOL * Math.abs(numeric));
        }
      }
      const w = worst.get(engineName) ?? { abs: 0, rel: 0, where: '' };
      if (maxAbs > w.abs) { w.abs = maxAbs; w.where = c.name; }
      w.rel = Math.max(w.rel, maxRel);
      worst.set(engineName, w);
    } finally {
      net.dispose();
    }
  });
});
