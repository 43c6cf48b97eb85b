import { holdsResources, instanceRef, nextAttempt, parseInstanceRef, type InstanceRecord } from '@draas/queue-contracts';
import type { Scheduling } from '../cluster/scheduling.js';
import { systemLog } from '../deployments/lifecycle.js';
import { afterInstanceEnded, markLost } from '../deployments/restarts.js';
import { mapLimit } from '../util/map-limit.js';

// What happens to an agent's work when it goes silent (docs/ARCHITECTURE.md, Liveness): jobs still
// waiting in its queue go back to placement; instances it ran become `lost` and are replaced
// elsewhere when their restart policy allows. Idempotent: every change is a compare-and-set, so a
// second pass (or a second scheduler) changes nothing more.

const PAGE = 500;

/**
 * Reaps an agent unless another scheduler sharing the cluster is reaping it right now: one does the
 * work at a time, the others skip it. Returns null when skipped. The lock is given back when done:
 * a later pass (this scheduler's or another's) still moves what was placed on the agent meanwhile by
 * a scheduler that had not yet seen it go silent; every step is a compare-and-set, so it changes
 * nothing twice. The lock's expiry covers a scheduler that dies half-way.
 */
export async function reapAgentOnce(s: Scheduling, agentId: string): Promise<{ moved: number; lost: number } | null> {
  const unlock = await s.planner.lockAgent(agentId);
  if (!unlock) return null;
  try {
    return await reapAgent(s, agentId);
  } finally {
    await unlock();
  }
}

async function reapAgent(s: Scheduling, agentId: string): Promise<{ moved: number; lost: number }> {
  const { state, planner } = s;
  const touched = new Set<string>();
  let moved = await takeBackWaitingJobs(s, agentId, touched);
  let lost = 0;
  const lostByDeployment = new Map<string, InstanceRecord[]>();
  await mapLimit(await state.allocations(agentId), 16, async (ref) => {
    const parsed = parseInstanceRef(ref);
    const instance = parsed && (await state.instance(parsed.deploymentId, parsed.index));
    if (!instance || instance.agentId !== agentId || !holdsResources(instance.status)) {
      // Held by an instance that has moved on (a crash between two steps): give it back.
      await planner.release(agentId, ref);
      return;
    }
    touched.add(instance.deploymentId);
    if (instance.status === 'scheduled') {
      if (await movePlacement(s, instance, agentId)) moved++;
      return;
    }
    const lostInstance = await markLost(s, instance, agentId);
    if (!lostInstance) return;
    lost++;
    lostByDeployment.set(lostInstance.deploymentId, [...(lostByDeployment.get(lostInstance.deploymentId) ?? []), lostInstance]);
    await afterInstanceEnded(s, lostInstance, 'lost');
  });
  for (const id of touched) {
    await planner.requestPlacement([id]);
    await s.status.follow(id, lostByDeployment.get(id) ?? []);
  }
  if (moved + lost) s.logger.warn({ agentId, moved, lost }, 'agent offline: its work moves elsewhere');
  return { moved, lost };
}

/** Deploy jobs the silent agent never took: removed from its queue, their instances placed again. */
async function takeBackWaitingJobs(s: Scheduling, agentId: string, touched: Set<string>): Promise<number> {
  let moved = 0;
  for (;;) {
    const { removed, jobs } = await s.planner.takeBackDeploys(agentId, PAGE);
    if (removed === 0) return moved;
    for (const job of jobs) {
      const instance = await s.state.instance(job.deploymentId, job.index);
      if (instance && instance.attempt === job.attempt && (await movePlacement(s, instance, agentId))) {
        moved++;
        touched.add(instance.deploymentId);
      }
    }
  }
}

/**
 * An instance scheduled on the silent agent but never started: placed again as a new attempt (so
 * that its deploy job id is new, and the old job, if the agent ever runs it, is seen as stale).
 */
async function movePlacement(s: Scheduling, instance: InstanceRecord, agentId: string): Promise<boolean> {
  const now = new Date(s.state.now()).toISOString();
  const result = await s.planner.updateInstance(instance.deploymentId, instance.index, (current) =>
    current.attempt === instance.attempt && current.agentId === agentId && current.status === 'scheduled'
      ? nextAttempt(current, null, `agent ${agentId} went silent before starting it`, now)
      : null,
  );
  if (!result?.changed) return false;
  await s.planner.release(agentId, instanceRef(instance.deploymentId, instance.index));
  await systemLog(s, instance.deploymentId, `instance ${instance.index} moves: agent ${agentId} went silent before starting it`, instance.index);
  return true;
}
