import {
  appendLogsArgs,
  Channels,
  decodeLogEntry,
  withIds,
  type LogLine,
  type NewLogLine,
  type RedisKeys,
} from '@draas/queue-contracts';
import type { ScriptedRedis } from './scripts.js';

// A deployment's log: a capped Redis stream (the history, the truth) plus a pub/sub prompt per batch
// for live followers. Stream ids are the lines' ids, and the SSE event ids.

export class LogStore {
  private readonly channels;

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeys,
    private readonly maxLines: number,
  ) {
    this.channels = Channels(keys.prefix);
  }

  /** Appends lines and publishes them, atomically and in one round trip; returns them with their ids. */
  async append(deploymentId: string, lines: readonly NewLogLine[]): Promise<LogLine[]> {
    if (lines.length === 0) return [];
    const args = appendLogsArgs(this.channels.logs(deploymentId), this.maxLines, deploymentId, lines);
    return withIds(lines, await this.redis.draasAppendLogs(this.keys.logs(deploymentId), ...args));
  }

  /** Lines after `after` (exclusive; null = from the start) up to `upTo` (inclusive; null = the end), oldest first. */
  async range(deploymentId: string, after: string | null, limit: number, upTo: string | null = null): Promise<LogLine[]> {
    return decodeEntries(await this.redis.xrange(this.keys.logs(deploymentId), after ? `(${after}` : '-', upTo ?? '+', 'COUNT', limit));
  }

  /** The id of the oldest line the capped history still holds, or null when it is empty. */
  async firstId(deploymentId: string): Promise<string | null> {
    const [first] = await this.redis.xrange(this.keys.logs(deploymentId), '-', '+', 'COUNT', 1);
    return first ? first[0] : null;
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

/** Orders two stream ids (`<ms>-<seq>`; both parts well within 2^53): negative, zero or positive. */
export function compareLogIds(a: string, b: string): number {
  const ad = a.indexOf('-');
  const bd = b.indexOf('-');
  return Number(a.slice(0, ad)) - Number(b.slice(0, bd)) || Number(a.slice(ad + 1)) - Number(b.slice(bd + 1));
}
