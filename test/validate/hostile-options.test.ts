// Hostile numbers given to the numeric options of every entry point that takes them (serve, the job
// queue and worker, tune, loadModel, the table reader, the preprocessor, fitDataset, tf.data): each is a
// BlasnetError with a code and a message naming the option, refused before any work starts, so none of
// them can hang or grow a buffer without bound. Values an option accepts by its own contract (0 for a
// port, -1 for take, as in tfjs) are listed with it and checked to pass.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import { BlasnetError } from '../../lib/errors';
import { resolveJob, startWorker, trialParameters, waitForJob, type JobQueue } from '../../lib/jobs';

const HOSTILE: [string, unknown][] = [
  ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['1e+300', 1e300], ['9007199254740992', 2 ** 53],
  ['-1', -1], ['1.5', 1.5], ['0', 0], ['"12"', '12'], ['null', null], ['true', true],
];

interface Entry {
  where: string;
  option: string;
  run: (v: unknown) => unknown;
  /** Hostile values (as shown) this option takes by its contract. */
  accepts?: string[];
  /** What the message must contain when it is not the option's name (tfjs's own wording). */
  named?: string;
}

let dir: string;
let modelDir: string;
let csvFile: string;
const job = (fit: Record<string, unknown>) => ({ data: { source: 'train.csv', label: 'y' }, fit });

const rows = Array.from({ length: 8 }, (_, i) => [i / 8, (i % 3) / 3]);
const tiny = () => tf.data.array(rows);
function model(): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}
const zipped = () => tf.data.zip({ xs: tf.data.array(rows), ys: tf.data.array(rows.map((r) => [r[0]!])) }).batch(4);

const entries: Entry[] = [
  ...['port', 'maxBatchSize', 'maxQueueDelayMicros', 'maxQueueRows', 'maxRowsPerRequest', 'timeoutMs', 'pollIntervalMs', 'warmupRows',
    'shutdownTimeoutMs', 'bodyLimit', 'bodyBudget'].map((option): Entry => ({
    where: 'serve', option, run: (v) => tf.serve({ models: modelDir, [option]: v, log: false, handleSignals: false }),
    // A size may be text ("16M", "12"); some durations and counts may be 0.
    accepts: option.startsWith('body') ? ['"12"'] : ['port', 'maxQueueDelayMicros', 'pollIntervalMs', 'shutdownTimeoutMs'].includes(option) ? ['0'] : [],
  })),
  ...['concurrency', 'threads', 'lockDurationMs', 'stalledIntervalMs', 'maxStalledCount'].map((option): Entry => ({
    where: 'startWorker', option, run: (v) => startWorker({ redis: 'redis://127.0.0.1:1', [option]: v }),
  })),
  ...['epochs', 'batchSize', 'earlyStopping'].map((option): Entry => ({
    where: 'job.fit', option, run: (v) => resolveJob(job({ [option]: v }), { baseDir: dir }),
  })),
  { where: 'job', option: 'seed', run: (v) => resolveJob({ ...job({}), seed: v }, { baseDir: dir }), accepts: ['0'] },
  { where: 'job.model', option: 'hidden[0]', run: (v) => resolveJob({ ...job({}), model: { hidden: [v] } }, { baseDir: dir }) },
  { where: 'tune', option: 'trials', run: (v) => trialParameters({ grid: { units: [4, 8] }, trials: v as number }) },
  { where: 'tune', option: 'seed', run: (v) => trialParameters({ grid: { units: [4, 8] }, seed: v as number }), accepts: ['0'] },
  // The option is checked before the queue is touched, so no Redis is needed to see it refused.
  { where: 'waitForJob', option: 'timeoutMs', run: (v) => waitForJob(null as unknown as JobQueue, 'a-job', { timeoutMs: v as number }) },
  { where: 'loadModel', option: 'memoryLimit', run: (v) => tf.loadModel(modelDir, { memoryLimit: v as number }), accepts: ['"12"', 'null'] },
  { where: 'loadModel', option: 'timeoutMs', run: (v) => tf.loadModel(modelDir, { timeoutMs: v as number }) },
  ...['maxLineBytes', 'maxColumns', 'maxBytes', 'maxDistinct', 'memoryLimit'].map((option): Entry => ({
    where: 'data.readCsv', option, run: (v) => tf.data.readCsv(csvFile, { [option]: v }),
    // Byte sizes may be text ("512M", "12"); maxBytes may be lifted with Infinity (the memory limit still holds);
    // a null memory limit is the default one.
    accepts: [...(['maxBytes', 'memoryLimit'].includes(option) ? ['"12"'] : []), ...(option === 'maxBytes' ? ['Infinity'] : []),
      ...(option === 'memoryLimit' ? ['null'] : [])],
  })),
  { where: 'data.readCsvBatches', option: 'batchSize', run: async (v) => { for await (const t of tf.data.readCsvBatches(csvFile, { batchSize: v as number })) void t; } },
  ...['maxCategories', 'minFrequency'].map((option): Entry => ({
    where: 'data.preprocessor', option: `categorical.${option}`, run: (v) => tf.data.preprocessor({ categorical: { [option]: v } }),
  })),
  { where: 'data.preprocessor', option: 'columns["c"].maxCategories', run: (v) => tf.data.preprocessor({ columns: { c: { maxCategories: v as number } } }) },
  ...['epochs', 'batchesPerEpoch', 'initialEpoch', 'validationBatches', 'validationBatchSize'].map((option): Entry => ({
    where: 'fitDataset', option,
    run: (v) => model().fitDataset(zipped(), { epochs: 1, verbose: 0, validationData: zipped(), [option]: v }),
    // As in tfjs, null means the default for all but epochs.
    accepts: [...(option === 'epochs' ? [] : ['null']), ...(option === 'initialEpoch' ? ['0'] : [])],
  })),
  { where: 'tf.data', option: 'batch(batchSize)', run: (v) => tiny().batch(v as number) },
  { where: 'tf.data', option: 'shuffle(bufferSize)', run: (v) => tiny().shuffle(v as number, 1), named: 'shuffle(' },
  { where: 'tf.data', option: 'prefetch(bufferSize)', run: (v) => tiny().prefetch(v as number), named: 'prefetch(' },
  ...['take', 'skip', 'repeat'].map((op): Entry => ({
    where: 'tf.data', option: `${op}(count)`, run: (v) => (tiny() as unknown as Record<string, (n: unknown) => unknown>)[op]!(v),
    // tfjs: a negative count means all of them, and 0 none.
    accepts: ['-1', '0'],
  })),
];

