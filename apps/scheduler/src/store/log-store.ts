import {
  Channels,
  decodeLogEntry,
  encodeLogEntry,
  LogBatch,
  type LogLine,
  type NewLogLine,
  type RedisKeys,
} from '@draas/queue-contracts';
import type { Redis } from 'ioredis';

// A deployment's log: a capped Redis stream (the history, the truth) plus a pub/sub prompt per batch
// for live followers. Stream ids are the lines' ids, and the SSE event ids.

export class LogStore {
  private readonly channels;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly maxLines: number,
  ) {
    this.channels = Channels(keys.prefix);
  }

  /** Appends lines in one round trip and publishes them; returns them with their ids. */
  async append(deploymentId: string, lines: readonly NewLogLine[]): Promise<LogLine[]> {
    if (lines.length === 0) return [];
    const key = this.keys.logs(deploymentId);
    const pipeline = this.redis.pipeline();
    for (const line of lines) pipeline.xadd(key, 'MAXLEN', '~', this.maxLines, '*', ...encodeLogEntry(line));
    const replies = (await pipeline.exec()) ?? [];
    const stored = lines.map((line, i) => {
      const [err, id] = replies[i] ?? [];
      if (err) throw err;
      return { ...line, id: id as string };
    });
    const batch: LogBatch = { type: 'log-batch', version: 1, deploymentId, lines: stored };
    await this.redis.publish(this.channels.logs(deploymentId), JSON.stringify(batch));
    return stored;
  }

  /** Lines after `after` (exclusive; null = from the start), oldest first. */
  async range(deploymentId: string, after: string | null, limit: number): Promise<LogLine[]> {
    return decodeEntries(await this.redis.xrange(this.keys.logs(deploymentId), after ? `(${after}` : '-', '+', 'COUNT', limit));
  }

  /** The last `count` lines, oldest first. */
  async tail(deploymentId: string, count: number): Promise<LogLine[]> {
    return decodeEntries((await this.redis.xrevrange(this.keys.logs(deploymentId), '+', '-', 'COUNT', count)).reverse());
  }
}

const decodeEntries = (entries: [id: string, fields: string[]][]): LogLine[] =>
  entries.flatMap(([id, fields]) => {
    const line = decodeLogEntry(id, fields);
    return line ? [line] : [];
  });
