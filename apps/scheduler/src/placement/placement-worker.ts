import {
  holdsResources,
  instanceRef,
  PlaceJob,
  newInstanceRecord,
  type DeploymentRecord,
  type InstanceRecord,
} from '@draas/queue-contracts';
import { UnrecoverableError, type Job } from 'bullmq';
import type { SchedulerContext } from '../context.js';
import { refreshFromInstances, systemLog } from '../deployments/lifecycle.js';
import { place, type AgentSnapshot } from './place.js';

// Turns a placement request into reservations, instance records and deploy jobs. The plan comes from
// the pure `place`; each reservation is committed atomically against the agent's latest usage, and a
// conflict (another scheduler placed first) just means planning again with fresh snapshots.

const MAX_ROUNDS = 5;

export function placementProcessor(ctx: SchedulerContext) {
  return async (job: Job): Promise<void> => {
    const parsed = PlaceJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad place job: ${parsed.error.message}`);
    await placeDeployment(ctx, parsed.data.deploymentId);
  };
}

export async function placeDeployment(ctx: SchedulerContext, deploymentId: string): Promise<void> {
  const record = await ctx.deployments.get(deploymentId);
  if (!record || record.desired === 'cancelled' || record.image === null) {
    await ctx.deployments.markPending(deploymentId, false);
    return;
  }
  await ensureInstanceRecords(ctx, record);
  let reason: string | null = null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const instances = await ctx.deployments.instances(deploymentId, record.spec.replicas);
    const now = ctx.clock.now();
    // Restarts still in their back-off wait for the placement queued for their time.
    const waiting = instances.filter((i) => i.status === 'pending' && (i.restartAt === null || i.restartAt <= now)).map((i) => i.index);
    if (waiting.length === 0) {
      reason = null;
      break;
    }
    const snapshots = await ctx.agents.snapshots();
    const plan = place(
      {
        memoryBytes: record.spec.memoryBytes,
        milliCpus: record.spec.milliCpus,
        constraints: record.spec.constraints,
        strategy: record.spec.strategy,
        indexes: waiting,
        existingAgents: instances.filter((i) => holdsResources(i.status) && i.agentId).map((i) => i.agentId as string),
      },
      snapshots,
    );
    reason = plan.reason;
    const byId = new Map(snapshots.map((a) => [a.id, a]));
    let conflict = false;
    for (const { index, agentId } of plan.assignments) {
      const committed = await commit(ctx, record, index, byId.get(agentId) as AgentSnapshot);
      if (!committed) conflict = true;
    }
    if (!conflict) break;
  }
  await ctx.deployments.markPending(deploymentId, reason !== null);
  if (reason !== null) await notePending(ctx, deploymentId, reason);
  await ensureDeployJobs(ctx, record);
  await refreshFromInstances(ctx, deploymentId);
}

/**
 * Every scheduled instance has its deploy job: a placement that failed between recording the
 * instance and enqueuing its job (and was retried) must not leave it waiting forever. Job ids are
 * deterministic, so an existing job is left as it is.
 */
async function ensureDeployJobs(ctx: SchedulerContext, record: DeploymentRecord): Promise<void> {
  for (const instance of await ctx.deployments.instances(record.id, record.spec.replicas)) {
    if (instance.status === 'scheduled') await enqueueDeploy(ctx, record, instance);
  }
}

/** Instances 0..replicas-1 exist from the first placement on, as `pending` until an agent takes them. */
async function ensureInstanceRecords(ctx: SchedulerContext, record: DeploymentRecord): Promise<void> {
  const now = new Date(ctx.clock.now()).toISOString();
  for (let index = 0; index < record.spec.replicas; index++) {
    await ctx.deployments.createInstance(newInstanceRecord(record.id, index, now));
  }
}

/** Reserve on the agent, then record the instance as scheduled there, then hand the agent its job. */
async function commit(ctx: SchedulerContext, record: DeploymentRecord, index: number, agent: AgentSnapshot): Promise<boolean> {
  const ref = instanceRef(record.id, index);
  if (!(await ctx.agents.reserve(agent, ref, record.spec.memoryBytes, record.spec.milliCpus))) return false;
  const result = await ctx.deployments.updateInstance(record.id, index, (current) =>
    current.status === 'pending'
      ? { ...current, status: 'scheduled', agentId: agent.id, error: null, restartAt: null, updatedAt: new Date(ctx.clock.now()).toISOString() }
      : null,
  );
  if (!result?.changed) {
    // Someone else (a cancel, another scheduler) changed the instance first: give the room back.
    await ctx.agents.release(agent.id, ref);
    return true;
  }
  await enqueueDeploy(ctx, record, result.record);
  await systemLog(ctx, record.id, `instance ${index} scheduled on agent ${agent.id} (attempt ${result.record.attempt})`, index);
  return true;
}

export async function enqueueDeploy(ctx: SchedulerContext, record: DeploymentRecord, instance: InstanceRecord): Promise<void> {
  if (!instance.agentId || !record.image) return;
  const { name, env, ports, memoryBytes, milliCpus, restart } = record.spec;
  await ctx.queues.addDeploy({
    type: 'deploy',
    version: 1,
    deploymentId: record.id,
    index: instance.index,
    attempt: instance.attempt,
    agentId: instance.agentId,
    image: record.image,
    spec: { name, env, ports, memoryBytes, milliCpus, restart },
  });
}

async function notePending(ctx: SchedulerContext, deploymentId: string, reason: string): Promise<void> {
  const result = await ctx.deployments.update(deploymentId, (current) => (current.error === reason ? null : { ...current, error: reason }));
  if (result.changed) await systemLog(ctx, deploymentId, reason);
}
