// Log lines → batches: the one batcher for everything shipped as log lines (the agent's run output,
// the scheduler's build and push output). One write per batch instead of one per line, sent one at
// a time and in order. No IO of its own: the caller passes the send function.

export interface BatchPolicy {
  /** A batch is sent as soon as this many lines wait, and is never longer. */
  maxLines: number;
  /** ...or once its oldest line has waited this long. */
  maxDelayMs: number;
}

export const DEFAULT_BATCH_POLICY: BatchPolicy = { maxLines: 500, maxDelayMs: 50 };

/** Pause before try `attempt + 1` of a failed send: a little longer each time, at most two seconds. */
const retryDelayMs = (attempt: number): number => Math.min(250 * attempt, 2000);

/**
 * A retry rule: try a failed batch again for up to `ms` after its first try (Redis restarting). Once a
 * batch was given up, later ones get one try each, so a dead Redis fails a closing writer in a minute,
 * not a minute per batch.
 */
export const retryWithin =
  (ms: number) =>
  ({ elapsedMs, gaveUpBefore }: FailedSend): boolean =>
    !gaveUpBefore && elapsedMs <= ms;

/** What a retry rule is told about a send that just failed. */
export interface FailedSend {
  /** Tries of this batch so far (1 after the first failure). */
  attempt: number;
  /** Since the first try of this batch. */
  elapsedMs: number;
  /** Whether an earlier batch was already given up. */
  gaveUpBefore: boolean;
}

export interface LogBatcherOptions<T> {
  /** Writes one batch; a rejection is a failed send. */
  send: (batch: T[]) => Promise<unknown>;
  policy?: BatchPolicy;
  /** Whether a failed send is tried again; by default it is not. */
  retry?: (failed: FailedSend) => boolean;
  /**
   * Called for a batch given up (no more retries). Without it the batcher keeps the first error and
   * flush() rejects with it, so lost lines are never silent; with it the caller owns the loss.
   */
  onGiveUp?: (err: Error, batch: T[]) => void;
  /** Called for a failed send that will be tried again. The hooks must not throw. */
  onRetry?: (err: Error, attempt: number, batch: T[]) => void;
  /** Called once a batch is written, with the number of tries it took. */
  onSent?: (batch: T[], attempts: number) => void;
  /**
   * Backpressure: pause() once this many lines wait, resume() once a send brought them under half
   * of it. For a source that can wait (Docker keeps the output on disk) rather than be buffered.
   */
  highWater?: { lines: number; pause: () => void; resume: () => void };
}

/**
 * Collects lines and sends them in batches: after `maxDelayMs`, or at once when `maxLines` wait.
 * One send at a time, in order; lines pushed meanwhile wait for the next batch.
 */
export class LogBatcher<T> {
  private readonly queue: BatchQueue<T>;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The sends under way, in order; never rejects (a failure is kept in `failure` or handed to onGiveUp). */
  private chain: Promise<void> = Promise.resolve();
  private busy = false;
  private gaveUp = false;
  private failure: Error | null = null;

  constructor(private readonly options: LogBatcherOptions<T>) {
    this.queue = new BatchQueue(options.policy ?? DEFAULT_BATCH_POLICY);
  }

  /** Lines waiting to be sent (not counting a batch being sent). */
  get size(): number {
    return this.queue.size;
  }

  push(items: readonly T[]): void {
    this.queue.add(items, Date.now());
    const { highWater } = this.options;
    if (highWater && this.queue.size >= highWater.lines) highWater.pause();
    this.schedule();
  }

  /**
   * Sends everything waiting now, after the sends under way, and resolves once all is written.
   * Rejects with the first batch given up (unless onGiveUp took it). The batcher can be used again.
   */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.run(() => this.queue.takeAll());
    if (this.failure) throw this.failure;
  }

  private schedule(): void {
    if (this.busy || this.timer) return;
    const wait = this.queue.msUntilDue(Date.now());
    if (wait === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run(() => {
        const batch = this.queue.takeDue(Date.now());
        return batch ? [batch] : [];
      });
    }, wait);
  }

  /** Sends the batches `take` hands out, again and again until it has none, after what runs already. */
  private run(take: () => T[][]): Promise<void> {
    const sent = this.chain.then(async () => {
      this.busy = true;
      try {
        for (let batches = take(); batches.length > 0; batches = take()) {
          for (const batch of batches) await this.send(batch);
        }
      } finally {
        this.busy = false;
        const { highWater } = this.options;
        if (highWater && this.queue.size < highWater.lines / 2) highWater.resume();
        this.schedule();
      }
    });
    // Only a throwing hook rejects `sent`; the sends after it still run.
    this.chain = sent.catch(() => undefined);
    return sent;
  }

  private async send(batch: T[]): Promise<void> {
    const { send, retry, onGiveUp, onRetry, onSent } = this.options;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await send(batch);
        onSent?.(batch, attempt);
        return;
      } catch (caught) {
        const err = caught instanceof Error ? caught : new Error(String(caught));
        if (!retry?.({ attempt, elapsedMs: Date.now() - started, gaveUpBefore: this.gaveUp })) {
          this.gaveUp = true;
          if (onGiveUp) onGiveUp(err, batch);
          else this.failure ??= err;
          return;
        }
        onRetry?.(err, attempt, batch);
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
      }
    }
  }
}

/** The batcher's pure core: which lines wait, and when a batch is due (full, or its oldest line waited long enough). */
export class BatchQueue<T> {
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
