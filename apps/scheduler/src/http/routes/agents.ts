import { Hono } from 'hono';
import type { SchedulerContext } from '../../context.js';
import { toAgentView } from '../../deployments/views.js';

export function agentRoutes(ctx: SchedulerContext): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.json({ agents: (await ctx.agents.list()).map(toAgentView) }));
  return app;
}
