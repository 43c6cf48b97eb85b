import { instanceRef, nextAttempt, restartDecision, type EndedStatus, type InstanceRecord } from '@draas/queue-contracts';
import type { Scheduling } from '../cluster/scheduling.js';
import { systemLog } from './lifecycle.js';

// After an instance ends (exited, failed, or lost with its agent), its deployment's restart policy
// decides whether it runs again: as a new attempt, placed anew (anywhere that fits), after a back-off
// for crash loops and at once for a lost machine. The old attempt's container, if it ever comes back,
// is stopped by its agent because the attempt no longer matches.

type Base = Pick<Scheduling, 'state' | 'planner'>;

/** `firstTime`: false when the same end is handled again (a repeated report); then nothing is logged twice. */
export async function afterInstanceEnded(s: Base, ended: InstanceRecord, how: EndedStatus, firstTime = true): Promise<boolean> {
  const { state, planner } = s;
  const record = await state.deployment(ended.deploymentId);
  if (!record || record.desired === 'cancelled') return false;
  if (ended.retire !== null) {
    if (firstTime) await systemLog(s, record.id, `instance ${ended.index} not restarted: it was taken out of service`, ended.index);
    return false;
  }
  const decision = restartDecision(record.spec.restart, how, ended.attempt);
  if (!decision.restart) {
    if (firstTime) await systemLog(s, record.id, `instance ${ended.index} not restarted: ${decision.reason}`, ended.index);
    return false;
  }
  const now = state.now();
  const restartAt = decision.delayMs > 0 ? now + decision.delayMs : null;
  // What ended it stays in the note (the new attempt's `error`): an app's failed rollout names it.
  const cause = how === 'lost' ? '' : ` (${ended.error ?? `exit code ${ended.exitCode ?? 'unknown'}`})`;
  const note = `attempt ${ended.attempt + 1} ${restartAt ? `in ${Math.round(decision.delayMs / 1000)} s` : 'now'}: ${decision.reason}${cause}`;
  const result = await planner.updateInstance(record.id, ended.index, (current) =>
    current.attempt === ended.attempt && current.status === ended.status ? nextAttempt(current, restartAt, note, new Date(now).toISOString()) : null,
  );
  if (!result?.changed) return false;
  await systemLog(s, record.id, `instance ${ended.index} restarting, ${note}`, ended.index);
  if (restartAt) await planner.requestPlacementAt(record.id, restartAt);
  else await planner.requestPlacement([record.id]);
  return true;
}

/** An instance whose agent went silent: `lost`, its reservation given back, then the restart policy. */
export async function markLost(s: Base, instance: InstanceRecord, agentId: string): Promise<InstanceRecord | null> {
  const { state, planner } = s;
  const result = await planner.updateInstance(instance.deploymentId, instance.index, (current) =>
    current.attempt === instance.attempt && current.agentId === agentId && ['scheduled', 'starting', 'running'].includes(current.status)
      ? { ...current, status: 'lost', error: `agent ${agentId} stopped answering`, updatedAt: new Date(state.now()).toISOString() }
      : null,
  );
  if (!result?.changed) return null;
  await planner.release(agentId, instanceRef(instance.deploymentId, instance.index));
  await systemLog(s, instance.deploymentId, `instance ${instance.index} (attempt ${instance.attempt}) lost: agent ${agentId} stopped answering`, instance.index);
  return result.record;
}
