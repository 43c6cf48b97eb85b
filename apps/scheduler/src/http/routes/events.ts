import { Channels, ClusterEvent, Heartbeat, parseJsonWith } from '@draas/queue-contracts';
import { Hono } from 'hono';
import { stream as honoStream } from 'hono/streaming';
import type { SchedulerContext } from '../../context.js';
import type { PubSubHub } from '../../store/pubsub.js';
import { Wakeup } from '../../util/wakeup.js';
import { sseEvent } from '../log-follower.js';

// `GET /api/events`: Server-Sent Events of what changes in the cluster, for live views (the
// dashboard): `deployment` and `agent` events (ClusterEvent), every agent `heartbeat`, and a `ping`
// every 15 s when nothing else happens. They are
// prompts: a view that missed some re-reads the API. A client too slow to keep up gets `overflow`
// and should reload, instead of the scheduler buffering for it without bound.

const KEEPALIVE_MS = 15_000;
const MAX_QUEUED = 1000;

export function eventRoutes(ctx: SchedulerContext, hub: PubSubHub): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    c.header('content-type', 'text/event-stream; charset=utf-8');
    c.header('cache-control', 'no-cache');
    c.header('x-accel-buffering', 'no');
    return honoStream(c, async (out) => {
      const queue: string[] = [];
      let overflowed = false;
      const wake = new Wakeup();
      out.onAbort(() => wake.stop());
      const push = (text: string) => {
        if (queue.length >= MAX_QUEUED) overflowed = true;
        else queue.push(text);
        wake.notify();
      };
      const channels = Channels(ctx.keys.prefix);
      const offEvents = await hub.on(channels.events, (message) => {
        const event = parseJsonWith(ClusterEvent, message);
        if (event) push(sseEvent(event.type, JSON.stringify(event)));
      });
      const offBeats = await hub.on(channels.heartbeats, (message) => {
        const beat = parseJsonWith(Heartbeat, message);
        if (beat) push(sseEvent('heartbeat', JSON.stringify(beat)));
      });
      try {
        await out.write(': connected\n\n');
        while (!wake.stopped) {
          if (overflowed) {
            await out.write(sseEvent('overflow', '{"message":"too many events queued for this client; reload"}'));
            return;
          }
          if (queue.length) await out.write(queue.splice(0).join(''));
          // A real event, not a comment: browsers can tell a quiet stream from a dead one.
          else await out.write(sseEvent('ping', '{}'));
          await wake.wait(KEEPALIVE_MS);
        }
      } finally {
        await offEvents();
        await offBeats();
      }
    });
  });
  return app;
}
