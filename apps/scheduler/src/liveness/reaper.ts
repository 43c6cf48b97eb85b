import { randomBytes } from 'node:crypto';
import { DeployJob, holdsResources, instanceRef, nextAttempt, parseInstanceRef, type InstanceRecord } from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { refreshFromInstances, systemLog } from '../deployments/lifecycle.js';
import { afterInstanceEnded, markLost } from '../deployments/restarts.js';
import { mapLimit } from '../util/map-limit.js';

// What happens to an agent's work when it goes silent (docs/ARCHITECTURE.md, Liveness): jobs still
// waiting in its queue go back to placement; instances it ran become `lost` and are replaced
// elsewhere when their restart policy allows. Idempotent: every change is a compare-and-set, so a
// second pass (or a second scheduler) changes nothing more.

const WAITING = ['waiting', 'delayed', 'prioritized'] as const;
const PAGE = 500;

/** This process, as the holder of reap locks. */
const LOCK_OWNER = randomBytes(8).toString('hex');
/** How long a reap holds its lock: another scheduler takes over after a crash half-way. */
const REAP_LOCK_MS = 30_000;

/**
 * Reaps an agent unless another scheduler sharing this Redis is reaping it right now: one does the
 * work at a time, the others skip it. Returns null when skipped. The lock is given back when done:
 * a later pass (this scheduler's or another's) still moves what was placed on the agent meanwhile by
 * a scheduler that had not yet seen it go silent; every step is a compare-and-set, so it changes
 * nothing twice. The lock's expiry covers a scheduler that dies half-way.
 */
export async function reapAgentOnce(ctx: SchedulerContext, agentId: string): Promise<{ moved: number; lost: number } | null> {
  const key = ctx.keys.reapLock(agentId);
  if ((await ctx.redis.set(key, LOCK_OWNER, 'PX', REAP_LOCK_MS, 'NX')) !== 'OK') return null;
  try {
    return await reapAgent(ctx, agentId);
  } finally {
    await ctx.redis.draasReleaseLockIfMine(key, LOCK_OWNER);
  }
}

async function reapAgent(ctx: SchedulerContext, agentId: string): Promise<{ moved: number; lost: number }> {
  const touched = new Set<string>();
  let moved = await takeBackWaitingJobs(ctx, agentId, touched);
  let lost = 0;
  const lostByDeployment = new Map<string, InstanceRecord[]>();
  await mapLimit(await ctx.agents.allocations(agentId), 16, async (ref) => {
    const parsed = parseInstanceRef(ref);
    const instance = parsed && (await ctx.deployments.getInstance(parsed.deploymentId, parsed.index));
    if (!instance || instance.agentId !== agentId || !holdsResources(instance.status)) {
      // Held by an instance that has moved on (a crash between two steps): give it back.
      await ctx.agents.release(agentId, ref);
      return;
    }
    touched.add(instance.deploymentId);
    if (instance.status === 'scheduled') {
      if (await movePlacement(ctx, instance, agentId)) moved++;
      return;
    }
    const lostInstance = await markLost(ctx, instance, agentId);
    if (!lostInstance) return;
    lost++;
    lostByDeployment.set(lostInstance.deploymentId, [...(lostByDeployment.get(lostInstance.deploymentId) ?? []), lostInstance]);
    await afterInstanceEnded(ctx, lostInstance, 'lost');
  });
  for (const id of touched) {
    await ctx.placements.request(id);
    await refreshFromInstances(ctx, id, lostByDeployment.get(id) ?? []);
  }
  if (moved + lost) ctx.logger.warn({ agentId, moved, lost }, 'agent offline: its work moves elsewhere');
  return { moved, lost };
}

/** Deploy jobs the silent agent never took: removed from its queue, their instances placed again. */
async function takeBackWaitingJobs(ctx: SchedulerContext, agentId: string, touched: Set<string>): Promise<number> {
  const queue = ctx.queues.deploy(agentId);
  let moved = 0;
  for (;;) {
    const jobs = await queue.getJobs([...WAITING], 0, PAGE - 1);
    if (jobs.length === 0) return moved;
    for (const job of jobs) {
      await job.remove();
      const parsed = DeployJob.safeParse(job.data);
      if (!parsed.success) continue;
      const instance = await ctx.deployments.getInstance(parsed.data.deploymentId, parsed.data.index);
      if (instance && instance.attempt === parsed.data.attempt && (await movePlacement(ctx, instance, agentId))) {
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
async function movePlacement(ctx: SchedulerContext, instance: InstanceRecord, agentId: string): Promise<boolean> {
  const now = new Date(ctx.clock.now()).toISOString();
  const result = await ctx.deployments.updateInstance(instance.deploymentId, instance.index, (current) =>
    current.attempt === instance.attempt && current.agentId === agentId && current.status === 'scheduled'
      ? nextAttempt(current, null, `agent ${agentId} went silent before starting it`, now)
      : null,
  );
  if (!result?.changed) return false;
  await ctx.agents.release(agentId, instanceRef(instance.deploymentId, instance.index));
  await systemLog(ctx, instance.deploymentId, `instance ${instance.index} moves: agent ${agentId} went silent before starting it`, instance.index);
  return true;
}
