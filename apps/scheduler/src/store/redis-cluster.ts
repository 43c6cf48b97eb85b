import {
  Channels,
  type AppRecord,
  type ControlCommand,
  type DeployJob,
  type DeploymentRecord,
  type InstanceRecord,
  type InstanceStatus,
  type NewLogLine,
  type RedisKeys,
} from '@draas/queue-contracts';
import type { Mutation, Planner, Updated } from '../cluster/planner.js';
import type { AgentSnapshot, ClusterState, WaitingPlacement } from '../cluster/state.js';
import type { Queues } from '../queues.js';
import type { AgentStore } from './agent-store.js';
import type { AppStore } from './app-store.js';
import type { Clock } from './clock.js';
import type { DeploymentStore } from './deployment-store.js';
import type { EventPublisher } from './events.js';
import { takeLock } from './locks.js';
import type { LogStore } from './log-store.js';
import type { PlacementRequests } from './placement-requests.js';
import type { ScriptedRedis } from './scripts.js';

// The cluster state and planner of the scheduler's decisions (cluster/), over Redis and BullMQ: each
// call goes to the store that owns its keys (docs/ARCHITECTURE.md, Redis keys), so this class only
// routes; the reap lock and the control prompts, which have no other owner, are here.

/** How long a lock on an agent's work lasts: another scheduler takes over after a crash half-way. */
const AGENT_LOCK_MS = 30_000;

export interface RedisClusterParts {
  redis: ScriptedRedis;
  keys: RedisKeys;
  clock: Clock;
  deployments: DeploymentStore;
  agents: AgentStore;
  logs: LogStore;
  events: EventPublisher;
  queues: Queues;
  placements: PlacementRequests;
  apps: AppStore;
}

export class RedisCluster implements ClusterState, Planner {
  private readonly channels;

  constructor(private readonly parts: RedisClusterParts) {
    this.channels = Channels(parts.keys.prefix);
  }

  // ---- ClusterState ----
  now(): number {
    return this.parts.clock.now();
  }
  deployment(id: string): Promise<DeploymentRecord | null> {
    return this.parts.deployments.get(id);
  }
  deployments(ids: readonly string[]): Promise<DeploymentRecord[]> {
    return this.parts.deployments.getMany(ids);
  }
  instances(deploymentId: string, replicas: number): Promise<InstanceRecord[]> {
    return this.parts.deployments.instances(deploymentId, replicas);
  }
  instance(deploymentId: string, index: number): Promise<InstanceRecord | null> {
    return this.parts.deployments.getInstance(deploymentId, index);
  }
  instanceStatuses(deploymentId: string): Promise<InstanceStatus[]> {
    return this.parts.deployments.instanceStatuses(deploymentId);
  }
  agents(fresh = false): Promise<AgentSnapshot[]> {
    return this.parts.agents.snapshots(fresh);
  }
  allocations(agentId: string): Promise<string[]> {
    return this.parts.agents.allocations(agentId);
  }
  placementRequests(limit: number): Promise<WaitingPlacement[]> {
    return this.parts.placements.oldest(limit);
  }
  pendingIds(): Promise<string[]> {
    return this.parts.placements.pendingIds();
  }
  app(name: string): Promise<AppRecord | null> {
    return this.parts.apps.get(name);
  }
  appNames(): Promise<string[]> {
    return this.parts.apps.names();
  }

  // ---- Planner: reserve ----
  reserve(agent: AgentSnapshot, ref: string, memoryBytes: number, milliCpus: number): Promise<boolean> {
    return this.parts.agents.reserve(agent, ref, memoryBytes, milliCpus);
  }
  claim(agentId: string, ref: string, memoryBytes: number, milliCpus: number): Promise<void> {
    return this.parts.agents.claim(agentId, ref, memoryBytes, milliCpus);
  }
  release(agentId: string, ref: string): Promise<boolean> {
    return this.parts.agents.release(agentId, ref);
  }

  // ---- Planner: record ----
  createInstance(record: InstanceRecord): Promise<boolean> {
    return this.parts.deployments.createInstance(record);
  }
  updateInstance(deploymentId: string, index: number, mutate: Mutation<InstanceRecord>, known?: InstanceRecord): Promise<Updated<InstanceRecord> | null> {
    return this.parts.deployments.updateInstance(deploymentId, index, mutate, known);
  }
  updateDeployment(id: string, mutate: Mutation<DeploymentRecord>): Promise<Updated<DeploymentRecord>> {
    return this.parts.deployments.update(id, mutate);
  }
  async log(deploymentId: string, lines: readonly NewLogLine[]): Promise<void> {
    await this.parts.logs.append(deploymentId, lines);
  }
  publish(record: DeploymentRecord, instances: readonly InstanceRecord[] = []): Promise<void> {
    return this.parts.events.deployment(record, instances);
  }
  createApp(record: AppRecord): Promise<boolean> {
    return this.parts.apps.create(record);
  }
  updateApp(name: string, mutate: Mutation<AppRecord>): Promise<Updated<AppRecord> | null> {
    return this.parts.apps.update(name, mutate);
  }
  deleteApp(name: string): Promise<void> {
    return this.parts.apps.delete(name);
  }
  publishApp(name: string): Promise<void> {
    return this.parts.apps.publish(name);
  }

  // ---- Planner: enqueue ----
  enqueueDeploys(jobs: readonly DeployJob[]): Promise<void> {
    return this.parts.queues.addDeploys(jobs);
  }
  requestPlacement(deploymentIds: readonly string[]): Promise<void> {
    return this.parts.placements.requestMany(deploymentIds);
  }
  requestPlacementAt(deploymentId: string, at: number): Promise<void> {
    return this.parts.placements.requestAt(deploymentId, at, this.now());
  }
  settlePlacement(request: WaitingPlacement): Promise<boolean> {
    return this.parts.placements.settle(request);
  }
  markPending(deploymentId: string, pending: boolean): Promise<void> {
    return this.parts.placements.markPending(deploymentId, pending);
  }
  withdrawBuild(deploymentId: string): Promise<boolean> {
    return this.parts.queues.withdrawBuild(deploymentId);
  }
  withdrawDeploy(job: Pick<DeployJob, 'agentId' | 'deploymentId' | 'index' | 'attempt'>): Promise<boolean> {
    return this.parts.queues.withdrawDeploy(job);
  }
  takeBackDeploys(agentId: string, limit: number): Promise<{ removed: number; jobs: DeployJob[] }> {
    return this.parts.queues.takeBackDeploys(agentId, limit);
  }
  async control(agentId: string, command: ControlCommand): Promise<void> {
    await this.parts.redis.publish(this.channels.control(agentId), JSON.stringify(command));
  }
  lockAgent(agentId: string): Promise<(() => Promise<void>) | null> {
    return takeLock(this.parts.redis, this.parts.keys.reapLock(agentId), AGENT_LOCK_MS);
  }
  lockApp(name: string): Promise<(() => Promise<void>) | null> {
    return this.parts.apps.lock(name);
  }
}
