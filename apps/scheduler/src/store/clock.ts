import type { Redis } from 'ioredis';

/** Time on Redis's clock: agents stamp heartbeats with it, so liveness does not depend on machines' clocks agreeing. */
export interface Clock {
  now(): number;
}

export async function redisClock(redis: Redis): Promise<Clock> {
  const before = Date.now();
  const [seconds, micros] = await redis.time();
  const after = Date.now();
  const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const offset = (before + after) / 2 - redisNow;
  return { now: () => Math.round(Date.now() - offset) };
}
