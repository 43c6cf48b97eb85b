import type { AppRecord, ControlCommand, DeployJob, DeploymentRecord, InstanceRecord, NewLogLine } from '@draas/queue-contracts';
import type { AgentSnapshot, WaitingPlacement } from './state.js';

// Every change the scheduler's decisions make (docs/ARCHITECTURE.md, The scheduler's core): they
// read the ClusterState, decide, and submit here. Three kinds: reserve (an agent's resources),
// record (deployment and instance records, their log and events), enqueue (work for agents and for
// the scheduler itself). store/redis-cluster.ts does it in Redis and BullMQ; memory.ts in maps.

/** A compare-and-set update's outcome: the record as stored, and whether this call changed it. */
export interface Updated<T> {
  record: T;
  changed: boolean;
}

/** `mutate` returns the new record, or null to leave it as it is; it may run again on a conflict. */
export type Mutation<T> = (current: T) => T | null;

export interface Planner {
  // ---- reserve ----
  /** Reserves room on the agent for an instance; false when it no longer fits (someone placed first). */
  reserve(agent: AgentSnapshot, ref: string, memoryBytes: number, milliCpus: number): Promise<boolean>;
  /** Records what an instance that really runs on the agent holds, whether or not it fits. */
  claim(agentId: string, ref: string, memoryBytes: number, milliCpus: number): Promise<void>;
  /** Gives back what an instance held; a second release does nothing (false). */
  release(agentId: string, ref: string): Promise<boolean>;

  // ---- record ----
  /** Creates the instance record when missing; false when it exists. */
  createInstance(record: InstanceRecord): Promise<boolean>;
  /** Null when the instance does not exist. `known`: the record as just read, tried first. */
  updateInstance(deploymentId: string, index: number, mutate: Mutation<InstanceRecord>, known?: InstanceRecord): Promise<Updated<InstanceRecord> | null>;
  /** Throws NotFound when the deployment does not exist. */
  updateDeployment(id: string, mutate: Mutation<DeploymentRecord>): Promise<Updated<DeploymentRecord>>;
  /** Lines for the deployment's log. */
  log(deploymentId: string, lines: readonly NewLogLine[]): Promise<void>;
  /** Tells live views (and the timeline) the deployment's status, with each changed instance. */
  publish(record: DeploymentRecord, instances?: readonly InstanceRecord[]): Promise<void>;
  /** False when an app of that name exists. */
  createApp(record: AppRecord): Promise<boolean>;
  /** Null when the app does not exist (any more). */
  updateApp(name: string, mutate: Mutation<AppRecord>): Promise<Updated<AppRecord> | null>;
  /** Frees the name. */
  deleteApp(name: string): Promise<void>;
  /** Tells live views that the app changed. */
  publishApp(name: string): Promise<void>;

  // ---- enqueue ----
  /** Deploy jobs for agents; adding one that exists (same id) does nothing. */
  enqueueDeploys(jobs: readonly DeployJob[]): Promise<void>;
  /** Asks for placement of these deployments now. */
  requestPlacement(deploymentIds: readonly string[]): Promise<void>;
  /** Asks for placement of one deployment at a later moment (cluster clock). */
  requestPlacementAt(deploymentId: string, at: number): Promise<void>;
  /** The request was served: removed, unless asked again since it was read (then false). */
  settlePlacement(request: WaitingPlacement): Promise<boolean>;
  /** Whether the deployment waits for capacity (the pending retry asks again for it). */
  markPending(deploymentId: string, pending: boolean): Promise<void>;
  /** Removes the deployment's build job if no worker took it yet; false when one has (or none exists). */
  withdrawBuild(deploymentId: string): Promise<boolean>;
  /** Removes a deploy job its agent has not taken yet; false when it has (or it is gone). */
  withdrawDeploy(job: Pick<DeployJob, 'agentId' | 'deploymentId' | 'index' | 'attempt'>): Promise<boolean>;
  /** Removes up to `limit` of the jobs waiting in an agent's queue and returns those that parse. Empty when none wait. */
  takeBackDeploys(agentId: string, limit: number): Promise<{ removed: number; jobs: DeployJob[] }>;
  /** A prompt to an agent (stop an instance now). Lost when the agent is away: its reconcile covers that. */
  control(agentId: string, command: ControlCommand): Promise<void>;
  /** Work on one agent that only one scheduler does at a time: a release function, or null when another holds it. */
  lockAgent(agentId: string): Promise<(() => Promise<void>) | null>;
  /** The app's rollout pass runs in one scheduler at a time: a release function, or null when another holds it. */
  lockApp(name: string): Promise<(() => Promise<void>) | null>;
}
