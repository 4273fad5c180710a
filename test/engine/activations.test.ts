// Pieces of the TS engine that the other checks see only indirectly: erf (JavaScript has none), the
// dropout hash against a BigInt transcription of SPEC.md, and the stable sigmoid at the extremes.
// The TypeScript engine's own functions: they run on the js run of the suite.
import { describe, expect, it } from 'vitest';
import { erf, sigmoid } from '../../lib/engine/js/activations';
import { dropoutHash } from '../../lib/engine/js/layers';
import { RUN_ENGINE, skippedOnThisRun } from '../helpers/engines';
import { refHash } from '../helpers/reference';
import { randomArray } from '../helpers/spec';

if (RUN_ENGINE !== 'js') describe('TypeScript engine functions', () => skippedOnThisRun('erf, the dropout hash and sigmoid of the TypeScript engine', 'js'));

describe.runIf(RUN_ENGINE === 'js')('TypeScript engine functions', () => {
describe('erf', () => {
  // reference values: Python's math.erf (libm, correct to about 1 ulp)
  const table: [number, number][] = [
    [0, 0.0], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [1.5, 0.9661051464753108],
    [2, 0.9953222650189527], [2.4999, 0.9995928300996666], [2.5, 0.999593047982555], [2.5001, 0.9995932657565293],
    [3, 0.9999779095030014], [3.7, 0.9999998328489421], [4, 0.9999999845827421], [5, 0.9999999999984626],
    [5.9, 0.9999999999999999], [6.5, 1.0], [30, 1.0],
  ];
  it('matches tabulated values to 1e-12 on both sides of the series / continued-fraction switch, odd symmetry', () => {
    let max = 0;
    for (const [x, want] of table) {
      max = Math.max(max, Math.abs(erf(x) - want), Math.abs(erf(-x) + want));
    }
    console.log(`[erf] max error vs table: ${max.toExponential(2)}`);
    expect(max).toBeLessThan(1e-12);
  });
  it('is monotonic and bounded across the whole range', () => {
    let prev = -1;
    for (let x = -8; x <= 8; x += 0.001) {
      const v = erf(x);
      expect(v).toBeGreaterThanOrEqual(prev);
      expect(Math.abs(v)).toBeLessThanOrEqual(1);
      prev = v;
    }
    expect(Number.isNaN(erf(NaN))).toBe(true);
  });
});

describe('dropout hash', () => {
  it('equals the BigInt transcription of SPEC.md for random and extreme arguments', () => {
    const r = randomArray(3000, 42);
    const args: [number, number, number][] = [[0, 0, 0], [0xffffffff, 0xffffffff, 0xffffffff], [1, 2, 3], [2 ** 31, 7, 2 ** 31 - 1]];
    for (let i = 0; i < 1000; i++) {
      args.push([Math.floor((r[i]! + 1) * 2 ** 31) >>> 0, Math.floor((r[i + 1000]! + 1) * 1e6), Math.floor((r[i + 2000]! + 1) * 1e7)]);
    }
    for (const [seed, step, k] of args) expect(dropoutHash(seed, step, k)).toBe(refHash(seed, step, k));
  });
  it('keeps about 1 - rate of the elements', () => {
    let kept = 0;
    for (let k = 0; k < 100000; k++) if (dropoutHash(7, 3, k) / 2 ** 24 >= 0.3) kept++;
    expect(kept / 100000).toBeGreaterThan(0.69);
    expect(kept / 100000).toBeLessThan(0.71);
  });
});

describe('sigmoid', () => {
  it('is stable at the extremes', () => {
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-30)).toBeCloseTo(Math.exp(-30), 25);
  });
});
});
