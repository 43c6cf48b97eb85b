import type { BatchPolicy } from '@draas/queue-contracts/runtime';
import type { Logger } from '../logger.js';
import type { Clock } from '../redis/redis-clock.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';
import { LogFollower, type FollowTarget } from './log-follower.js';
import type { RedisLogSink } from './log-sink.js';

export interface LogFollowersDeps {
  runtime: DockerRuntime;
  sink: RedisLogSink;
  clock: Clock & { offsetMs: number };
  log: Logger;
  policy?: BatchPolicy;
}

/** 'new': a container this agent just created, shipped from its first line. 'resume': anything else. */
export type FollowMode = 'new' | 'resume';

const REMEMBERED_CONTAINERS = 1000;

/** At most one follower per container; remembers where each stopped so a re-attach does not repeat it. */
export class LogFollowers {
  private readonly active = new Map<string, LogFollower>();
  private readonly lastShipped = new Map<string, number>();
  private closed = false;

  constructor(private readonly deps: LogFollowersDeps) {}

  /** Starts following unless already following; resolves once the log stream is open. */
  async ensure(target: FollowTarget, mode: FollowMode): Promise<void> {
    if (this.closed || this.active.has(target.containerId)) return;
    const log = this.deps.log.child({ deploymentId: target.deploymentId, index: target.index, containerId: target.containerId.slice(0, 12) });
    const follower = new LogFollower({ ...this.deps, log }, target);
    this.active.set(target.containerId, follower);
    try {
      await follower.start(mode === 'new' ? null : await this.resumeSince(target));
    } catch (err) {
      this.active.delete(target.containerId);
      throw err;
    }
    void follower.done.then(() => {
      if (this.active.get(target.containerId) === follower) this.active.delete(target.containerId);
      if (follower.lastShippedTime !== null) this.remember(target.containerId, follower.lastShippedTime);
    });
  }

  /** The container is gone: nothing will resume from where it stopped. */
  forget(containerId: string): void {
    this.lastShipped.delete(containerId);
  }

  /**
   * Ships what an ended container printed and nobody shipped yet (it ran while the agent was away,
   * or ended before a follower was attached): follow until its log stream ends by itself.
   */
  async catchUp(target: FollowTarget, mode: FollowMode, timeoutMs: number): Promise<void> {
    await this.ensure(target, mode);
    await this.drain(target.containerId, timeoutMs);
  }

  /**
   * The container ended: its log stream ends by itself once Docker has sent the last lines. Wait for
   * that (bounded), then ship whatever the stream missed (see LogFollower.complete), so that every
   * line is in the history before the exit is reported.
   */
  async drain(containerId: string, timeoutMs: number): Promise<void> {
    const follower = this.active.get(containerId);
    if (!follower) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([follower.done, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    await follower.stop({ keepPartial: true });
    try {
      const recovered = await follower.complete();
      if (recovered) this.deps.log.info({ containerId: containerId.slice(0, 12), lines: recovered }, 'shipped lines the follow stream missed');
    } catch (err) {
      // The exit must still be reported; the loss (if any) is said here, loudly.
      await follower.shipHeldPartial();
      this.deps.log.error({ containerId: containerId.slice(0, 12), err: (err as Error).message }, 'cannot re-read the ended container\'s output; lines may be missing');
    }
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.active.values()].map((f) => f.stop()));
  }

  /**
   * Docker's `since` is in whole seconds, so the second of the last shipped line is sent again:
   * a few repeated lines are better than lost ones. Without local memory (the agent restarted) the
   * newest line of the instance in the history tells where to resume.
   */
  private async resumeSince(target: FollowTarget): Promise<number | null> {
    const shipped = this.lastShipped.get(target.containerId) ?? (await this.deps.sink.lastLineTime(target.deploymentId, target.index));
    return shipped === null ? null : Math.floor((shipped - this.deps.clock.offsetMs) / 1000);
  }

  private remember(containerId: string, time: number): void {
    this.lastShipped.delete(containerId);
    this.lastShipped.set(containerId, time);
    if (this.lastShipped.size > REMEMBERED_CONTAINERS) {
      const oldest = this.lastShipped.keys().next().value;
      if (oldest !== undefined) this.lastShipped.delete(oldest);
    }
  }
}
