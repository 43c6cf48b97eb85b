/**
 * Runs work per key so that a burst of requests for one key costs at most two runs: the one under
 * way, and one more after it that covers every request made meanwhile. Each caller's promise settles
 * once a run that started after its request has finished.
 */
export class KeyedCoalescer {
  private readonly entries = new Map<string, { current: Promise<void>; queued: Promise<void> | null }>();

  run(key: string, work: () => Promise<void>): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return this.start(key, work);
    entry.queued ??= entry.current.then(
      () => this.startQueued(key, work),
      () => this.startQueued(key, work),
    );
    return entry.queued;
  }

  private startQueued(key: string, work: () => Promise<void>): Promise<void> {
    this.entries.delete(key);
    return this.start(key, work);
  }

  private start(key: string, work: () => Promise<void>): Promise<void> {
    const entry: { current: Promise<void>; queued: Promise<void> | null } = { current: Promise.resolve(), queued: null };
    entry.current = work().finally(() => {
      if (this.entries.get(key) === entry && entry.queued === null) this.entries.delete(key);
    });
    this.entries.set(key, entry);
    return entry.current;
  }
}
