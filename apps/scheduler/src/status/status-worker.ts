import {
  InstanceStatusJob,
  canInstanceTransition,
  holdsResources,
  instanceRef,
  InstanceReport,
  isTerminalInstance,
  type InstanceRecord,
  type NewLogLine,
} from '@draas/queue-contracts';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Scheduling } from '../cluster/scheduling.js';
import { afterInstanceEnded } from '../deployments/restarts.js';
import { mapLimit } from '../util/map-limit.js';

const BATCH_PARALLELISM = 32;

// Applies agents' reports to instance records. Reports can arrive late, twice or out of order: one
// for another attempt or agent is stale and ignored, and only moves the state machine allows are kept.

export function statusProcessor(s: Scheduling, onCapacityFreed: () => void) {
  return async (job: Job): Promise<void> => {
    const parsed = InstanceStatusJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad instance report: ${parsed.error.message}`);
    const reports = parsed.data.type === 'instance-status' ? [parsed.data] : parsed.data.reports;
    const freed = await applyReports(s, reports);
    if (freed) onCapacityFreed();
  };
}

/** What applying one report changed. */
interface Applied {
  instance: InstanceRecord;
  changed: boolean;
  /** It ended now and gave its room back on the agent. */
  freed: boolean;
}

/**
 * Reports of one job: in order for each instance, different instances side by side. Then, once per
 * deployment, the log lines in one append, what the restart policy says about ended instances, and
 * one recomputation of the deployment's status (shared by a burst of replicas).
 */
export async function applyReports(s: Scheduling, reports: readonly InstanceReport[]): Promise<boolean> {
  const byInstance = new Map<string, InstanceReport[]>();
  for (const report of reports) {
    const ref = instanceRef(report.deploymentId, report.index);
    byInstance.set(ref, [...(byInstance.get(ref) ?? []), report]);
  }
  const applied: Applied[] = [];
  await mapLimit([...byInstance.values()], BATCH_PARALLELISM, async (inOrder) => {
    for (const report of inOrder) {
      const outcome = await applyReport(s, report);
      if (outcome) applied.push(outcome);
    }
  });
  const byDeployment = new Map<string, Applied[]>();
  for (const a of applied) byDeployment.set(a.instance.deploymentId, [...(byDeployment.get(a.instance.deploymentId) ?? []), a]);
  await Promise.all([...byDeployment].map(([id, outcomes]) => followUp(s, id, outcomes)));
  return applied.some((a) => a.freed);
}

async function followUp(s: Scheduling, deploymentId: string, outcomes: readonly Applied[]): Promise<void> {
  const changed = outcomes.filter((o) => o.changed).map((o) => o.instance);
  const time = s.state.now();
  const lines: NewLogLine[] = changed.map((i) => ({ time, phase: 'system', instance: i.index, stream: 'system', line: describe(i) }));
  await s.planner.log(deploymentId, lines);
  for (const { instance, changed: first } of outcomes) {
    if (instance.status === 'exited' || instance.status === 'failed') await afterInstanceEnded(s, instance, instance.status, first);
  }
  await s.status.follow(deploymentId, changed);
}

/** Applies one report to its instance record; null when it is refused (stale, another agent, a forbidden move). */
async function applyReport(s: Scheduling, report: InstanceReport): Promise<Applied | null> {
  let previous: InstanceRecord['status'] | null = null;
  const result = await s.planner.updateInstance(report.deploymentId, report.index, (current) => {
    previous = current.status;
    if (current.attempt !== report.attempt || current.agentId !== report.agentId) return null;
    if (!canInstanceTransition(current.status, report.status)) return null;
    const health = report.status === 'running' ? (report.health ?? current.health) : null;
    const healthError = report.status === 'running' ? (report.healthError === undefined ? current.healthError : report.healthError) : current.healthError;
    const sameHealth = current.health === health && current.healthError === healthError;
    if (current.status === report.status && current.containerId === report.containerId && sameUrls(current, report) && sameHealth) return null;
    return {
      ...current,
      status: report.status,
      health,
      healthError,
      containerId: report.containerId ?? current.containerId,
      ports: report.ports,
      urls: report.urls,
      exitCode: report.exitCode,
      error: report.error,
      updatedAt: new Date(report.at).toISOString(),
    };
  });
  if (!result) return null;
  const instance = result.record;
  if (instance.attempt !== report.attempt || instance.agentId !== report.agentId || instance.status !== report.status) return null;
  // What follows a change runs again when the same report comes twice (a retried job after a crash
  // half-way, or deploy and reconcile both reporting): every step is idempotent, the log line is not.
  const ref = instanceRef(report.deploymentId, report.index);
  const ended = isTerminalInstance(instance.status);
  if (ended) await s.planner.release(report.agentId, ref);
  else if (previous === 'lost' && holdsResources(instance.status)) await reclaim(s, report, ref);
  return { instance, changed: result.changed, freed: ended && result.changed };
}

/**
 * An agent that was lost came back with the instance still running (and nothing replaced it): it
 * holds resources again, whatever placement thinks is free, because it really runs there.
 */
async function reclaim({ state, planner }: Scheduling, report: InstanceReport, ref: string): Promise<void> {
  const record = await state.deployment(report.deploymentId);
  if (!record) throw new Error(`instance ${ref} reports from ${report.agentId} but its deployment does not exist`);
  await planner.claim(report.agentId, ref, record.spec.memoryBytes, record.spec.milliCpus);
}

const sameUrls = (a: InstanceRecord, b: InstanceReport): boolean => a.urls.join() === b.urls.join();

function describe(i: InstanceRecord): string {
  const where = `instance ${i.index} (attempt ${i.attempt}) on ${i.agentId}`;
  switch (i.status) {
    case 'running':
      if (i.health === 'healthy') return `${where} healthy`;
      if (i.health === 'unhealthy') return `${where} unhealthy${i.healthError ? `: ${i.healthError}` : ''}`;
      if (i.health === 'starting' && i.healthError) return `${where} running, not healthy yet: ${i.healthError}`;
      return `${where} running${i.urls.length ? ` at ${i.urls.join(', ')}` : ''}`;
    case 'exited':
    case 'failed':
      return `${where} ${i.status} with exit code ${i.exitCode ?? 'unknown'}${i.error ? `: ${i.error}` : ''}`;
    default:
      return `${where} ${i.status}${i.error ? `: ${i.error}` : ''}`;
  }
}
