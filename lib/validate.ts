// The argument checks every public function uses, so that each bad value gets the same kind of message:
// "Expected <what> for <argument> but received <value>" (a BlasnetError, ERR_INVALID_ARG unless the
// caller is reading a file, where the fault is the file's: ERR_FORMAT).
import { BlasnetError, describe, type ErrorCode } from './errors';

/** The error a failed check throws. */
export function expected(what: string, argument: string, received: unknown, code: ErrorCode = 'ERR_INVALID_ARG'): BlasnetError {
  return new BlasnetError(code, `Expected ${what} for ${argument} but received ${describe(received)}`);
}

/** `value`, or `fallback` when it is undefined (and null too, with nullMeansDefault). */
export function orDefault<T>(value: unknown, fallback: T, check: (v: unknown) => T, nullMeansDefault = false): T {
  return value === undefined || (nullMeansDefault && value === null) ? fallback : check(value);
}

// Integers beyond 2^53 - 1 are refused: 1e300 is an integer to Number.isInteger, and as an epoch count or
// a size it is a hang or an allocation, never what the caller meant.
const SAFE = 'at most 2^53 - 1';

function integerWhat(value: unknown, what: string): string {
  return typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) ? `${what} (${SAFE})` : what;
}

/** An integer >= 1 (and <= max when given). */
export function positiveInt(value: unknown, argument: string, max?: number, code?: ErrorCode): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || (max !== undefined && value > max)) {
    throw expected(max === undefined ? integerWhat(value, 'a positive integer') : `a positive integer <= ${max}`, argument, value, code);
  }
  return value;
}

/** An integer >= 0. */
export function nonNegativeInt(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw expected(integerWhat(value, 'a non-negative integer'), argument, value);
  return value;
}

/** A finite number for which `ok` holds; `what` says what was expected ('a finite number > 0'). */
export function finiteNumber(value: unknown, argument: string, what = 'a finite number', ok: (v: number) => boolean = () => true): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) throw expected(what, argument, value);
  return value;
}

export function positiveNumber(value: unknown, argument: string): number {
  return finiteNumber(value, argument, 'a finite number > 0', (v) => v > 0);
}

export function nonNegativeNumber(value: unknown, argument: string): number {
  return finiteNumber(value, argument, 'a finite number >= 0', (v) => v >= 0);
}

/** A number in [0, 1) (dropout rates, momentum, validation fractions). */
export function unitFraction(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw expected('a number in [0, 1)', argument, value);
  return value;
}

export function bool(value: unknown, argument: string, code?: ErrorCode): boolean {
  if (typeof value !== 'boolean') throw expected('a boolean', argument, value, code);
  return value;
}

/** One of a fixed set of values; `what` defaults to the list ('0, 1 or 2'). */
export function oneOf<T>(value: unknown, argument: string, choices: readonly T[], what?: string): T {
  if (!choices.includes(value as T)) {
    const list = choices.map((c) => (typeof c === 'string' ? JSON.stringify(c) : String(c)));
    throw expected(what ?? `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`, argument, value);
  }
  return value as T;
}

/** An options object (undefined means {}); arrays and other values are refused. */
export function optionsObject(value: unknown, argument: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw expected('an object', argument, value);
  return value as Record<string, unknown>;
}

/**
 * Refuses keys outside `allowed`, naming them all. Keys whose value is undefined pass when
 * `undefinedPasses` (a layer config spread from defaults), as tfjs's layer constructors allow.
 */
export function rejectUnknownOptions(options: object, allowed: readonly string[], fn: string, undefinedPasses = false): void {
  for (const [k, v] of Object.entries(options)) {
    if (!allowed.includes(k) && !(undefinedPasses && v === undefined)) {
      throw new BlasnetError('ERR_INVALID_ARG', `Unknown option ${JSON.stringify(k)} for ${fn}; expected one of: ${allowed.join(', ')}`);
    }
  }
}
