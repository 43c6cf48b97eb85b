import type { Redis } from 'ioredis';

type Listener = (message: string) => void;

/**
 * One Redis subscriber connection shared by every in-process listener (SSE clients, the pending
 * retrier): channels are subscribed while someone listens and dropped when the last one leaves.
 * Messages are prompts only; listeners re-read Redis for the truth.
 */
export class PubSubHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener(message);
    });
  }

  async on(channel: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(listener);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        await this.subscriber.unsubscribe(channel);
      }
    };
  }
}
