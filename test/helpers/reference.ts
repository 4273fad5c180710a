// An independent float64 forward pass of a NetSpec (training mode), written from SPEC.md without any
// engine code, for finite-difference gradient checks. Slow and simple on purpose: arrays of rows.
import { paramLayout } from '../../lib/engine/layout';
import type { ActivationSpec, LayerSpec, NetSpec } from '../../lib/engine/types';

type Rows = number[][];

/** erf by composite Simpson integration of 2/sqrt(pi) * exp(-t^2) (independent of the engine's series). */
export function refErf(x: number): number {
  const ax = Math.abs(x);
  if (ax > 7) return Math.sign(x);
  const steps = 2000; // even; error ~ (ax/steps)^4, far below what the checks can see
  const h = ax / steps;
  let s = 1 + Math.exp(-ax * ax);
  for (let i = 1; i < steps; i++) {
    const t = i * h;
    s += (i % 2 === 1 ? 4 : 2) * Math.exp(-t * t);
  }
  return Math.sign(x) * (s * h / 3) * 2 / Math.sqrt(Math.PI);
}

/** The SPEC.md dropout hash, in BigInt arithmetic (the engines use 32-bit integer tricks). */
export function refHash(seed: number, step: number, k: number): number {
  const M = 0xffffffffn;
  let h = (BigInt(seed) * 0x9e3779b1n + BigInt(step) * 0x85ebca77n + BigInt(k) * 0xc2b2ae3dn) & M;
  h ^= h >> 16n;
  h = (h * 0x7feb352dn) & M;
  h ^= h >> 15n;
  h = (h * 0x846ca68bn) & M;
  h ^= h >> 16n;
  return Number(h >> 8n);
}

function scalarAct(id: ActivationSpec['id'], alpha: number, z: number): number {
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  switch (id) {
    case 'linear': return z;
    case 'relu': return Math.max(0, z);
    case 'sigmoid': return sig(z);
    case 'tanh': return Math.tanh(z);
    case 'leakyRelu': return z > 0 ? z : alpha * z;
    case 'elu': return z > 0 ? z : alpha * (Math.exp(z) - 1);
    case 'selu': return 1.0507009873554805 * (z > 0 ? z : 1.6732632423543772 * (Math.exp(z) - 1));
    case 'gelu': return 0.5 * z * (1 + refErf(z / Math.SQRT2));
    case 'swish': return z * sig(z);
    case 'softplus': return Math.log(1 + Math.exp(z));
    case 'softsign': return z / (1 + Math.abs(z));
    case 'hardSigmoid': return Math.min(1, Math.max(0, 0.2 * z + 0.5));
    case 'relu6': return Math.min(6, Math.max(0, z));
    case 'softmax': throw new Error('softmax is row-wise');
  }
}

