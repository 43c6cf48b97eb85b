import { randomBytes } from 'node:crypto';
import type { ScriptedRedis } from './scripts.js';

// Work only one scheduler does at a time (reaping an agent, an app's rollout pass): a key held with
// a TTL, so that another scheduler takes over after a crash half-way, and released only by its holder
// (lua/release-lock-if-mine.lua), so that a lock that expired and was taken again is not freed.

/** This process, as the holder of locks. */
const OWNER = randomBytes(8).toString('hex');

/** A release function, or null when another holds the key. */
export async function takeLock(redis: ScriptedRedis, key: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
  if ((await redis.set(key, OWNER, 'PX', ttlMs, 'NX')) !== 'OK') return null;
  return async () => {
    await redis.draasReleaseLockIfMine(key, OWNER);
  };
}
