// Save, load and predict, as tfjs-node programs do: train a classifier, model.save('file://...'),
// tf.loadLayersModel('file://.../model.json'), and check that the loaded model predicts what the trained
// one did, then keeps training from where it was after compile.
// Usage: node save-load-predict.js <folder with iris.csv> <empty folder to save in>
const tf = require('blasnet'); // in tfjs: require('@tensorflow/tfjs-node')
const fs = require('fs');
const path = require('path');

const rows = fs.readFileSync(path.join(process.argv[2], 'iris.csv'), 'utf8').trim().split('\n').slice(1)
  .map((line) => line.split(',').map(Number));
const saveDir = path.resolve(process.argv[3], 'iris-model');

async function main() {
  const xs = tf.tidy(() => {
    const x = tf.tensor2d(rows.map((r) => r.slice(0, 4)));
    return x.sub(x.min(0)).div(x.max(0).sub(x.min(0)));
  });
  const ys = tf.oneHot(tf.tensor1d(rows.map((r) => r[4]), 'int32'), 3).toFloat();

  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 12, activation: 'tanh', inputShape: [4] }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(xs, ys, { epochs: 80, batchSize: 16, shuffle: true, verbose: 0 });

  const saved = await model.save(`file://${saveDir}`);
  console.log('saved', fs.readdirSync(saveDir).sort().join(', '), saved.modelArtifactsInfo.weightDataBytes, 'weight bytes');

  const loaded = await tf.loadLayersModel(`file://${saveDir}/model.json`);
  loaded.summary();
  const before = model.predict(xs);
  const after = loaded.predict(xs);
  const maxDiff = before.sub(after).abs().max().dataSync()[0];
  const accuracy = after.argMax(-1).equal(ys.argMax(-1)).mean().dataSync()[0];

  loaded.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const more = await loaded.fit(xs, ys, { epochs: 5, batchSize: 16, verbose: 0 });
  console.log(`max difference ${maxDiff}, accuracy ${accuracy.toFixed(3)}, after 5 more epochs acc ${more.history.acc[4].toFixed(3)}`);
  console.log(JSON.stringify({ score: { maxDiff, accuracy, moreAcc: more.history.acc[4] } }));
}

main().catch((err) => { console.error(err); process.exit(1); });
