import { instanceRef, nextAttempt, restartDecision, type EndedStatus, type InstanceRecord } from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { systemLog } from './lifecycle.js';

// After an instance ends (exited, failed, or lost with its agent), its deployment's restart policy
// decides whether it runs again: as a new attempt, placed anew (anywhere that fits), after a back-off
// for crash loops and at once for a lost machine. The old attempt's container, if it ever comes back,
// is stopped by its agent because the attempt no longer matches.

/** `firstTime`: false when the same end is handled again (a repeated report); then nothing is logged twice. */
export async function afterInstanceEnded(ctx: SchedulerContext, ended: InstanceRecord, how: EndedStatus, firstTime = true): Promise<boolean> {
  const record = await ctx.deployments.get(ended.deploymentId);
  if (!record || record.desired === 'cancelled') return false;
  const decision = restartDecision(record.spec.restart, how, ended.attempt);
  if (!decision.restart) {
    if (firstTime) await systemLog(ctx, record.id, `instance ${ended.index} not restarted: ${decision.reason}`, ended.index);
    return false;
  }
  const now = ctx.clock.now();
  const restartAt = decision.delayMs > 0 ? now + decision.delayMs : null;
  const note = `attempt ${ended.attempt + 1} ${restartAt ? `in ${Math.round(decision.delayMs / 1000)} s` : 'now'}: ${decision.reason}`;
  const result = await ctx.deployments.updateInstance(record.id, ended.index, (current) =>
    current.attempt === ended.attempt && current.status === ended.status ? nextAttempt(current, restartAt, note, new Date(now).toISOString()) : null,
  );
  if (!result?.changed) return false;
  await systemLog(ctx, record.id, `instance ${ended.index} restarting, ${note}`, ended.index);
  if (restartAt) await ctx.placements.requestAt(record.id, restartAt, now);
  else await ctx.placements.request(record.id);
  return true;
}

/** An instance whose agent went silent: `lost`, its reservation given back, then the restart policy. */
export async function markLost(ctx: SchedulerContext, instance: InstanceRecord, agentId: string): Promise<InstanceRecord | null> {
  const result = await ctx.deployments.updateInstance(instance.deploymentId, instance.index, (current) =>
    current.attempt === instance.attempt && current.agentId === agentId && ['scheduled', 'starting', 'running'].includes(current.status)
      ? { ...current, status: 'lost', error: `agent ${agentId} stopped answering`, updatedAt: new Date(ctx.clock.now()).toISOString() }
      : null,
  );
  if (!result?.changed) return null;
  await ctx.agents.release(agentId, instanceRef(instance.deploymentId, instance.index));
  await systemLog(ctx, instance.deploymentId, `instance ${instance.index} (attempt ${instance.attempt}) lost: agent ${agentId} stopped answering`, instance.index);
  return result.record;
}
