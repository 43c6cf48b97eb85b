import { followInstances, type InstanceRecord } from '@draas/queue-contracts';
import type { Scheduling, StatusFollower } from '../cluster/scheduling.js';
import { KeyedCoalescer } from '../util/keyed-coalescer.js';

// The one writer of a deployment's status once it has instances (docs/ARCHITECTURE.md, Status):
// derived from the instances' statuses by `followInstances` of the contracts library, stored in the
// record, and read from there by every view. Every decision that changes instances asks it to follow.

/**
 * Coalesced: a thousand replicas reporting at once cost a couple of recomputations (each reads every
 * instance's status), not a thousand. Every changed instance is still published, as one event each.
 * A caller's promise settles once a recomputation that started after its call has finished.
 */
export class DeploymentStatusFollower implements StatusFollower {
  private readonly changed = new Map<string, InstanceRecord[]>();
  private readonly coalescer = new KeyedCoalescer();

  constructor(private readonly s: Pick<Scheduling, 'state' | 'planner'>) {}

  follow(deploymentId: string, instances: readonly InstanceRecord[]): Promise<void> {
    if (instances.length) this.changed.set(deploymentId, [...(this.changed.get(deploymentId) ?? []), ...instances]);
    return this.coalescer.run(deploymentId, async () => {
      const changed = this.changed.get(deploymentId) ?? [];
      this.changed.delete(deploymentId);
      await this.followNow(deploymentId, changed);
    });
  }

  /** Also clears a waiting-for-capacity note once every instance is placed. */
  private async followNow(id: string, changed: readonly InstanceRecord[]): Promise<void> {
    const { state, planner } = this.s;
    const [record, statuses] = await Promise.all([state.deployment(id), state.instanceStatuses(id)]);
    if (!record) return;
    const allPlaced = statuses.length === record.spec.replicas && !statuses.includes('pending');
    const result = await planner.updateDeployment(id, (current) => {
      const error = allPlaced && current.error?.startsWith('waiting for capacity') ? null : current.error;
      const status = followInstances(current.status, current.desired, statuses);
      if (current.status === status && current.error === error) return null;
      return { ...current, status, error, updatedAt: new Date(state.now()).toISOString() };
    });
    if (result.changed || changed.length) await planner.publish(result.record, changed);
  }
}
