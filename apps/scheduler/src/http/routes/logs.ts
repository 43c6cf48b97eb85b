import { Channels, ClusterEvent, parseJsonWith, type LogPage } from '@draas/queue-contracts';
import { Hono } from 'hono';
import { stream as honoStream } from 'hono/streaming';
import type { SchedulerContext } from '../../context.js';
import type { PubSubHub } from '../../store/pubsub.js';
import { LogFollower } from '../log-follower.js';
import { lastEventId, LogsQuery, parseQuery } from '../query.js';
import { deploymentIdParam } from '../views.js';
import { Wakeup } from '../../util/wakeup.js';

// A deployment's log: the stored history in JSON, NDJSON or plain text, or Server-Sent Events that
// replay the history and then follow live (see log-follower.ts), resumable with Last-Event-ID.

export function logRoutes(ctx: SchedulerContext, hub: PubSubHub): Hono {
  const app = new Hono();
  app.get('/:id/logs', async (c) => {
    const id = deploymentIdParam(c.req.param('id'));
    const accept = c.req.header('accept') ?? '';
    const query = parseQuery(c, LogsQuery);
    const follow = query.follow === '1' || query.follow === 'true' || accept.includes('text/event-stream');
    const after = lastEventId(c) ?? query.after ?? null;
    await ctx.deployments.require(id);
    if (!follow) {
      const lines = await ctx.logs.range(id, after, query.limit);
      if (accept.includes('application/x-ndjson')) return c.body(lines.map((l) => JSON.stringify(l) + '\n').join(''), 200, { 'content-type': 'application/x-ndjson' });
      if (accept.includes('text/plain')) return c.text(lines.map((l) => l.line + '\n').join(''));
      const page: LogPage = { lines, next: lines.at(-1)?.id ?? null };
      return c.json(page);
    }
    c.header('content-type', 'text/event-stream; charset=utf-8');
    c.header('cache-control', 'no-cache');
    c.header('x-accel-buffering', 'no');
    return honoStream(c, async (out) => {
      const wake = new Wakeup();
      out.onAbort(() => wake.stop());
      const follower = new LogFollower(ctx, id, after, (text) => out.write(text), wake);
      const channels = Channels(ctx.keys.prefix);
      const offLogs = await hub.on(channels.logs(id), (message) => follower.onBatch(message));
      const offEvents = await hub.on(channels.events, (message) => {
        const event = parseJsonWith(ClusterEvent, message);
        if (event?.type === 'deployment' && event.deploymentId === id) follower.onDeploymentEvent();
      });
      try {
        await follower.run();
      } finally {
        await offLogs();
        await offEvents();
      }
    });
  });
  return app;
}
