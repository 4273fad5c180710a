// `blasnet demo`: the whole job in one command on the digits dataset shipped in the package (data/).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sequential, layers, setSeed, data, engineInfo, loadModel } from '../index';
import { CliError } from './errors';
import { terminalChart } from './plot';
import { readTable } from './table';
import type { Print } from './commands';

/** The shipped dataset: dist/cli/demo.js -> <package>/data/digits8x8.csv. */
export const DIGITS_CSV = path.resolve(__dirname, '..', '..', 'data', 'digits8x8.csv');

/** An 8x8 digit (pixel counts 0..16) drawn with shade blocks, two characters per pixel. */
function digitLines(px: Float32Array): string[] {
  const shades = [' ', '░', '▒', '▓', '█'];
  const out: string[] = [];
  for (let r = 0; r < 8; r++) {
    let s = '';
    for (let c = 0; c < 8; c++) { const ch = shades[Math.min(4, Math.round((px[r * 8 + c]! / 16) * 4))]!; s += ch + ch; }
    out.push(s);
  }
  return out;
}

export interface DemoOptions { epochs: number; out?: string; seed: number; fitVerbose: 0 | 1 | 2 }

export async function demo(o: DemoOptions, print: Print): Promise<{ accuracy: number; seconds: number; dir: string }> {
  if (!fs.existsSync(DIGITS_CSV)) throw new CliError(`the demo dataset is missing: ${DIGITS_CSV} (reinstall blasnet)`);
  const eng = engineInfo();
  print(`blasnet demo: a multilayer perceptron learns to read handwritten digits (8x8 pixels, 10 classes).`);
  const rel = path.relative(process.cwd(), DIGITS_CSV);
  print(`Data: ${rel && !rel.startsWith('..') ? rel : DIGITS_CSV} (UCI Optical Recognition of Handwritten Digits, CC BY 4.0)`);
  print(`Engine: ${eng.engine}${eng.engine === 'native' ? ` (${eng.blasCore ?? 'OpenBLAS'}, ${eng.threads} thread${eng.threads === 1 ? '' : 's'})` : ' (pure TypeScript' + (eng.nativeUnavailableReason ? '; native unavailable' : '') + ')'}`);

  const table = await readTable(DIGITS_CSV, { features: null, label: 'label' });
  setSeed(o.seed);
  const split = data.trainTestSplit({ data: table.x, shape: [table.rows, table.cols] }, { data: table.y!, shape: [table.rows, 1] },
    { testSize: 0.2, stratify: true, seed: o.seed });
  const scaler = data.standardScaler().fit(split.xTrain);
  const xTrain = scaler.transform(split.xTrain);
  const xTest = scaler.transform(split.xTest);
  print(`Split: ${split.xTrain.shape[0]} training rows, ${split.xTest.shape[0]} test rows; features standardized.\n`);

  const model = sequential({
    layers: [
      layers.dense({ units: 64, activation: 'relu', inputShape: [table.cols] }),
      layers.dense({ units: 32, activation: 'relu' }),
      layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  model.summary(undefined, undefined, print);
  print('');

  const t0 = process.hrtime.bigint();
  const history = await model.fit(xTrain, split.yTrain, { epochs: o.epochs, batchSize: 32, validationSplit: 0.1, verbose: o.fitVerbose });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const scores = await model.evaluateAsync(xTest, split.yTest);
  const accuracy = scores.accuracy ?? NaN;

  print('');
  print(terminalChart([
    { name: 'loss', values: history.history.loss ?? [] },
    { name: 'val_loss', values: history.history.val_loss ?? [] },
  ], { width: 60, height: 10 }));
  print('');
  print(`Test accuracy: ${(accuracy * 100).toFixed(1)}% (${split.xTest.shape[0]} digits the model never saw)`);
  print(`Training took ${seconds.toFixed(2)} s for ${o.epochs} epochs on the ${eng.engine} engine.`);

  // Save, reload, and use the reloaded model: what a served model does.
  const dir = o.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-demo-'));
  await model.save(dir, { scaler });
  const loaded = await loadModel(dir);
  const restored = loaded.getScaler()!;
  const show = 6;
  const xShow = { data: split.xTest.dataSync<'float32'>().slice(0, show * table.cols), shape: [show, table.cols] as [number, number] };
  const probs = (await loaded.predictAsync(restored.transform(xShow))).dataSync();
  print(`\nSaved the model to ${dir} (model.json + its weights file), reloaded it; its predictions on ${show} test digits:\n`);
  const cells: string[][] = [];
  const caps: string[] = [];
  for (let i = 0; i < show; i++) {
    const p = probs.subarray(i * 10, i * 10 + 10);
    let best = 0;
    for (let j = 1; j < 10; j++) if (p[j]! > p[best]!) best = j;
    const truth = split.yTest.dataSync()[i]!;
    cells.push(digitLines(xShow.data.subarray(i * table.cols, (i + 1) * table.cols)));
    caps.push(`true ${truth} pred ${best} ${best === truth ? '✓' : '✗'}`.padEnd(18));
  }
  for (let r = 0; r < 8; r++) print('  ' + cells.map((c) => c[r]!).join('  '));
  print('  ' + caps.join('').trimEnd());
  loaded.dispose();
  model.dispose();
  return { accuracy, seconds, dir };
}
