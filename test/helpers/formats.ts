// Shared bits of the Keras / ONNX format tests: the committed fixtures (test/fixtures/formats, made by
// make_fixtures.py there), the interop models in ../shared (skipped with a reason when absent), and
// an element-wise comparison.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';

export const FIXTURES = path.resolve(__dirname, '../fixtures/formats');

export interface Expected { input: number[][]; output: number[][]; optimizer?: Record<string, unknown> }

export function expectedOutputs(): Record<string, Expected> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Expected>;
}

/** ../shared/interop-models/<name> from the repository root, the worktree layout, or /work/shared; null when absent. */
export function interopModel(name: string): string | null {
  for (const base of [path.resolve(__dirname, '../../../shared'), path.resolve(__dirname, '../../../../shared'), '/work/shared']) {
    const p = path.join(base, 'interop-models', name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worst)) { worst = d; at = i; }
  }
  expect(worst, `${what}: largest difference at index ${at} (${actual[at]} vs ${expected[at]})`).toBeLessThanOrEqual(tol);
}
