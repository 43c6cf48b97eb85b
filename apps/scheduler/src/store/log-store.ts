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

  /**
   * The newest line id the cap has trimmed away ('0-0' when none): a follower whose cursor is older
   * than this has missed lines (Redis 7 keeps this in XINFO STREAM).
   */
  async trimmedUpTo(deploymentId: string): Promise<string> {
    let info: unknown[];
    try {
      info = (await this.redis.xinfo('STREAM', this.keys.logs(deploymentId))) as unknown[];
    } catch (err) {
      if (/no such key/i.test((err as Error).message)) return '0-0';
      throw err;
    }
    const at = info.indexOf('max-deleted-entry-id');
    return at >= 0 ? String(info[at + 1]) : '0-0';
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

/** Orders two stream ids (`<ms>-<seq>`): negative, zero or positive. */
export function compareLogIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
