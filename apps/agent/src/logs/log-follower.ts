import { Writable, type Readable } from 'node:stream';
import type { NewLogLine } from '@draas/queue-contracts';
import type { Logger } from '../logger.js';
import type { Clock } from '../redis/redis-clock.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';
import { DEFAULT_BATCH_POLICY, LogBatcher, type BatchPolicy } from './log-batcher.js';
import { demuxFrames } from './demux.js';
import { LineSplitter } from './line-splitter.js';
import type { RedisLogSink } from './log-sink.js';

export interface FollowTarget {
  containerId: string;
  deploymentId: string;
  index: number;
}

export interface FollowerDeps {
  runtime: DockerRuntime;
  sink: RedisLogSink;
  clock: Clock;
  log: Logger;
  policy?: BatchPolicy;
}

// Past this many unshipped lines the Docker stream is paused: json-file keeps the output on disk, so
// pausing costs nothing, while buffering without bound could exhaust the agent's memory.
const HIGH_WATER_LINES = 10_000;
const SHIP_ATTEMPTS = 3;

/** Ships one container's output, from `since` until the container stops or stop() is called. */
export class LogFollower {
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private readonly batcher: LogBatcher<NewLogLine>;
  private source: Readable | null = null;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private finishing: Promise<void> | null = null;
  private sinceSeconds: number | null = null;
  /** Complete lines taken from each stream so far, to know where a re-read has to pick up. */
  private readonly taken = { stdout: 0, stderr: 0 };
  private resolveDone!: () => void;
  /** Settles once the stream ended and every line was shipped (or given up on). */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  /** Redis-clock time of the newest line shipped, to resume from after a re-attach. */
  lastShippedTime: number | null = null;

  constructor(
    private readonly deps: FollowerDeps,
    readonly target: FollowTarget,
  ) {
    this.batcher = new LogBatcher(deps.policy ?? DEFAULT_BATCH_POLICY);
  }

  async start(sinceSeconds: number | null): Promise<void> {
    this.sinceSeconds = sinceSeconds;
    const source = await this.deps.runtime.followLogs(this.target.containerId, sinceSeconds);
    this.source = source;
    this.deps.runtime.demux(source, this.sinkFor('stdout'), this.sinkFor('stderr'));
    const end = (err?: Error) => {
      if (err) this.deps.log.warn({ err: err.message }, 'log stream broke');
      void this.finish();
    };
    source.once('end', () => end());
    source.once('close', () => end());
    source.once('error', end);
  }

  /**
   * Stops following; lines already read are still shipped. `keepPartial`: an unfinished last line
   * is held back for complete() to ship whole, instead of being shipped cut.
   */
  async stop(options: { keepPartial?: boolean } = {}): Promise<void> {
    this.source?.destroy();
    await this.finish(!options.keepPartial);
  }

  /**
   * For an ended container: reads its whole output once more and ships what the follow stream did
   * not deliver. Docker 20.10's follow stream sometimes ends early when a container exits right after
   * a burst of output; the one-shot read is complete. Lines are matched by count per stream.
   */
  async complete(): Promise<number> {
    await this.finishing;
    const data = await this.deps.runtime.readLogs(this.target.containerId, this.sinceSeconds);
    // Only lines past those already taken are kept: a long-lived container's output can be large.
    const counted = { stdout: 0, stderr: 0 };
    const rest = { stdout: [] as string[], stderr: [] as string[] };
    const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
    const keep = (stream: 'stdout' | 'stderr', lines: string[]) => {
      for (const line of lines) if (++counted[stream] > this.taken[stream]) rest[stream].push(line);
    };
    for (const frame of demuxFrames(data)) keep(frame.stream, splitters[frame.stream].push(frame.payload));
    const now = this.deps.clock.now();
    const missing: NewLogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      keep(stream, splitters[stream].end());
      for (const line of rest[stream]) missing.push(this.toLine(stream, line, now));
    }
    for (let i = 0; i < missing.length; i += 500) await this.ship(missing.slice(i, i + 500));
    return missing.length;
  }

  // A Writable whose write runs synchronously, so every chunk is split before the source's 'end'.
  private sinkFor(stream: 'stdout' | 'stderr'): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.enqueue(stream, this.splitters[stream].push(chunk));
        callback();
      },
    });
  }

  /** When complete() cannot run (the container is gone): ship the held-back unfinished lines as they are. */
  async shipHeldPartial(): Promise<void> {
    const now = this.deps.clock.now();
    const held = [
      ...this.splitters.stdout.end().map((line) => this.toLine('stdout', line, now)),
      ...this.splitters.stderr.end().map((line) => this.toLine('stderr', line, now)),
    ];
    if (held.length) await this.ship(held);
  }

  private enqueue(stream: 'stdout' | 'stderr', lines: string[]): void {
    if (lines.length === 0) return;
    this.taken[stream] += lines.length;
    const time = this.deps.clock.now();
    this.batcher.add(
      lines.map((line) => ({ time, phase: 'run', instance: this.target.index, stream, line })),
      time,
    );
    if (this.batcher.size >= HIGH_WATER_LINES) this.source?.pause();
    this.schedule();
  }

  private schedule(): void {
    if (this.flushing || this.timer || this.finishing) return;
    const wait = this.batcher.msUntilDue(this.deps.clock.now());
    if (wait === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushDue().finally(() => {
        this.flushing = null;
        if (this.batcher.size < HIGH_WATER_LINES / 2) this.source?.resume();
        this.schedule();
      });
    }, wait);
  }

  private async flushDue(): Promise<void> {
    for (let batch = this.batcher.takeDue(this.deps.clock.now()); batch; batch = this.batcher.takeDue(this.deps.clock.now())) {
      await this.ship(batch);
    }
  }

  /** A failed write is retried briefly; after that the lines are dropped and the loss is logged. */
  private async ship(batch: NewLogLine[]): Promise<void> {
    for (let attempt = 1; attempt <= SHIP_ATTEMPTS; attempt++) {
      try {
        await this.deps.sink.write(this.target.deploymentId, batch);
        this.lastShippedTime = batch[batch.length - 1]?.time ?? this.lastShippedTime;
        return;
      } catch (err) {
        if (attempt === SHIP_ATTEMPTS) {
          this.deps.log.error({ err: (err as Error).message, lines: batch.length }, 'log lines could not be shipped and were dropped');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  private finish(flushPartial = true): Promise<void> {
    this.finishing ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      const now = this.deps.clock.now();
      if (flushPartial) {
        this.batcher.add(this.splitters.stdout.end().map((line) => this.toLine('stdout', line, now)), now);
        this.batcher.add(this.splitters.stderr.end().map((line) => this.toLine('stderr', line, now)), now);
      }
      await this.flushing;
      for (const batch of this.batcher.takeAll()) await this.ship(batch);
      this.resolveDone();
    })();
    return this.finishing;
  }

  private toLine(stream: 'stdout' | 'stderr', line: string, time: number): NewLogLine {
    return { time, phase: 'run', instance: this.target.index, stream, line };
  }
}
