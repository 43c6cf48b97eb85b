import type { Readable } from 'node:stream';
import { type NewLogLine } from '@draas/queue-contracts';
import { DEFAULT_BATCH_POLICY, LogBatcher, type BatchPolicy } from '@draas/queue-contracts/runtime';
import type { Logger } from '../logger.js';
import type { Clock } from '../redis/redis-clock.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';
import { demuxFrames, FrameDemuxer } from './demux.js';
import { compareTimes, TimedLineSplitter, type TimedLine } from './timed-lines.js';
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

// Past this many unshipped lines the Docker stream is paused: the log driver keeps the output on disk, so
// pausing costs nothing, while buffering without bound could exhaust the agent's memory.
const HIGH_WATER_LINES = 10_000;
/** Once stop() was called (the agent shuts down), a write is tried this often, then given up: the next start catches up from Redis. */
const SHIP_ATTEMPTS_STOPPING = 3;

/** Ships one container's output, from `since` until the container stops or stop() is called. */
export class LogFollower {
  private readonly splitters = { stdout: new TimedLineSplitter(), stderr: new TimedLineSplitter() };
  private readonly demuxer = new FrameDemuxer();
  private readonly batcher: LogBatcher<NewLogLine>;
  private source: Readable | null = null;
  private finishing: Promise<void> | null = null;
  private sinceSeconds: number | null = null;
  private stopRequested = false;
  /**
   * Where each stream stands: the Docker time of the last line taken, and how many lines with that
   * very time were taken (several can share one), so that a re-read picks up exactly there.
   */
  private readonly taken: Record<'stdout' | 'stderr', { at: readonly [number, number]; sameTime: number }> = {
    stdout: { at: [0, 0], sameTime: 0 },
    stderr: { at: [0, 0], sameTime: 0 },
  };
  private resolveDone!: () => void;
  /** Settles once the stream ended and every line was shipped (or given up on). */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  /** Redis-clock time of the newest line shipped, to resume from after a re-attach. */
  lastShippedTime: number | null = null;

  constructor(
    private readonly deps: FollowerDeps,
    readonly target: FollowTarget,
  ) {
    this.batcher = this.shipper(deps.policy ?? DEFAULT_BATCH_POLICY);
  }

  async start(sinceSeconds: number | null): Promise<void> {
    this.sinceSeconds = sinceSeconds;
    const source = await this.deps.runtime.followLogs(this.target.containerId, sinceSeconds);
    this.source = source;
    // Handled synchronously per chunk, so every chunk is split before the source's 'end'.
    source.on('data', (chunk: Buffer) => {
      for (const frame of this.demuxer.push(chunk)) this.enqueue(frame.stream, this.splitters[frame.stream].push(frame.payload));
    });
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
    this.stopRequested = true;
    this.source?.destroy();
    await this.finish(!options.keepPartial);
  }

  /**
   * For an ended container: reads its output once more and ships what the follow stream did not
   * deliver. Docker 20.10's follow stream can end early (a burst of output just before the exit, or
   * a rotation of its log files); the one-shot read has what is still on disk. Lines are matched by
   * Docker's time of each entry, so rotated-away lines cannot shift the match; if the disk no longer
   * reaches back to where the stream stopped, a system line says lines may be missing.
   */
  async complete(): Promise<number> {
    await this.finishing;
    const data = await this.deps.runtime.readLogs(this.target.containerId, this.sinceSeconds);
    const splitters = { stdout: new TimedLineSplitter(), stderr: new TimedLineSplitter() };
    const seen = { stdout: 0, stderr: 0 };
    const firstAt: Record<'stdout' | 'stderr', readonly [number, number] | null> = { stdout: null, stderr: null };
    const missing: NewLogLine[] = [];
    const now = this.deps.clock.now();
    const keep = (stream: 'stdout' | 'stderr', lines: TimedLine[]) => {
      const taken = this.taken[stream];
      for (const line of lines) {
        firstAt[stream] ??= line.at;
        const order = compareTimes(line.at, taken.at);
        if (order < 0 || (order === 0 && ++seen[stream] <= taken.sameTime)) continue;
        missing.push(this.toLine(stream, line.text, now));
      }
    };
    for (const frame of demuxFrames(data)) keep(frame.stream, splitters[frame.stream].push(frame.payload));
    keep('stdout', splitters.stdout.end());
    keep('stderr', splitters.stderr.end());
    const gap = (['stdout', 'stderr'] as const).some((s) => {
      const first = firstAt[s];
      return this.taken[s].at[0] > 0 && first !== null && compareTimes(first, this.taken[s].at) > 0;
    });
    if (gap) {
      missing.unshift({ time: now, phase: 'system', instance: this.target.index, stream: 'system', line: 'some output may be missing here: Docker rotated its log files before it was read' });
    }
    this.batcher.push(missing);
    await this.batcher.flush();
    return missing.length;
  }

