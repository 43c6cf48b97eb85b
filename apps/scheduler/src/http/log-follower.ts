import { isTerminalDeployment, parseLogBatch, SseEvents, type LogBatch, type LogGap, type LogLine } from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { compareLogIds } from '../store/log-store.js';
import { deploymentView } from './views.js';
import type { Wakeup } from '../util/wakeup.js';

// Follows one deployment's log for one SSE client. Live lines come from the published batches (in
// stream order: see the contracts' lua/log-append.lua), so a client keeps every line even when a fast
// container pushes lines out of the capped history before the client reads them. The stream is read
// only to replay history, to fill in a batch that did not arrive (each batch names the id before it),
// and on a timer.

const PAGE = 1000;
const IDLE_WAKE_MS = 1000;
/** Lines held for a client slower than the container; beyond this it reads from the history instead. */
const MAX_QUEUED_LINES = 200_000;

export const sseEvent = (event: string, data: string, id?: string): string => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`;

export class LogFollower {
  private last: string | null;
  private queue: LogBatch[] = [];
  private queuedLines = 0;
  private overflowed = false;
  private gapReported = false;
  private lastStatus = '';
  /** The deployment may have changed (an event said so): send its status again. */
  private statusDirty = true;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly deploymentId: string,
    after: string | null,
    private readonly write: (text: string) => Promise<unknown>,
    private readonly wake: Wakeup,
  ) {
    this.last = after;
  }

  /** A published batch (called from the pub/sub listener; never blocks). */
  onBatch(message: string): void {
    const batch = parseLogBatch(message);
    if (!batch || this.overflowed) return;
    this.queue.push(batch);
    this.queuedLines += batch.lines.length;
    if (this.queuedLines > MAX_QUEUED_LINES) {
      this.overflowed = true;
      this.queue = [];
      this.queuedLines = 0;
    }
    this.wake.notify();
  }

  /** A deployment event arrived: the status is read again on the next turn (not after every log batch). */
  onDeploymentEvent(): void {
    this.statusDirty = true;
    this.wake.notify();
  }

  /** Replays history, then follows until the deployment ends or the client goes away. */
  async run(): Promise<void> {
    await this.fromStream(null);
    while (!this.wake.stopped) {
      await this.drainQueue();
      if (this.overflowed) {
        await this.fromStream(null);
        this.overflowed = false;
      }
      if (this.statusDirty) {
        this.statusDirty = false;
        const view = await deploymentView(this.ctx, this.deploymentId);
        const status = JSON.stringify(view);
        if (status !== this.lastStatus) await this.write(sseEvent(SseEvents.status, status));
        this.lastStatus = status;
        if (isTerminalDeployment(view.status)) return this.finish(status);
      }
      const prompted = await this.wake.waitFor(IDLE_WAKE_MS);
      // Quiet for a second: a batch or an event may have been lost with nothing after it to tell.
      if (!prompted) {
        this.statusDirty = true;
        await this.fromStream(null);
      }
    }
  }

  /** The deployment has ended: the agent ships a container's last lines before it reports the end. */
  private async finish(status: string): Promise<void> {
    await this.drainQueue();
    await this.fromStream(null);
    await this.write(sseEvent(SseEvents.end, status));
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length && !this.overflowed) {
      const batch = this.queue.shift() as LogBatch;
      this.queuedLines -= batch.lines.length;
      const lastOfBatch = (batch.lines.at(-1) as LogLine).id;
      if (this.last !== null && compareLogIds(lastOfBatch, this.last) <= 0) continue;
      // Lines between what the client has and this batch were not seen live: read them first.
      if (this.last === null || compareLogIds(batch.prevId, this.last) > 0) await this.fromStream(batch.prevId);
      const fresh = this.last === null ? batch.lines : batch.lines.filter((l) => compareLogIds(l.id, this.last as string) > 0);
      await this.emit(fresh);
    }
  }

  /** Lines after the cursor from the stream, up to `upTo` (inclusive) or its end. */
  private async fromStream(upTo: string | null): Promise<void> {
    await this.reportGap();
    for (;;) {
      const lines = await this.ctx.logs.range(this.deploymentId, this.last, PAGE, upTo);
      await this.emit(lines);
      if (lines.length < PAGE) return;
    }
  }

  private async emit(lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.write(lines.map((l) => sseEvent(SseEvents.log, JSON.stringify(l), l.id)).join(''));
    this.last = (lines.at(-1) as LogLine).id;
  }

  /**
   * Says once, plainly, when the history no longer reaches back to the client's cursor: its oldest
   * line is newer, so lines after the cursor were trimmed (LOG_HISTORY_LINES) before the client read
   * them. (When the trim ended exactly at the cursor nothing was lost; the stream cannot tell.)
   */
  private async reportGap(): Promise<void> {
    if (this.last === null || this.gapReported) return;
    const oldest = await this.ctx.logs.firstId(this.deploymentId);
    if (oldest === null || compareLogIds(oldest, this.last) <= 0) return;
    this.gapReported = true;
    const gap: LogGap = {
      message: `the history now starts at ${oldest}: lines after ${this.last} were trimmed (LOG_HISTORY_LINES) before this client read them`,
      after: this.last,
      oldest,
    };
    await this.write(sseEvent(SseEvents.gap, JSON.stringify(gap)));
  }
}
