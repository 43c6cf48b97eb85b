import { DeploymentView, formatZodError, isTerminalDeployment, LogGap, LogLine, SseEvents } from '@draas/queue-contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { ApiClient } from '../api-client.js';
import { ProtocolError } from '../errors/protocol-error.js';
import { SchedulerUnreachableError } from '../errors/unreachable-error.js';
import { readSse, SseParser } from './sse-parser.js';

// Follows one deployment: its log lines and status changes, over SSE when the scheduler offers it
// (resuming with Last-Event-ID when the stream breaks), else by polling. Callers stop iterating
// when they have seen enough; aborting `signal` ends the iteration quietly.

export type FollowEvent =
  | { kind: 'log'; line: LogLine }
  | { kind: 'status'; view: DeploymentView }
  /** The deployment has ended; nothing follows. */
  | { kind: 'end'; view: DeploymentView }
  /** Something the user should know about the connection (reconnecting, polling instead). */
  | { kind: 'notice'; message: string };

export interface FollowOptions {
  signal: AbortSignal;
  /** Start after this log line id (null: the whole history). */
  after?: string | null;
  pollIntervalMs?: number;
  /** Consecutive failed reconnections before giving up (the last error is thrown). */
  maxRetries?: number;
}

const PAGE = 1000;

export async function* followDeployment(api: ApiClient, id: string, options: FollowOptions): AsyncGenerator<FollowEvent> {
  const { signal, maxRetries = 10 } = options;
  let lastEventId = options.after ?? null;
  let retryMs: number | null = null;
  let failures = 0;
  while (!signal.aborted) {
    // A fresh parser per connection: a half-received event of a broken one must not leak into the next.
    const parser = new SseParser(lastEventId);
    let received = false;
    let unavailable = false;
    let error: unknown = null;
    try {
      const body = await api.openLogStream(id, { lastEventId }, signal);
      if (body === null) unavailable = true;
      else {
        for await (const sse of readSse(body, parser)) {
          received = true;
          lastEventId = sse.id;
          const event = toFollowEvent(sse.event, sse.data);
          if (!event) continue;
          yield event;
          if (event.kind === 'end') return;
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      if (!isTransient(err)) throw err;
      error = err;
    }
    retryMs = parser.retryMs ?? retryMs;
    if (unavailable) {
      yield* poll(api, id, lastEventId, options);
      return;
    }
    if (received) failures = 0;
    else if (++failures > maxRetries) throw error ?? new ProtocolError('log stream', 'it keeps closing without sending anything');
    yield { kind: 'notice', message: 'the log stream was interrupted; reconnecting…' };
    if (!(await pause(backoffMs(failures, retryMs), signal))) return;
  }
}

function toFollowEvent(name: string, data: string): FollowEvent | null {
  switch (name) {
    case SseEvents.log:
      return { kind: 'log', line: parseData(LogLine, name, data) };
    case SseEvents.status:
      return { kind: 'status', view: parseData(DeploymentView, name, data) };
    case SseEvents.end:
      return { kind: 'end', view: parseData(DeploymentView, name, data) };
    case SseEvents.gap:
      return { kind: 'notice', message: `warning: ${parseData(LogGap, name, data).message}` };
    default:
      return null; // events this CLI does not know yet are skipped, so newer schedulers can add some
  }
}

function parseData<T>(schema: z.ZodType<T>, event: string, data: string): T {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new ProtocolError(`SSE event ${event}`, 'its data is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ProtocolError(`SSE event ${event}`, formatZodError(parsed.error));
  return parsed.data;
}

/** The polling fallback: the deployment every interval, then the log lines after the last one seen. */
async function* poll(api: ApiClient, id: string, after: string | null, options: FollowOptions): AsyncGenerator<FollowEvent> {
  const { signal, pollIntervalMs = 500, maxRetries = 10 } = options;
  yield { kind: 'notice', message: 'this scheduler offers no log stream; polling instead' };
  let lastId = after;
  let lastView = '';
  let failures = 0;
  for (;;) {
    try {
      // The view first, then the lines: an ended deployment's last lines are in by the time we stop.
      const view = await api.getDeployment(id, signal);
      for (;;) {
        const page = await api.logs(id, { after: lastId, limit: PAGE }, signal);
        for (const line of page.lines) yield { kind: 'log', line };
        const last = page.lines.at(-1);
        if (last) lastId = last.id;
        if (page.lines.length < PAGE) break;
      }
      const viewKey = JSON.stringify(view);
      if (viewKey !== lastView) yield { kind: 'status', view };
      lastView = viewKey;
      if (isTerminalDeployment(view.status)) {
        yield { kind: 'end', view };
        return;
      }
      failures = 0;
    } catch (err) {
      if (signal.aborted) return;
      if (!isTransient(err) || ++failures > maxRetries) throw err;
    }
    if (!(await pause(failures ? backoffMs(failures, null) : pollIntervalMs, signal))) return;
  }
}

/** Network trouble worth retrying; HTTP errors and contract violations are not. */
export const isTransient = (err: unknown): boolean =>
  err instanceof SchedulerUnreachableError || (err instanceof TypeError && /terminated|fetch failed/i.test(err.message));

export const backoffMs = (failures: number, serverAdvice: number | null): number =>
  serverAdvice ?? Math.min(250 * 2 ** failures, 5_000);

/** Sleeps; false when the signal aborted the wait. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
