import type { InstanceRecord } from '@draas/queue-contracts';
import type { Logger } from '../logger.js';
import type { Planner } from './planner.js';
import type { ClusterState } from './state.js';

/**
 * What the scheduler's decisions (placement, status reports, reaping, cancel, restarts) are given
 * (docs/ARCHITECTURE.md, The scheduler's core): the state they read, the planner they submit to, and
 * nothing else. scheduler.ts builds it over Redis; the unit tests over memory.ts.
 */
export interface Scheduling {
  state: ClusterState;
  planner: Planner;
  /** The one writer of a deployment's status as its instances make it (deployments/status-follower.ts). */
  status: StatusFollower;
  /** Signs the image download token each deploy job carries. */
  tokens: { tokenFor(imageId: string): string };
  logger: Pick<Logger, 'warn' | 'info'>;
}

/** Brings a deployment's stored status in line with its instances after they changed. */
export interface StatusFollower {
  /** `changed`: the instances whose change prompts this (each is published with the new status). */
  follow(deploymentId: string, changed: readonly InstanceRecord[]): Promise<void>;
}
