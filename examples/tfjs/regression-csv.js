// Regression from a CSV file with tf.data, as the tfjs guides and examples write it: the CSV is streamed
// by tf.data.csv (petal width is the label), split with a seeded shuffle, batched, trained with
// model.fitDataset and scored with model.evaluateDataset.
// Usage: node regression-csv.js <folder with iris.csv>
const tf = require('blasnet'); // in tfjs: require('@tensorflow/tfjs-node')
const path = require('path');

const csvUrl = `file://${path.resolve(process.argv[2], 'iris.csv')}`;

async function main() {
  const rows = tf.data.csv(csvUrl, {
    configuredColumnsOnly: true,
    columnConfigs: {
      sepal_length_cm: {}, sepal_width_cm: {}, petal_length_cm: {},
      petal_width_cm: { isLabel: true },
    },
  });
  console.log('features:', (await rows.columnNames()).join(', '));

  // The same seed and no reshuffling: both pipelines see one fixed order, so the split is fixed.
  const all = rows
    .map(({ xs, ys }) => ({ xs: Object.values(xs), ys: Object.values(ys) }))
    .shuffle(150, 'split', false);
  const trainDs = all.take(120).shuffle(120, 'epochs').batch(16);
  const validDs = all.skip(120).batch(30);

  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [3], units: 16, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 1 }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.meanSquaredError, metrics: ['mae'] });

  await model.fitDataset(trainDs, {
    epochs: 120,
    validationData: validDs,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        if ((epoch + 1) % 30 === 0) console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}, val_loss ${logs.val_loss.toFixed(4)}`);
      },
    },
  });

  const [mse, mae] = await model.evaluateDataset(validDs);
  const valMse = (await mse.data())[0];
  const valMae = (await mae.data())[0];
  console.log(`validation: mse ${valMse.toFixed(4)}, mae ${valMae.toFixed(4)}`);
  console.log(JSON.stringify({ score: { valMse, valMae } }));
}

main().catch((err) => { console.error(err); process.exit(1); });
