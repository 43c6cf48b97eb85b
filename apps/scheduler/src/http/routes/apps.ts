import { AppList, DeploymentName, RollbackRequest, ScaleRequest, formatZodError } from '@draas/queue-contracts';
import { Hono } from 'hono';
import type { z } from 'zod';
import { appView, appViews, destroyApp, rollback, scale } from '../../apps/app-actions.js';
import type { SchedulerContext } from '../../context.js';
import type { CancelOptions } from '../../deployments/cancel.js';
import { BadRequest } from '../../errors.js';
import { readJson } from '../create-deployment.js';
import { NoQuery, parseQuery } from '../query.js';

// `/api/apps` (docs/API.md, Apps): list, one app, scale, rollback, destroy. Same token rules as the
// rest of the API: reading with any token, changing with the admin token.

function nameParam(value: string | undefined): string {
  const parsed = DeploymentName.safeParse(value);
  if (!parsed.success) throw new BadRequest(`"${(value ?? '').slice(0, 64)}" is not an app name: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

async function body<T extends z.ZodType>(request: Request, schema: T, example: string): Promise<z.output<T>> {
  const text = request.headers.get('content-type')?.startsWith('application/json') ? await readJson(request) : {};
  const parsed = schema.safeParse(text);
  if (!parsed.success) throw new BadRequest(`${formatZodError(parsed.error)} (example body: ${example})`);
  return parsed.data;
}

export function appRoutes(ctx: SchedulerContext, cancel: CancelOptions, routersUpdated: () => Promise<void>): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    parseQuery(c, NoQuery);
    const list: AppList = { apps: await appViews(ctx) };
    return c.json(list);
  });
  app.get('/:name', async (c) => {
    parseQuery(c, NoQuery);
    return c.json(await appView(ctx, nameParam(c.req.param('name'))));
  });
  app.post('/:name/scale', async (c) => {
    const name = nameParam(c.req.param('name'));
    const { replicas } = await body(c.req.raw, ScaleRequest, '{"replicas": 3}');
    return c.json(await scale(ctx, name, replicas), 202);
  });
  app.post('/:name/rollback', async (c) => {
    const name = nameParam(c.req.param('name'));
    const { version } = await body(c.req.raw, RollbackRequest, '{"version": 2}');
    return c.json(await rollback(ctx, name, version), 202);
  });
  app.delete('/:name', async (c) => c.json(await destroyApp(ctx, nameParam(c.req.param('name')), cancel, routersUpdated)));
  return app;
}
