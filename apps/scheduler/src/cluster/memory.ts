import {
  instanceRef,
  type AppRecord,
  JobIds,
  type ControlCommand,
  type DeployJob,
  type DeploymentRecord,
  type InstanceRecord,
  type InstanceStatus,
  type NewLogLine,
} from '@draas/queue-contracts';
import { NotFound } from '../errors.js';
import type { Mutation, Planner, Updated } from './planner.js';
import type { AgentSnapshot, ClusterState, WaitingPlacement } from './state.js';

// The whole cluster in maps: the ClusterState and Planner of the unit tests, which run complete
// decision passes (a sweep, a burst of reports, a reap, a cancel) against it and look at what a user
// would see: records, reservations, log lines, queued jobs, prompts to agents. It keeps the rules the
// Redis implementation keeps (a reservation only if it fits, a release counted once, a request made
// again while it was served stays), and adds the hands a test needs: agents, time, an agent taking
// its jobs. Single-threaded, so no compare-and-set ever conflicts.

interface Agent {
  snapshot: Omit<AgentSnapshot, 'usage'>;
  /** ref → what the instance holds. */
  held: Map<string, { memoryBytes: number; milliCpus: number }>;
  /** job id → the job, and whether the agent took it already. */
  jobs: Map<string, { job: DeployJob; taken: boolean }>;
}

export class MemoryCluster implements ClusterState, Planner {
  time = Date.parse('2026-12-01T12:00:00Z');
  readonly records = new Map<string, DeploymentRecord>();
  private readonly instanceRecords = new Map<string, InstanceRecord>();
  private readonly agentsById = new Map<string, Agent>();
  /** Deployment id → the time its placement was last asked for. */
  readonly placementQueue = new Map<string, number>();
  readonly pending = new Set<string>();
  /** Placements asked for later (a restart's back-off). */
  readonly delayedPlacements: { deploymentId: string; at: number }[] = [];
  /** Deployment ids with a build job no worker has taken. */
  readonly waitingBuilds = new Set<string>();
  readonly logs = new Map<string, NewLogLine[]>();
  readonly events: { deploymentId: string; status: string; instances: { index: number; status: InstanceStatus }[] }[] = [];
  readonly controls: { agentId: string; command: ControlCommand }[] = [];
  readonly apps = new Map<string, AppRecord>();
  /** Names of apps whose change was published, in order. */
  readonly appEvents: string[] = [];
  private readonly locks = new Set<string>();
  private requestClock = 0;
  /** Runs before each reservation: a test stands for another scheduler placing first. */
  beforeReserve: ((agentId: string) => void) | null = null;

  // ---- a test's hands ----

  addAgent(id: string, over: Partial<Omit<AgentSnapshot, 'id' | 'usage'>> = {}): void {
    const snapshot = {
      id,
      online: true,
      labels: {},
      capacity: { memoryBytes: 4 * 1024 ** 3, milliCpus: 4000, maxInstances: 100 },
      memoryAvailableBytes: 4 * 1024 ** 3,
      ...over,
    };
    this.agentsById.set(id, { snapshot, held: new Map(), jobs: new Map() });
  }

  setOnline(id: string, online: boolean): void {
    this.agent(id).snapshot.online = online;
  }

  addDeployment(record: DeploymentRecord): void {
    this.records.set(record.id, structuredClone(record));
  }

  /** The agent takes every deploy job waiting for it (as its worker would); returns them. */
  take(agentId: string): DeployJob[] {
    const taken: DeployJob[] = [];
    for (const entry of this.agent(agentId).jobs.values()) {
      if (entry.taken) continue;
      entry.taken = true;
      taken.push(entry.job);
    }
    return taken;
  }

  /** Jobs in the agent's queue, taken or not. */
  queued(agentId: string): DeployJob[] {
    return [...this.agent(agentId).jobs.values()].map((e) => e.job);
  }

  usage(agentId: string): AgentSnapshot['usage'] {
    let memoryBytes = 0;
    let milliCpus = 0;
    const held = this.agent(agentId).held;
    for (const h of held.values()) {
      memoryBytes += h.memoryBytes;
      milliCpus += h.milliCpus;
    }
    return { memoryBytes, milliCpus, instances: held.size };
  }

