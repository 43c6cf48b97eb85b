import type { NewLogLine } from '@draas/queue-contracts';
import type { Clock } from '../store/clock.js';

/** How long a batch's write is tried again while Redis is away (a restart), before the build fails. */
const WRITE_RETRY_FOR_MS = 60_000;

/**
 * Gathers build output into batches (one Redis round trip per batch, not per line), flushed every
 * 100 ms or 500 lines, in order: a flush waits for the one before it. A failed write is tried again
 * (Redis restarting) for up to a minute, so no line is lost to a short outage.
 */
export class LogBatcher {
  private pending: NewLogLine[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;

  constructor(
    private readonly write: (lines: NewLogLine[]) => Promise<unknown>,
    private readonly clock: Clock,
    private readonly maxLines = 500,
    private readonly maxDelayMs = 100,
  ) {}

  add(lines: readonly string[]): void {
    const time = this.clock.now();
    for (const line of lines) this.pending.push({ time, phase: 'build', instance: null, stream: 'stdout', line });
    if (this.pending.length >= this.maxLines) this.flush();
    else if (!this.timer && this.pending.length) this.timer = setTimeout(() => this.flush(), this.maxDelayMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.chain = this.chain.then(() => this.writeRetrying(batch)).catch((err: Error) => {
      this.failure ??= err;
    });
  }

  private async writeRetrying(batch: NewLogLine[]): Promise<void> {
    const deadline = Date.now() + WRITE_RETRY_FOR_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.write(batch);
        return;
      } catch (err) {
        if (this.failure || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
      }
    }
  }

  /** Writes what is left; throws the first write failure, so lost log lines are never silent. */
  async close(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
  }
}
