// One error class for the whole library, with stable codes that tests and users can match on.
// Messages follow "Expected <what> for <argument> but received <value>" where an argument is at fault.

/** Every code the library raises, with what it means. The native engine's codes are checked against this list. */
export const ERROR_CODES = {
  ERR_INVALID_ARG: 'wrong type, range or shape of an argument',
  ERR_SHAPE_MISMATCH: 'shapes that do not fit together (x vs inputShape, x rows vs y rows, ...)',
  ERR_NON_FINITE: 'NaN or Infinity in data or weights',
  ERR_UNKNOWN_NAME: 'unknown activation, loss, optimizer, metric, initializer, layer class',
  ERR_NOT_COMPILED: 'fit / evaluate before compile',
  ERR_DISPOSED: 'use after dispose()',
  ERR_BUSY: 'a call that cannot run while the same model is fitting',
  ERR_NAN_LOSS: 'the training loss became NaN or infinite',
  ERR_ENGINE_UNAVAILABLE: 'the native engine was forced but cannot load',
  ERR_NATIVE: 'an error raised inside the native engine',
  ERR_OUT_OF_MEMORY: 'an allocation that cannot be satisfied',
  ERR_LIMIT: 'a size, count or memory limit that an input would exceed (the message gives the figure and the limit)',
  ERR_TIMEOUT: 'a deadline that passed (a download, a request, a job)',
  ERR_CANCELLED: 'work cancelled by its caller',
  ERR_UNSUPPORTED: 'a layer, op, option or file feature that blasnet does not implement',
  ERR_IO: 'reading or writing files or the network',
  ERR_FORMAT: 'a model or data file that is not valid',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class BlasnetError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlasnetError';
    this.code = code;
  }
}

/** A short, safe rendering of any received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'string': return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
    case 'number': return String(value);
    case 'bigint': return `${value}n (bigint)`;
    case 'symbol': return value.toString();
    case 'boolean': return String(value);
    case 'function': return 'a function';
    default:
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
      return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  }
}

export function invalidArg(argument: string, expected: string, received: unknown): BlasnetError {
  return new BlasnetError('ERR_INVALID_ARG', `Expected ${expected} for ${argument} but received ${describe(received)}`);
}
