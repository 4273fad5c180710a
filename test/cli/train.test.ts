// The CLI end to end on iris: train (with a plot), evaluate, predict to CSV and JSONL, summary, info;
// predictions equal the library's own predict on the saved model.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { loadModel, data } from '../../lib/index';
import { assertBuilt, cli, IRIS, parseCsvOut, tempDir } from '../helpers/cli';

const engine = getEngine().name;
const haveIris = fs.existsSync(IRIS);
if (!haveIris) console.warn(`cli-train: ${IRIS} is absent; the iris CLI tests are skipped`);

describe.skipIf(!haveIris)(`blasnet train/evaluate/predict on iris (${engine} engine)`, () => {
  let dir = '';
  let modelDir = '';
  let trainOut = '';
  beforeAll(() => {
    assertBuilt();
    dir = tempDir('blasnet-cli-');
    modelDir = path.join(dir, 'iris-model');
    const r = cli(['train', IRIS, '--label', 'label', '--hidden', '16', '--epochs', '150', '--batch-size', '16',
      '--learning-rate', '0.01', '--validation-split', '0.2', '--seed', '7', '--out', modelDir, '--plot', path.join(dir, 'loss.svg')], { cwd: dir });
    trainOut = r.stdout;
    if (r.status !== 0) throw new Error(`train failed (${r.status}): ${r.stderr}`);
  });
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('train reports its progress and final metrics, and writes a tfjs layers-model with the preprocessor and the column names', () => {
    expect(trainOut).toMatch(/Training a classification model on 150 rows x 4 features/);
    expect(trainOut).toMatch(/Epoch 150\/150|early stopping/);
    const acc = Number(/Training rows \(120\): loss: [\d.]+ - accuracy: ([\d.]+)/.exec(trainOut)?.[1]);
    expect(acc).toBeGreaterThanOrEqual(0.95);
    const val = Number(/Validation rows \(30\): loss: [\d.]+ - accuracy: ([\d.]+)/.exec(trainOut)?.[1]);
    expect(val).toBeGreaterThanOrEqual(0.9);
    const json = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(fs.statSync(path.join(modelDir, json.weightsManifest[0].paths[0])).size).toBe(4 * (4 * 16 + 16 + 16 * 3 + 3));
    expect(json.userDefinedMetadata.preprocessor.kind).toBe('blasnetPreprocessor');
    expect(json.userDefinedMetadata.preprocessor.featureNames).toEqual(['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm']);
    expect(json.userDefinedMetadata.blasnetCli).toEqual({
      task: 'classification', label: 'label', classes: [0, 1, 2],
      features: ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm'],
    });
  });

  it('--plot writes an SVG with a loss panel and an accuracy panel, train and validation curves', () => {
    const svg = fs.readFileSync(path.join(dir, 'loss.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const titles = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"><title>([^<]+)<\/title>/g)];
    expect(titles.map((m) => m[2])).toEqual(['loss', 'val_loss', 'accuracy', 'val_accuracy']);
    const epochs = Number(/Trained (\d+) epoch/.exec(trainOut)?.[1]);
    for (const m of titles) expect(m[1]!.split(' ')).toHaveLength(epochs);
    // Balanced tags: every opened element is closed.
    const opened = (svg.match(/<(g|svg|polyline)\b/g) ?? []).length;
    const closed = (svg.match(/<\/(g|svg|polyline)>/g) ?? []).length;
    expect(opened).toBe(closed);
  });

  it('evaluate prints loss and accuracy on a labelled file', () => {
    const r = cli(['evaluate', modelDir, IRIS, '--label', 'label', '--batch-size', '40']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = /^loss: ([\d.]+) - accuracy: ([\d.]+) \(150 rows/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThanOrEqual(0.95);
    // Batched evaluation (40 rows at a time) equals the row-weighted metrics train printed for its two parts.
    const t = /Training rows \(120\): loss: ([\d.]+) - accuracy: ([\d.]+)/.exec(trainOut)!;
    const v = /Validation rows \(30\): loss: ([\d.]+) - accuracy: ([\d.]+)/.exec(trainOut)!;
    expect(Number(m![2])).toBeCloseTo((120 * Number(t[2]) + 30 * Number(v[2])) / 150, 3);
    expect(Number(m![1])).toBeCloseTo((120 * Number(t[1]) + 30 * Number(v[1])) / 150, 3);
  });

  it('predict writes class and probabilities equal to the library predict on the saved model (CSV and JSONL)', async () => {
    const csv = cli(['predict', modelDir, IRIS, '--batch-size', '32']);
    expect(csv.status).toBe(0);
    const out = parseCsvOut(csv.stdout);
    expect(out.header).toEqual(['class', 'p_0', 'p_1', 'p_2']);
    expect(out.rows).toHaveLength(150);

    const model = await loadModel(modelDir);
    const table = await data.readCsv(IRIS, { label: 'label' });
    const ref = (await model.predict(model.getPreprocessor()!.transform(table).x)).arraySync();
    const labels = table.y!.dataSync();
    let correct = 0;
    out.rows.forEach((row, i) => {
      const p = ref[i]!;
      for (let j = 0; j < 3; j++) expect(Math.abs(row[j + 1]! - p[j]!)).toBeLessThanOrEqual(1e-5);
      expect(row[0]).toBe(p.indexOf(Math.max(...p)));
      if (row[0] === labels[i]) correct++;
    });
    expect(correct / 150).toBeGreaterThanOrEqual(0.95);

    // JSONL input (objects by column name, in another order, plus the label) from stdin, JSONL out.
    const lines = table.x.arraySync().map((r, i) => JSON.stringify({
      label: labels[i], petal_width_cm: r[3], petal_length_cm: r[2], sepal_width_cm: r[1], sepal_length_cm: r[0],
    })).join('\n');
    const jl = cli(['predict', modelDir, '-', '--format', 'jsonl'], { input: lines + '\n' });
    expect(jl.stderr).toBe('');
    const recs = jl.stdout.trim().split('\n').map((l) => JSON.parse(l) as { class: number; probabilities: number[] });
    expect(recs).toHaveLength(150);
    recs.forEach((rec, i) => {
      expect(rec.class).toBe(out.rows[i]![0]);
      rec.probabilities.forEach((p, j) => expect(Math.abs(p - ref[i]![j]!)).toBeLessThanOrEqual(1e-5));
    });
  });

  it('predict reads a JSONL file of arrays and writes CSV on request', async () => {
    const rows = (await data.readCsv(IRIS, { label: 'label' })).x.arraySync().slice(0, 5);
    const f = path.join(dir, 'five.jsonl');
    fs.writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = cli(['predict', modelDir, f, '--format', 'csv']);
    expect(r.status).toBe(0);
    const out = parseCsvOut(r.stdout);
    expect(out.rows.map((x) => x[0])).toEqual([0, 0, 0, 0, 0]);
  });

  it('summary shows the layers and what the CLI saved; info names the engine', () => {
    const s = cli(['summary', modelDir]);
    expect(s.status).toBe(0);
    expect(s.stdout).toMatch(/Total params: 131/);
    expect(s.stdout).toMatch(/Task: classification/);
    expect(s.stdout).toMatch(/Classes \(3\): 0, 1, 2/);
    expect(s.stdout).toMatch(/Preprocessor: 4 input columns -> 4 model inputs \(4 number, 0 category, 0 boolean/);
    const i = cli(['info']);
    expect(i.status).toBe(0);
    expect(i.stdout).toMatch(new RegExp(`engine:\\s+${engine}`));
    expect(i.stdout).toMatch(/threads:\s+\d+/);
    expect(i.stdout).toContain(`node:     ${process.version}`);
    if (engine === 'native') expect(i.stdout).toMatch(/OpenBLAS: OpenBLAS/);
  });

  it('regression: a linear target is learned, predict writes one value per row named after the label', () => {
    // y = 2*x0 - x1 + 0.5 on a seeded grid.
    const f = path.join(dir, 'lin.csv');
    let s = 'x0,x1,target\n';
    for (let i = 0; i < 200; i++) { const a = (i % 20) / 10, b = Math.floor(i / 20) / 5; s += `${a},${b},${2 * a - b + 0.5}\n`; }
    fs.writeFileSync(f, s);
    const out = path.join(dir, 'lin-model');
    const t = cli(['train', f, '--label', 'target', '--hidden', 'none', '--epochs', '300', '--learning-rate', '0.05', '--out', out, '-q']);
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/regression model/);   // non-integer labels: regression guessed
    const p = cli(['predict', out, f]);
    const res = parseCsvOut(p.stdout);
    expect(res.header).toEqual(['target']);
    res.rows.forEach((r, i) => {
      const a = (i % 20) / 10, b = Math.floor(i / 20) / 5;
      expect(Math.abs(r[0]! - (2 * a - b + 0.5))).toBeLessThan(0.05);
    });
    const e = cli(['evaluate', out, f, '--label', 'target']);
    expect(e.stdout).toMatch(/^loss: [\d.e-]+ - mae: [\d.e-]+ \(200 rows/);
  });
});
