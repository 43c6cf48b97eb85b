import type { Redis } from 'ioredis';
import type { Channels, RedisKeys } from '@draas/queue-contracts';
import type { Logger } from '../logger.js';
import type { Clock } from '../redis/redis-clock.js';
import { buildHeartbeat, type AgentIdentity } from './build-heartbeat.js';
import type { HostMetricsReader } from './host-metrics.js';

export interface HeartbeatDeps {
  redis: Redis;
  keys: RedisKeys;
  channels: ReturnType<typeof Channels>;
  clock: Clock;
  metrics: HostMetricsReader;
  identity: AgentIdentity;
  /** Running containers of this agent; may throw while Docker is away. */
  countRunning(): Promise<number>;
  log: Logger;
}

/**
 * Tells the scheduler every heartbeatMs that this agent is alive and what it has. A failed beat is
 * logged and the next tick tries again; a beat still in flight is never doubled up.
 */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private lastRunning = 0;
  private failing = false;
  private dockerDown = false;

  constructor(private readonly deps: HeartbeatDeps) {}

  get runningInstances(): number {
    return this.lastRunning;
  }

  /** Sends the first beat at once (placement sees the agent immediately), then keeps beating. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.deps.identity.heartbeatMs);
  }

  tick(): Promise<void> {
    this.inFlight ??= this.beat()
      .then(() => {
        if (this.failing) this.deps.log.info('heartbeats flowing again');
        this.failing = false;
      })
      .catch((err: unknown) => {
        // Once per outage at warn level; a heartbeat every 2 s would flood the log otherwise.
        if (!this.failing) this.deps.log.warn({ err: (err as Error).message }, 'heartbeat failed; retrying every tick');
        this.failing = true;
      })
      .finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async beat(): Promise<void> {
    const { redis, keys, channels, identity } = this.deps;
    const [metrics, running] = await Promise.all([this.deps.metrics.read(), this.countRunning()]);
    const heartbeat = buildHeartbeat(identity, metrics, running, this.deps.clock.now());
    const json = JSON.stringify(heartbeat);
    const results = await redis.multi().set(keys.agent(identity.agentId), json).sadd(keys.agents, identity.agentId).publish(channels.heartbeats, json).exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('heartbeat transaction was discarded');
  }

  /**
   * While Docker is briefly away (a daemon restart) the last count is sent: going silent would make
   * the scheduler declare the agent offline and replace containers that are most likely still running.
   */
  private async countRunning(): Promise<number> {
    try {
      this.lastRunning = await this.deps.countRunning();
      this.dockerDown = false;
    } catch (err) {
      if (!this.dockerDown) this.deps.log.warn({ err: (err as Error).message }, 'cannot count running containers; sending the last count');
      this.dockerDown = true;
    }
    return this.lastRunning;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.inFlight;
  }
}
