import type { Redis } from 'ioredis';
import { ControlCommand, formatZodError } from '@draas/queue-contracts';
import type { Logger } from '../logger.js';

/**
 * Listens on this agent's control channel. Messages are prompts, not the truth: one that is lost is
 * made up for by the periodic reconcile pass, and a malformed one is ignored with a warning.
 */
export class ControlSubscriber {
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly handle: (command: ControlCommand) => Promise<void>,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.redis.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.onMessage(message);
    });
    await this.redis.subscribe(this.channel);
  }

  private onMessage(message: string): void {
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      this.log.warn({ bytes: message.length }, 'control message is not JSON; ignored');
      return;
    }
    const parsed = ControlCommand.safeParse(json);
    if (!parsed.success) {
      this.log.warn({ problem: formatZodError(parsed.error) }, 'control message does not match the contract; ignored');
      return;
    }
    const task = this.handle(parsed.data)
      .catch((err: unknown) => this.log.error({ err: (err as Error).message, command: parsed.data.command }, 'control command failed'))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Stops listening, then waits for commands already under way. */
  async close(): Promise<void> {
    await this.redis.unsubscribe(this.channel).catch(() => undefined);
    await Promise.allSettled([...this.pending]);
  }
}
