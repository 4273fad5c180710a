'use strict';
// The source document's program, in blasnet: random X (100 x 10) standardized, random y, a
// Dense(10, relu) -> Dense(1) network trained with adam on mse for 100 epochs in batches of 10,
// then saved and loaded back.
//
//   npm run build && node examples/seed.js
//
// `run` takes the library as an argument so the test suite can run this same file against the
// TypeScript sources (test/model/fit.test.ts).

async function run(blasnet, { verbose = 1, saveDir = null } = {}) {
  const { sequential, layers, setSeed, data, tensor2d } = blasnet;
  setSeed(42);

  // X: 100 samples of 10 features, standardized per column; y: one random target per sample.
  const X = [], y = [];
  let s = 42;
  const rand = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  for (let i = 0; i < 100; i++) {
    X.push(Array.from({ length: 10 }, rand));
    y.push([rand()]);
  }
  const scaler = data.standardScaler();
  const Xs = scaler.fitTransform(X);

  const model = sequential({
    layers: [
      layers.dense({ units: 10, activation: 'relu', inputShape: [10] }),
      layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'mse' });
  const history = await model.fit(Xs, tensor2d(y), { epochs: 100, batchSize: 10, verbose });
  const loss = history.history.loss;
  if (verbose) console.log(`loss: epoch 1 ${loss[0].toFixed(4)} -> epoch 100 ${loss[99].toFixed(4)}`);

  let reloaded = null;
  if (saveDir) {
    await model.save(saveDir, { scaler });
    reloaded = await blasnet.loadModel(saveDir);
  }
  return { model, history, lossFirst: loss[0], lossLast: loss[99], Xs, reloaded };
}

module.exports = { run };

if (require.main === module) {
  const os = require('os');
  const path = require('path');
  const dir = path.join(os.tmpdir(), 'blasnet-seed-model');
  run(require('..'), { saveDir: dir }).then(async ({ model, reloaded, Xs }) => {
    const a = model.predictSync(Xs).dataSync();
    const b = reloaded.predictSync(Xs).dataSync();
    console.log(`saved to ${dir}; first prediction ${a[0].toFixed(5)}, after loading ${b[0].toFixed(5)}`);
  }).catch((err) => { console.error(err); process.exit(1); });
}
