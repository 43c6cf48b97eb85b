import { Channels, ControlCommand, instanceRef, isTerminalInstance, JobIds, type DeploymentRecord, type InstanceRecord } from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { refreshFromInstances, systemLog } from './lifecycle.js';

// Cancel (docs/ARCHITECTURE.md, One deployment, step 14): the desired state is written first, so that
// whatever happens next (a job already taken, a missed message, an agent that was away) ends with the
// work stopped. Then each piece still waiting is removed, and agents running instances get a prompt to
// stop them now.

export interface CancelOptions {
  graceSeconds: number;
  /** Aborts a build running in this process. */
  abortBuild: (deploymentId: string) => void;
}

export async function cancelDeployment(ctx: SchedulerContext, id: string, options: CancelOptions): Promise<DeploymentRecord> {
  const { record, changed } = await ctx.deployments.update(id, (current) =>
    current.desired === 'cancelled' ? null : { ...current, desired: 'cancelled', updatedAt: new Date(ctx.clock.now()).toISOString() },
  );
  if (changed) await systemLog(ctx, id, 'cancel requested');
  options.abortBuild(id);
  await removeWaitingJob(ctx.queues.build.getJob(JobIds.build(id)));
  await ctx.placements.markPending(id, false);
  const instances = await ctx.deployments.instances(id, record.spec.replicas);
  for (const instance of instances) await cancelInstance(ctx, instance, options.graceSeconds);
  return refreshFromInstances(ctx, id);
}

async function cancelInstance(ctx: SchedulerContext, instance: InstanceRecord, graceSeconds: number): Promise<void> {
  if (isTerminalInstance(instance.status) && instance.status !== 'lost') return;
  const { deploymentId, index, attempt, agentId } = instance;
  const notStarted =
    instance.status === 'pending' ||
    (instance.status === 'scheduled' && agentId !== null && (await removeWaitingJob(ctx.queues.deploy(agentId).getJob(JobIds.deploy(deploymentId, index, attempt)))));
  if (notStarted) {
    const result = await ctx.deployments.updateInstance(deploymentId, index, (current) =>
      current.attempt === attempt && (current.status === 'pending' || current.status === 'scheduled')
        ? { ...current, status: 'cancelled', updatedAt: new Date(ctx.clock.now()).toISOString() }
        : null,
    );
    if (result?.changed && agentId) await ctx.agents.release(agentId, instanceRef(deploymentId, index));
    if (result?.changed) return;
  }
  if (agentId === null) return;
  // Taken by the agent already: ask it to stop the container. If the message is lost, the agent's
  // reconcile finds the deployment cancelled and stops it anyway.
  const command: ControlCommand = { type: 'control', version: 1, command: 'stop', deploymentId, index, attempt, graceSeconds };
  await ctx.redis.publish(Channels(ctx.keys.prefix).control(agentId), JSON.stringify(ControlCommand.parse(command)));
}

const NOT_TAKEN = new Set(['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children']);

/** Removes a job that no worker has taken yet; false when one has (or it is gone). */
async function removeWaitingJob(lookup: Promise<{ remove(): Promise<void>; getState(): Promise<string> } | undefined | null>): Promise<boolean> {
  const job = await lookup;
  if (!job || !NOT_TAKEN.has(await job.getState())) return false;
  try {
    await job.remove();
    return true;
  } catch (err) {
    // BullMQ refuses to remove a job a worker locked in the meantime: treat it as taken.
    if (/locked|active/i.test((err as Error).message)) return false;
    throw err;
  }
}
