import {
  holdsResources,
  instanceRef,
  newInstanceRecord,
  PlacementJob,
  type DeployJob,
  type DeploymentRecord,
  type InstanceRecord,
  type NewLogLine,
} from '@draas/queue-contracts';
import { UnrecoverableError, type Job } from 'bullmq';
import type { ImageTokens } from '../images/image-tokens.js';
import type { SchedulerContext } from '../context.js';
import { refreshFromInstances, systemLog } from '../deployments/lifecycle.js';
import { forEachWeighted, mapLimit } from '../util/map-limit.js';
import type { AgentSnapshot } from '../store/agent-store.js';
import { place } from './place.js';

// Turns a placement request into reservations, instance records and deploy jobs. The plan comes from
// the pure `place`; each reservation is committed atomically against the agent's latest usage, and a
// conflict (another placement or scheduler was first) just means planning again with fresh snapshots.
// Commits of many replicas run side by side (the Redis connection pipelines them) and their deploy
// jobs are added in bulk, one call per agent.

const MAX_ROUNDS = 5;
/** Instance commits in flight at once for one deployment. */
const COMMIT_PARALLELISM = 64;
/** Placement requests a sweep reads at a time. */
const SWEEP_PAGE = 200;
/**
 * Deployments placed side by side, as long as their replicas together stay within the budget: many
 * small deployments overlap their round trips, while big ones go a few at a time (many big ones at
 * once only hold more memory, and place no faster).
 */
const SWEEP_PARALLELISM = 32;
const SWEEP_INSTANCE_BUDGET = 2000;

