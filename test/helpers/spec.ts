// NetSpec builders for engine-level tests: every field filled with the SPEC.md defaults.
import type {
  ActivationId, DenseSpec, LayerSpec, LossId, LossSpec, NetSpec, OptimizerId, OptimizerSpec,
} from '../../lib/engine/types';

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

export function netSpec(inputDim: number, layers: LayerSpec[], lossSpec: LossSpec, opt: OptimizerSpec): NetSpec {
  return { inputDim, layers, loss: lossSpec, optimizer: opt };
}

/** Deterministic pseudo-random floats in [-scale, scale) (mulberry32). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}
