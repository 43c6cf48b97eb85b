import { Hono } from 'hono';
import type { SchedulerContext } from '../../context.js';
import { RedeployRequest, type Timeline } from '@draas/queue-contracts';
import { cancelDeployment, type CancelOptions } from '../../deployments/cancel.js';
import { redeploy } from '../../deployments/create.js';
import { toDeploymentView } from '../../deployments/views.js';
import { UnsupportedMediaType } from '../../errors.js';
import { createBatchFromJson, createFromJson, createFromMultipart, readJson } from '../create-deployment.js';
import { ListQuery, NoQuery, parseQuery } from '../query.js';
import { deploymentIdParam, deploymentView, listViews } from '../views.js';

export function deploymentRoutes(ctx: SchedulerContext, cancelOptions: CancelOptions): Hono {
  const app = new Hono();

  app.post('/', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (type.startsWith('multipart/form-data')) return c.json(await createFromMultipart(ctx, c.req.raw, 'archive'), 202);
    if (type.startsWith('application/json')) return c.json(await createFromJson(ctx, await readJson(c.req.raw)), 202);
    throw new UnsupportedMediaType(
      'send multipart/form-data with the ZIP in the field "archive", or application/json with {"image": "..."}',
    );
  });

  app.post('/batch', async (c) => {
    if (!(c.req.header('content-type') ?? '').startsWith('application/json')) {
      throw new UnsupportedMediaType('send application/json: {"deployments": [{"image": "nginx:1.27"}, …]}');
    }
    return c.json({ deployments: await createBatchFromJson(ctx, await readJson(c.req.raw)) }, 202);
  });

  app.get('/', async (c) => c.json({ deployments: await listViews(ctx, parseQuery(c, ListQuery).limit) }));

  app.get('/:id', async (c) => {
    parseQuery(c, NoQuery);
    return c.json(await deploymentView(ctx, deploymentIdParam(c.req.param('id'))));
  });

  const cancel = async (id: string) => {
    const record = await cancelDeployment(ctx.scheduling, deploymentIdParam(id), cancelOptions);
    return toDeploymentView(record, await ctx.deployments.instances(record.id, record.spec.replicas));
  };
  app.post('/:id/cancel', async (c) => c.json(await cancel(c.req.param('id')), 202));
  app.delete('/:id', async (c) => c.json(await cancel(c.req.param('id')), 202));

  app.get('/:id/timeline', async (c) => {
    const id = deploymentIdParam(c.req.param('id'));
    await ctx.deployments.require(id);
    const timeline: Timeline = { events: await ctx.events.timeline(id) };
    return c.json(timeline);
  });

  app.post('/:id/redeploy', async (c) => {
    const id = deploymentIdParam(c.req.param('id'));
    const body = c.req.header('content-type')?.startsWith('application/json') ? RedeployRequest.parse(await readJson(c.req.raw)) : {};
    const record = await redeploy(ctx, id, body.replace ?? false, cancelOptions);
    return c.json(toDeploymentView(record, []), 202);
  });

  return app;
}
