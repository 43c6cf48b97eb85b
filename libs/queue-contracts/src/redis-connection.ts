import { maskRedisUrl, type SentinelAddress } from './settings.js';

// How every DRaaS process treats a Redis connection that drops: it reconnects for as long as it
// takes, with a capped back-off (a Redis restart must not kill a scheduler or an agent), and says so
// in its log once per outage (ioredis repeats the error on every attempt), never on stderr unasked.

/** The longest wait between two attempts to reconnect: every process is back within this of Redis. */
export const RECONNECT_MAX_DELAY_MS = 2000;

/** ioredis's retryStrategy: 100 ms more per attempt, at most RECONNECT_MAX_DELAY_MS apart, never giving up. */
export const reconnectDelay = (attempt: number): number => Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS);

/** The part of an ioredis client this needs. */
export interface WatchedConnection {
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/** The part of a pino logger this needs. */
export interface ConnectionLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/** Logs a connection's outage once when it starts (password masked) and once when it ends. */
export function watchConnection(redis: WatchedConnection, log: ConnectionLog, url: string, role: string): void {
  let down = false;
  redis.on('error', (err) => {
    if (!down) log.warn({ role, err: err.message, redis: maskRedisUrl(url) }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ role }, 'redis connection back');
    down = false;
  });
}

/** Where Redis is: a URL, or Sentinels that name the primary (with the URL's credentials). */
export interface RedisTarget {
  url: string;
  sentinels: SentinelAddress[] | null;
  sentinelName: string;
}

/** The ioredis options that reach the primary through Sentinel (for `new Redis(options)`). */
export function sentinelOptions(target: RedisTarget & { sentinels: SentinelAddress[] }) {
  const url = new URL(target.url);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const db = Number(url.pathname.slice(1) || 0);
  return {
    sentinels: target.sentinels,
    name: target.sentinelName,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(password ? { password, sentinelPassword: password } : {}),
    db: Number.isInteger(db) ? db : 0,
    sentinelRetryStrategy: reconnectDelay,
  };
}

/** A target fit for a log line: the URL's password masked, and the Sentinels if any. */
export function describeRedisTarget(target: RedisTarget): string {
  const where = maskRedisUrl(target.url);
  return target.sentinels ? `${target.sentinelName} via sentinels ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')} (${where})` : where;
}
