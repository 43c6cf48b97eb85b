// Pure batching of log lines: when a batch is due (full, or its oldest line has waited long enough).

export interface BatchPolicy {
  maxLines: number;
  maxDelayMs: number;
}

export const DEFAULT_BATCH_POLICY: BatchPolicy = { maxLines: 500, maxDelayMs: 50 };

export class LogBatcher<T> {
  private items: T[] = [];
  private oldestAt: number | null = null;

  constructor(private readonly policy: BatchPolicy = DEFAULT_BATCH_POLICY) {}

  get size(): number {
    return this.items.length;
  }

  add(items: readonly T[], now: number): void {
    if (items.length === 0) return;
    if (this.oldestAt === null) this.oldestAt = now;
    this.items.push(...items);
  }

  /** Milliseconds until a batch is due; null when there is nothing to ship. */
  msUntilDue(now: number): number | null {
    if (this.oldestAt === null) return null;
    if (this.items.length >= this.policy.maxLines) return 0;
    return Math.max(0, this.oldestAt + this.policy.maxDelayMs - now);
  }

  /** The next batch if one is due, at most maxLines long. */
  takeDue(now: number): T[] | null {
    const wait = this.msUntilDue(now);
    if (wait === null || wait > 0) return null;
    const batch = this.items.splice(0, this.policy.maxLines);
    // Lines left behind have waited at least as long as the batch that went: still due.
    if (this.items.length === 0) this.oldestAt = null;
    return batch;
  }

  /** Everything, in batches of at most maxLines (the stream ended). */
  takeAll(): T[][] {
    const batches: T[][] = [];
    while (this.items.length > 0) batches.push(this.items.splice(0, this.policy.maxLines));
    this.oldestAt = null;
    return batches;
  }
}
