// Job descriptions: validation errors that name the field, defaults, paths; tune's parameters and draws.
// No Redis here: what runs on a queue is in queue.test.ts, kill.test.ts and tune.test.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobs, BlasnetError } from '../../lib';
import { parseDistribution, parseList, trialTable } from '../../lib/cli/tune';
import { parseJobJson } from '../../lib/jobs/description';

const ok = { data: { source: 'data/iris.csv', label: 'label' } };

function fails(desc: unknown, code: string, message: RegExp): void {
  let err: unknown;
  try { jobs.resolveJob(desc, { baseDir: '/base' }); } catch (e) { err = e; }
  expect(err, `no error for ${JSON.stringify(desc)}`).toBeInstanceOf(BlasnetError);
  expect((err as BlasnetError).code).toBe(code);
  expect((err as BlasnetError).message).toMatch(message);
}

describe('job descriptions', () => {
  it('fills in the defaults of blasnet train and makes paths absolute against the base folder', () => {
    const j = jobs.resolveJob(ok, { baseDir: '/base/dir' });
    expect(j.data).toEqual({
      source: '/base/dir/data/iris.csv', label: 'label', format: null, delimiter: null, header: true, missing: null, decimal: '.',
      categorical: [], numeric: [], maxCategories: null, task: null,
    });
    expect(j.model).toEqual({ layers: null, hidden: [64, 32], activation: 'relu', from: null });
    expect(j.fit).toEqual({ epochs: 50, batchSize: 32, validationSplit: 0, earlyStopping: null, shuffle: true });
    expect(j.seed).toBe(42);
    expect(j.result).toEqual({ dir: null, return: true, includeOptimizer: false });
    // A URL stays a URL; file:// is a path; an absolute path is kept.
    expect(jobs.resolveJob({ data: { source: 'https://example.com/t.csv', label: 'y' } }).data.source).toBe('https://example.com/t.csv');
    expect(jobs.resolveJob({ data: { source: 'file:///d/t.csv', label: 'y' } }).data.source).toBe('/d/t.csv');
    // With a result folder the model is not returned unless asked.
    expect(jobs.resolveJob({ ...ok, result: { dir: 'out' } }, { baseDir: '/b' }).result).toEqual({ dir: '/b/out', return: false, includeOptimizer: false });
  });

  it('round-trips through toDescription (what a queue stores) to the same resolved job', () => {
    const full = {
      name: 'n', data: { source: '/d/x.jsonl', label: 'y', format: 'jsonl', delimiter: '\t', missing: ['-'], decimal: ',', categorical: ['a'], numeric: ['b'], maxCategories: 5, task: 'regression' },
      model: { layers: [{ type: 'dense', units: 8, activation: 'tanh' }, { type: 'dropout', rate: 0.1 }, { type: 'batchNormalization' }, { type: 'leakyReLU', alpha: 0.2 }] },
      compile: { optimizer: 'sgd', learningRate: 0.1, loss: 'mae', metrics: ['mse'] },
      fit: { epochs: 3, batchSize: 4, validationSplit: 0.25, earlyStopping: 2, shuffle: false }, seed: 9,
      result: { dir: '/r', return: true, includeOptimizer: true },
    };
    const once = jobs.resolveJob(full);
    expect(jobs.resolveJob(jobs.toDescription(once))).toEqual(once);
    expect(jobs.toDescription(once)).toEqual(full);
  });

  it('names the field, what it expected and what it received', () => {
    fails(null, 'ERR_INVALID_ARG', /Expected an object for job but received null/);
    fails({}, 'ERR_INVALID_ARG', /for job\.data but received undefined/);
    fails({ data: { label: 'y' } }, 'ERR_INVALID_ARG', /job\.data\.source/);
    fails({ ...ok, fit: { epochs: 0 } }, 'ERR_INVALID_ARG', /Expected an integer from 1 to 1000000 for job\.fit\.epochs but received 0/);
    fails({ ...ok, fit: { epoch: 3 } }, 'ERR_INVALID_ARG', /Unknown option job\.fit\.epoch; expected one of: epochs, batchSize/);
    fails({ ...ok, fit: { validationSplit: 1 } }, 'ERR_INVALID_ARG', /job\.fit\.validationSplit/);
    fails({ ...ok, model: { hidden: [16, -1] } }, 'ERR_INVALID_ARG', /job\.model\.hidden\[1\] but received -1/);
    fails({ ...ok, model: { activation: 'relux' } }, 'ERR_INVALID_ARG', /job\.model\.activation: Unknown activation "relux"/);
    fails({ ...ok, model: { layers: [{ type: 'dense', units: 4, activation: 'nope' }] } }, 'ERR_INVALID_ARG', /job\.model\.layers\[0\]\.activation/);
    fails({ ...ok, model: { layers: [{ type: 'conv2d' }] } }, 'ERR_INVALID_ARG', /job\.model\.layers\[0\]\.type/);
    fails({ ...ok, model: { layers: [{ type: 'dropout', rate: 2 }] } }, 'ERR_INVALID_ARG', /job\.model\.layers\[0\]\.rate/);
    fails({ ...ok, model: { layers: [{ type: 'dense', units: 4, rate: 0.1 }] } }, 'ERR_INVALID_ARG', /Unknown option job\.model\.layers\[0\]\.rate/);
    fails({ ...ok, model: { hidden: [4], layers: [] } }, 'ERR_INVALID_ARG', /either job\.model\.layers or job\.model\.hidden/);
    fails({ ...ok, model: { from: 'm', hidden: [4] } }, 'ERR_INVALID_ARG', /either job\.model\.from/);
    fails({ ...ok, compile: { optimizer: 'adamax' } }, 'ERR_INVALID_ARG', /job\.compile\.optimizer/);
    fails({ ...ok, compile: { learningRate: -1 } }, 'ERR_INVALID_ARG', /job\.compile\.learningRate/);
    fails({ ...ok, seed: 1.5 }, 'ERR_INVALID_ARG', /job\.seed/);
    fails({ ...ok, data: { ...ok.data, delimiter: ';;' } }, 'ERR_INVALID_ARG', /job\.data\.delimiter/);
    fails({ ...ok, data: { ...ok.data, header: false } }, 'ERR_INVALID_ARG', /0-based column index .* for job\.data\.label but received "label"/);
    fails({ ...ok, data: { ...ok.data, categorical: ['a'], numeric: ['a'] } }, 'ERR_INVALID_ARG', /column "a" in job\.data\.categorical or job\.data\.numeric but received it in both/);
    fails({ ...ok, data: { ...ok.data, missing: 'NA' } }, 'ERR_INVALID_ARG', /job\.data\.missing but received "NA"/);
    fails({ ...ok, data: { ...ok.data, maxCategories: 0 } }, 'ERR_INVALID_ARG', /job\.data\.maxCategories/);
    fails({ ...ok, data: { ...ok.data, source: 's3://bucket/x.csv' } }, 'ERR_INVALID_ARG', /job\.data\.source/);
    fails({ ...ok, result: { return: false } }, 'ERR_INVALID_ARG', /keeps its model nowhere/);
    fails({ ...ok, extra: 1 }, 'ERR_INVALID_ARG', /Unknown option job\.extra/);
    expect(() => parseJobJson('{"data": ', 'job.json')).toThrow(/^job\.json: not valid JSON/);
  });
});

