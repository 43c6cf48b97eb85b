import { containerName, instanceRef, isTerminalInstance, type ControlCommand } from '@draas/queue-contracts';
import type { Logger } from '../logger.js';
import { readOwner } from '../runtime/container-state.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';
import type { DesiredStateReader } from '../state/desired-state.js';
import type { StatusReporter } from '../status/reporter.js';
import type { KeyedLock } from '../util/keyed-lock.js';
import type { InstanceStopper } from './stopper.js';

export interface CommandDeps {
  agentId: string;
  runtime: DockerRuntime;
  desired: DesiredStateReader;
  reporter: StatusReporter;
  stopper: InstanceStopper;
  locks: KeyedLock;
  log: Logger;
  reconcile(): Promise<void>;
}

type StopCommand = Extract<ControlCommand, { command: 'stop' }>;

export function createCommandHandler(deps: CommandDeps) {
  return async (command: ControlCommand): Promise<void> => {
    if (command.command === 'reconcile') return deps.reconcile();
    return deps.locks.run(instanceRef(command.deploymentId, command.index), () => stopInstance(deps, command));
  };
}

/**
 * Stops the instance's container when it is the attempt named or an older one (never a newer one:
 * a late stop must not kill a replacement), removes it and reports `cancelled`.
 */
async function stopInstance(deps: CommandDeps, command: StopCommand): Promise<void> {
  const log = deps.log.child({ deploymentId: command.deploymentId, index: command.index, attempt: command.attempt });
  const info = await deps.runtime.inspectContainer(containerName(command.deploymentId, command.index));
  const owner = info ? readOwner(info.Config?.Labels) : null;
  if (info && owner && owner.agentId === deps.agentId) {
    if (owner.attempt > command.attempt) {
      log.info({ containerAttempt: owner.attempt }, 'stop names an older attempt than the container; kept');
      return;
    }
    await deps.stopper.stopAndRemove(info.Id, command.graceSeconds);
    log.info({ containerId: info.Id.slice(0, 12) }, 'container stopped and removed');
    // Only the attempt the scheduler asked about; an older leftover's end is of no interest to it.
    if (owner.attempt === command.attempt) {
      await deps.reporter.reportInstance(command, { status: 'cancelled', containerId: info.Id, exitCode: null });
    }
    return;
  }
  // Nothing runs here. If the scheduler still expects this attempt here (the deploy job never ran),
  // confirm the cancel so that the instance does not wait for an agent that will never start it.
  const { instance } = await deps.desired.read(command.deploymentId, command.index);
  if (instance && instance.agentId === deps.agentId && instance.attempt === command.attempt && !isTerminalInstance(instance.status)) {
    await deps.reporter.reportInstance(command, { status: 'cancelled' });
  }
}
