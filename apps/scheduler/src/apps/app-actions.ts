import type { AppDestroyed, AppView, DeploymentRecord, DeploymentSource, DeploymentSpec, ParsedCreateDeploymentRequest } from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { cancelDeployment, type CancelOptions } from '../deployments/cancel.js';
import { createDeployment, newDeploymentId } from '../deployments/create.js';
import { systemLog } from '../deployments/lifecycle.js';
import { Conflict } from '../errors.js';
import { readVersions } from './app-reader.js';
import { toAppView, type RouterAddress } from './app-views.js';
import { addVersion, requireApp, rollbackSource, scaleApp } from './versions.js';

// The API's app operations (docs/ARCHITECTURE.md, Apps), over the scheduler's context: records
// through the planner, deployments through deployments/create.ts. Every change publishes an `app`
// event, which wakes the app watchers of every scheduler.

export const routerAddress = (ctx: SchedulerContext): RouterAddress => ({ enabled: ctx.config.router.adminUrls.length > 0, ...ctx.config.router });

export async function appView(ctx: SchedulerContext, name: string): Promise<AppView> {
  const app = await requireApp(ctx.scheduling, name);
  return toAppView(app, await readVersions(ctx.scheduling.state, app, true), routerAddress(ctx));
}

export async function appViews(ctx: SchedulerContext): Promise<AppView[]> {
  const apps = await ctx.apps.getMany(await ctx.apps.names());
  return Promise.all(apps.map(async (app) => toAppView(app, await readVersions(ctx.scheduling.state, app, true), routerAddress(ctx))));
}

/** A deployment asked for with `app`: the app's next version, starting with no instance (its rollout adds them). */
export async function deployVersion(
  ctx: SchedulerContext,
  id: string,
  source: DeploymentSource,
  spec: DeploymentSpec,
  options: Pick<ParsedCreateDeploymentRequest, 'replicas' | 'maxSurge' | 'maxUnavailable' | 'healthDeadline'> & { app: string },
  imageId?: string | null,
  rollbackOf?: number,
): Promise<DeploymentRecord> {
  const rollout = {
    ...(options.maxSurge !== undefined && { maxSurge: options.maxSurge }),
    ...(options.maxUnavailable !== undefined && { maxUnavailable: options.maxUnavailable }),
    ...(options.healthDeadline !== undefined && { healthDeadlineMs: options.healthDeadline }),
  };
  const name = options.app;
  const version = await addVersion(ctx.scheduling, { name, deploymentId: id, replicas: options.replicas, rollout, rollbackOf });
  const record = await createDeployment(ctx, id, source, { ...spec, replicas: 0 }, imageId, { name, version });
  await systemLog(ctx.scheduling, id, `v${version} of app ${name}${rollbackOf ? `, repeating v${rollbackOf}` : ''}: it rolls out once its image is ready`);
  await ctx.scheduling.planner.publishApp(name);
  return record;
}

export async function scale(ctx: SchedulerContext, name: string, replicas: number): Promise<AppView> {
  await scaleApp(ctx.scheduling, name, replicas);
  return appView(ctx, name);
}

/** A new version with the image and settings of an earlier one. */
export async function rollback(ctx: SchedulerContext, name: string, asked: number | undefined): Promise<AppView> {
  const app = await requireApp(ctx.scheduling, name);
  const source = rollbackSource(app, asked);
  const old = await ctx.deployments.require(source.deploymentId);
  if (old.image === null) throw new Conflict(`v${source.version} of ${name} has no image (its build did not finish); deploy the code again`);
  await deployVersion(ctx, newDeploymentId(), { kind: 'image', image: old.image }, old.spec, { app: name }, old.imageId, source.version);
  return appView(ctx, name);
}

/** Frees the name, takes the app out of the routers, and stops every version. */
export async function destroyApp(ctx: SchedulerContext, name: string, cancel: CancelOptions, routersUpdated: () => Promise<void>): Promise<AppDestroyed> {
  const app = await requireApp(ctx.scheduling, name);
  await ctx.scheduling.planner.deleteApp(name);
  await ctx.scheduling.planner.publishApp(name);
  await routersUpdated();
  let stopped = 0;
  for (const v of app.versions) {
    const record = await ctx.deployments.get(v.deploymentId);
    if (!record || record.desired === 'cancelled') continue;
    await cancelDeployment(ctx.scheduling, record.id, cancel);
    stopped++;
  }
  return { name, stopped };
}
