import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { agentConnectionName } from '@draas/queue-contracts';
import { reconnectDelay, sentinelOptions, watchConnection, type RedisTarget } from '@draas/queue-contracts/runtime';
import { registerScripts, type AgentRedis } from './scripts.js';

export type RedisRole = 'commands' | 'worker' | 'subscriber';

/**
 * One ioredis connection per role. The worker's must have `maxRetriesPerRequest: null` (BullMQ's
 * production guidance: blocking commands wait through reconnects instead of failing). The others
 * keep ioredis's bounded retries so that a heartbeat or report fails visibly while Redis is away.
 * Every connection comes with the agent's scripts registered (scripts.ts), whatever its role.
 */
export function createRedis(target: RedisTarget, role: RedisRole, agentId: string, log: Logger): AgentRedis {
  const options = {
    connectionName: agentConnectionName(agentId, role),
    maxRetriesPerRequest: role === 'commands' ? 3 : null,
    // Reconnect with a capped backoff for as long as it takes; Redis restarts must not kill the agent.
    retryStrategy: reconnectDelay,
  };
  const { sentinels } = target;
  const redis = sentinels ? new Redis({ ...sentinelOptions({ ...target, sentinels }), ...options }) : new Redis(target.url, options);
  watchConnection(redis, log, target.url, role);
  return registerScripts(redis);
}
