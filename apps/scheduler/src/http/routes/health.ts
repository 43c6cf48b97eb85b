import { Hono } from 'hono';
import type { SchedulerContext } from '../../context.js';

/** Open to all (load balancers, probes): says whether this scheduler can reach Redis, nothing more. */
export function healthRoutes(ctx: SchedulerContext): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    try {
      await ctx.ping();
      return c.json({ status: 'ok', redis: 'ok' });
    } catch {
      // The probe's answer is the report: Redis being down is what it exists to say.
      return c.json({ status: 'degraded', redis: 'down' }, 503);
    }
  });
  return app;
}
