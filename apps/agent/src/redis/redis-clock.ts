import type { Redis } from 'ioredis';

/** Milliseconds since the epoch on Redis's clock, so that timestamps from all agents compare. */
export interface Clock {
  now(): number;
}

/**
 * Reads Redis TIME once and keeps the offset to the local clock. Half the round trip is added so the
 * error is at most half of it.
 */
export async function redisClock(redis: Redis): Promise<Clock & { offsetMs: number }> {
  const before = Date.now();
  const [seconds, micros] = await redis.time();
  const after = Date.now();
  const redisMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const offsetMs = redisMs - Math.round((before + after) / 2);
  return { offsetMs, now: () => Date.now() + offsetMs };
}
