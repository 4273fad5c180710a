// Manual normalization with tensor ops inside tf.tidy, as tfjs programs manage memory: the iris
// features are standardized with tf.moments, class indices are the labels (sparse), the optimizer is
// tf.train.momentum, a tf.metrics function is a compile metric, and every evaluation runs in tidy so
// that tf.memory() shows nothing left behind.
// Usage: node normalize-tidy.js <folder with iris.csv>
const tf = require('blasnet'); // in tfjs: require('@tensorflow/tfjs-node')
const fs = require('fs');
const path = require('path');

const rows = fs.readFileSync(path.join(process.argv[2], 'iris.csv'), 'utf8').trim().split('\n').slice(1)
  .map((line) => line.split(',').map(Number));
tf.util.shuffle(rows);
const split = Math.floor(rows.length * 0.8);

// The statistics come from the training rows and are kept to normalize the test rows the same way.
const raw = tf.tensor2d(rows.map((r) => r.slice(0, 4)));
const { mean, variance } = tf.moments(raw.slice([0, 0], [split, 4]), 0);
const std = tf.tidy(() => variance.sqrt().add(1e-7));
const normalize = (x) => tf.tidy(() => x.sub(mean).div(std));
const xs = normalize(raw);
const labels = tf.tensor1d(rows.map((r) => r[4]));
const [trainX, testX] = tf.split(xs, [split, rows.length - split]);
const [trainY, testY] = tf.split(labels, [split, rows.length - split]);
tf.dispose([raw, xs, labels, variance]);

async function main() {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 10, activation: 'relu', inputShape: [4] }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({
    optimizer: tf.train.momentum(0.05, 0.9),
    loss: 'sparseCategoricalCrossentropy',
    metrics: [tf.metrics.sparseCategoricalAccuracy],
  });

  const before = tf.memory().numTensors;
  const h = await model.fit(trainX, trainY, { epochs: 60, batchSize: 16, shuffle: true, yieldEvery: 'never', verbose: 0 });
  const accuracy = tf.tidy(() => model.predict(testX).argMax(-1).equal(testY).mean().dataSync()[0]);
  const fresh = tf.tidy(() => model.predict(normalize(tf.tensor2d([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]))).argMax(-1).arraySync());
  const leaked = tf.memory().numTensors - before;
  console.log(`train accuracy ${h.history.sparseCategoricalAccuracy[59].toFixed(3)}, test accuracy ${accuracy.toFixed(3)}, new flowers -> ${fresh}, tensors left ${leaked}`);
  console.log(JSON.stringify({ score: { testAcc: accuracy, fresh, leaked }, historyKeys: Object.keys(h.history).sort() }));
}

main().catch((err) => { console.error(err); process.exit(1); });
