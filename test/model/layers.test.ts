// Every layer class of lib/model/layers/, with its options, through the one conformance check
// (test/helpers/layer-conformance.ts): shapes, weights, config and save round trips, a training step,
// and on the native run the two engines agreeing.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { setSeed } from '../../lib/random';
import { layers, resetLayerNames } from '../../lib/model/layers';
import { RUN_ENGINE, skippedOnThisRun } from '../helpers/engines';
import { checkLayerConformance, type LayerCase } from '../helpers/layer-conformance';

const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'elu', 'selu', 'gelu', 'swish', 'softplus',
  'softsign', 'hardSigmoid', 'relu6'];

const dense = (units: number, inputs: number, useBias = true): [string, number[]][] =>
  useBias ? [['kernel', [inputs, units]], ['bias', [units]]] : [['kernel', [inputs, units]]];
const normWeights = (dim: number, scale: boolean, center: boolean, moving: boolean): [string, number[]][] => [
  ...(scale ? [['gamma', [dim]] as [string, number[]]] : []),
  ...(center ? [['beta', [dim]] as [string, number[]]] : []),
  ...(moving ? [['moving_mean', [dim]], ['moving_variance', [dim]]] as [string, number[]][] : []),
];

const CASES: [string, LayerCase][] = [
  ...ACTIVATIONS.map((activation): [string, LayerCase] => [`dense ${activation}`,
    { factory: 'dense', args: { units: 3, activation }, outputDim: 3, weights: dense(3, 4), className: 'Dense' }]),
  ['dense without bias', { factory: 'dense', args: { units: 5, useBias: false }, outputDim: 5, weights: dense(5, 4, false), className: 'Dense' }],
  ['dense with initializers, regularizers and a max-norm constraint', { factory: 'dense', args: {
    units: 3, activation: 'relu', kernelInitializer: 'heNormal', biasInitializer: 'ones',
    kernelRegularizer: { className: 'L1L2', config: { l1: 0.01, l2: 0.02 } }, biasRegularizer: 'l2',
    kernelConstraint: { className: 'MaxNorm', config: { maxValue: 2 } },
  }, outputDim: 3, weights: dense(3, 4), className: 'Dense' }],
  ['dense frozen', { factory: 'dense', args: { units: 2, trainable: false }, outputDim: 2, weights: dense(2, 4), trainableCount: 0, className: 'Dense' }],
  ['dense after an inputLayer', { factory: 'dense', args: { units: 2, activation: 'tanh' }, viaInputLayer: true, outputDim: 2, weights: dense(2, 4), className: 'Dense' }],
  ...ACTIVATIONS.map((activation): [string, LayerCase] => [`activation ${activation}`,
    { factory: 'activation', args: { activation }, outputDim: 4, weights: [], className: 'Activation' }]),
  ['leakyReLU (default alpha)', { factory: 'leakyReLU', outputDim: 4, weights: [], className: 'LeakyReLU' }],
  ['leakyReLU alpha 0.1', { factory: 'leakyReLU', args: { alpha: 0.1 }, outputDim: 4, weights: [], className: 'LeakyReLU' }],
  ['dropout', { factory: 'dropout', args: { rate: 0.4, seed: 9 }, outputDim: 4, weights: [], className: 'Dropout' }],
  ['flatten of 1-D rows', { factory: 'flatten', outputDim: 4, weights: [], className: 'Flatten' }],
  ['flatten of N-D rows', { factory: 'flatten', inputShape: [2, 3, 2], outputDim: 12, weights: [], className: 'Flatten' }],
  ['batchNormalization', { factory: 'batchNormalization', args: { momentum: 0.9 }, outputDim: 4, weights: normWeights(4, true, true, true),
    trainableCount: 2, className: 'BatchNormalization' }],
  ['batchNormalization without scale and center, epsilon 0.01', { factory: 'batchNormalization',
    args: { momentum: 0.8, epsilon: 0.01, scale: false, center: false }, outputDim: 4, weights: normWeights(4, false, false, true),
    trainableCount: 0, className: 'BatchNormalization' }],
  ['batchNormalization with initializers, frozen', { factory: 'batchNormalization', args: {
    trainable: false, gammaInitializer: 'zeros', betaInitializer: 'ones', movingMeanInitializer: 'ones', movingVarianceInitializer: 'ones',
  }, outputDim: 4, weights: normWeights(4, true, true, true), trainableCount: 0, className: 'BatchNormalization' }],
  ['layerNormalization', { factory: 'layerNormalization', outputDim: 4, weights: normWeights(4, true, true, false), className: 'LayerNormalization' }],
  ['layerNormalization center only, epsilon 0.01', { factory: 'layerNormalization', args: { scale: false, epsilon: 0.01, axis: -1 },
    outputDim: 4, weights: normWeights(4, false, true, false), className: 'LayerNormalization' }],
];

const engineDiffs: number[] = [];

beforeEach(() => { setSeed(5); resetLayerNames(); });

describe(`layer conformance (${RUN_ENGINE} engine)`, () => {
  it('covers every layer factory of layers.*', () => {
    const covered = new Set<string>(CASES.map(([, c]) => c.factory));
    expect([...covered].sort()).toEqual(Object.keys(layers).filter((k) => k !== 'inputLayer').sort());
    expect(CASES.some(([, c]) => c.viaInputLayer)).toBe(true);
  });

  for (const [name, c] of CASES) {
    it(name, async () => {
      const report = await checkLayerConformance(c);
      expect(report.engineDiff === null).toBe(RUN_ENGINE !== 'native');
      if (report.engineDiff !== null) engineDiffs.push(report.engineDiff);
    });
  }

  if (RUN_ENGINE !== 'native') skippedOnThisRun('each case computed by both engines, predict and one step, within 1e-5', 'native');

  afterAll(() => {
    if (engineDiffs.length) console.log(`layer conformance: ${engineDiffs.length} cases, max |native - js| ${Math.max(...engineDiffs).toExponential(2)}`);
  });
});