describe('runJob (in this process)', () => {
  it('trains iris to a good score, keeps the model and its History in a folder, and is deterministic', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-runjob-'));
    try {
      const desc = {
        data: { source: path.resolve(__dirname, '../../data/iris.csv'), label: 'label' },
        model: { hidden: [16] }, compile: { learningRate: 0.01 }, fit: { epochs: 40, batchSize: 16, validationSplit: 0.2 }, seed: 3,
        result: { dir, return: true },
      };
      const seen: number[] = [];
      const a = await jobs.runJob(desc, { resultPath: path.join(dir, 'a'), onEpoch: (p) => { seen.push(p.epoch); } });
      expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(a.result.scores.validation!.accuracy).toBeGreaterThanOrEqual(0.9);
      expect(a.result.rows).toEqual({ train: 120, validation: 30, droppedForMissingLabel: 0 });
      expect(a.result.history.loss).toHaveLength(40);
      expect(a.result.model.dir).toBe(path.join(dir, 'a'));
      for (const f of ['model.json', 'history.json', 'result.json']) expect(fs.existsSync(path.join(dir, 'a', f)), f).toBe(true);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'a', 'model.json'), 'utf8')).weightsManifest as { paths: string[] }[];
      for (const f of manifest.flatMap((g) => g.paths)) expect(fs.existsSync(path.join(dir, 'a', f)), f).toBe(true);
      const hist = JSON.parse(fs.readFileSync(path.join(dir, 'a', 'history.json'), 'utf8'));
      expect(hist.history.val_accuracy).toEqual(a.result.history.val_accuracy);
      // The folder and the inline copy are the same model; a second run gives the same bits.
      const fromDir = await jobs.modelFromResult({ model: { dir: a.result.model.dir } });
      const inline = await jobs.modelFromResult({ model: { inline: a.result.model.inline } });
      const b = await jobs.runJob(desc, { resultPath: path.join(dir, 'b') });
      const bits = (m: { getWeights(): { dataSync(): Float32Array }[] }) => m.getWeights().map((w) => Buffer.from(w.dataSync().buffer).toString('hex'));
      expect(bits(fromDir)).toEqual(bits(a.model));
      expect(bits(inline)).toEqual(bits(a.model));
      expect(bits(b.model)).toEqual(bits(a.model));
      expect(fromDir.getPreprocessor()!.featureNames).toEqual(a.result.features);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with the field and the cause: a missing label column, a missing file, a bad loss, a model too large to return', async () => {
    const src = path.resolve(__dirname, '../../data/iris.csv');
    await expect(jobs.runJob({ data: { source: src, label: 'species' } })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/no label column named "species"; the columns are: sepal_length_cm/) });
    await expect(jobs.runJob({ data: { source: '/nonexistent/x.csv', label: 'y' } })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/job\.data\.source .*no such file/) });
    await expect(jobs.runJob({ data: { source: src, label: 'label' }, compile: { loss: 'nope' }, fit: { epochs: 1 } }))
      .rejects.toMatchObject({ code: 'ERR_UNKNOWN_NAME', message: expect.stringMatching(/^job\.compile: /) });
    await expect(jobs.runJob({ data: { source: src, label: 'label' }, model: { hidden: [2048, 2048] }, fit: { epochs: 1 } }))
      .rejects.toMatchObject({ code: 'ERR_LIMIT', message: expect.stringMatching(/set job\.result\.dir/) });
    const ac = new AbortController();
    ac.abort();
    await expect(jobs.runJob({ data: { source: src, label: 'label' } }, { signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
  });
});

