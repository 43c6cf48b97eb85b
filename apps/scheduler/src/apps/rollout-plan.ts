import { isTerminalInstance, type AppRecord, type AppVersion, type DeploymentRecord, type InstanceRecord } from '@draas/queue-contracts';

// The rollout decision (docs/ARCHITECTURE.md, Apps): from an app's record and its versions'
// instances, what to do next. Pure, so that every case is a unit test; apps/rollout.ts carries it out.
//
// A version is a deployment; an instance taken out of service is never reused as such (`retire`).
// While a version rolls out (`target`), new instances start up to `replicas + maxSurge` in all, and
// old ones are taken out only while `replicas - maxUnavailable` stay healthy; a taken-out instance
// drains (out of the router) for `drainMs`, then stops. The rollout fails, and the old version keeps
// serving, when the new version's build fails, one of its instances ends or turns unhealthy, or none
// of those asked for turns healthy within the deadline. Without a rollout, the current version is
// kept at `replicas` instances (the restart policy replaces those that end) and every other version
// is taken out.

export interface VersionInstances {
  version: AppVersion;
  deployment: DeploymentRecord;
  instances: InstanceRecord[];
}

export interface InstanceTarget {
  deploymentId: string;
  index: number;
  attempt: number;
}

export interface RolloutPlan {
  /** New instances to start, per deployment. */
  add: { deploymentId: string; count: number }[];
  /** Take out of service: out of the router now, stopped after draining. */
  drain: InstanceTarget[];
  /** Drained long enough (or never served): stop now. */
  stop: InstanceTarget[];
  /** The app record as it should be next; null when unchanged. */
  app: AppRecord | null;
  /** Lines for the versions' logs: what the rollout did and why. */
  notes: { deploymentId: string; line: string }[];
}

export interface PlanOptions {
  now: number;
  drainMs: number;
}

/** The note of an instance's new attempt in the place of one taken out of service (a scale up). */
export const BACK_IN_SERVICE = 'back in service';

/** In service or on its way: not taken out, not ended. */
export const isLive = (i: InstanceRecord): boolean => i.retire === null && !isTerminalInstance(i.status);
/** In the router: running, healthy, not taken out. */
export const isServing = (i: InstanceRecord): boolean => i.retire === null && i.status === 'running' && i.health === 'healthy';

const target = (i: InstanceRecord): InstanceTarget => ({ deploymentId: i.deploymentId, index: i.index, attempt: i.attempt });

/** Which instances to take out first: not serving before serving, then the highest index. */
const retireOrder = (a: InstanceRecord, b: InstanceRecord): number => Number(isServing(a)) - Number(isServing(b)) || b.index - a.index;

export function planRollout(app: AppRecord, versions: readonly VersionInstances[], options: PlanOptions): RolloutPlan {
  const plan: RolloutPlan = { add: [], drain: [], stop: [], app: null, notes: [] };
  // Drained instances whose time is up stop, whatever else happens.
  for (const v of versions) {
    for (const i of v.instances) {
      if (i.retire === 'drain' && (i.status !== 'running' || (i.retireAt ?? 0) + options.drainMs <= options.now)) plan.stop.push(target(i));
    }
  }
  const rolling = app.target === null ? undefined : versions.find((v) => v.version.version === app.target);
  if (rolling) planTarget(app, rolling, versions, options, plan);
  else if (app.target !== null) forgetTarget(app, plan);
  else planSteady(app, versions, plan);
  return plan;
}

function planTarget(app: AppRecord, next: VersionInstances, versions: readonly VersionInstances[], options: PlanOptions, plan: RolloutPlan): void {
  const failure = rolloutFailure(app, next, options.now);
  if (failure) return fail(app, next, failure, plan);
  const old = versions.filter((v) => v.version.version !== next.version.version);
  const { replicas, rollout } = app;
  const newLive = next.instances.filter(isLive);
  const newServing = newLive.filter(isServing).length;
  const oldLive = old.flatMap((v) => v.instances.filter(isLive));
  const oldServing = oldLive.filter(isServing).length;
  let record: AppRecord = app;

  // Start new instances once the image is there, within the surge.
  const room = Math.min(replicas - newLive.length, replicas + rollout.maxSurge - newLive.length - oldLive.length);
  if (room > 0 && next.deployment.image !== null) {
    plan.add.push({ deploymentId: next.deployment.id, count: room });
    plan.notes.push({ deploymentId: next.deployment.id, line: `rollout of v${next.version.version}: starting ${room} new instance(s)` });
    record = { ...record, stepAt: options.now };
  }
  // Take old ones out: those not serving freely, serving ones only while enough stay serving.
  const keepOld = Math.max(0, replicas - newServing - rollout.maxUnavailable);
  let excess = oldLive.length - keepOld;
  let spareServing = newServing + oldServing - Math.max(0, replicas - rollout.maxUnavailable);
  for (const i of [...oldLive].sort(retireOrder)) {
    if (excess <= 0) break;
    if (isServing(i)) {
      if (spareServing <= 0) break;
      spareServing--;
    }
    excess--;
    plan.drain.push(target(i));
  }
  const drained = plan.drain.length;
  if (drained) plan.notes.push({ deploymentId: next.deployment.id, line: `rollout of v${next.version.version}: ${newServing}/${replicas} new healthy; taking ${drained} old instance(s) out` });

  const done = newServing >= replicas && oldLive.length - drained === 0;
  if (done) {
    record = {
      ...record,
      current: next.version.version,
      target: null,
      stepAt: null,
      versions: record.versions.map((v) =>
        v.version === next.version.version
          ? { ...v, state: 'serving', reason: null, everHealthy: v.everHealthy || replicas > 0 }
          : v.state === 'serving' || v.state === 'rolling'
            ? { ...v, state: 'replaced', reason: `replaced by v${next.version.version}` }
            : v,
      ),
    };
    plan.notes.push({ deploymentId: next.deployment.id, line: `rollout of v${next.version.version} done: ${newServing}/${replicas} healthy, serving` });
  } else if (newServing >= replicas && replicas > 0 && !next.version.everHealthy) {
    record = { ...record, versions: record.versions.map((v) => (v.version === next.version.version ? { ...v, everHealthy: true } : v)) };
  }
  if (record !== app) plan.app = record;
}

