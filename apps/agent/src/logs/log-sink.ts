import type { Redis } from 'ioredis';
import { Channels, decodeLogEntry, encodeLogEntry, LogBatch, type LogLine, type NewLogLine, type RedisKeys } from '@draas/queue-contracts';

/** Where shipped log lines go: the capped history stream, then a live message for followers. */
export class RedisLogSink {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly channels: ReturnType<typeof Channels>,
    private readonly historyLines: number,
  ) {}

  /**
   * One pipeline of XADDs per batch (one round trip), then one PUBLISH carrying the ids Redis gave
   * the lines. The publish cannot join the pipeline because it needs those ids; a follower that sees
   * a line both in history and live de-duplicates by id.
   */
  async write(deploymentId: string, lines: readonly NewLogLine[]): Promise<LogLine[]> {
    if (lines.length === 0) return [];
    const key = this.keys.logs(deploymentId);
    const pipeline = this.redis.pipeline();
    for (const line of lines) pipeline.xadd(key, 'MAXLEN', '~', this.historyLines, '*', ...encodeLogEntry(line));
    const results = (await pipeline.exec()) ?? [];
    const shipped: LogLine[] = [];
    results.forEach(([err, id], i) => {
      if (err) throw err;
      shipped.push({ ...(lines[i] as NewLogLine), id: String(id) });
    });
    const batch = LogBatch.parse({ type: 'log-batch', version: 1, deploymentId, lines: shipped });
    await this.redis.publish(this.channels.logs(deploymentId), JSON.stringify(batch));
    return shipped;
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
