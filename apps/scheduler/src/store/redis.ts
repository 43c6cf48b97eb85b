import { reconnectDelay, sentinelOptions, watchConnection, type RedisTarget } from '@draas/queue-contracts/runtime';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { registerScripts, type ScriptedRedis } from './scripts.js';

export type { Redis, ScriptedRedis };

/**
 * Connections by use. BullMQ workers need `maxRetriesPerRequest: null` (they block and must survive
 * Redis restarts); request-serving commands should fail fast instead of hanging an HTTP answer.
 * Every connection comes with the scheduler's scripts registered (scripts.ts), whatever its use.
 */
export function createRedis(target: RedisTarget, use: 'commands' | 'bullmq' | 'subscriber', name: string, logger: Logger): ScriptedRedis {
  const options = {
    connectionName: `draas-scheduler-${name}`,
    maxRetriesPerRequest: use === 'commands' ? 3 : null,
    // Commands issued in the same tick go out as one pipeline: the many small reads and writes of a
    // placement or a burst of reports cost far fewer round trips.
    enableAutoPipelining: use === 'commands',
    enableReadyCheck: true,
    lazyConnect: false,
    retryStrategy: reconnectDelay,
  };
  const { sentinels } = target;
  const redis = sentinels ? new Redis({ ...sentinelOptions({ ...target, sentinels }), ...options }) : new Redis(target.url, options);
  watchConnection(redis, logger, target.url, name);
  return registerScripts(redis);
}

/** Closes a connection: politely when Redis answers, at once when it is away (stopping with Redis already gone). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await redis.quit();
}
