import { instanceRef } from '@draas/queue-contracts';
import { exitOutcome, publishedPorts, readOwner, type ContainerOwner } from '../runtime/container-state.js';
import type { DesiredInstance } from '../state/desired-state.js';
import { LOG_CATCH_UP_MS, type InstanceTools } from '../instance-tools.js';
import { planReconcile, type ContainerFact, type ReconcileAction } from './reconcile-plan.js';

export interface ReconcilerDeps extends InstanceTools {
  agentId: string;
  advertiseIp: string;
  stopGraceSeconds: number;
  /** Ended containers are removed once their end is this old (AGENT_REMOVE_ENDED_AFTER_SECONDS). */
  removeEndedAfterMs: number;
  clock: { now(): number };
}

export type ReconcileSummary = Record<ReconcileAction['kind'], number>;

/**
 * Makes this agent's containers match the desired state in Redis: at start, every `intervalMs`,
 * after the Docker events stream reconnects, and on a `reconcile` prompt. One pass at a time;
 * prompts during a pass merge into one more pass after it.
 */
export class Reconciler {
  private current: Promise<ReconcileSummary> | null = null;
  private queued: Promise<ReconcileSummary> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ReconcilerDeps) {}

  request(): Promise<ReconcileSummary> {
    if (!this.current) {
      this.current = this.pass().finally(() => (this.current = null));
      return this.current;
    }
    this.queued ??= this.current
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.request();
      });
    return this.queued;
  }

  stopPeriodic(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  startPeriodic(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.request().catch((err: unknown) => this.deps.log.error({ err: (err as Error).message }, 'reconcile pass failed'));
    }, intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.stopPeriodic();
    await Promise.allSettled([this.current, this.queued]);
  }

  private async pass(): Promise<ReconcileSummary> {
    const listedAt = Date.now();
    const listed = await this.deps.runtime.listManaged(this.deps.agentId);
    // A probe whose container no longer runs (its die event was missed) ends here.
    this.deps.probes.retain(new Set(listed.filter((c) => c.State !== 'exited' && c.State !== 'dead').map((c) => c.Id)), listedAt);
    const facts: ContainerFact[] = listed.map((c) => ({ id: c.Id, state: c.State, owner: readOwner(c.Labels) }));
    const retention = { now: this.deps.clock.now(), removeEndedAfterMs: this.deps.removeEndedAfterMs };
    const records = await this.readRecords(facts);
    const actions = planReconcile(facts, records, this.deps.agentId, retention);
    const summary: ReconcileSummary = { remove: 0, 'report-running': 0, follow: 0, 'report-exit': 0, leave: 0 };
    await Promise.all(
      actions.map(async (action) => {
        summary[action.kind]++;
        const owner = action.container.owner;
        const key = owner ? instanceRef(owner.deploymentId, owner.index) : action.container.id;
        await this.deps.locks.run(key, () => this.apply(action, records.get(key))).catch((err: unknown) => {
          // One container's failure must not stop the others; the next pass tries again.
          this.deps.log.error({ err: (err as Error).message, action: action.kind, containerId: action.container.id.slice(0, 12) }, 'reconcile action failed');
        });
      }),
    );
    if (summary.remove + summary['report-running'] + summary['report-exit'] > 0) this.deps.log.info({ summary }, 'reconciled');
    return summary;
  }

  private async readRecords(facts: ContainerFact[]): Promise<Map<string, DesiredInstance>> {
    const records = new Map<string, DesiredInstance>();
    const owners = new Map(facts.flatMap((f) => (f.owner ? [[instanceRef(f.owner.deploymentId, f.owner.index), f.owner] as const] : [])));
    await Promise.all(
      [...owners].map(async ([ref, owner]) => {
        try {
          records.set(ref, await this.deps.desired.read(owner.deploymentId, owner.index));
        } catch (err) {
          this.deps.log.error({ err: (err as Error).message, instance: ref }, 'cannot read the records of an instance');
        }
      }),
    );
    return records;
  }

  private async apply(action: ReconcileAction, records: DesiredInstance | undefined): Promise<void> {
    const { container } = action;
    const log = this.deps.log.child({ containerId: container.id.slice(0, 12), ...container.owner });
    switch (action.kind) {
      case 'remove':
        log.info({ reason: action.reason }, 'removing a container that is not wanted');
        await this.deps.stopper.stopAndRemove(container.id, this.deps.stopGraceSeconds);
        if (action.reportCancelled && container.owner) {
          await this.deps.reporter.reportInstance(container.owner, { status: 'cancelled', containerId: container.id });
        }
        return;
      case 'follow':
        await this.follow(action.owner, container.id);
        // After an agent restart: probing resumes from the health the record holds.
        if (!this.deps.probes.has(container.id)) await this.reportAndProbe(action.owner, container.id, records, false);
        return;
      case 'report-running':
        await this.reportAndProbe(action.owner, container.id, records, true);
        return;
      case 'report-exit': {
        const info = await this.deps.runtime.inspectContainer(container.id);
        if (!info || info.State.Running) return;
        // What it printed while nobody followed goes into the history before its end is reported.
        await this.deps.followers
          .catchUp({ containerId: container.id, ...action.owner }, 'resume', LOG_CATCH_UP_MS)
          // The end matters more than its last lines: reported even when they cannot be read.
          .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'cannot ship the output of the ended container'));
        const outcome = exitOutcome(info.State, info.HostConfig?.Memory ?? null);
        await this.deps.reporter.reportInstance(action.owner, { ...outcome, containerId: container.id });
        return;
      }
      case 'leave':
        log.debug({ reason: action.reason }, 'container left as it is');
        return;
    }
  }

  /**
   * Reports a running container (`report`, or when its health is not what the record says) and
   * starts probing it, with the spec of its deployment record.
   */
  private async reportAndProbe(owner: ContainerOwner, containerId: string, records: DesiredInstance | undefined, report: boolean): Promise<void> {
    const info = await this.deps.runtime.inspectContainer(containerId);
    if (!info?.State.Running) return; // changed since the listing; the die event covers it
    const spec = records?.deployment?.spec.health;
    if (!spec) return; // not wanted: planReconcile never gets here without the records
    const running = publishedPorts(info.NetworkSettings?.Ports, this.deps.advertiseIp);
    const known = records?.instance?.containerId === containerId ? (records.instance.health ?? null) : null;
    const probe = this.deps.probes.prepare(owner, spec, info, running, report ? null : known);
    if (report) await this.follow(owner, containerId);
    if (report || probe.health !== known) {
      await this.deps.reporter.reportInstance(owner, { status: 'running', containerId, ...running, health: probe.health, healthError: null });
    }
    probe.start();
  }

  private follow(owner: { deploymentId: string; index: number }, containerId: string): Promise<void> {
    return this.deps.followers.ensure({ containerId, deploymentId: owner.deploymentId, index: owner.index }, 'resume');
  }
}
