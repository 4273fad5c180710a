// Accuracy on real data from ../shared/data, or the copies of iris and digits8x8 in data/ (MNIST is
// skipped with a message when ../shared/data is absent). iris and digits8x8
// on every engine; MNIST (784-128-10, 3 epochs) on the native engine only (too slow for the TS engine
// inside the suite's time budget).
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { data, layers, optimizers, sequential, setSeed, type CompileArgs } from '../../lib/index';
import { getEngine } from '../../lib/engine';
import { dataset } from '../helpers/datasets';

const have = (f: string): boolean => dataset(f) !== null;
const file = (f: string): string => dataset(f)!;
if (!have('mnist_train.csv.gz')) console.warn('model-accuracy: ../shared/data/mnist_*.csv.gz are absent; the MNIST test is skipped');

const engine = getEngine().name;

interface SmallMlp {
  seed: number; testSize: number; splitSeed: number;
  inputs: number; hidden: number; classes: number;
  optimizer: CompileArgs['optimizer'];
  /** Labels one-hot with categoricalCrossentropy, else class indices with sparseCategoricalCrossentropy. */
  oneHot: boolean;
  epochs: number; batchSize: number;
}

/**
 * The test accuracy of dense(hidden, relu) -> dense(classes, softmax) trained on a stratified split of a
 * shipped CSV (label column "label"), standardized on its training rows.
 */
async function heldOutAccuracy(name: string, o: SmallMlp): Promise<number | undefined> {
  setSeed(o.seed);
  const { x, y } = await data.readCsv(file(name), { label: 'label' });
  const split = data.trainTestSplit(x, y!, { testSize: o.testSize, stratify: true, seed: o.splitSeed });
  const scaler = data.standardScaler().fit(split.xTrain);
  const model = sequential({ layers: [
    layers.dense({ units: o.hidden, activation: 'relu', inputShape: [o.inputs] }),
    layers.dense({ units: o.classes, activation: 'softmax' }),
  ] });
  const loss = o.oneHot ? 'categoricalCrossentropy' : 'sparseCategoricalCrossentropy';
  model.compile({ optimizer: o.optimizer, loss, metrics: ['accuracy'] });
  const labels = (t: typeof split.yTrain) => (o.oneHot ? data.oneHot(t, o.classes) : t);
  await model.fit(scaler.transform(split.xTrain), labels(split.yTrain), { epochs: o.epochs, batchSize: o.batchSize, verbose: 0 });
  const { accuracy } = await model.evaluateAsync(scaler.transform(split.xTest), labels(split.yTest));
  console.log(`${name.replace(/\.csv$/, '')} test accuracy (${engine}): ${(accuracy! * 100).toFixed(2)}% on ${split.yTest.shape[0]} rows`);
  return accuracy;
}

describe(`accuracy on real data (${engine} engine)`, () => {
  it.skipIf(!have('iris.csv'))('iris: >= 95% test accuracy with a small MLP', async () => {
    const accuracy = await heldOutAccuracy('iris.csv', {
      seed: 1, testSize: 0.3, splitSeed: 3, inputs: 4, hidden: 16, classes: 3,
      optimizer: optimizers.adam({ learningRate: 0.01 }), oneHot: false, epochs: 100, batchSize: 16,
    });
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it.skipIf(!have('digits8x8.csv'))('digits8x8: >= 96% test accuracy with a small MLP', async () => {
    const accuracy = await heldOutAccuracy('digits8x8.csv', {
      seed: 2, testSize: 0.2, splitSeed: 5, inputs: 64, hidden: 64, classes: 10,
      optimizer: 'adam', oneHot: true, epochs: 40, batchSize: 32,
    });
    expect(accuracy).toBeGreaterThanOrEqual(0.96);
  });

  it.skipIf(engine !== 'native' || !have('mnist_train.csv.gz'))('MNIST 784-128-10, 3 epochs: >= 96% test accuracy (native engine)', async () => {
    setSeed(3);
    const t0 = Date.now();
    const train = await data.readCsv(file('mnist_train.csv.gz'), { label: 'label' });
    const test = await data.readCsv(file('mnist_test.csv.gz'), { label: 'label' });
    const t1 = Date.now();
    // Pixels 0..255 -> 0..1, in place (the tensors are ours).
    for (const t of [train.x, test.x]) { const d = t.dataSync(); for (let i = 0; i < d.length; i++) d[i]! /= 255; }
    const model = sequential({ layers: [
      layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
      layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(train.x, train.y!, { epochs: 3, batchSize: 32, verbose: 0 });
    const t2 = Date.now();
    const { accuracy } = await model.evaluateAsync(test.x, test.y!, { batchSize: 1000 });
    console.log(`MNIST test accuracy (${engine}): ${(accuracy! * 100).toFixed(2)}% (read ${t1 - t0} ms, 3 epochs ${t2 - t1} ms)`);
    expect(accuracy).toBeGreaterThanOrEqual(0.96);
  });
});
