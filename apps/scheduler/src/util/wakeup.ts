/** A latch: a notify before wait is not lost. */
export class Wakeup {
  private pending = false;
  private resolve: (() => void) | null = null;
  stopped = false;

  notify(): void {
    this.pending = true;
    this.resolve?.();
  }

  stop(): void {
    this.stopped = true;
    this.notify();
  }

  /** Waits for a notify (true) or the timeout (false); a notify that came before counts. */
  async waitFor(timeoutMs: number): Promise<boolean> {
    let prompted = this.pending;
    if (!prompted) {
      prompted = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        this.resolve = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    }
    this.resolve = null;
    this.pending = false;
    return prompted;
  }

  async wait(timeoutMs: number): Promise<void> {
    await this.waitFor(timeoutMs);
  }
}
