import type { NewLogLine } from '@draas/queue-contracts';
import type { Clock } from '../store/clock.js';

/**
 * Gathers build output into batches (one Redis round trip per batch, not per line), flushed every
 * 100 ms or 500 lines, in order: a flush waits for the one before it.
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
    this.chain = this.chain.then(() => this.write(batch)).catch((err: Error) => {
      this.failure ??= err;
    });
  }

  /** Writes what is left; throws the first write failure, so lost log lines are never silent. */
  async close(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
  }
}
