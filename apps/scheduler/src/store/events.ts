import { Channels, ClusterEvent, DeploymentEvent, parseJsonWith, type DeploymentRecord, type InstanceRecord, type RedisKeys } from '@draas/queue-contracts';
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';

/** Status changes kept per deployment for its timeline. */
const TIMELINE_ENTRIES = 500;

/**
 * Publishes deployment and agent changes for live views (a prompt only: the records are the truth),
 * and keeps each deployment's changes as its timeline.
 */
export class EventPublisher {
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly clock: Clock,
  ) {
    this.channel = Channels(keys.prefix).events;
  }

  /** The deployment's status, or (when given) each changed instance with it, in one round trip. */
  async deployment(record: DeploymentRecord, instances: readonly InstanceRecord[] = []): Promise<void> {
    const at = this.clock.now();
    // Built from typed records, so it matches DeploymentEvent by construction (no parse on this hot path).
    const event = (instance: InstanceRecord | null): string => {
      const value: DeploymentEvent = {
        type: 'deployment',
        version: 1,
        deploymentId: record.id,
        status: record.status,
        instance: instance && { index: instance.index, attempt: instance.attempt, status: instance.status, health: instance.health },
        at,
      };
      return JSON.stringify(value);
    };
    const events = instances.length ? instances.map(event) : [event(null)];
    const key = this.keys.timeline(record.id);
    const multi = this.redis.multi().rpush(key, ...events).ltrim(key, -TIMELINE_ENTRIES, -1);
    for (const json of events) multi.publish(this.channel, json);
    const replies = await multi.exec();
    const failed = replies?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async timeline(deploymentId: string): Promise<DeploymentEvent[]> {
    const entries = await this.redis.lrange(this.keys.timeline(deploymentId), 0, -1);
    return entries.flatMap((text) => {
      const event = parseJsonWith(DeploymentEvent, text);
      return event ? [event] : [];
    });
  }

  async agent(agentId: string, state: 'online' | 'offline'): Promise<void> {
    await this.publish({ type: 'agent', version: 1, agentId, state, at: this.clock.now() });
  }

  private async publish(event: ClusterEvent): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(ClusterEvent.parse(event)));
  }
}
