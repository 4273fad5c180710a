// NetSpec builders for engine-level tests: every field filled with the SPEC.md defaults.
import type {
  ActivationId, ActivationLayerSpec, BatchNormSpec, DenseSpec, DropoutSpec, LayerNormSpec, LayerSpec, LossId,
  LossSpec, NetSpec, OptimizerId, OptimizerSpec,
} from '../../lib/engine/types';
import { paramLayout } from '../../lib/engine/layout';
import { RandomStream } from '../../lib/random';

export function optimizer(id: OptimizerId, over: Partial<OptimizerSpec> = {}): OptimizerSpec {
  return {
    id, learningRate: id === 'sgd' ? 0.01 : 0.001, schedule: { kind: 'constant' },
    momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0.004,
    rho: 0.9, centered: false, initialAccumulatorValue: 0.1, clipnorm: 0, clipvalue: 0, globalClipnorm: 0,
    ...over,
  };
}

export function loss(id: LossId, over: Partial<LossSpec> = {}): LossSpec {
  return { id, fromLogits: false, delta: 1, ...over };
}

export function dense(inputDim: number, units: number, activation: ActivationId = 'linear',
  over: Partial<DenseSpec> = {}): DenseSpec {
  const alpha = activation === 'leakyRelu' ? 0.3 : 1;
  return {
    kind: 'dense', inputDim, units, activation: { id: activation, alpha }, useBias: true, trainable: true,
    kernelL1: 0, kernelL2: 0, biasL1: 0, biasL2: 0, kernelMaxNorm: 0, ...over,
  };
}

export function activation(dim: number, id: ActivationId, alpha = id === 'leakyRelu' ? 0.3 : 1): ActivationLayerSpec {
  return { kind: 'activation', dim, activation: { id, alpha } };
}

export function dropout(dim: number, rate: number, seed = 1234): DropoutSpec {
  return { kind: 'dropout', dim, rate, seed };
}

export function batchNorm(dim: number, over: Partial<BatchNormSpec> = {}): BatchNormSpec {
  return { kind: 'batchNormalization', dim, momentum: 0.99, epsilon: 1e-3, center: true, scale: true, trainable: true, ...over };
}

export function layerNorm(dim: number, over: Partial<LayerNormSpec> = {}): LayerNormSpec {
  return { kind: 'layerNormalization', dim, epsilon: 1e-3, center: true, scale: true, trainable: true, ...over };
}

export function netSpec(inputDim: number, layers: LayerSpec[], lossSpec: LossSpec, opt: OptimizerSpec): NetSpec {
  return { inputDim, layers, loss: lossSpec, optimizer: opt };
}

/** Deterministic pseudo-random floats in [-scale, scale) (the library's mulberry32, started at the seed). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const next = RandomStream.fromState(seed).next;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() * 2 - 1) * scale;
  return out;
}

/**
 * Initial params for a spec: glorot-uniform-like kernels, small random biases and betas, gammas near 1,
 * moving means near 0 and moving variances near 1 (so inference-mode normalization is exercised too).
 */
export function initialParams(spec: NetSpec, seed: number): Float32Array {
  const slots = paramLayout(spec);
  const total = slots.reduce((n, s) => n + s.size, 0);
  const out = new Float32Array(total);
  slots.forEach((s, k) => {
    const r = randomArray(s.size, seed * 101 + k);
    for (let i = 0; i < s.size; i++) {
      const u = r[i]!;
      let v: number;
      switch (s.name) {
        case 'kernel': v = u * Math.sqrt(6 / (s.shape[0]! + s.shape[1]!)); break;
        case 'gamma': v = 1 + 0.2 * u; break;
        case 'moving_variance': v = 1 + 0.5 * u; break;
        default: v = 0.1 * u;
      }
      out[s.offset + i] = v;
    }
  });
  return out;
}
