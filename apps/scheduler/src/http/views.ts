import { DeploymentId, type DeploymentView } from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { toDeploymentView } from '../deployments/views.js';
import { BadRequest } from '../errors.js';

/** Checks an id from a URL before it is used in any Redis key. */
export function deploymentIdParam(value: string | undefined): string {
  const parsed = DeploymentId.safeParse(value);
  if (!parsed.success) throw new BadRequest(`"${value ?? ''}" is not a deployment id (12 lowercase letters or digits)`);
  return parsed.data;
}

export async function deploymentView(ctx: SchedulerContext, id: string): Promise<DeploymentView> {
  const record = await ctx.deployments.require(id);
  return toDeploymentView(record, await ctx.deployments.instances(id, record.spec.replicas));
}

export async function listViews(ctx: SchedulerContext, limit: number): Promise<DeploymentView[]> {
  const records = await ctx.deployments.list(limit);
  return Promise.all(records.map(async (r) => toDeploymentView(r, await ctx.deployments.instances(r.id, r.spec.replicas))));
}
