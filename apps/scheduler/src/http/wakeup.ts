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

  async wait(timeoutMs: number): Promise<void> {
    if (!this.pending) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.resolve = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.resolve = null;
    this.pending = false;
  }
}
