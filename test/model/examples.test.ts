// The files in examples/ run against the TypeScript sources (each exports run(library, options)).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { dataset } from '../helpers/datasets';
import { irisExample } from '../helpers/examples';

const IRIS = dataset('iris.csv') ?? path.resolve(__dirname, '../../../shared/data/iris.csv');

describe(`examples (${getEngine().name} engine)`, () => {
  it.skipIf(!fs.existsSync(IRIS))('examples/iris.js trains with early stopping and classifies the held-out rows', async () => {
    const { run } = await irisExample();
    const r = await run(await import('../../lib/index'), { file: IRIS, verbose: 0 });
    expect(r.history.epoch.length).toBeLessThan(200);   // early stopping ended it
    expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
  });
});
