import {
  canInstanceTransition,
  holdsResources,
  instanceRef,
  InstanceReport,
  isTerminalInstance,
  type InstanceRecord,
} from '@draas/queue-contracts';
import { UnrecoverableError, type Job } from 'bullmq';
import type { SchedulerContext } from '../context.js';
import { refreshFromInstances, systemLog } from '../deployments/lifecycle.js';
import { afterInstanceEnded } from '../deployments/restarts.js';

// Applies agents' reports to instance records. Reports can arrive late, twice or out of order: one
// for another attempt or agent is stale and ignored, and only moves the state machine allows are kept.

export function statusProcessor(ctx: SchedulerContext, onCapacityFreed: () => void) {
  return async (job: Job): Promise<void> => {
    const parsed = InstanceReport.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad instance report: ${parsed.error.message}`);
    const freed = await applyReport(ctx, parsed.data);
    if (freed) onCapacityFreed();
  };
}

/** Returns true when the report ended the instance and so freed room on its agent. */
export async function applyReport(ctx: SchedulerContext, report: InstanceReport): Promise<boolean> {
  let previous: InstanceRecord['status'] | null = null;
  const result = await ctx.deployments.updateInstance(report.deploymentId, report.index, (current) => {
    previous = current.status;
    if (current.attempt !== report.attempt || current.agentId !== report.agentId) return null;
    if (!canInstanceTransition(current.status, report.status)) return null;
    if (current.status === report.status && current.containerId === report.containerId && sameUrls(current, report)) return null;
    return {
      ...current,
      status: report.status,
      containerId: report.containerId ?? current.containerId,
      ports: report.ports,
      urls: report.urls,
      exitCode: report.exitCode,
      error: report.error,
      updatedAt: new Date(report.at).toISOString(),
    };
  });
  if (!result) return false;
  const instance = result.record;
  // Refused (stale attempt, another agent, a move the machine forbids): nothing follows from it.
  if (instance.attempt !== report.attempt || instance.agentId !== report.agentId || instance.status !== report.status) return false;
  // What follows a change runs again when the same report comes twice (a retried job after a crash
  // half-way, or deploy and reconcile both reporting): every step is idempotent, the log line is not.
  const ref = instanceRef(report.deploymentId, report.index);
  const ended = isTerminalInstance(instance.status);
  if (ended) await ctx.agents.release(report.agentId, ref);
  else if (previous === 'lost' && holdsResources(instance.status)) await reclaim(ctx, report, ref);
  if (result.changed) await systemLog(ctx, report.deploymentId, describe(instance), instance.index);
  if (instance.status === 'exited' || instance.status === 'failed') await afterInstanceEnded(ctx, instance, instance.status, result.changed);
  await refreshFromInstances(ctx, report.deploymentId, result.changed ? instance : null);
  return ended && result.changed;
}

/**
 * An agent that was lost came back with the instance still running (and nothing replaced it): it
 * holds resources again, whatever placement thinks is free, because it really runs there.
 */
async function reclaim(ctx: SchedulerContext, report: InstanceReport, ref: string): Promise<void> {
  const record = await ctx.deployments.require(report.deploymentId);
  await ctx.agents.claim(report.agentId, ref, record.spec.memoryBytes, record.spec.milliCpus);
}

const sameUrls = (a: InstanceRecord, b: InstanceReport): boolean => a.urls.join() === b.urls.join();

function describe(i: InstanceRecord): string {
  const where = `instance ${i.index} (attempt ${i.attempt}) on ${i.agentId}`;
  switch (i.status) {
    case 'running':
      return `${where} running${i.urls.length ? ` at ${i.urls.join(', ')}` : ''}`;
    case 'exited':
    case 'failed':
      return `${where} ${i.status} with exit code ${i.exitCode ?? 'unknown'}${i.error ? `: ${i.error}` : ''}`;
    default:
      return `${where} ${i.status}${i.error ? `: ${i.error}` : ''}`;
  }
}
