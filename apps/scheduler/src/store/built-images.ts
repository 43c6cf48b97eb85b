import type { RedisKeys } from '@draas/queue-contracts';
import type { Redis } from 'ioredis';

/**
 * Which image an archive built into, by the archive's SHA-256 (`<p>:image-by-hash:v2:<sha>`): an
 * identical upload reuses the image. Written and read by the build worker only.
 */
export class BuiltImages {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** The tag an identical archive was built as, or null. */
  find(sha256: string): Promise<string | null> {
    return this.redis.get(this.keys.imageByHash(sha256));
  }

  async remember(sha256: string, tag: string): Promise<void> {
    await this.redis.set(this.keys.imageByHash(sha256), tag);
  }
}
