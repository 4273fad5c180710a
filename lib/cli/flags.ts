// Numeric flags, read by lib/validate's text parsers so that every command refuses the same spellings
// ('12abc', ' 12', '1e3', '0x10', '1.5', '9007199254740993') with a message that names the flag.
import { Option } from 'commander';
import { BlasnetError } from '../index';
import { intFromText, numberFromText } from '../validate';
import { usageError } from './errors';

function longName(flags: string): string {
  const name = /--[a-z0-9-]+/.exec(flags)?.[0];
  if (name === undefined) throw new Error(`flags ${flags} have no long name`);
  return name;
}

function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw err instanceof BlasnetError ? usageError(err.message) : err;
  }
}

/** One integer of a flag's value, refused as a usage error. */
export function intFromFlag(text: string, flag: string, min: number, max?: number): number {
  return asUsage(() => intFromText(text, flag, min, max));
}

/** One decimal number of a flag's value, refused as a usage error. */
export function numberFromFlag(text: string, flag: string, what?: string, ok?: (v: number) => boolean): number {
  return asUsage(() => numberFromText(text, flag, what, ok));
}

/** An option whose value is an integer from min to max. */
export function intOption(flags: string, description: string, min: number, max?: number): Option {
  const flag = longName(flags);
  return new Option(flags, description).argParser((v: string) => intFromFlag(v, flag, min, max));
}

/** An option whose value is a decimal number for which `ok` holds (`what` says which: 'a number > 0'). */
export function numberOption(flags: string, description: string, what: string, ok: (v: number) => boolean): Option {
  const flag = longName(flags);
  return new Option(flags, description).argParser((v: string) => numberFromFlag(v, flag, what, ok));
}

/** An option whose value is a fraction in [0, 1) (held-out shares of the rows). */
export function fractionOption(flags: string, description: string): Option {
  return numberOption(flags, description, 'a number in [0, 1)', (v) => v >= 0 && v < 1);
}
