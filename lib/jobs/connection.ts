// Redis connections for queues and workers, and the lazily loaded BullMQ: `import 'blasnet'` does not pay
// for loading BullMQ and ioredis (a few hundred ms) unless a queue is used.
import type * as BullMQ from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { BlasnetError, invalidArg } from '../errors';

export interface ConnectionOptions {
  /** redis://[user:password@]host:port[/db], rediss://... (TLS), or a unix socket (/path/redis.sock or unix:///path). Default: BLASNET_REDIS or redis://127.0.0.1:6379. */
  redis?: string;
  /** The queue's name; default: BLASNET_QUEUE or "blasnet". */
  queue?: string;
  /** BullMQ's key prefix; default "bull". */
  prefix?: string;
}

export interface ResolvedConnection { redis: string; queue: string; prefix: string }

export function bullmq(): typeof BullMQ {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('bullmq') as typeof BullMQ;
}

export function resolveConnection(o: ConnectionOptions = {}): ResolvedConnection {
  if (o === null || typeof o !== 'object') throw invalidArg('queue options', 'an object such as {redis, queue}', o);
  const redis = o.redis ?? process.env.BLASNET_REDIS ?? 'redis://127.0.0.1:6379';
  const queue = o.queue ?? process.env.BLASNET_QUEUE ?? 'blasnet';
  const prefix = o.prefix ?? 'bull';
  if (typeof redis !== 'string' || !/^(rediss?:\/\/|unix:\/\/\/|\/)/i.test(redis)) {
    throw invalidArg('redis', 'a Redis URL (redis://host:port, rediss://..., or a unix socket path)', redis);
  }
  // BullMQ keys are <prefix>:<queue>:...; a colon would make names ambiguous.
  if (typeof queue !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(queue)) {
    throw invalidArg('queue', 'a queue name of letters, digits, "_", "." and "-"', queue);
  }
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(prefix)) throw invalidArg('prefix', 'a key prefix of letters, digits, "_", "." and "-"', prefix);
  return { redis, queue, prefix };
}

/** A URL without its password, for messages. */
export function safeUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * A new ioredis connection. Workers and event readers pass { maxRetriesPerRequest: null } (BullMQ needs
 * their blocking commands to wait through reconnects); clients keep the default and fail instead.
 */
export function connect(url: string, extra: RedisOptions = {}): Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: IORedis } = require('ioredis') as typeof import('ioredis');
  const target = url.startsWith('unix://') ? url.slice('unix://'.length) : url;
  return new IORedis(target, { lazyConnect: true, ...extra });
}

/** Connects and checks that Redis answers, or fails at the first connection error (or after timeoutMs) with an error naming the address. */
export async function ready(conn: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onError: ((err: Error) => void) | undefined;
  try {
    await Promise.race([
      (async () => { if (conn.status === 'wait') await conn.connect(); await conn.ping(); })(),
      new Promise((_, reject) => {
        onError = reject;
        conn.on('error', onError);
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    conn.disconnect();
    throw new BlasnetError('ERR_IO', `Cannot reach Redis at ${safeUrl(url)}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
    if (onError) conn.off('error', onError);
  }
}

/** Where cancellation requests live: a set of job ids, and a channel that tells the workers at once. */
export function cancelKey(c: ResolvedConnection): string {
  return `${c.prefix}:${c.queue}:blasnet:cancel`;
}

/** The abort reason a worker gives a job it cancels on request. */
export const CANCEL_REASON = 'blasnet: cancelled on request';
