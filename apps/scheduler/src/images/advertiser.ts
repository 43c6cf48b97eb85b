import os from 'node:os';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '@draas/queue-contracts';
import type { Clock } from '../store/clock.js';
import type { Logger } from '../logger.js';

/** How often a scheduler says where it is; agents trust entries younger than SCHEDULER_STALE_MS. */
const ADVERTISE_MS = 5_000;
/** Entries not refreshed for a day are dropped (schedulers that moved, or stopped for good). */
const FORGET_MS = 24 * 3600_000;

/**
 * The URL agents reach this scheduler at: SCHEDULER_URL, else the listening address (this machine's
 * first external IPv4 when it listens on every address).
 */
export function advertisedUrl(configured: string | null, host: string, port: number): string {
  if (configured) return configured;
  const everywhere = host === '0.0.0.0' || host === '::';
  const external = Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const address = everywhere ? (external ?? '127.0.0.1') : host;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** Keeps this scheduler's URL in the schedulers set, where agents look for an image endpoint. */
export class Advertiser {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'schedulers'>,
    private readonly clock: Clock,
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((err: Error) => this.logger.warn({ err: err.message }, 'cannot refresh this scheduler in the schedulers set; retrying'));
    }, ADVERTISE_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // Without Redis (stopping because it is gone) the entry simply ages out.
    if (this.redis.status === 'ready') await this.redis.zrem(this.keys.schedulers, this.url);
  }

  private async beat(): Promise<void> {
    const now = this.clock.now();
    await this.redis.multi().zadd(this.keys.schedulers, now, this.url).zremrangebyscore(this.keys.schedulers, 0, now - FORGET_MS).exec();
  }
}
