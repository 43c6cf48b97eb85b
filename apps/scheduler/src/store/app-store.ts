import { AppEvent, AppRecord, Channels, type RedisKeys } from '@draas/queue-contracts';
import type { Clock } from './clock.js';
import { takeLock } from './locks.js';
import { createRecord, parseRecord, readRecord, updateRecord } from './records.js';
import type { ScriptedRedis } from './scripts.js';

// App records (docs/ARCHITECTURE.md, Apps): `<p>:app:<name>`, compare-and-set on `rev` like every
// record, the `apps` index by creation time, the per-app rollout lock, and the `app` event that tells
// live views an app changed. The only code that touches these keys.

/** Long enough for one rollout pass; another scheduler takes over after a crash half-way. */
const APP_LOCK_MS = 10_000;

export class AppStore {
  private readonly channel: string;

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeys,
    private readonly clock: Clock,
  ) {
    this.channel = Channels(keys.prefix).events;
  }

  get(name: string): Promise<AppRecord | null> {
    return readRecord(this.redis, this.keys.app(name), AppRecord);
  }

  /** Every app, oldest first. */
  async names(): Promise<string[]> {
    return this.redis.zrange(this.keys.apps, '0', '-1');
  }

  async getMany(names: readonly string[]): Promise<AppRecord[]> {
    if (names.length === 0) return [];
    const texts = await this.redis.mget(names.map((n) => this.keys.app(n)));
    return texts.flatMap((text, i) => (text === null ? [] : [parseRecord(this.keys.app(names[i] as string), text, AppRecord)]));
  }

  /** False when an app of that name exists. */
  async create(record: AppRecord): Promise<boolean> {
    if (!(await createRecord(this.redis, this.keys.app(record.name), record))) return false;
    await this.redis.zadd(this.keys.apps, Date.parse(record.createdAt), record.name);
    return true;
  }

  /** See updateRecord; null when the app does not exist. */
  update(name: string, mutate: (current: AppRecord) => AppRecord | null) {
    return updateRecord(this.redis, this.keys.app(name), AppRecord, mutate);
  }

  /** Frees the name. */
  async delete(name: string): Promise<void> {
    await this.redis.multi().del(this.keys.app(name)).zrem(this.keys.apps, name).exec();
  }

  async publish(name: string): Promise<void> {
    const event: AppEvent = { type: 'app', version: 1, name, at: this.clock.now() };
    await this.redis.publish(this.channel, JSON.stringify(event));
  }

  lock(name: string): Promise<(() => Promise<void>) | null> {
    return takeLock(this.redis, this.keys.appLock(name), APP_LOCK_MS);
  }
}
