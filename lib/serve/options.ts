// serve()'s options, their defaults and their checks.
import { BlasnetError, describe, invalidArg } from '../errors';
import { defaultMemoryLimit, parseByteSize } from '../limits';
import { intInRange, orDefault } from '../validate';
import type { LogLevel, LogSink } from './log';
import type { ModelsOption } from './repository';

export interface ServeOptions {
  /** A model folder, a versioned model folder, a repository folder, several of them, or names to folders or models. */
  models: ModelsOption;
  /** TCP port (default 8501, TF Serving's REST port; 0 picks a free one). */
  port?: number;
  /** Address to bind (default 127.0.0.1: only this machine; '0.0.0.0' for every interface). */
  host?: string;
  /** Most rows merged into one engine call (default 256). 1 turns batching off. */
  maxBatchSize?: number;
  /** How long an idle engine waits for more requests (µs, default 0: never; the queue fills while it is busy). */
  maxQueueDelayMicros?: number;
  /** Rows waiting per model before requests are refused with 503 (default 16 x maxBatchSize, at least maxRowsPerRequest). */
  maxQueueRows?: number;
  /** Rows one request may carry (default 4096; more is 413). */
  maxRowsPerRequest?: number;
  /** Largest request body: bytes or '16M' (default 16 MiB; more is 413). */
  bodyLimit?: number | string;
  /** Request bodies held at once over all connections: bytes or '256M' (default: a quarter of the memory limit, at least 4 x bodyLimit; past it 503). */
  bodyBudget?: number | string;
  /** Deadline of an inference request from its arrival, ms (default 30000; past it 504). */
  timeoutMs?: number;
  /** Bearer token the model endpoints require (default: BLASNET_SERVE_TOKEN if set, else none). */
  authToken?: string;
  /** How often version folders are checked for a new version, ms (default 2000; 0: only on reload()). */
  pollIntervalMs?: number;
  /** Rows of zeros a version predicts before it is swapped in (default min(maxBatchSize, 64)). */
  warmupRows?: number;
  /** Where JSON log lines go (default: stderr); false for none. */
  log?: LogSink | false;
  logLevel?: LogLevel;
  /** One log line per request (default false). */
  logRequests?: boolean;
  /** How long close() (and SIGTERM) waits for queued requests, ms (default 10000). */
  shutdownTimeoutMs?: number;
  /** SIGTERM / SIGINT shut down gracefully and exit; SIGHUP reloads (default false; the CLI sets it). */
  handleSignals?: boolean;
}

export interface ResolvedOptions {
  models: ModelsOption;
  port: number;
  host: string;
  maxBatchSize: number;
  maxQueueDelayMicros: number;
  maxQueueRows: number;
  maxRowsPerRequest: number;
  bodyLimit: number;
  bodyBudget: number;
  timeoutMs: number;
  authToken: string | null;
  pollIntervalMs: number;
  warmupRows: number;
  log: LogSink | false | undefined;
  logLevel: LogLevel;
  logRequests: boolean;
  shutdownTimeoutMs: number;
  handleSignals: boolean;
}

export const TOKEN_ENV = 'BLASNET_SERVE_TOKEN';

function int(v: unknown, name: string, min: number, dflt: number, max?: number): number {
  return orDefault(v, dflt, (x) => intInRange(x, `options.${name}`, min, max));
}

function bytes(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const b = typeof v === 'string' ? parseByteSize(v) : v;
  if (typeof b !== 'number' || !Number.isSafeInteger(b) || b < 1) throw invalidArg(`options.${name}`, 'a byte count or a size such as 16M', v);
  return b;
}

export function resolveOptions(o: ServeOptions): ResolvedOptions {
  if (o === null || typeof o !== 'object') throw invalidArg('serve options', 'an object with models', o);
  const known = new Set(['models', 'port', 'host', 'maxBatchSize', 'maxQueueDelayMicros', 'maxQueueRows', 'maxRowsPerRequest', 'bodyLimit', 'bodyBudget',
    'timeoutMs', 'authToken', 'pollIntervalMs', 'warmupRows', 'log', 'logLevel', 'logRequests', 'shutdownTimeoutMs', 'handleSignals']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new BlasnetError('ERR_INVALID_ARG', `Unknown serve option ${describe(k)}; expected one of: ${[...known].join(', ')}`);
  const maxBatchSize = int(o.maxBatchSize, 'maxBatchSize', 1, 256, 1 << 20);
  const maxRowsPerRequest = int(o.maxRowsPerRequest, 'maxRowsPerRequest', 1, 4096, 1 << 24);
  const bodyLimit = bytes(o.bodyLimit, 'bodyLimit', 16 * 2 ** 20);
  const bodyBudget = bytes(o.bodyBudget, 'bodyBudget', Math.max(4 * bodyLimit, Math.floor(defaultMemoryLimit() / 4)));
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw invalidArg('options.host', 'an address such as 127.0.0.1', host);
  const token = o.authToken ?? process.env[TOKEN_ENV] ?? null;
  if (token !== null && (typeof token !== 'string' || token.length === 0)) throw invalidArg('options.authToken', 'a non-empty string', token);
  if (o.log !== undefined && o.log !== false && typeof o.log !== 'function') throw invalidArg('options.log', 'a function or false', o.log);
  const level = o.logLevel ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw invalidArg('options.logLevel', '"debug", "info", "warn" or "error"', level);
  return {
    models: o.models,
    port: int(o.port, 'port', 0, 8501, 65535),
    host,
    maxBatchSize,
    maxQueueDelayMicros: int(o.maxQueueDelayMicros, 'maxQueueDelayMicros', 0, 0, 60_000_000),
    maxQueueRows: int(o.maxQueueRows, 'maxQueueRows', 1, Math.max(16 * maxBatchSize, maxRowsPerRequest)),
    maxRowsPerRequest,
    bodyLimit,
    bodyBudget,
    timeoutMs: int(o.timeoutMs, 'timeoutMs', 1, 30_000),
    authToken: token,
    pollIntervalMs: int(o.pollIntervalMs, 'pollIntervalMs', 0, 2000),
    warmupRows: int(o.warmupRows, 'warmupRows', 1, Math.min(maxBatchSize, 64), 1 << 16),
    log: o.log,
    logLevel: level,
    logRequests: o.logRequests === true,
    shutdownTimeoutMs: int(o.shutdownTimeoutMs, 'shutdownTimeoutMs', 0, 10_000),
    handleSignals: o.handleSignals === true,
  };
}

