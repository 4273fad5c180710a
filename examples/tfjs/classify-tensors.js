// Classification with tensors, as in the tfjs guides: 8x8 digit images read into a rank-3 tensor, a
// flatten layer over inputShape [8, 8], one-hot labels from tf.oneHot, fit with a validation split and
// an onEpochEnd callback reading logs.acc, evaluate returning scalars, predict + argMax for the accuracy.
// Usage: node classify-tensors.js <folder with digits8x8.csv>
const tf = require('blasnet'); // in tfjs: require('@tensorflow/tfjs-node')
const fs = require('fs');
const path = require('path');

const lines = fs.readFileSync(path.join(process.argv[2], 'digits8x8.csv'), 'utf8').trim().split('\n').slice(1);
const rows = lines.map((line) => line.split(',').map(Number));
// Every fifth digit is held out for the test.
const trainRows = rows.filter((_, i) => i % 5 !== 0);
const testRows = rows.filter((_, i) => i % 5 === 0);

function toTensors(part) {
  return tf.tidy(() => ({
    xs: tf.tensor2d(part.map((r) => r.slice(0, 64))).reshape([-1, 8, 8]).div(16),
    ys: tf.oneHot(tf.tensor1d(part.map((r) => r[64]), 'int32'), 10),
  }));
}

async function main() {
  const train = toTensors(trainRows);
  const test = toTensors(testRows);
  console.log('train', train.xs.shape, 'test', test.xs.shape);

  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [8, 8] }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const history = await model.fit(train.xs, train.ys, {
    epochs: 40,
    batchSize: 32,
    validationSplit: 0.15,
    callbacks: {
      onEpochEnd: (epoch, logs) => {
        if ((epoch + 1) % 10 === 0) console.log(`epoch ${epoch + 1}: acc ${logs.acc.toFixed(3)}, val_acc ${logs.val_acc.toFixed(3)}`);
      },
    },
  });

  const [testLoss, testAcc] = model.evaluate(test.xs, test.ys, { batchSize: 128 });
  const predicted = model.predict(test.xs).argMax(-1);
  const accuracy = predicted.equal(test.ys.argMax(-1)).mean().dataSync()[0];
  console.log(`test loss ${testLoss.dataSync()[0].toFixed(4)}, evaluate acc ${testAcc.dataSync()[0].toFixed(4)}, predict acc ${accuracy.toFixed(4)}`);
  console.log(JSON.stringify({
    score: { testAcc: testAcc.dataSync()[0], predictAcc: accuracy, lastValAcc: history.history.val_acc[history.history.val_acc.length - 1] },
    historyKeys: Object.keys(history.history).sort(),
  }));
}

main().catch((err) => { console.error(err); process.exit(1); });
