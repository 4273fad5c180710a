// Golden models made by real @tensorflow/tfjs (test/fixtures/tfjs/make-fixtures.js, committed with its
// output): each loads with loadLayersModel and predicts what tfjs predicted; the trained ones keep their
// training config and optimizer state, so one more step gives what tfjs's next step gave.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLayersModel } from '../../lib/model/saving';
import { RUN_ENGINE } from '../helpers/engines';

const FIXTURES = path.resolve(__dirname, '../fixtures/tfjs');
const TOLERANCE = 1e-5;

interface Values { shape: number[]; data: number[] }
interface Expected {
  tfjsVersion: string;
  input: Values;
  output: Values;
  train?: { x: Values; y: Values; lossBeforeStep: number; steps: number };
  outputAfterStep?: Values;
}

const names = fs.readdirSync(FIXTURES).filter((f) => fs.existsSync(path.join(FIXTURES, f, 'model.json'))).sort();
const maxDiffs: Record<string, number> = {};

function expected(name: string): Expected {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'expected.json'), 'utf8')) as Expected;
}

/** N-D rows as the flat rows blasnet takes (row-major, as tfjs's Flatten reads them). */
function rows(v: Values): number[][] {
  const width = v.shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: v.shape[0]! }, (_, i) => v.data.slice(i * width, (i + 1) * width));
}

function expectCloseTo(actual: ArrayLike<number>, want: Values, what: string): number {
  expect(actual.length, `${what}: value count`).toBe(want.data.length);
  let max = 0;
  for (let i = 0; i < want.data.length; i++) max = Math.max(max, Math.abs(actual[i]! - want.data[i]!));
  expect(max, `${what}: max |blasnet - tfjs|`).toBeLessThanOrEqual(TOLERANCE);
  return max;
}

describe(`models saved by real tfjs (${RUN_ENGINE} engine)`, () => {
  it('finds the committed fixtures: a dense stack per activation, a flatten, normalization, trained models', () => {
    expect(names).toEqual(expect.arrayContaining([
      'dense-relu', 'dense-gelu', 'dense-hardSigmoid', 'flatten-2x3x2', 'normalization', 'trained-adam', 'trained-sgd', 'trained-rmsprop',
    ]));
    expect(names.filter((n) => n.startsWith('dense-')).length).toBe(13);
  });

  for (const name of names) {
    it(`${name} predicts what tfjs predicted`, async () => {
      const e = expected(name);
      const model = await loadLayersModel(pathToFileURL(path.join(FIXTURES, name, 'model.json')).href);
      try {
        expect(model.outputShape).toEqual([null, e.output.shape[1]]);
        const out = model.predict(rows(e.input));
        expect(out.shape).toEqual(e.output.shape);
        maxDiffs[name] = expectCloseTo(out.dataSync(), e.output, `${name} predict`);
      } finally {
        model.dispose();
      }
    });
  }

  for (const name of names.filter((n) => n.startsWith('trained-'))) {
    it(`${name} resumes training as tfjs does: one more step on the same batch`, async () => {
      const e = expected(name);
      const model = await loadLayersModel(pathToFileURL(path.join(FIXTURES, name, 'model.json')).href);
      try {
        expect(model.isCompiled).toBe(true);
        expect(model.getOptimizerState()[0]).toBe(e.train!.steps);
        const loss = await model.trainOnBatch(rows(e.train!.x), rows(e.train!.y));
        expect(Math.abs((loss as number) - e.train!.lossBeforeStep)).toBeLessThanOrEqual(TOLERANCE);
        const after = model.predict(rows(e.input));
        maxDiffs[`${name} after a step`] = expectCloseTo(after.dataSync(), e.outputAfterStep!, `${name} after a step`);
      } finally {
        model.dispose();
      }
    });
  }

  afterAll(() => {
    const worst = Object.entries(maxDiffs).sort((a, b) => b[1] - a[1])[0];
    if (worst) console.log(`tfjs goldens (${RUN_ENGINE}): ${Object.keys(maxDiffs).length} compared, largest |diff| ${worst[1].toExponential(2)} (${worst[0]})`);
  });
});
