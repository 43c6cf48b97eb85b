import {
  canDeploymentTransition,
  followInstances,
  type DeploymentRecord,
  type DeploymentStatus,
  type InstanceRecord,
} from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';

// Status changes of deployments, all through the state machine of the contracts library, each
// published as an event and noted in the deployment's log so that users see why things happen.

type Ctx = Pick<SchedulerContext, 'deployments' | 'events' | 'logs' | 'clock'>;

/** Moves the deployment to `to` when the machine allows it; returns the record, or null when refused. */
export async function setStatus(
  ctx: Ctx,
  id: string,
  to: DeploymentStatus,
  changes: Partial<Pick<DeploymentRecord, 'error' | 'image' | 'imageId'>> = {},
): Promise<DeploymentRecord | null> {
  let refused = false;
  const result = await ctx.deployments.update(id, (current) => {
    if (!canDeploymentTransition(current.status, to) || (current.desired === 'cancelled' && to !== 'cancelled')) {
      refused = true;
      return null;
    }
    return { ...current, ...changes, status: to, updatedAt: new Date(ctx.clock.now()).toISOString() };
  });
  if (refused) return null;
  if (result.changed) await ctx.events.deployment(result.record);
  return result.record;
}

/**
 * Once a deployment has instances its status follows theirs. Called after every instance change;
 * also clears a waiting-for-capacity note once everything is placed.
 */
export async function refreshFromInstances(ctx: Ctx, id: string, changedInstances: readonly InstanceRecord[] = []): Promise<DeploymentRecord> {
  const [record, statuses] = await Promise.all([ctx.deployments.require(id), ctx.deployments.instanceStatuses(id)]);
  const allPlaced = statuses.length === record.spec.replicas && !statuses.includes('pending');
  const result = await ctx.deployments.update(id, (current) => {
    const error = allPlaced && current.error?.startsWith('waiting for capacity') ? null : current.error;
    const status = followInstances(current.status, current.desired, statuses);
    if (current.status === status && current.error === error) return null;
    return { ...current, status, error, updatedAt: new Date(ctx.clock.now()).toISOString() };
  });
  if (result.changed || changedInstances.length) await ctx.events.deployment(result.record, changedInstances);
  return result.record;
}

/** A line in the deployment's log from DRaaS itself (phase `system`). */
export async function systemLog(ctx: Ctx, id: string, line: string, instance: number | null = null): Promise<void> {
  await ctx.logs.append(id, [{ time: ctx.clock.now(), phase: 'system', instance, stream: 'system', line }]);
}
