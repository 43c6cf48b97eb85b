import type { Logger } from '../logger.js';

/**
 * Shutdown steps, run newest first (the reverse of start-up), each in its own try/catch so that one
 * failure does not leak the rest.
 */
export class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<unknown> }> = [];

  constructor(private readonly log: Logger) {}

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  async runAll(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        this.log.error({ step: step.name, err: (err as Error).message }, 'cleanup step failed');
      }
    }
  }
}
