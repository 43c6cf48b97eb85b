import type { ContainerInspectInfo } from 'dockerode';
import { instanceRef, type HealthSpec, type InstanceHealth, type PortBinding } from '@draas/queue-contracts';
import { freshState, needsProbing, planProbes, resumedState, type ProbePlan, type ProbeState } from './health-decision.js';
import { InstanceProbe, type InstanceProbeDeps, type ProbeTarget } from './instance-probe.js';

export interface HealthProbesDeps extends InstanceProbeDeps {
  /** AGENT_IP: the address in instances' URLs, which checks dial like the router does. */
  advertiseIp: string;
}

/** What the first `running` report says, and the probing that follows it once sent. */
export interface PreparedProbe {
  health: InstanceHealth;
  start(): void;
}

/**
 * The health probes of every instance this agent runs: at most one per instance, started after
 * its `running` report (deploy job, reconcile adoption), stopped when its container dies, is
 * stopped on purpose, or disappears, and all of them on shutdown.
 */
export class HealthProbes {
  private readonly probes = new Map<string, { probe: InstanceProbe; since: number }>();
  /** Every probe loop not yet finished, stopped ones included (a check under way ends within its timeout). */
  private readonly loops = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: HealthProbesDeps) {}

  /**
   * `recorded`: the health the instance record holds for this very container (an adoption), so that
   * a known healthy instance is not reported starting again; null for a new container.
   */
  prepare(
    owner: { deploymentId: string; index: number; attempt: number },
    spec: HealthSpec,
    info: ContainerInspectInfo,
    running: { ports: PortBinding[]; urls: string[] },
    recorded: InstanceHealth | null = null,
  ): PreparedProbe {
    const plan = planProbes(spec, info, running.ports, this.deps.advertiseIp);
    if (!needsProbing(plan)) return { health: 'healthy', start: () => undefined };
    // Probed already (a reconcile pass reports it again before the record caught up): what the probe says.
    const probing = this.probeOf(info.Id);
    if (probing) return { health: probing.health, start: () => undefined };
    const from = recorded === null ? freshState() : resumedState(recorded);
    const startedAtMs = Date.parse(info.State.StartedAt);
    const target: ProbeTarget = { ...owner, containerId: info.Id, startedAtMs: Number.isNaN(startedAtMs) ? Date.now() : startedAtMs, ...running };
    return { health: from.health, start: () => this.start(target, spec, plan, from) };
  }

  has(containerId: string): boolean {
    return this.probeOf(containerId) !== null;
  }

  private probeOf(containerId: string): InstanceProbe | null {
    for (const { probe } of this.probes.values()) if (probe.containerId === containerId) return probe;
    return null;
  }

  /** The container died or went: its probe ends (the exit itself is someone else's to report). */
  stop(containerId: string): void {
    for (const [ref, { probe }] of this.probes) {
      if (probe.containerId !== containerId) continue;
      probe.stop();
      this.probes.delete(ref);
    }
  }

  /** Ends the probes of containers a listing made at `listedAt` no longer shows running (a die event missed). */
  retain(running: ReadonlySet<string>, listedAt: number): void {
    for (const { probe, since } of [...this.probes.values()]) {
      if (since < listedAt && !running.has(probe.containerId)) this.stop(probe.containerId);
    }
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    for (const { probe } of this.probes.values()) probe.stop();
    this.probes.clear();
    await Promise.all(this.loops);
  }

  private start(target: ProbeTarget, spec: HealthSpec, plan: ProbePlan, from: ProbeState): void {
    if (this.closed) return;
    const ref = instanceRef(target.deploymentId, target.index);
    const current = this.probes.get(ref);
    if (current?.probe.containerId === target.containerId) return;
    current?.probe.stop();
    const log = this.deps.log.child({ deploymentId: target.deploymentId, index: target.index, attempt: target.attempt, containerId: target.containerId.slice(0, 12) });
    const probe = new InstanceProbe({ ...this.deps, log }, target, spec, plan, from);
    this.probes.set(ref, { probe, since: Date.now() });
    this.loops.add(probe.done);
    void probe.done.finally(() => {
      this.loops.delete(probe.done);
      if (this.probes.get(ref)?.probe === probe) this.probes.delete(ref);
    });
  }
}
