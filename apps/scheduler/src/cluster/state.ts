import type { AppRecord, DeploymentRecord, InstanceRecord, InstanceStatus } from '@draas/queue-contracts';

// The cluster as the scheduler's decisions read it (docs/ARCHITECTURE.md, The scheduler's core):
// deployments, instances, agents and what waits to be placed. Read-only: every change goes through
// the Planner (planner.ts). store/redis-cluster.ts reads Redis; memory.ts is the in-memory cluster
// of the unit tests.

/** What placement reads of an agent (placement/place.ts). */
export interface AgentSnapshot {
  id: string;
  online: boolean;
  labels: Readonly<Record<string, string>>;
  capacity: { memoryBytes: number; milliCpus: number; maxInstances: number };
  /** What instances placed on the agent and not ended hold. */
  usage: { memoryBytes: number; milliCpus: number; instances: number };
  /**
   * Memory the host really has free (heartbeat): a host under memory pressure takes nothing more, even
   * when its declared capacity says otherwise. Not decremented per placement: containers rarely use
   * their whole limit, and the reservations already bound the total.
   */
  memoryAvailableBytes: number;
}

/** One waiting request for placement as read; `requestedAt` is the store's own text of its time, for settling it. */
export interface WaitingPlacement {
  deploymentId: string;
  requestedAt: string;
}

export interface ClusterState {
  /** Milliseconds on the cluster's clock (the one heartbeats are stamped with). */
  now(): number;
  deployment(id: string): Promise<DeploymentRecord | null>;
  /** The records of these ids that exist, in their order. */
  deployments(ids: readonly string[]): Promise<DeploymentRecord[]>;
  /** Instance records 0..replicas-1 that exist, by index. */
  instances(deploymentId: string, replicas: number): Promise<InstanceRecord[]>;
  instance(deploymentId: string, index: number): Promise<InstanceRecord | null>;
  /** Every instance's status, without reading the records. */
  instanceStatuses(deploymentId: string): Promise<InstanceStatus[]>;
  /**
   * Every agent as placement sees it. May be a moment old unless `fresh` (after a reservation
   * conflict): reservations are checked against the agent's real usage anyway.
   */
  agents(fresh?: boolean): Promise<AgentSnapshot[]>;
  /** Refs (`<deploymentId>/<index>`) of the instances holding resources on the agent. */
  allocations(agentId: string): Promise<string[]>;
  /** Up to `limit` requests for placement, the longest waiting first. */
  placementRequests(limit: number): Promise<WaitingPlacement[]>;
  /** Deployments with instances that no agent could take yet. */
  pendingIds(): Promise<string[]>;
  app(name: string): Promise<AppRecord | null>;
  /** Every app's name, oldest first. */
  appNames(): Promise<string[]>;
}
