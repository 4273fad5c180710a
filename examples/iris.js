'use strict';
// Classify iris flowers from a CSV file: read, split (stratified), standardize, train an MLP with
// early stopping on a validation split, evaluate on the held-out rows.
//
//   npm run build && node examples/iris.js [path/to/iris.csv]
//
// `run` takes the library as an argument so the test suite runs this file against the TypeScript
// sources (test/model/examples.test.ts).

async function run(blasnet, { file, verbose = 1 } = {}) {
  const { sequential, layers, optimizers, callbacks, setSeed, data } = blasnet;
  setSeed(1);

  const { x, y } = await data.readCsv(file, { label: 'label' });
  const { xTrain, xTest, yTrain, yTest } = data.trainTestSplit(x, y, { testSize: 0.3, stratify: true, seed: 3 });
  const scaler = data.standardScaler().fit(xTrain);

  const model = sequential({
    layers: [
      layers.dense({ units: 16, activation: 'relu', inputShape: [4] }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(scaler.transform(xTrain), yTrain, {
    epochs: 200, batchSize: 16, validationSplit: 0.2, verbose,
    callbacks: [callbacks.earlyStopping({ monitor: 'val_loss', patience: 20, restoreBestWeights: true })],
  });
  const { loss, accuracy } = await model.evaluateAsync(scaler.transform(xTest), yTest);
  if (verbose) {
    console.log(`stopped after ${history.epoch.length} epochs; test loss ${loss.toFixed(4)}, accuracy ${(accuracy * 100).toFixed(1)}%`);
  }
  return { model, history, loss, accuracy };
}

module.exports = { run };

if (require.main === module) {
  const path = require('path');
  const file = process.argv[2] || path.resolve(__dirname, '../data/iris.csv');
  run(require('..'), { file }).catch((err) => { console.error(err.message); process.exit(1); });
}
