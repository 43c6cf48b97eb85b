import { DEFAULT_HEALTH, newDeploymentRecord, type DeploymentRecord, type DeploymentSpec, type InstanceReport, type InstanceStatus } from '@draas/queue-contracts';
import { rolloutPass, type PassResult } from './apps/rollout.js';
import { addVersion } from './apps/versions.js';
import { MemoryCluster } from './cluster/memory.js';
import type { Scheduling } from './cluster/scheduling.js';
import { cancelDeployment } from './deployments/cancel.js';
import { DeploymentStatusFollower } from './deployments/status-follower.js';
import { PendingRetry } from './liveness/pending-retry.js';
import { reapAgentOnce } from './liveness/reaper.js';
import { placeDeployment, sweep } from './placement/placement-worker.js';
import { applyReports } from './status/status-worker.js';

// The scheduler's decisions over an in-memory cluster (docs/ARCHITECTURE.md, The scheduler's core),
// for unit tests of whole passes: the same functions the workers run, given a MemoryCluster as their
// state and planner. Learned from Nomad's scheduler Harness. Used by tests only.

const MiB = 1024 ** 2;

export class Harness {
  readonly cluster = new MemoryCluster();
  readonly s: Scheduling;
  /** What the decisions logged as warnings: message, then fields. */
  readonly warnings: string[] = [];
  private nextId = 0;

  constructor() {
    const base = { state: this.cluster, planner: this.cluster };
    const note = (fields: unknown, message?: string) => void this.warnings.push(`${message ?? ''} ${JSON.stringify(fields)}`);
    this.s = {
      ...base,
      status: new DeploymentStatusFollower(base),
      tokens: { tokenFor: (imageId) => `token-for-${imageId}` },
      logger: { warn: note, info: () => undefined } as unknown as Scheduling['logger'],
    };
  }

  /** A deployment whose image is ready (built, or named), as placement finds it; recorded and asked to be placed. */
  async deploy(spec: Partial<DeploymentSpec> = {}): Promise<DeploymentRecord> {
    const id = `dep${String(this.nextId++).padStart(9, '0')}`;
    const now = new Date(this.cluster.now()).toISOString();
    const defaults: DeploymentSpec = {
      name: 'web',
      env: {},
      ports: [],
      memoryBytes: 256 * MiB,
      milliCpus: 500,
      constraints: [],
      replicas: 1,
      restart: { policy: 'on-failure', maxRetries: null },
      strategy: 'spread',
      health: DEFAULT_HEALTH,
    };
    const record = newDeploymentRecord(id, { kind: 'image', image: 'draas/web:1' }, { ...defaults, ...spec }, `sha256:${'a'.repeat(64)}`, now);
    this.cluster.addDeployment(record);
    await this.s.planner.requestPlacement([id]);
    return record;
  }

  /**
   * A new version of an app (the app made when new), as `POST /api/deployments` with `app` records
   * it: no instance yet; its rollout adds them.
   */
  async deployApp(app: string, over: { replicas?: number; maxSurge?: number; maxUnavailable?: number; healthDeadlineMs?: number; rollbackOf?: number } = {}): Promise<DeploymentRecord> {
    const { replicas, rollbackOf, ...rollout } = over;
    const record = await this.deploy({ replicas: 0 });
    const version = await addVersion(this.s, { name: app, deploymentId: record.id, replicas, rollout, rollbackOf });
    const withApp = { ...record, app: { name: app, version } };
    this.cluster.addDeployment(withApp);
    return withApp;
  }

  /** One rollout pass over the app, as the app watcher runs it (drain time 1 s). */
  rollout(app: string): Promise<PassResult> {
    return rolloutPass(this.s, app, { drainMs: 1000, graceSeconds: 5 });
  }

  /** One placement pass over everything waiting, as the `place-sweep` job runs it. */
  sweep(): Promise<void> {
    return sweep(this.s);
  }

  /** A delayed placement coming due (a restart's back-off), as the `place` job runs it. */
  placeOne(deploymentId: string): Promise<void> {
    return placeDeployment(this.s, deploymentId);
  }

  /**
   * The instance's agent reports it in `status` (its current attempt, on the agent it is placed on,
   * unless `over` says otherwise), as a batch of the status queue does.
   */
  async report(deploymentId: string, index: number, status: InstanceStatus, over: Partial<InstanceReport> = {}): Promise<boolean> {
    const instance = await this.cluster.instance(deploymentId, index);
    if (!instance?.agentId && !over.agentId) throw new Error(`instance ${deploymentId}/${index} is on no agent`);
    return this.reportAll([
      {
        type: 'instance-status',
        version: 1,
        deploymentId,
        index,
        attempt: instance?.attempt ?? 1,
        agentId: instance?.agentId ?? '',
        status,
        containerId: status === 'pending' || status === 'scheduled' ? null : `c-${deploymentId}-${index}`,
        ports: [],
        urls: status === 'running' ? [`http://127.0.0.1:${30000 + index}`] : [],
        exitCode: status === 'exited' ? 0 : status === 'failed' ? 1 : null,
        error: null,
        at: this.cluster.now(),
        ...over,
      },
    ]);
  }

  /** Applies reports as one job; true when capacity was freed. */
  reportAll(reports: readonly InstanceReport[]): Promise<boolean> {
    return applyReports(this.s, reports);
  }

  reap(agentId: string): Promise<{ moved: number; lost: number } | null> {
    return reapAgentOnce(this.s, agentId);
  }

  cancel(deploymentId: string): Promise<DeploymentRecord> {
    return cancelDeployment(this.s, deploymentId, { graceSeconds: 5, abortBuild: () => undefined });
  }

  pendingRetry(): PendingRetry {
    return new PendingRetry(this.s);
  }

  /** What `draas ls` would show of a deployment: its status and error, and each instance's status and agent. */
  async view(deploymentId: string): Promise<{ status: string; error: string | null; instances: string[] }> {
    const record = await this.cluster.deployment(deploymentId);
    if (!record) throw new Error(`no deployment ${deploymentId}`);
    const instances = await this.cluster.instances(deploymentId, record.spec.replicas);
    return { status: record.status, error: record.error, instances: instances.map((i) => `${i.status}${i.agentId ? `@${i.agentId}` : ''}#${i.attempt}`) };
  }
}
