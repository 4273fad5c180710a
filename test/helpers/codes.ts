// One check of an error's code for the tests that call the engines below the public API.
import { expect } from 'vitest';

/** Expects fn to throw an Error whose code is `code`. */
export function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(Error);
  expect((caught as { code?: string }).code).toBe(code);
  if (message) expect((caught as Error).message).toMatch(message);
}
