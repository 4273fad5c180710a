'use strict';
// What the programs get for require('@tensorflow/tfjs-node') in the tfjs runs: @tensorflow/tfjs (the
// CPU backend) plus the file:// save and load handlers tfjs-node provides, which cannot install here.
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

function fileHandler(url) {
  const target = url.slice('file://'.length);
  return {
    async save(artifacts) {
      const dir = target.endsWith('model.json') ? path.dirname(target) : target;
      fs.mkdirSync(dir, { recursive: true });
      const weights = Buffer.from(artifacts.weightData);
      fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
        modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy, trainingConfig: artifacts.trainingConfig,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length } };
    },
    async load() {
      const json = JSON.parse(fs.readFileSync(target, 'utf8'));
      const bufs = [];
      const specs = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) bufs.push(fs.readFileSync(path.join(path.dirname(target), p)));
      }
      const all = Buffer.concat(bufs);
      return {
        modelTopology: json.modelTopology, trainingConfig: json.trainingConfig, weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

const route = (url) => (typeof url === 'string' && url.startsWith('file://') ? fileHandler(url) : null);
tf.io.registerSaveRouter(route);
tf.io.registerLoadRouter(route);
module.exports = tf;
