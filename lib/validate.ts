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

/** An integer from min to max (max at most 2^53 - 1: the default). */
export function intInRange(value: unknown, argument: string, min: number, max = Number.MAX_SAFE_INTEGER, code?: ErrorCode): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw expected(integerWhat(value, rangeWhat(min, max)), argument, value, code);
  }
  return value;
}

function rangeWhat(min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
}

// Flags and settings arrive as text. Number() reads far more than a user means: '' and ' ' as 0, ' 12',
// '1e3', '0x10', '0b11', 'Infinity', and '9007199254740993' rounded to another integer; so the text is
// matched first, and only plain decimal is read.
const INTEGER_TEXT = /^-?\d{1,16}$/;
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MAX_NUMBER_TEXT = 64;

/** An integer from min to max written in decimal digits (a flag's value: '--epochs 12'). */
export function intFromText(text: unknown, argument: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof text === 'string' && INTEGER_TEXT.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw expected(`${rangeWhat(min, max)} in decimal digits${Number.isInteger(n) && !Number.isSafeInteger(n) ? ` (${SAFE})` : ''}`, argument, text);
  }
  return n === 0 ? 0 : n;
}

/** A finite decimal number for which `ok` holds ('0.001', '1e-3'; not '0x10', ' 1', 'Infinity'). */
export function numberFromText(text: unknown, argument: string, what = 'a decimal number', ok: (v: number) => boolean = () => true): number {
  const n = typeof text === 'string' && text.length <= MAX_NUMBER_TEXT && DECIMAL_TEXT.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || !ok(n)) throw expected(what, argument, text);
  return n === 0 ? 0 : n;
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
