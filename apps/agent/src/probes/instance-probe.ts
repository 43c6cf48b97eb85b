import { instanceRef, type HealthSpec, type PortBinding } from '@draas/queue-contracts';
import type { InstanceStopper } from '../control/stopper.js';
import type { Logger } from '../logger.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';
import { dockerMessage } from '../runtime/docker-errors.js';
import type { StatusReporter } from '../status/reporter.js';
import type { KeyedLock } from '../util/keyed-lock.js';
import { sleep } from '../util/sleep.js';
import { httpCheck, tcpCheck } from './checks.js';
import { decide, readDockerHealth, type ProbePlan, type ProbeState, type Round } from './health-decision.js';

/** The running container of one instance attempt, and what its `running` reports say. */
export interface ProbeTarget {
  deploymentId: string;
  index: number;
  attempt: number;
  containerId: string;
  /** When the container started (ms, this machine's clock, as Docker's StartedAt). */
  startedAtMs: number;
  ports: PortBinding[];
  urls: string[];
}

export interface InstanceProbeDeps {
  runtime: DockerRuntime;
  reporter: StatusReporter;
  stopper: InstanceStopper;
  locks: KeyedLock;
  stopGraceSeconds: number;
  log: Logger;
}

/**
 * Probes one instance every `intervalMs` until it is stopped, its container ends, or it turns
 * unhealthy: then it reports so, stops the container and reports the attempt `failed`, so that the
 * scheduler's restart policy replaces it. Each round is bounded by the check's timeout.
 */
export class InstanceProbe {
  private readonly abort = new AbortController();
  private state: ProbeState;
  /** A change not yet told to the scheduler (the report failed: tried again next round). */
  private unreported = false;
  /** The container was stopped here for being unhealthy; only its `failed` report may be left to send. */
  private stoppedUnhealthy = false;
  readonly done: Promise<void>;

  constructor(
    private readonly deps: InstanceProbeDeps,
    readonly target: ProbeTarget,
    private readonly spec: HealthSpec,
    private readonly plan: ProbePlan,
    from: ProbeState,
  ) {
    this.state = from;
    this.done = this.run().catch((err: unknown) => this.deps.log.error({ err: (err as Error).message }, 'health probe stopped by an error'));
  }

  get containerId(): string {
    return this.target.containerId;
  }

  get health() {
    return this.state.health;
  }

  stop(): void {
    this.abort.abort();
  }

  /** Closed, or someone else stops the container (a cancel, a newer attempt): nothing left to probe. */
  private get stopped(): boolean {
    return this.abort.signal.aborted || (!this.stoppedUnhealthy && this.deps.stopper.isStopping(this.target.containerId));
  }

  private async run(): Promise<void> {
    let mustStop = false;
    for (let first = true; ; first = false) {
      if (!first) await sleep(this.spec.intervalMs, this.abort.signal);
      if (this.stopped) return;
      if (!mustStop) {
        const round = await this.observe();
        // Stopped while the check ran (the container died, or is being stopped): its result means nothing.
        if (round === 'ended' || this.stopped) return;
        if (round === null) continue;
        const decision = decide(this.spec, this.state, round);
        this.state = decision.state;
        this.unreported ||= decision.report;
        mustStop = decision.kill;
      }
      if (mustStop) {
        // Done once the container is stopped (or ended on its own); a failure is tried again next round.
        if (await this.stopUnhealthy()) return;
        continue;
      }
      if (this.unreported) await this.reportHealth();
    }
  }

  /** One round of checks; null when it could not be made (Docker did not answer); 'ended' when the container is gone. */
  private async observe(): Promise<Round | 'ended' | null> {
    const sinceStartMs = Date.now() - this.target.startedAtMs;
    const { http, tcp } = this.plan;
    const check = http ? httpCheck(http, this.spec.timeoutMs) : tcp ? tcpCheck(tcp, this.spec.timeoutMs) : Promise.resolve(null);
    if (!this.plan.docker) return { check: await check, docker: null, sinceStartMs };
    try {
      const [info, result] = await Promise.all([this.deps.runtime.inspectContainer(this.target.containerId), check]);
      if (!info?.State.Running) return 'ended'; // the die event reports it
      return { check: result, docker: readDockerHealth(info.State.Health), sinceStartMs };
    } catch (err) {
      this.deps.log.warn({ err: dockerMessage(err) }, 'cannot read the container health from Docker; trying again next round');
      return null;
    }
  }

  private async reportHealth(): Promise<void> {
    const { health, error } = this.state;
    try {
      await this.deps.reporter.reportInstance(this.target, this.runningFields());
      this.unreported = false;
      this.deps.log.info({ health, healthError: error }, 'instance health changed');
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, health }, 'cannot report the instance health; trying again next round');
    }
  }

  /** Under the instance's lock, like every action on it: report unhealthy, stop, report failed. */
  private async stopUnhealthy(): Promise<boolean> {
    const { containerId } = this.target;
    const error = this.state.error ?? 'unhealthy';
    try {
      return await this.deps.locks.run(instanceRef(this.target.deploymentId, this.target.index), async () => {
        if (!this.stoppedUnhealthy) {
          if (this.stopped) return true;
          const info = await this.deps.runtime.inspectContainer(containerId);
          if (!info?.State.Running) return true; // ended on its own meanwhile: the die event reports it
          if (this.unreported) {
            await this.deps.reporter.reportInstance(this.target, this.runningFields());
            this.unreported = false;
          }
          this.deps.log.warn({ healthError: error }, 'instance unhealthy: stopping it so that it is replaced');
          await this.deps.stopper.stopAndRemove(containerId, this.deps.stopGraceSeconds);
          this.stoppedUnhealthy = true;
        }
        await this.deps.reporter.reportInstance(this.target, { status: 'failed', containerId, exitCode: null, error });
        return true;
      });
    } catch (err) {
      this.deps.log.error({ err: dockerMessage(err), healthError: error }, 'cannot stop the unhealthy instance; trying again next round');
      return false;
    }
  }

  private runningFields() {
    const { containerId, ports, urls } = this.target;
    return { status: 'running' as const, containerId, ports, urls, health: this.state.health, healthError: this.state.error };
  }
}
