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
import type { Scheduling } from '../cluster/scheduling.js';
import type { AgentSnapshot, WaitingPlacement } from '../cluster/state.js';
import { systemLog } from '../deployments/lifecycle.js';
import { forEachWeighted, mapLimit } from '../util/map-limit.js';
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

export function placementProcessor(s: Scheduling) {
  return async (job: Job): Promise<void> => {
    const parsed = PlacementJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad placement job: ${parsed.error.message}`);
    if (parsed.data.type === 'place') await placeDeployment(s, parsed.data.deploymentId);
    else await sweep(s);
  };
}

/**
 * Places every deployment waiting for placement (store/placement-requests.ts), the oldest requests
 * first, a page at a time, several side by side. A request is settled only if nobody asked again
 * while it was placed; a failure leaves it waiting and fails the job, so BullMQ tries again.
 */
export async function sweep(s: Scheduling): Promise<void> {
  const failed = new Set<string>();
  for (;;) {
    const page = (await s.state.placementRequests(SWEEP_PAGE)).filter((r) => !failed.has(r.deploymentId));
    if (page.length === 0) break;
    // Sizes only: each placement reads its record again when it starts (it may be cancelled meanwhile).
    const sizes = new Map((await s.state.deployments(page.map((r) => r.deploymentId))).map((r) => [r.id, r.spec.replicas]));
    await forEachWeighted(page, (r) => sizes.get(r.deploymentId) ?? 1, SWEEP_INSTANCE_BUDGET, SWEEP_PARALLELISM, async (request: WaitingPlacement) => {
      const id = request.deploymentId;
      try {
        await placeDeployment(s, id);
        await s.planner.settlePlacement(request);
      } catch (err) {
        failed.add(id);
        s.logger.warn({ err, deploymentId: id }, 'placement failed; it stays queued for the next pass');
      }
    });
  }
  if (failed.size) throw new Error(`placement of ${failed.size} deployment(s) failed; trying again`);
}

export async function placeDeployment(s: Scheduling, deploymentId: string): Promise<void> {
  const { state, planner } = s;
  const record = await state.deployment(deploymentId);
  if (!record || record.desired === 'cancelled' || record.image === null) {
    await planner.markPending(deploymentId, false);
    return;
  }
  let instances = await ensureInstanceRecords(s, record);
  let reason: string | null = null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (round > 0) instances = await state.instances(deploymentId, record.spec.replicas);
    const now = state.now();
    // Restarts still in their back-off wait for the placement queued for their time.
    const waiting = instances.filter((i) => i.status === 'pending' && (i.restartAt === null || i.restartAt <= now));
    if (waiting.length === 0) {
      reason = null;
      break;
    }
    const snapshots = await state.agents(round > 0);
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
      commit(s, record, byIndex.get(index) as InstanceRecord, byId.get(agentId) as AgentSnapshot),
    );
    const placed = committed.filter((c): c is InstanceRecord => c !== null && c !== 'conflict');
    await announce(s, record, placed);
    if (!committed.includes('conflict')) break;
  }
  await planner.markPending(deploymentId, reason !== null);
  if (reason !== null) await notePending(s, deploymentId, reason);
  await s.status.follow(deploymentId, []);
}

/**
 * Instances 0..replicas-1 exist from the first placement on, as `pending` until an agent takes them.
 * Returns them all: those read, and those created here (as written, not read back). One created by
 * someone else meanwhile is read.
 */
async function ensureInstanceRecords({ state, planner }: Scheduling, record: DeploymentRecord): Promise<InstanceRecord[]> {
  const existing = await state.instances(record.id, record.spec.replicas);
  if (existing.length === record.spec.replicas) return existing;
  const have = new Set(existing.map((i) => i.index));
  const now = new Date(state.now()).toISOString();
  const missing = Array.from({ length: record.spec.replicas }, (_, i) => i).filter((i) => !have.has(i));
  const created = await mapLimit(missing, COMMIT_PARALLELISM, async (index) => {
    const fresh = newInstanceRecord(record.id, index, now);
    return (await planner.createInstance(fresh)) ? fresh : state.instance(record.id, index);
  });
  return [...existing, ...created.filter((i): i is InstanceRecord => i !== null)].sort((a, b) => a.index - b.index);
}

/**
 * Reserve on the agent, then record the instance as scheduled there. Null when someone else changed
 * the instance first (its room is given back); 'conflict' when the agent had no room left after all.
 */
async function commit({ state, planner }: Scheduling, record: DeploymentRecord, instance: InstanceRecord, agent: AgentSnapshot): Promise<InstanceRecord | null | 'conflict'> {
  const { index } = instance;
  const ref = instanceRef(record.id, index);
  if (!(await planner.reserve(agent, ref, record.spec.memoryBytes, record.spec.milliCpus))) return 'conflict';
  const result = await planner.updateInstance(record.id, index, (current) =>
    current.status === 'pending'
      ? { ...current, status: 'scheduled', agentId: agent.id, error: null, restartAt: null, updatedAt: new Date(state.now()).toISOString() }
      : null,
    instance,
  );
  if (!result?.changed) {
    await planner.release(agent.id, ref);
    return null;
  }
  return result.record;
}

/** Hands each agent its deploy jobs (one bulk add per agent) and notes the placements in the log. */
async function announce({ state, planner, tokens }: Scheduling, record: DeploymentRecord, placed: readonly InstanceRecord[]): Promise<void> {
  if (placed.length === 0) return;
  await planner.enqueueDeploys(placed.map((instance) => deployJob(record, instance, tokens)).filter((j): j is DeployJob => j !== null));
  const time = state.now();
  const lines: NewLogLine[] = placed.map((i) => ({
    time,
    phase: 'system',
    instance: i.index,
    stream: 'system',
    line: `instance ${i.index} scheduled on agent ${i.agentId} (attempt ${i.attempt})`,
  }));
  await planner.log(record.id, lines);
}

export function deployJob(record: DeploymentRecord, instance: InstanceRecord, tokens: Scheduling['tokens']): DeployJob | null {
  if (!instance.agentId || !record.image) return null;
  const { name, env, ports, memoryBytes, milliCpus, restart, health } = record.spec;
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
    spec: { name, env, ports, memoryBytes, milliCpus, restart, health },
  };
}

/** Every scheduled instance has its deploy job (job ids are deterministic: an existing job stays as it is). */
export async function ensureDeployJobs({ state, planner, tokens }: Scheduling, record: DeploymentRecord): Promise<void> {
  const instances = await state.instances(record.id, record.spec.replicas);
  const jobs = instances.filter((i) => i.status === 'scheduled').map((i) => deployJob(record, i, tokens));
  await planner.enqueueDeploys(jobs.filter((j): j is DeployJob => j !== null));
}

async function notePending(s: Scheduling, deploymentId: string, reason: string): Promise<void> {
  const result = await s.planner.updateDeployment(deploymentId, (current) => (current.error === reason ? null : { ...current, error: reason }));
  if (result.changed) await systemLog(s, deploymentId, reason);
}