export function placementProcessor(ctx: SchedulerContext) {
  return async (job: Job): Promise<void> => {
    const parsed = PlacementJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad placement job: ${parsed.error.message}`);
    if (parsed.data.type === 'place') await placeDeployment(ctx, parsed.data.deploymentId);
    else await sweep(ctx);
  };
}

/**
 * Places every deployment waiting for placement (store/placement-requests.ts), the oldest requests
 * first, a page at a time, several side by side. A request is settled only if nobody asked again
 * while it was placed; a failure leaves it waiting and fails the job, so BullMQ tries again.
 */
async function sweep(ctx: SchedulerContext): Promise<void> {
  const failed = new Set<string>();
  for (;;) {
    const page = (await ctx.placements.oldest(SWEEP_PAGE)).filter((r) => !failed.has(r.deploymentId));
    if (page.length === 0) break;
    // Sizes only: each placement reads its record again when it starts (it may be cancelled meanwhile).
    const sizes = new Map((await ctx.deployments.getMany(page.map((r) => r.deploymentId))).map((r) => [r.id, r.spec.replicas]));
    await forEachWeighted(page, (r) => sizes.get(r.deploymentId) ?? 1, SWEEP_INSTANCE_BUDGET, SWEEP_PARALLELISM, async (request) => {
      const id = request.deploymentId;
      try {
        await placeDeployment(ctx, id);
        await ctx.placements.settle(request);
      } catch (err) {
        failed.add(id);
        ctx.logger.warn({ err, deploymentId: id }, 'placement failed; it stays queued for the next pass');
      }
    });
  }
  if (failed.size) throw new Error(`placement of ${failed.size} deployment(s) failed; trying again`);
}

export async function placeDeployment(ctx: SchedulerContext, deploymentId: string): Promise<void> {
  const record = await ctx.deployments.get(deploymentId);
  if (!record || record.desired === 'cancelled' || record.image === null) {
    await ctx.placements.markPending(deploymentId, false);
    return;
  }
  let instances = await ensureInstanceRecords(ctx, record);
  let reason: string | null = null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (round > 0) instances = await ctx.deployments.instances(deploymentId, record.spec.replicas);
    const now = ctx.clock.now();
    // Restarts still in their back-off wait for the placement queued for their time.
    const waiting = instances.filter((i) => i.status === 'pending' && (i.restartAt === null || i.restartAt <= now));
    if (waiting.length === 0) {
      reason = null;
      break;
    }
    const snapshots = await ctx.agents.snapshots(round > 0);
    const plan = place(
      {
        memoryBytes: record.spec.memoryBytes,
        milliCpus: record.spec.milliCpus,
        constraints: record.spec.constraints,
        strategy: record.spec.strategy,
        indexes: waiting.map((i) => i.index),
        existingAgents: instances.filter((i) => holdsResources(i.status) && i.agentId).map((i) => i.agentId as string),
      },
      snapshots,
    );
    reason = plan.reason;
    const byId = new Map(snapshots.map((a) => [a.id, a]));
    const byIndex = new Map(waiting.map((i) => [i.index, i]));
    const committed = await mapLimit(plan.assignments, COMMIT_PARALLELISM, ({ index, agentId }) =>
      commit(ctx, record, byIndex.get(index) as InstanceRecord, byId.get(agentId) as AgentSnapshot),
    );
    const placed = committed.filter((c): c is InstanceRecord => c !== null && c !== 'conflict');
    await announce(ctx, record, placed);
    if (!committed.includes('conflict')) break;
  }
  await ctx.placements.markPending(deploymentId, reason !== null);
  if (reason !== null) await notePending(ctx, deploymentId, reason);
  await refreshFromInstances(ctx, deploymentId);
}

/**
 * Instances 0..replicas-1 exist from the first placement on, as `pending` until an agent takes them.
 * Returns them all: those read, and those created here (as written, not read back). One created by
 * someone else meanwhile is read.
 */
async function ensureInstanceRecords(ctx: SchedulerContext, record: DeploymentRecord): Promise<InstanceRecord[]> {
  const existing = await ctx.deployments.instances(record.id, record.spec.replicas);
  if (existing.length === record.spec.replicas) return existing;
  const have = new Set(existing.map((i) => i.index));
  const now = new Date(ctx.clock.now()).toISOString();
  const missing = Array.from({ length: record.spec.replicas }, (_, i) => i).filter((i) => !have.has(i));
  const created = await mapLimit(missing, COMMIT_PARALLELISM, async (index) => {
    const fresh = newInstanceRecord(record.id, index, now);
    return (await ctx.deployments.createInstance(fresh)) ? fresh : ctx.deployments.getInstance(record.id, index);
  });
  return [...existing, ...created.filter((i): i is InstanceRecord => i !== null)].sort((a, b) => a.index - b.index);
}

/**
 * Reserve on the agent, then record the instance as scheduled there. Null when someone else changed
 * the instance first (its room is given back); 'conflict' when the agent had no room left after all.
 */
async function commit(ctx: SchedulerContext, record: DeploymentRecord, instance: InstanceRecord, agent: AgentSnapshot): Promise<InstanceRecord | null | 'conflict'> {
  const { index } = instance;
  const ref = instanceRef(record.id, index);
  if (!(await ctx.agents.reserve(agent, ref, record.spec.memoryBytes, record.spec.milliCpus))) return 'conflict';
  const result = await ctx.deployments.updateInstance(record.id, index, (current) =>
    current.status === 'pending'
      ? { ...current, status: 'scheduled', agentId: agent.id, error: null, restartAt: null, updatedAt: new Date(ctx.clock.now()).toISOString() }
      : null,
    instance,
  );
  if (!result?.changed) {
    await ctx.agents.release(agent.id, ref);
    return null;
  }
  return result.record;
}

/** Hands each agent its deploy jobs (one bulk add per agent) and notes the placements in the log. */
async function announce(ctx: SchedulerContext, record: DeploymentRecord, placed: readonly InstanceRecord[]): Promise<void> {
  if (placed.length === 0) return;
  await ctx.queues.addDeploys(placed.map((instance) => deployJob(record, instance, ctx.imageTokens)).filter((j): j is DeployJob => j !== null));
  const time = ctx.clock.now();
  const lines: NewLogLine[] = placed.map((i) => ({
    time,
    phase: 'system',
    instance: i.index,
    stream: 'system',
    line: `instance ${i.index} scheduled on agent ${i.agentId} (attempt ${i.attempt})`,
  }));
  await ctx.logs.append(record.id, lines);
}

export function deployJob(record: DeploymentRecord, instance: InstanceRecord, tokens: Pick<ImageTokens, 'tokenFor'>): DeployJob | null {
  if (!instance.agentId || !record.image) return null;
  const { name, env, ports, memoryBytes, milliCpus, restart } = record.spec;
  return {
    type: 'deploy',
    version: 1,
    deploymentId: record.id,
    index: instance.index,
    attempt: instance.attempt,
    agentId: instance.agentId,
    image: record.image,
    imageId: record.imageId,
    imageToken: record.imageId ? tokens.tokenFor(record.imageId) : null,
    spec: { name, env, ports, memoryBytes, milliCpus, restart },
  };
}

/** Every scheduled instance has its deploy job (job ids are deterministic: an existing job stays as it is). */
export async function ensureDeployJobs(ctx: SchedulerContext, record: DeploymentRecord): Promise<void> {
  const instances = await ctx.deployments.instances(record.id, record.spec.replicas);
  const jobs = instances.filter((i) => i.status === 'scheduled').map((i) => deployJob(record, i, ctx.imageTokens));
  await ctx.queues.addDeploys(jobs.filter((j): j is DeployJob => j !== null));
}

async function notePending(ctx: SchedulerContext, deploymentId: string, reason: string): Promise<void> {
  const result = await ctx.deployments.update(deploymentId, (current) => (current.error === reason ? null : { ...current, error: reason }));
  if (result.changed) await systemLog(ctx, deploymentId, reason);
}
