import { Channels, ClusterEvent, type DeploymentRecord, type InstanceRecord, type RedisKeys } from '@draas/queue-contracts';
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';

/** Publishes deployment and agent changes for live views; a prompt only, the records are the truth. */
export class EventPublisher {
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
    private readonly clock: Clock,
  ) {
    this.channel = Channels(keys.prefix).events;
  }

  async deployment(record: DeploymentRecord, instance: InstanceRecord | null = null): Promise<void> {
    await this.publish({
      type: 'deployment',
      version: 1,
      deploymentId: record.id,
      status: record.status,
      instance: instance && { index: instance.index, attempt: instance.attempt, status: instance.status },
      at: this.clock.now(),
    });
  }

  async agent(agentId: string, state: 'online' | 'offline'): Promise<void> {
    await this.publish({ type: 'agent', version: 1, agentId, state, at: this.clock.now() });
  }

  private async publish(event: ClusterEvent): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(ClusterEvent.parse(event)));
  }
}
