import { instanceRef } from '@draas/queue-contracts';
import type { InstanceStopper } from '../control/stopper.js';
import type { Logger } from '../logger.js';
import type { LogFollowers } from '../logs/log-followers.js';
import type { HealthProbes } from '../probes/health-probes.js';
import { exitOutcome, readOwner, type ContainerOwner } from '../runtime/container-state.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';
import type { StatusReporter } from '../status/reporter.js';
import type { KeyedLock } from '../util/keyed-lock.js';
import type { ContainerEvent } from './exit-monitor.js';

export interface EventHandlerDeps {
  agentId: string;
  runtime: DockerRuntime;
  reporter: StatusReporter;
  followers: LogFollowers;
  stopper: InstanceStopper;
  probes: HealthProbes;
  locks: KeyedLock;
  log: Logger;
}

// How long the last lines of a dead container may take to be shipped before its exit is reported.
// Followers see the end only once every line is shipped, so a fast container's flood must fit in.
const LOG_DRAIN_MS = 15_000;

/** Reacts to what the engine says happened: a start gets a log follower, a die gets reported. */
export function createEventHandler(deps: EventHandlerDeps) {
  return async (event: ContainerEvent): Promise<void> => {
    const containerId = event.Actor?.ID ?? event.id;
    // Event attributes carry the container's labels.
    const owner = readOwner(event.Actor?.Attributes);
    if (!containerId || !owner || owner.agentId !== deps.agentId) return;
    const log = deps.log.child({ deploymentId: owner.deploymentId, index: owner.index, attempt: owner.attempt });
    if (event.Action === 'start') {
      await deps.followers.ensure({ containerId, deploymentId: owner.deploymentId, index: owner.index }, 'resume');
    } else if (event.Action === 'oom') {
      // Docker sends one per process killed; the die that follows carries the verdict.
      log.info({ containerId: containerId.slice(0, 12) }, 'out-of-memory kill in container');
    } else if (event.Action === 'die') {
      deps.probes.stop(containerId);
      // Under the instance lock: a deploy still reporting `running` for this container goes first.
      await deps.locks.run(instanceRef(owner.deploymentId, owner.index), () => onDie(deps, containerId, owner, event, log));
    }
  };
}

async function onDie(deps: EventHandlerDeps, containerId: string, owner: ContainerOwner, event: ContainerEvent, log: Logger): Promise<void> {
  // Stopped on purpose (cancel, superseded attempt): whoever stopped it reports `cancelled`.
  if (deps.stopper.isStopping(containerId)) return;
  const info = await deps.runtime.inspectContainer(containerId);
  if (info?.State.Running) return;
  const outcome = info
    ? exitOutcome(info.State, info.HostConfig?.Memory ?? null)
    : exitOutcome({ ExitCode: Number(event.Actor?.Attributes?.exitCode ?? Number.NaN) }, null);
  await deps.followers.drain(containerId, LOG_DRAIN_MS);
  log.info({ containerId: containerId.slice(0, 12), exitCode: outcome.exitCode, error: outcome.error }, 'container ended');
  await deps.reporter.reportInstance(owner, { ...outcome, containerId });
}
