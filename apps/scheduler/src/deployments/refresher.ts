import type { InstanceRecord } from '@draas/queue-contracts';
import type { Refresher, SchedulerContext } from '../context.js';
import { KeyedCoalescer } from '../util/keyed-coalescer.js';
import { refreshFromInstances } from './lifecycle.js';

/**
 * Recomputes a deployment's status after its instances change, coalesced: a thousand replicas
 * reporting at once cost a couple of recomputations (each reads every instance), not a thousand.
 * Every changed instance is still published, as one event each.
 */
export class DeploymentRefresher implements Refresher {
  private readonly changed = new Map<string, InstanceRecord[]>();
  private readonly coalescer = new KeyedCoalescer();

  constructor(private readonly ctx: Pick<SchedulerContext, 'deployments' | 'events' | 'logs' | 'clock'>) {}

  refresh(deploymentId: string, instances: readonly InstanceRecord[]): Promise<void> {
    if (instances.length) this.changed.set(deploymentId, [...(this.changed.get(deploymentId) ?? []), ...instances]);
    return this.coalescer.run(deploymentId, async () => {
      const instances = this.changed.get(deploymentId) ?? [];
      this.changed.delete(deploymentId);
      await refreshFromInstances(this.ctx, deploymentId, instances);
    });
  }
}
