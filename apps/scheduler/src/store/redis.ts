import { reconnectDelay, watchConnection } from '@draas/queue-contracts';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export type { Redis };

/**
 * Connections by use. BullMQ workers need `maxRetriesPerRequest: null` (they block and must survive
 * Redis restarts); request-serving commands should fail fast instead of hanging an HTTP answer.
 */
export function createRedis(url: string, use: 'commands' | 'bullmq' | 'subscriber', name: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: `draas-scheduler-${name}`,
    maxRetriesPerRequest: use === 'commands' ? 3 : null,
    // Commands issued in the same tick go out as one pipeline: the many small reads and writes of a
    // placement or a burst of reports cost far fewer round trips.
    enableAutoPipelining: use === 'commands',
    enableReadyCheck: true,
    lazyConnect: false,
    retryStrategy: reconnectDelay,
  });
  watchConnection(redis, logger, url, name);
  return redis;
}
