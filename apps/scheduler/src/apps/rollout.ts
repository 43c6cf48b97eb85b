import { isTerminalInstance, Limits, nextAttempt, type InstanceRecord, type NewLogLine } from '@draas/queue-contracts';
import type { Scheduling } from '../cluster/scheduling.js';
import { cancelInstance } from '../deployments/cancel.js';
import { readVersions } from './app-reader.js';
import { BACK_IN_SERVICE, planRollout, type InstanceTarget, type RolloutPlan } from './rollout-plan.js';

// One rollout pass over one app (docs/ARCHITECTURE.md, Apps): read, plan (rollout-plan.ts), carry
// out. One scheduler at a time per app (the app lock); every write is a compare-and-set, so a pass
// that loses a race changes nothing and the next pass plans again from what is stored.

export interface RolloutOptions {
  drainMs: number;
  graceSeconds: number;
}

export interface PassResult {
  /** More passes are due soon: a rollout under way, instances draining, work just started. */
  busy: boolean;
  /** Instances left or joined the set the routers should send to. */
  routesChanged: boolean;
}

const IDLE: PassResult = { busy: false, routesChanged: false };

export async function rolloutPass(s: Scheduling, name: string, options: RolloutOptions): Promise<PassResult> {
  const release = await s.planner.lockApp(name);
  if (!release) return { busy: true, routesChanged: false };
  try {
    return await passLocked(s, name, options);
  } finally {
    await release();
  }
}

async function passLocked(s: Scheduling, name: string, options: RolloutOptions): Promise<PassResult> {
  const { state, planner } = s;
  const app = await state.app(name);
  if (!app) return IDLE;
  const versions = await readVersions(state, app);
  const plan = planRollout(app, versions, { now: state.now(), drainMs: options.drainMs });
  if (plan.app) {
    // Only over the record as read: a scale or a new version meanwhile means planning again.
    const updated = await planner.updateApp(name, (current) => (current.rev === app.rev ? (plan.app as typeof current) : null));
    if (!updated?.changed) return { busy: true, routesChanged: false };
    await planner.publishApp(name);
  }
  const instances = new Map(versions.flatMap((v) => v.instances.map((i) => [`${i.deploymentId}/${i.index}`, i] as const)));
  const changed: InstanceRecord[] = [];
  for (const t of plan.drain) {
    const done = await drain(s, t, instances.get(`${t.deploymentId}/${t.index}`), options);
    if (done) changed.push(done);
  }
  for (const t of plan.stop) {
    const done = await stop(s, t, options);
    if (done) changed.push(done);
  }
  for (const { deploymentId, count } of plan.add) changed.push(...(await addInstances(s, deploymentId, count)));
  await note(s, plan);
  const touched = new Set([...changed.map((i) => i.deploymentId), ...plan.add.map((a) => a.deploymentId)]);
  for (const id of touched) await s.status.follow(id, changed.filter((i) => i.deploymentId === id));
  if (changed.length && !plan.app) await planner.publishApp(name);
  const draining = versions.some((v) => v.instances.some((i) => i.retire === 'drain'));
  const acted = plan.add.length + plan.drain.length + plan.stop.length > 0 || plan.app !== null;
  return { busy: app.target !== null || draining || acted, routesChanged: plan.drain.length > 0 || plan.app !== null };
}

/** Out of the router now; a running instance keeps running until its drain time is up, others stop at once. */
async function drain(s: Scheduling, t: InstanceTarget, known: InstanceRecord | undefined, options: RolloutOptions): Promise<InstanceRecord | null> {
  const { state, planner } = s;
  const now = state.now();
  const result = await planner.updateInstance(
    t.deploymentId,
    t.index,
    (current) =>
      current.attempt === t.attempt && current.retire === null
        ? { ...current, retire: current.status === 'running' ? 'drain' : 'stop', retireAt: now, updatedAt: new Date(now).toISOString() }
        : null,
    known?.rev === undefined || known.rev === 0 ? undefined : known,
  );
  if (!result?.changed) return null;
  if (result.record.retire === 'stop') await cancelInstance(s, result.record, options.graceSeconds);
  return result.record;
}

async function stop(s: Scheduling, t: InstanceTarget, options: RolloutOptions): Promise<InstanceRecord | null> {
  const { state, planner } = s;
  const result = await planner.updateInstance(t.deploymentId, t.index, (current) =>
    current.attempt === t.attempt && current.retire === 'drain' ? { ...current, retire: 'stop', updatedAt: new Date(state.now()).toISOString() } : null,
  );
  if (!result?.changed) return null;
  await cancelInstance(s, result.record, options.graceSeconds);
  return result.record;
}

/**
 * New instances: first the places of instances taken out that have ended (a new attempt there), then
 * new indexes, so that scaling up and down again does not grow a deployment without bound.
 */
async function addInstances(s: Scheduling, deploymentId: string, count: number): Promise<InstanceRecord[]> {
  const { state, planner } = s;
  const record = await state.deployment(deploymentId);
  if (!record) return [];
  const now = state.now();
  const reused: InstanceRecord[] = [];
  for (const i of await state.instances(deploymentId, record.spec.replicas)) {
    if (reused.length >= count) break;
    if (i.retire === null || !isTerminalInstance(i.status)) continue;
    const result = await planner.updateInstance(deploymentId, i.index, (current) =>
      current.attempt === i.attempt && current.retire !== null && isTerminalInstance(current.status)
        ? nextAttempt(current, null, BACK_IN_SERVICE, new Date(now).toISOString())
        : null,
    );
    if (result?.changed) reused.push(result.record);
  }
  const more = count - reused.length;
  if (more > 0) {
    await planner.updateDeployment(deploymentId, (current) => ({
      ...current,
      spec: { ...current.spec, replicas: Math.min(Limits.maxReplicas, current.spec.replicas + more) },
      updatedAt: new Date(now).toISOString(),
    }));
  }
  await planner.requestPlacement([deploymentId]);
  return reused;
}

async function note({ state, planner }: Scheduling, plan: RolloutPlan): Promise<void> {
  const time = state.now();
  const byDeployment = new Map<string, NewLogLine[]>();
  for (const { deploymentId, line } of plan.notes) {
    byDeployment.set(deploymentId, [...(byDeployment.get(deploymentId) ?? []), { time, phase: 'system', instance: null, stream: 'system', line }]);
  }
  for (const [id, lines] of byDeployment) await planner.log(id, lines);
}