/** Why the rollout of `next` failed, or null while it may still succeed. */
function rolloutFailure(app: AppRecord, next: VersionInstances, now: number): string | null {
  const { deployment, instances } = next;
  if (deployment.desired === 'cancelled') return 'its deployment was cancelled';
  if (deployment.status === 'failed' && instances.length === 0) return deployment.error ?? 'its build failed';
  for (const i of instances) {
    if (i.retire !== null) continue;
    if (i.health === 'unhealthy') return `instance ${i.index} unhealthy: ${i.healthError ?? 'its health check failed'}`;
    if (i.status === 'failed' || i.status === 'exited' || i.status === 'lost') return `instance ${i.index} ${i.status}: ${i.error ?? `exit code ${i.exitCode ?? 'unknown'}`}`;
    // Restarted by its policy after it ended: the note says why.
    if (i.attempt > 1 && i.status === 'pending' && i.error && i.error !== BACK_IN_SERVICE) return `instance ${i.index} ended, ${i.error}`;
  }
  const waiting = instances.filter((i) => isLive(i) && !isServing(i));
  if (app.stepAt !== null && waiting.length && now - app.stepAt > app.rollout.healthDeadlineMs) {
    const said = waiting.find((i) => i.healthError)?.healthError;
    const where = waiting.some((i) => i.status === 'pending') ? (deployment.error ?? 'no agent could take it') : said;
    return `not healthy within ${Math.round(app.rollout.healthDeadlineMs / 1000)} s${where ? `: ${where}` : ''}`;
  }
  return null;
}

function fail(app: AppRecord, next: VersionInstances, reason: string, plan: RolloutPlan): void {
  for (const i of next.instances) if (isLive(i)) plan.drain.push(target(i));
  plan.app = {
    ...app,
    target: null,
    stepAt: null,
    versions: app.versions.map((v) => (v.version === next.version.version ? { ...v, state: 'failed', reason } : v)),
  };
  const still = app.current === null ? 'nothing serves' : `v${app.current} still serves`;
  plan.notes.push({ deploymentId: next.deployment.id, line: `rollout of v${next.version.version} failed: ${reason}; ${still}` });
}

/** The version rolling out has no deployment (its recording failed half-way): it failed, nothing else changes. */
function forgetTarget(app: AppRecord, plan: RolloutPlan): void {
  const reason = 'its deployment was never recorded; deploy again';
  plan.app = { ...app, target: null, stepAt: null, versions: app.versions.map((v) => (v.version === app.target ? { ...v, state: 'failed', reason } : v)) };
}

function planSteady(app: AppRecord, versions: readonly VersionInstances[], plan: RolloutPlan): void {
  for (const v of versions) {
    const members = v.instances.filter((i) => i.retire === null);
    if (v.version.version !== app.current) {
      // Not the serving version (a failed or replaced one): nothing of it stays in service.
      for (const i of members.filter(isLive)) plan.drain.push(target(i));
      continue;
    }
    // Ended instances still count: their restart policy decided about them.
    const missing = app.replicas - members.length;
    if (missing > 0) {
      plan.add.push({ deploymentId: v.deployment.id, count: missing });
      plan.notes.push({ deploymentId: v.deployment.id, line: `scaling v${v.version.version} to ${app.replicas}: starting ${missing} instance(s)` });
    } else if (missing < 0) {
      const out = [...members].sort((a, b) => Number(isLive(a)) - Number(isLive(b)) || retireOrder(a, b)).slice(0, -missing);
      for (const i of out) plan.drain.push(target(i));
      plan.notes.push({ deploymentId: v.deployment.id, line: `scaling v${v.version.version} to ${app.replicas}: taking ${out.length} instance(s) out` });
    }
  }
}
