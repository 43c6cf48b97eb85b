import { canDeploymentTransition, type DeploymentRecord, type DeploymentStatus } from '@draas/queue-contracts';
import type { Scheduling } from '../cluster/scheduling.js';

// A deployment's steps before it has instances (queued, building, built, failed), through the state
// machine of the contracts library, each published as an event; and DRaaS's own lines in its log,
// so that users see why things happen. Once it has instances its status follows theirs, written
// by status-follower.ts alone.

type Base = Pick<Scheduling, 'state' | 'planner'>;

/** Moves the deployment to `to` when the machine allows it (already there: nothing is written); returns the record, or null when refused. */
export async function setStatus(
  s: Base,
  id: string,
  to: DeploymentStatus,
  changes: Partial<Pick<DeploymentRecord, 'error' | 'image' | 'imageId'>> = {},
): Promise<DeploymentRecord | null> {
  let refused = false;
  const result = await s.planner.updateDeployment(id, (current) => {
    if (!canDeploymentTransition(current.status, to) || (current.desired === 'cancelled' && to !== 'cancelled')) {
      refused = true;
      return null;
    }
    const same = current.status === to && Object.entries(changes).every(([key, value]) => current[key as keyof typeof changes] === value);
    return same ? null : { ...current, ...changes, status: to, updatedAt: new Date(s.state.now()).toISOString() };
  });
  if (refused) return null;
  if (result.changed) await s.planner.publish(result.record);
  return result.record;
}

/** A line in the deployment's log from DRaaS itself (phase `system`). */
export async function systemLog(s: Base, id: string, line: string, instance: number | null = null): Promise<void> {
  await s.planner.log(id, [{ time: s.state.now(), phase: 'system', instance, stream: 'system', line }]);
}