async function outcome(run: () => unknown): Promise<{ error: unknown; value: unknown }> {
  try { return { error: null, value: await run() }; } catch (error) { return { error, value: undefined }; }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-hostile-options-'));
  csvFile = path.join(dir, 'train.csv');
  fs.writeFileSync(csvFile, 'a,b,y\n1,2,0\n3,4,1\n5,6,0\n');
  modelDir = path.join(dir, 'model');
  await model().save(modelDir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('hostile numbers for the numeric options of every entry point', () => {
  for (const e of entries) {
    it(`${e.where} ${e.option}`, { timeout: 20_000 }, async () => {
      for (const [shown, v] of HOSTILE) {
        const accepted = e.accepts?.includes(shown) ?? false;
        const { error, value } = await outcome(() => e.run(v));
        // Whatever was accepted is closed again (a server, a worker): it must not outlive the test.
        const closable = value as { close?: () => Promise<unknown> } | undefined;
        if (closable && typeof closable.close === 'function') await closable.close();
        if (accepted) {
          // Past the option check, a failure may only be a typed one (a 12-byte limit is ERR_LIMIT).
          if (error !== null) expect(error, `${shown}: ${String(error)}`).toBeInstanceOf(BlasnetError);
          continue;
        }
        expect(error, `${e.where} ${e.option} = ${shown} was accepted`).toBeInstanceOf(BlasnetError);
        const err = error as BlasnetError;
        expect(err.code, `${shown}: ${err.message}`).toBe('ERR_INVALID_ARG');
        expect(err.message, shown).toContain(e.named ?? e.option);
      }
    });
  }

  // The largest safe integer is an integer, but as a buffer or a batch of an endless dataset it would be
  // an allocation without bound: the memory limit refuses it at once, with the figure.
  it('tf.data buffers and batches of 2^53 - 1 elements are over the memory limit (ERR_LIMIT), at once', () => {
    const endless = tf.data.generator(function* () { for (;;) yield [1, 2]; });
    for (const [option, run] of [
      ['shuffle(bufferSize)', () => endless.shuffle(Number.MAX_SAFE_INTEGER, 1)],
      ['prefetch(bufferSize)', () => endless.prefetch(Number.MAX_SAFE_INTEGER)],
      ['batch(batchSize)', () => endless.batch(Number.MAX_SAFE_INTEGER)],
    ] as const) {
      let err: BlasnetError | null = null;
      try { run(); } catch (e) { err = e as BlasnetError; }
      expect(err, option).toBeInstanceOf(BlasnetError);
      expect(err!.code, option).toBe('ERR_LIMIT');
      expect(err!.message).toContain(`${option} = ${Number.MAX_SAFE_INTEGER}`);
      expect(err!.message).toMatch(/more than the memory limit/);
    }
  });

  it('a batch larger than a finite dataset is only what the dataset holds: one batch of all its rows', async () => {
    const batches = (await tiny().batch(Number.MAX_SAFE_INTEGER).toArray()) as tf.Tensor[];
    expect(batches.map((b) => b.shape)).toEqual([[8, 2]]);
  });
});