function applyAct(act: ActivationSpec, Z: Rows): Rows {
  if (act.id === 'softmax') {
    return Z.map((row) => {
      const e = row.map((v) => Math.exp(v));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
  }
  return Z.map((row) => row.map((v) => scalarAct(act.id, act.alpha, v)));
}

export interface RefInput {
  spec: NetSpec;
  params: ArrayLike<number>;
  x: Rows;
  /** Label rows (one class index per row for sparse). */
  y: Rows;
  sampleWeight: number[] | null;
  /** Dropout step (the optimizer's iterations). */
  step: number;
}

/** The batch loss of SPEC.md step 4 (weighted mean of per-row losses plus the penalty), in float64. */
export function refLoss(inp: RefInput): number {
  const { spec, params, x, y, sampleWeight, step } = inp;
  const slots = paramLayout(spec);
  const tensor = (layer: number, name: string): number[] | null => {
    const s = slots.find((t) => t.layer === layer && t.name === name);
    return s ? Array.from({ length: s.size }, (_, i) => params[s.offset + i]!) : null;
  };
  const n = x.length;
  let A: Rows = x.map((r) => r.slice());
  let logits: Rows | null = null; // pre-activation of the last layer when it has an activation
  let penalty = 0;
  let dim = spec.inputDim;
  spec.layers.forEach((layer: LayerSpec, li) => {
    logits = null;
    switch (layer.kind) {
      case 'dense': {
        const W = tensor(li, 'kernel')!;
        const b = tensor(li, 'bias');
        const Z = A.map((row) => Array.from({ length: layer.units }, (_, j) => {
          let s = b ? b[j]! : 0;
          for (let i = 0; i < dim; i++) s += row[i]! * W[i * layer.units + j]!;
          return s;
        }));
        if (layer.trainable) {
          const pen = (w: number[] | null, l1: number, l2: number): number =>
            w ? w.reduce((a, v) => a + l1 * Math.abs(v) + l2 * v * v, 0) : 0;
          penalty += pen(W, layer.kernelL1, layer.kernelL2) + pen(b, layer.biasL1, layer.biasL2);
        }
        logits = Z;
        A = applyAct(layer.activation, Z);
        break;
      }
      case 'activation':
        logits = A;
        A = applyAct(layer.activation, A);
        break;
      case 'dropout':
        A = A.map((row, i) => row.map((v, j) =>
          (refHash(layer.seed, step, i * layer.dim + j) / 2 ** 24 >= layer.rate ? v / (1 - layer.rate) : 0)));
        break;
      case 'batchNormalization': {
        const d = layer.dim;
        const g = tensor(li, 'gamma');
        const be = tensor(li, 'beta');
        let mean: number[];
        let vari: number[];
        if (layer.trainable) {
          mean = Array.from({ length: d }, (_, j) => A.reduce((s, r) => s + r[j]!, 0) / n);
          vari = Array.from({ length: d }, (_, j) => A.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n);
        } else {
          mean = tensor(li, 'moving_mean')!;
          vari = tensor(li, 'moving_variance')!;
        }
        A = A.map((r) => r.map((v, j) =>
          (g ? g[j]! : 1) * (v - mean[j]!) / Math.sqrt(vari[j]! + layer.epsilon) + (be ? be[j]! : 0)));
        break;
      }
      case 'layerNormalization': {
        const g = tensor(li, 'gamma');
        const be = tensor(li, 'beta');
        A = A.map((r) => {
          const m = r.reduce((a, b) => a + b, 0) / r.length;
          const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length;
          return r.map((val, j) => (g ? g[j]! : 1) * (val - m) / Math.sqrt(v + layer.epsilon) + (be ? be[j]! : 0));
        });
        break;
      }
    }
    dim = layer.kind === 'dense' ? layer.units : layer.dim;
  });
  const last = spec.layers[spec.layers.length - 1]!;
  const lastAct = last.kind === 'dense' || last.kind === 'activation' ? last.activation.id : null;
  const loss = spec.loss;
  const eps = 1e-7;
  const d = dim;
  const label = (i: number, j: number): number =>
    (loss.id === 'sparseCategoricalCrossentropy' ? (y[i]![0] === j ? 1 : 0) : y[i]![j]!);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = A[i]!;
    let l = 0;
    switch (loss.id) {
      case 'meanSquaredError': for (let j = 0; j < d; j++) l += (p[j]! - label(i, j)) ** 2 / d; break;
      case 'meanAbsoluteError': for (let j = 0; j < d; j++) l += Math.abs(p[j]! - label(i, j)) / d; break;
      case 'huber':
        for (let j = 0; j < d; j++) {
          const e = Math.abs(p[j]! - label(i, j));
          l += (e <= loss.delta ? 0.5 * e * e : loss.delta * (e - 0.5 * loss.delta)) / d;
        }
        break;
      case 'binaryCrossentropy': {
        const fused = !loss.fromLogits && lastAct === 'sigmoid';
        for (let j = 0; j < d; j++) {
          const t = label(i, j);
          if (loss.fromLogits || fused) {
            const z = fused ? (logits as Rows | null)![i]![j]! : p[j]!;
            // -(t log s + (1-t) log(1-s)) with s = sigmoid(z), written in the plain form
            const s = 1 / (1 + Math.exp(-z));
            l += -(t * Math.log(s) + (1 - t) * Math.log(1 - s)) / d;
          } else {
            const q = Math.min(1 - eps, Math.max(eps, p[j]!));
            l += -(t * Math.log(q) + (1 - t) * Math.log(1 - q)) / d;
          }
        }
        break;
      }
      case 'categoricalCrossentropy':
      case 'sparseCategoricalCrossentropy': {
        const fused = !loss.fromLogits && lastAct === 'softmax';
        if (loss.fromLogits || fused) {
          const z = fused ? (logits as Rows | null)![i]! : p;
          const lse = Math.log(z.reduce((a, v) => a + Math.exp(v), 0));
          for (let j = 0; j < d; j++) l += label(i, j) * (lse - z[j]!);
        } else {
          const S = p.reduce((a, b) => a + b, 0);
          for (let j = 0; j < d; j++) l -= label(i, j) * Math.log(Math.min(1 - eps, Math.max(eps, p[j]! / S)));
        }
        break;
      }
    }
    total += (sampleWeight ? sampleWeight[i]! : 1) * l;
  }
  return total / n + penalty;
}
