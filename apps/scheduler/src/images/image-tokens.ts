import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '@draas/queue-contracts';
import { tokenMatches } from '../token.js';

/**
 * Download tokens for the image endpoint: each deploy job carries one that opens exactly its image,
 * so an agent never holds the API token, and a token read off one job opens nothing else. Signed
 * with a random key kept in Redis (made by the first scheduler), so any scheduler accepts any
 * scheduler's tokens.
 */
export class ImageTokens {
  private constructor(private readonly key: string) {}

  static async open(redis: Redis, keys: Pick<RedisKeys, 'imageKey'>): Promise<ImageTokens> {
    await redis.set(keys.imageKey, randomBytes(32).toString('hex'), 'NX');
    const key = await redis.get(keys.imageKey);
    if (!key) throw new Error(`${keys.imageKey} vanished right after it was written`);
    return new ImageTokens(key);
  }

  tokenFor(imageId: string): string {
    return `img_${createHmac('sha256', this.key).update(imageId).digest('hex')}`;
  }

  matches(imageId: string, token: string): boolean {
    return tokenMatches(token, this.tokenFor(imageId));
  }
}
