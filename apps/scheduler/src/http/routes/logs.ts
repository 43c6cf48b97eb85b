import { Channels, ClusterEvent, isTerminalDeployment, parseJsonWith, SseEvents, type LogGap, type LogLine, type LogPage } from '@draas/queue-contracts';
import { Hono } from 'hono';
import { stream as honoStream } from 'hono/streaming';
import type { SchedulerContext } from '../../context.js';
import { BadRequest } from '../../errors/index.js';
import { compareLogIds } from '../../store/log-store.js';
import type { PubSubHub } from '../../store/pubsub.js';
import { deploymentIdParam, deploymentView, limitParam } from '../views.js';
import { Wakeup } from '../wakeup.js';

// A deployment's log: the stored history in JSON, NDJSON or plain text, or Server-Sent Events that
// replay the history and then follow live. The stream (history) is the truth; pub/sub only wakes the
// follower up, and a timer does too, so a dropped message delays a line by a second, never loses it.

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const PAGE = 1000;
const IDLE_WAKE_MS = 1000;

function cursor(value: string | undefined | null): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (!STREAM_ID.test(value)) throw new BadRequest(`"${value}" is not a log line id (such as 1732700000000-0)`);
  return value;
}

export const sseEvent = (event: string, data: string, id?: string): string => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`;

export function logRoutes(ctx: SchedulerContext, hub: PubSubHub): Hono {
  const app = new Hono();
  app.get('/:id/logs', async (c) => {
    const id = deploymentIdParam(c.req.param('id'));
    await ctx.deployments.require(id);
    const accept = c.req.header('accept') ?? '';
    const follow = c.req.query('follow') === '1' || c.req.query('follow') === 'true' || accept.includes('text/event-stream');
    const after = cursor(c.req.header('last-event-id') ?? c.req.query('after'));
    if (!follow) {
      const lines = await ctx.logs.range(id, after, limitParam(c.req.query('limit'), 1000, 10_000));
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
      const offLogs = await hub.on(Channels(ctx.keys.prefix).logs(id), () => wake.notify());
      const offEvents = await hub.on(Channels(ctx.keys.prefix).events, (message) => {
        if (parseJsonWith(ClusterEvent, message)?.type === 'deployment') wake.notify();
      });
      try {
        await followLogs(ctx, id, after, (text) => out.write(text), wake);
      } finally {
        await offLogs();
        await offEvents();
      }
    });
  });
  return app;
}

async function followLogs(ctx: SchedulerContext, id: string, after: string | null, write: (text: string) => Promise<unknown>, wake: Wakeup): Promise<void> {
  let last = after;
  let lastStatus = '';
  let gapReported = false;
  const drain = async () => {
    if (last !== null && !gapReported) {
      const trimmed = await ctx.logs.trimmedUpTo(id);
      if (compareLogIds(trimmed, last) > 0) {
        gapReported = true;
        const message = `lines after ${last} up to ${trimmed} were trimmed from the history (LOG_HISTORY_LINES) before this client read them`;
        const gap: LogGap = { message, after: last, trimmedUpTo: trimmed };
        await write(sseEvent(SseEvents.gap, JSON.stringify(gap)));
      }
    }
    for (;;) {
      const lines: LogLine[] = await ctx.logs.range(id, last, PAGE);
      if (lines.length === 0) return;
      await write(lines.map((l) => sseEvent(SseEvents.log, JSON.stringify(l), l.id)).join(''));
      last = lines.at(-1)?.id ?? last;
      if (lines.length < PAGE) return;
    }
  };
  while (!wake.stopped) {
    await drain();
    const view = await deploymentView(ctx, id);
    const status = JSON.stringify(view);
    if (status !== lastStatus) await write(sseEvent(SseEvents.status, status));
    lastStatus = status;
    if (isTerminalDeployment(view.status)) {
      await drain();
      await write(sseEvent(SseEvents.end, status));
      return;
    }
    await wake.wait(IDLE_WAKE_MS);
  }
}
