import type { InstanceRecord, RedisKeys } from '@draas/queue-contracts';
import type Docker from 'dockerode';
import type { SchedulerConfig } from './config.js';
import type { ImageTokens } from './images/image-tokens.js';
import type { Logger } from './logger.js';
import type { Queues } from './queues.js';
import type { AgentStore } from './store/agent-store.js';
import type { Clock } from './store/clock.js';
import type { DeploymentStore } from './store/deployment-store.js';
import type { EventPublisher } from './store/events.js';
import type { LogStore } from './store/log-store.js';
import type { PlacementRequests } from './store/placement-requests.js';
import type { ScriptedRedis } from './store/scripts.js';
import type { UploadStore } from './store/upload-store.js';

/** What the scheduler's parts share; built once in scheduler.ts and passed down. */
export interface SchedulerContext {
  config: SchedulerConfig;
  logger: Logger;
  keys: RedisKeys;
  clock: Clock;
  /** The commands connection, with the scheduler's scripts (store/scripts.ts). */
  redis: ScriptedRedis;
  docker: Docker;
  deployments: DeploymentStore;
  agents: AgentStore;
  logs: LogStore;
  /** The uploaded archives on disk. */
  uploads: UploadStore;
  events: EventPublisher;
  queues: Queues;
  /** What waits to be placed: every request for placement and the pending set go through it. */
  placements: PlacementRequests;
  refresher: Refresher;
  /** Signs the image download token each deploy job carries. */
  imageTokens: ImageTokens;
}

/**
 * Recomputes a deployment's status after its instances change; deployments/refresher.ts does it.
 * Declared here, not imported from there, because the deployments' code is built on this context.
 */
export interface Refresher {
  refresh(deploymentId: string, instances: readonly InstanceRecord[]): Promise<void>;
}
