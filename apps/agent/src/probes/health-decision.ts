import type { HealthSpec, InstanceHealth, PortBinding } from '@draas/queue-contracts';
import { urlFor } from '../runtime/container-state.js';

// The pure side of health probing (docs/ARCHITECTURE.md, Inside the agent): what to check for an
// instance, and what one round of results makes of its health. The IO is in checks.ts and
// instance-probe.ts.

/** Where and how one instance is checked. Both null and `docker` false: healthy as soon as it runs. */
export interface ProbePlan {
  /** HTTP GET of `path` on the instance's address (spec.health.path). */
  http: { host: string; port: number; path: string } | null;
  /** A TCP connect to the instance's address: only when there is neither an HTTP check nor a HEALTHCHECK. */
  tcp: { host: string; port: number } | null;
  /** The container has a Docker HEALTHCHECK: Docker runs it, the agent reads its status. */
  docker: boolean;
}

/** The parts of `docker inspect` the plan reads. */
export interface ContainerHealthFacts {
  Config?: { Healthcheck?: { Test?: readonly string[] } } | null;
  State?: { Health?: unknown } | null;
}

/** Docker runs a HEALTHCHECK: the image or container set one that is not `NONE`, or Docker reports a health. */
export function hasDockerHealthcheck(info: ContainerHealthFacts): boolean {
  if (info.State?.Health) return true;
  const test = info.Config?.Healthcheck?.Test;
  return Array.isArray(test) && test.length > 0 && test[0] !== 'NONE';
}

/** The instance's first published TCP port as its URL names it (on AGENT_IP: what the router dials). */
export function instanceAddress(ports: readonly PortBinding[], advertiseIp: string): { host: string; port: number } | null {
  const first = ports.find((p) => p.protocol === 'tcp');
  if (!first) return null;
  const url = new URL(urlFor('tcp', advertiseIp, first.hostPort));
  // URL keeps the brackets of an IPv6 host; a socket wants the bare address.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: first.hostPort };
}

export function planProbes(spec: HealthSpec, info: ContainerHealthFacts, ports: readonly PortBinding[], advertiseIp: string): ProbePlan {
  const docker = hasDockerHealthcheck(info);
  const address = instanceAddress(ports, advertiseIp);
  // A path without a TCP port cannot be probed: the check fails, saying so, rather than passing unseen.
  const http = spec.path !== null ? { host: address?.host ?? '', port: address?.port ?? 0, path: spec.path } : null;
  const tcp = http === null && !docker && address ? address : null;
  return { http, tcp, docker };
}

/** Nothing to check: the instance is healthy once it runs. */
export const needsProbing = (plan: ProbePlan): boolean => plan.http !== null || plan.tcp !== null || plan.docker;

/** The health the first `running` report carries. */
export const initialHealth = (plan: ProbePlan): InstanceHealth => (needsProbing(plan) ? 'starting' : 'healthy');

export type CheckResult = { ok: true } | { ok: false; error: string };

/** Docker's reading of its HEALTHCHECK (`State.Health`). */
export interface DockerHealth {
  status: InstanceHealth;
  /** What the last failing run printed, as the instance's health error. */
  error: string | null;
}

const MAX_OUTPUT_CHARS = 200;

/** `State.Health` → DockerHealth; `none` or missing (no check yet) reads as starting. */
export function readDockerHealth(health: { Status?: string; Log?: Array<{ ExitCode?: number; Output?: string }> } | null | undefined): DockerHealth {
  const status = health?.Status === 'healthy' || health?.Status === 'unhealthy' ? health.Status : 'starting';
  const last = health?.Log?.at(-1);
  const failing = last !== undefined && last.ExitCode !== 0;
  const output = (last?.Output ?? '').trim().replace(/\s+/g, ' ');
  const trimmed = output.length > MAX_OUTPUT_CHARS ? `${output.slice(0, MAX_OUTPUT_CHARS - 1)}…` : output;
  return { status, error: failing ? `HEALTHCHECK failing: ${trimmed || `exit code ${last.ExitCode ?? '?'}`}` : null };
}

/** What the agent knows of one instance's health between rounds. */
export interface ProbeState {
  health: InstanceHealth;
  /** The agent's own check (HTTP or TCP) passed at least once. */
  passedOnce: boolean;
  /** Consecutive failures of the agent's own check that count (see startPeriodMs). */
  failures: number;
  error: string | null;
}

export const freshState = (): ProbeState => ({ health: 'starting', passedOnce: false, failures: 0, error: null });

/**
 * Where a re-attached probe starts (agent restart): from the health the record holds, so that an
 * instance already known healthy is not reported starting again. A recorded `unhealthy` starts over:
 * its container still runs, so the agent that should have stopped it died first; the checks decide again.
 */
export const resumedState = (recorded: InstanceHealth | null): ProbeState =>
  recorded === 'healthy' ? { ...freshState(), health: 'healthy', passedOnce: true } : freshState();

export interface Round {
  /** The agent's own check, or null when it runs none (a HEALTHCHECK only). */
  check: CheckResult | null;
  /** Docker's HEALTHCHECK status, or null when the container has none. */
  docker: DockerHealth | null;
  /** Since the container started (ms). */
  sinceStartMs: number;
}

export interface Decision {
  state: ProbeState;
  /** The health changed, or why a starting one is not healthy yet changed: report it. */
  report: boolean;
  /** It just became unhealthy: stop the container and report it failed, so that it is replaced. */
  kill: boolean;
}

/**
 * One round: the agent's check counts like Docker's own (a pass makes it healthy; `retries`
 * consecutive failures make it unhealthy; before a first pass, failures count only after the start
 * period); Docker's HEALTHCHECK status is taken as Docker says it. With both, healthy only when both
 * are. Unhealthy is final: the instance is replaced, never nursed back.
 */
export function decide(spec: Pick<HealthSpec, 'retries' | 'startPeriodMs'>, state: ProbeState, round: Round): Decision {
  if (state.health === 'unhealthy') return { state, report: false, kill: false };
  let { passedOnce, failures } = state;
  let own: InstanceHealth = 'healthy';
  let ownError: string | null = null;
  if (round.check?.ok === true) {
    passedOnce = true;
    failures = 0;
  } else if (round.check?.ok === false) {
    ownError = round.check.error;
    const counts = passedOnce || round.sinceStartMs >= spec.startPeriodMs;
    if (counts) failures++;
    own = failures >= spec.retries ? 'unhealthy' : passedOnce ? 'healthy' : 'starting';
  }
  const docker = round.docker;
  let health: InstanceHealth;
  let error: string | null;
  if (own === 'unhealthy' || docker?.status === 'unhealthy') {
    health = 'unhealthy';
    error = own === 'unhealthy' ? ownError : (docker?.error ?? 'HEALTHCHECK failing');
  } else if (own === 'healthy' && (docker === null || docker.status === 'healthy')) {
    health = 'healthy';
    error = null;
  } else {
    health = 'starting';
    error = ownError ?? docker?.error ?? null;
  }
  const next: ProbeState = { health, passedOnce, failures, error };
  // While starting, what the check says is reported when it changes: a rollout that gives up on the
  // instance can then say why (`health check /healthz answered 404`), not only that it was not healthy.
  const report = health !== state.health || (health === 'starting' && error !== state.error);
  return { state: next, report, kill: health === 'unhealthy' };
}
