import type { LogFollowers } from '../logs/log-followers.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';

// A die event can arrive after stop() returns; remember stopped ids this long so it is not reported.
const REMEMBER_MS = 5 * 60_000;
const LOG_DRAIN_MS = 2000;

/**
 * Stops containers on purpose, and remembers that it did: the exit monitor must not report those
 * exits as ends of the workload (the caller reports `cancelled` instead).
 */
export class InstanceStopper {
  private readonly stopping = new Map<string, number>();

  constructor(
    private readonly runtime: DockerRuntime,
    private readonly followers: LogFollowers,
  ) {}

  isStopping(containerId: string): boolean {
    const now = Date.now();
    for (const [id, until] of this.stopping) if (until < now) this.stopping.delete(id);
    return this.stopping.has(containerId);
  }

  /** `docker stop -t grace` (SIGTERM, then SIGKILL), ship the last log lines, then remove. */
  async stopAndRemove(containerId: string, graceSeconds: number): Promise<void> {
    this.stopping.set(containerId, Number.POSITIVE_INFINITY);
    try {
      await this.runtime.stopContainer(containerId, graceSeconds);
      // The last lines (a graceful shutdown message) are shipped before the container goes.
      await this.followers.drain(containerId, LOG_DRAIN_MS);
      await this.runtime.removeContainer(containerId);
      this.followers.forget(containerId);
    } finally {
      this.stopping.set(containerId, Date.now() + REMEMBER_MS);
    }
  }

  /** Immediate removal (an older attempt in the way of a new one): nothing to wait for. */
  async forceRemove(containerId: string): Promise<void> {
    await this.stopAndRemove(containerId, 0);
  }
}