  logLines(deploymentId: string): string[] {
    return (this.logs.get(deploymentId) ?? []).map((l) => l.line);
  }

  // ---- ClusterState ----

  now(): number {
    return this.time;
  }
  async deployment(id: string): Promise<DeploymentRecord | null> {
    return structuredClone(this.records.get(id) ?? null);
  }
  async deployments(ids: readonly string[]): Promise<DeploymentRecord[]> {
    return ids.flatMap((id) => (this.records.has(id) ? [structuredClone(this.records.get(id) as DeploymentRecord)] : []));
  }
  async instances(deploymentId: string, replicas: number): Promise<InstanceRecord[]> {
    return Array.from({ length: replicas }, (_, i) => this.instanceRecords.get(instanceRef(deploymentId, i)))
      .filter((i): i is InstanceRecord => i !== undefined)
      .map((i) => structuredClone(i));
  }
  async instance(deploymentId: string, index: number): Promise<InstanceRecord | null> {
    return structuredClone(this.instanceRecords.get(instanceRef(deploymentId, index)) ?? null);
  }
  async instanceStatuses(deploymentId: string): Promise<InstanceStatus[]> {
    return [...this.instanceRecords.values()].filter((i) => i.deploymentId === deploymentId).map((i) => i.status);
  }
  async agents(): Promise<AgentSnapshot[]> {
    return [...this.agentsById.values()].map((a) => ({ ...structuredClone(a.snapshot), usage: this.usage(a.snapshot.id) }));
  }
  async allocations(agentId: string): Promise<string[]> {
    return [...(this.agentsById.get(agentId)?.held.keys() ?? [])];
  }
  async placementRequests(limit: number): Promise<WaitingPlacement[]> {
    return [...this.placementQueue]
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([deploymentId, at]) => ({ deploymentId, requestedAt: String(at) }));
  }
  async pendingIds(): Promise<string[]> {
    return [...this.pending];
  }
  async app(name: string): Promise<AppRecord | null> {
    return structuredClone(this.apps.get(name) ?? null);
  }
  async appNames(): Promise<string[]> {
    return [...this.apps.keys()];
  }

  // ---- Planner: reserve ----

  async reserve(agent: AgentSnapshot, ref: string, memoryBytes: number, milliCpus: number): Promise<boolean> {
    this.beforeReserve?.(agent.id);
    const { held } = this.agent(agent.id);
    if (held.has(ref)) return true;
    const used = this.usage(agent.id);
    const cap = agent.capacity;
    if (used.memoryBytes + memoryBytes > cap.memoryBytes || used.milliCpus + milliCpus > cap.milliCpus || used.instances + 1 > cap.maxInstances) return false;
    held.set(ref, { memoryBytes, milliCpus });
    return true;
  }
  async claim(agentId: string, ref: string, memoryBytes: number, milliCpus: number): Promise<void> {
    this.agent(agentId).held.set(ref, { memoryBytes, milliCpus });
  }
  async release(agentId: string, ref: string): Promise<boolean> {
    return this.agentsById.get(agentId)?.held.delete(ref) ?? false;
  }

  // ---- Planner: record ----

  async createInstance(record: InstanceRecord): Promise<boolean> {
    const ref = instanceRef(record.deploymentId, record.index);
    if (this.instanceRecords.has(ref)) return false;
    this.instanceRecords.set(ref, structuredClone(record));
    return true;
  }
  async updateInstance(deploymentId: string, index: number, mutate: Mutation<InstanceRecord>): Promise<Updated<InstanceRecord> | null> {
    const ref = instanceRef(deploymentId, index);
    const current = this.instanceRecords.get(ref);
    return current ? this.apply(current, mutate, (next) => this.instanceRecords.set(ref, next)) : null;
  }
  async updateDeployment(id: string, mutate: Mutation<DeploymentRecord>): Promise<Updated<DeploymentRecord>> {
    const current = this.records.get(id);
    if (!current) throw new NotFound(`deployment ${id} does not exist`);
    return this.apply(current, mutate, (next) => this.records.set(id, next));
  }
  async log(deploymentId: string, lines: readonly NewLogLine[]): Promise<void> {
    this.logs.set(deploymentId, [...(this.logs.get(deploymentId) ?? []), ...lines]);
  }
  async publish(record: DeploymentRecord, instances: readonly InstanceRecord[] = []): Promise<void> {
    this.events.push({ deploymentId: record.id, status: record.status, instances: instances.map((i) => ({ index: i.index, status: i.status })) });
  }

  async createApp(record: AppRecord): Promise<boolean> {
    if (this.apps.has(record.name)) return false;
    this.apps.set(record.name, structuredClone(record));
    return true;
  }
  async updateApp(name: string, mutate: Mutation<AppRecord>): Promise<Updated<AppRecord> | null> {
    const current = this.apps.get(name);
    return current ? this.apply(current, mutate, (next) => this.apps.set(name, next)) : null;
  }
  async deleteApp(name: string): Promise<void> {
    this.apps.delete(name);
  }
  async publishApp(name: string): Promise<void> {
    this.appEvents.push(name);
  }

  // ---- Planner: enqueue ----

  async enqueueDeploys(jobs: readonly DeployJob[]): Promise<void> {
    for (const job of jobs) {
      const id = JobIds.deploy(job.deploymentId, job.index, job.attempt);
      const queue = this.agent(job.agentId).jobs;
      if (!queue.has(id)) queue.set(id, { job: structuredClone(job), taken: false });
    }
  }
  async requestPlacement(deploymentIds: readonly string[]): Promise<void> {
    const at = ++this.requestClock;
    for (const id of deploymentIds) this.placementQueue.set(id, at);
  }
  async requestPlacementAt(deploymentId: string, at: number): Promise<void> {
    if (!this.delayedPlacements.some((d) => d.deploymentId === deploymentId && d.at === at)) this.delayedPlacements.push({ deploymentId, at });
  }
  async settlePlacement(request: WaitingPlacement): Promise<boolean> {
    if (String(this.placementQueue.get(request.deploymentId)) !== request.requestedAt) return false;
    return this.placementQueue.delete(request.deploymentId);
  }
  async markPending(deploymentId: string, pending: boolean): Promise<void> {
    if (pending) this.pending.add(deploymentId);
    else this.pending.delete(deploymentId);
  }
  async withdrawBuild(deploymentId: string): Promise<boolean> {
    return this.waitingBuilds.delete(deploymentId);
  }
  async withdrawDeploy(job: Pick<DeployJob, 'agentId' | 'deploymentId' | 'index' | 'attempt'>): Promise<boolean> {
    const queue = this.agent(job.agentId).jobs;
    const id = JobIds.deploy(job.deploymentId, job.index, job.attempt);
    if (queue.get(id)?.taken !== false) return false;
    return queue.delete(id);
  }
  async takeBackDeploys(agentId: string, limit: number): Promise<{ removed: number; jobs: DeployJob[] }> {
    const queue = this.agent(agentId).jobs;
    const waiting = [...queue].filter(([, e]) => !e.taken).slice(0, limit);
    for (const [id] of waiting) queue.delete(id);
    return { removed: waiting.length, jobs: waiting.map(([, e]) => e.job) };
  }
  async control(agentId: string, command: ControlCommand): Promise<void> {
    this.controls.push({ agentId, command });
  }
  async lockAgent(agentId: string): Promise<(() => Promise<void>) | null> {
    if (this.locks.has(agentId)) return null;
    this.locks.add(agentId);
    return async () => {
      this.locks.delete(agentId);
    };
  }

  async lockApp(name: string): Promise<(() => Promise<void>) | null> {
    return this.lockAgent(`app:${name}`);
  }

  // ----

  private agent(id: string): Agent {
    const agent = this.agentsById.get(id);
    if (!agent) throw new Error(`no agent ${id} in this cluster`);
    return agent;
  }

  private apply<T extends { rev: number }>(current: T, mutate: Mutation<T>, store: (next: T) => void): Updated<T> {
    const next = mutate(structuredClone(current));
    if (next === null) return { record: structuredClone(current), changed: false };
    const stored = { ...next, rev: current.rev + 1 };
    store(structuredClone(stored));
    return { record: stored, changed: true };
  }
}
