import { appendLogsArgs, Channels, decodeLogEntry, withIds, type LogLine, type NewLogLine, type RedisKeys } from '@draas/queue-contracts';
import type { AgentRedis } from '../redis/scripts.js';

/** Where shipped log lines go: the capped history stream, then a live message for followers. */
export class RedisLogSink {
  constructor(
    private readonly redis: AgentRedis,
    private readonly keys: RedisKeys,
    private readonly channels: ReturnType<typeof Channels>,
    private readonly historyLines: number,
  ) {}

  /**
   * One script per batch (one round trip): the lines go to the capped history and out to live
   * followers atomically, so followers see batches in stream order (see the contracts' lua/log-append.lua).
   */
  async write(deploymentId: string, lines: readonly NewLogLine[]): Promise<LogLine[]> {
    if (lines.length === 0) return [];
    const args = appendLogsArgs(this.channels.logs(deploymentId), this.historyLines, deploymentId, lines);
    return withIds(lines, await this.redis.draasAppendLogs(this.keys.logs(deploymentId), ...args));
  }

  /** Time (Redis clock, ms) of the newest run-phase line of one instance among the last `scan` entries. */
  async lastLineTime(deploymentId: string, index: number, scan = 500): Promise<number | null> {
    const entries = await this.redis.xrevrange(this.keys.logs(deploymentId), '+', '-', 'COUNT', scan);
    for (const [id, fields] of entries) {
      const line = decodeLogEntry(id, fields);
      if (line && line.phase === 'run' && line.instance === index) return line.time;
    }
    return null;
  }
}
