import type { RedisKeys } from '@draas/queue-contracts';
import type Docker from 'dockerode';
import type { Scheduling } from './cluster/scheduling.js';
import type { SchedulerConfig } from './config.js';
import type { ImageTokens } from './images/image-tokens.js';
import type { Logger } from './logger.js';
import type { Queues } from './queues.js';
import type { AgentStore } from './store/agent-store.js';
import type { AppStore } from './store/app-store.js';
import type { BuiltImages } from './store/built-images.js';
import type { Clock } from './store/clock.js';
import type { DeploymentStore } from './store/deployment-store.js';
import type { EventPublisher } from './store/events.js';
import type { LogStore } from './store/log-store.js';
import type { UploadStore } from './store/upload-store.js';

/**
 * What the scheduler's parts share; built once in scheduler.ts and passed down. The decisions that
 * change the cluster (placement, status reports, reaping, cancel, restarts) get `scheduling` only;
 * the stores are for the HTTP answers, the build worker and the watchers.
 */
export interface SchedulerContext {
  config: SchedulerConfig;
  logger: Logger;
  keys: RedisKeys;
  clock: Clock;
  docker: Docker;
  deployments: DeploymentStore;
  agents: AgentStore;
  logs: LogStore;
  apps: AppStore;
  /** The uploaded archives on disk. */
  uploads: UploadStore;
  builtImages: BuiltImages;
  events: EventPublisher;
  queues: Queues;
  scheduling: Scheduling;
  /** Signs the image download token each deploy job carries. */
  imageTokens: ImageTokens;
  /** Throws when Redis does not answer (the health probe). */
  ping(): Promise<void>;
}