  /** When complete() cannot run (the container is gone): ship the held-back unfinished lines as they are. */
  async shipHeldPartial(): Promise<void> {
    const now = this.deps.clock.now();
    const held = [
      ...this.splitters.stdout.end().map((line) => this.toLine('stdout', line.text, now)),
      ...this.splitters.stderr.end().map((line) => this.toLine('stderr', line.text, now)),
    ];
    this.batcher.push(held);
    await this.batcher.flush();
  }

  private enqueue(stream: 'stdout' | 'stderr', all: TimedLine[]): void {
    // Docker 20.10's follow stream can send lines again when it reopens a rotated file: a line not
    // newer than the last one taken was shipped already (entries get distinct nanosecond times).
    const lines = all.filter((line) => line.at[0] === 0 || compareTimes(line.at, this.taken[stream].at) > 0);
    if (lines.length === 0) return;
    this.advance(stream, lines);
    const time = this.deps.clock.now();
    this.batcher.push(lines.map((line) => this.toLine(stream, line.text, time)));
  }

  /**
   * A failed write (Redis away) is tried again until it succeeds: meanwhile the batcher fills, the
   * Docker stream pauses at the high-water mark and the output waits in Docker's log files. Only once
   * the agent is stopping does it give up after a few attempts, logging the loss; the next start
   * resumes from the last line Redis has.
   */
  private shipper(policy: BatchPolicy): LogBatcher<NewLogLine> {
    const { log } = this.deps;
    return new LogBatcher<NewLogLine>({
      send: (batch) => this.deps.sink.write(this.target.deploymentId, batch),
      policy,
      retry: ({ attempt }) => !(this.stopRequested && attempt >= SHIP_ATTEMPTS_STOPPING),
      onRetry: (err, attempt, batch) => {
        if (attempt === 1) log.warn({ err: err.message, lines: batch.length }, 'log lines not shipped yet; trying until Redis answers');
      },
      onGiveUp: (err, batch) => log.error({ err: err.message, lines: batch.length }, 'log lines could not be shipped before stopping and were dropped'),
      onSent: (batch, attempts) => {
        if (attempts > 1) log.info({ attempts }, 'log lines shipped again');
        this.lastShippedTime = batch[batch.length - 1]?.time ?? this.lastShippedTime;
      },
      highWater: { lines: HIGH_WATER_LINES, pause: () => this.source?.pause(), resume: () => this.source?.resume() },
    });
  }

  private finish(flushPartial = true): Promise<void> {
    this.finishing ??= (async () => {
      const now = this.deps.clock.now();
      if (flushPartial) {
        for (const stream of ['stdout', 'stderr'] as const) {
          const rest = this.splitters[stream].end();
          this.advance(stream, rest);
          this.batcher.push(rest.map((line) => this.toLine(stream, line.text, now)));
        }
      }
      await this.batcher.flush();
      this.resolveDone();
    })();
    return this.finishing;
  }

  private advance(stream: 'stdout' | 'stderr', lines: readonly TimedLine[]): void {
    for (const line of lines) {
      const taken = this.taken[stream];
      if (compareTimes(line.at, taken.at) === 0) taken.sameTime++;
      else this.taken[stream] = { at: line.at, sameTime: 1 };
    }
  }

  private toLine(stream: 'stdout' | 'stderr', line: string, time: number): NewLogLine {
    return { time, phase: 'run', instance: this.target.index, stream, line };
  }
}
