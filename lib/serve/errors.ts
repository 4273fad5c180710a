// What a request can fail with, as an HTTP status and the library's error code. Both protocols answer
// errors as {"error": message} (Open Inference Protocol v2 and TF Serving alike); "code" is added so a
// client can match on the library's stable code.
import { BlasnetError, type ErrorCode } from '../errors';

/** The library's codes, and two of the server's own: a missing or wrong token, and a fault of the server. */
export type ServeErrorCode = ErrorCode | 'ERR_UNAUTHORIZED' | 'ERR_INTERNAL';

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: ServeErrorCode, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  ERR_INVALID_ARG: 400,
  ERR_SHAPE_MISMATCH: 400,
  ERR_NON_FINITE: 400,
  ERR_FORMAT: 400,
  ERR_UNKNOWN_NAME: 400,
  ERR_UNSUPPORTED: 400,
  ERR_LIMIT: 413,
  ERR_TIMEOUT: 504,
  ERR_CANCELLED: 503,
  ERR_DISPOSED: 503,
  ERR_BUSY: 503,
};

/** Any thrown value as an HttpError: the library's errors by their code, anything else a 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof BlasnetError) return new HttpError(STATUS_OF[err.code] ?? 500, err.code, err.message);
  return new HttpError(500, 'ERR_INTERNAL', `Internal error: ${err instanceof Error ? err.message : String(err)}`);
}

export function notFound(message: string): HttpError {
  return new HttpError(404, 'ERR_UNKNOWN_NAME', message);
}

export function badRequest(code: ErrorCode, message: string): HttpError {
  return new HttpError(400, code, message);
}