describe('tune parameters', () => {
  const base = jobs.toDescription(jobs.resolveJob(ok, { baseDir: '/b' }));

  it('expands a grid in order, and random search draws distinct grid points or from distributions, seeded', () => {
    expect(jobs.trialParameters({ grid: { units: [16, 32], learningRate: [1e-3, 1e-2] } })).toEqual([
      { units: 16, learningRate: 1e-3 }, { units: 16, learningRate: 1e-2 }, { units: 32, learningRate: 1e-3 }, { units: 32, learningRate: 1e-2 },
    ]);
    const r = jobs.trialParameters({ grid: { units: [16, 32, 64] }, trials: 2, seed: 5 });
    expect(r).toHaveLength(2);
    expect(new Set(r.map((p) => p.units)).size).toBe(2);
    expect(jobs.trialParameters({ grid: { units: [16, 32, 64] }, trials: 10 })).toHaveLength(3);
    const draws = jobs.trialParameters({ random: { learningRate: { log: [1e-4, 1e-1] }, units: { int: [4, 8] } }, trials: 50, seed: 2 });
    expect(draws).toHaveLength(50);
    for (const d of draws) {
      expect(d.learningRate as number).toBeGreaterThanOrEqual(1e-4);
      expect(d.learningRate as number).toBeLessThanOrEqual(1e-1);
      expect([4, 5, 6, 7, 8]).toContain(d.units);
    }
    expect(jobs.trialParameters({ random: { learningRate: { log: [1e-4, 1e-1] } }, trials: 5, seed: 2 }))
      .toEqual(jobs.trialParameters({ random: { learningRate: { log: [1e-4, 1e-1] } }, trials: 5, seed: 2 }));
    expect(() => jobs.trialParameters({ random: { learningRate: { log: [0, 1] } }, trials: 2 })).toThrow(/parameter learningRate/);
    expect(() => jobs.trialParameters({ random: { units: [1, 2] } })).toThrow(/need a number of trials/);
    expect(() => jobs.trialParameters({})).toThrow(/at least one parameter/);
  });

  it('applies names and field paths to the description', () => {
    expect(jobs.applyParameter(base, 'units', 16).model).toEqual({ hidden: [16, 16], activation: 'relu' });
    expect(jobs.applyParameter(base, 'learningRate', 0.01).compile).toEqual({ learningRate: 0.01 });
    expect(jobs.applyParameter(base, 'batchSize', 8).fit!.batchSize).toBe(8);
    expect(jobs.applyParameter(base, 'fit.epochs', 7).fit!.epochs).toBe(7);
    const layered = { ...base, model: { layers: [{ type: 'dense' as const, units: 4 }, { type: 'dropout' as const, rate: 0.1 }] } };
    expect(jobs.applyParameter(jobs.applyParameter(layered, 'units', 9), 'dropout', 0.3).model!.layers)
      .toEqual([{ type: 'dense', units: 9 }, { type: 'dropout', rate: 0.3 }]);
    expect(() => jobs.applyParameter(base, 'dropout', 0.3)).toThrow(/no dropout layer/);
    expect(() => jobs.applyParameter(base, 'colour', 1)).toThrow(/Unknown parameter "colour"/);
    expect(() => jobs.applyParameter(base, 'fit.__proto__.x', 1)).toThrow(/Unknown parameter/);
  });

  it("parses the CLI's --grid and --random values", () => {
    expect(parseList('[16,32,64]', 'units')).toEqual([16, 32, 64]);
    expect(parseList('relu,tanh', 'activation')).toEqual(['relu', 'tanh']);
    expect(parseList('["relu","tanh"]', 'activation')).toEqual(['relu', 'tanh']);
    expect(parseDistribution('log(1e-4,1e-1)', 'learningRate')).toEqual({ log: [1e-4, 1e-1] });
    expect(parseDistribution('int(16, 128)', 'units')).toEqual({ int: [16, 128] });
    expect(() => parseList('[16,', 'units')).toThrow(/not a JSON list/);
    expect(() => parseList('', 'units')).toThrow(/expected a list of values/);
    expect(() => parseDistribution('normal(0,1)', 'x')).toThrow(/expected log\(min,max\)/);
    const table = trialTable([{ index: 1, params: { units: 16 }, job: base, jobId: '7', state: 'waiting', progress: null, score: null, result: null, error: null }], null);
    expect(table[0]).toMatch(/^trial\s+job\s+units\s+state\s+epochs\s+score\s+time$/);
    expect(table[2]).toMatch(/^1\s+7\s+16\s+waiting\s+-\s+-\s+-$/);
  });
});
