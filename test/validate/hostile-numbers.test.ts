// Hostile numbers given to integer options: each is ERR_INVALID_ARG naming the option, what was expected and
// what came, before any work starts (an epoch count of 1e300 is an integer to Number.isInteger, and a hang).
import { describe, expect, it } from 'vitest';
import { callbacks, data, layers, sequential, tensor2d } from '../../lib';
import { nonNegativeInt, positiveInt } from '../../lib/validate';

function model() {
  const m = sequential();
  m.add(layers.dense({ units: 2, inputShape: [2] }));
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}
const x = () => tensor2d([[1, 2], [3, 4]]);

interface Option { where: string; argument: string; expected: string; run: (v: number) => unknown }
const POSITIVE = 'a positive integer', NON_NEGATIVE = 'a non-negative integer';
const options: Option[] = [
  { where: 'layers.dense', argument: 'units', expected: POSITIVE, run: (v) => layers.dense({ units: v }) },
  { where: 'layers.dense', argument: 'inputShape[0]', expected: POSITIVE, run: (v) => layers.dense({ units: 2, inputShape: [v] }) },
  { where: 'fit', argument: 'epochs', expected: NON_NEGATIVE, run: (v) => model().fit(x(), x(), { epochs: v, verbose: 0 }) },
  { where: 'fit', argument: 'initialEpoch', expected: NON_NEGATIVE, run: (v) => model().fit(x(), x(), { epochs: 1, initialEpoch: v, verbose: 0 }) },
  { where: 'fit', argument: 'batchSize', expected: POSITIVE, run: (v) => model().fit(x(), x(), { epochs: 1, batchSize: v, verbose: 0 }) },
  { where: 'predictAsync', argument: 'batchSize', expected: POSITIVE, run: (v) => model().predictAsync(x(), { batchSize: v }) },
  { where: 'evaluateAsync', argument: 'batchSize', expected: POSITIVE, run: (v) => model().evaluateAsync(x(), x(), { batchSize: v }) },
  { where: 'callbacks.earlyStopping', argument: 'patience', expected: NON_NEGATIVE, run: (v) => callbacks.earlyStopping({ patience: v }) },
  { where: 'data.parseCsv', argument: 'maxColumns', expected: POSITIVE, run: (v) => data.parseCsv('a,b\n1,2\n', { maxColumns: v }) },
];

const hostile: [string, number, boolean][] = [
  // [shown as, value, refused by a non-negative check too]
  ['NaN', NaN, true], ['Infinity', Infinity, true], ['-Infinity', -Infinity, true], ['1e+300', 1e300, true],
  ['9007199254740992', 2 ** 53, true], ['-1', -1, true], ['1.5', 1.5, true], ['0', 0, false],
];

async function failure(run: () => unknown): Promise<{ code?: string; message: string }> {
  try { await run(); } catch (e) { return e as { code?: string; message: string }; }
  throw new Error('accepted');
}

describe('hostile numbers for integer options', () => {
  for (const o of options) {
    for (const [shown, v, always] of hostile) {
      if (!always && o.expected === NON_NEGATIVE) continue;
      it(`${o.where} ${o.argument} = ${shown}`, async () => {
        const e = await failure(() => o.run(v));
        expect(e.code).toBe('ERR_INVALID_ARG');
        expect(e.message).toContain(o.argument);
        expect(e.message).toContain(o.expected);
        expect(e.message).toContain(`but received ${shown}`);
        if (v === 2 ** 53 || v === 1e300) expect(e.message).toContain('at most 2^53 - 1');
      });
    }
  }

  it('the largest safe integer passes the integer checks themselves', () => {
    expect(positiveInt(2 ** 53 - 1, 'n')).toBe(2 ** 53 - 1);
    expect(nonNegativeInt(2 ** 53 - 1, 'n')).toBe(2 ** 53 - 1);
  });
});
