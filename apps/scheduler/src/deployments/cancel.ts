import { ControlCommand, instanceRef, isTerminalInstance, type DeploymentRecord, type InstanceRecord } from '@draas/queue-contracts';
import type { Scheduling } from '../cluster/scheduling.js';
import { systemLog } from './lifecycle.js';

// Cancel (docs/ARCHITECTURE.md, One deployment, step 14): the desired state is written first, so that
// whatever happens next (a job already taken, a missed message, an agent that was away) ends with the
// work stopped. Then each piece still waiting is removed, and agents running instances get a prompt to
// stop them now.

export interface CancelOptions {
  graceSeconds: number;
  /** Aborts a build running in this process. */
  abortBuild: (deploymentId: string) => void;
}

export async function cancelDeployment(s: Scheduling, id: string, options: CancelOptions): Promise<DeploymentRecord> {
  const { state, planner } = s;
  const { record, changed } = await planner.updateDeployment(id, (current) =>
    current.desired === 'cancelled' ? null : { ...current, desired: 'cancelled', updatedAt: new Date(state.now()).toISOString() },
  );
  if (changed) await systemLog(s, id, 'cancel requested');
  options.abortBuild(id);
  await planner.withdrawBuild(id);
  await planner.markPending(id, false);
  const instances = await state.instances(id, record.spec.replicas);
  for (const instance of instances) await cancelInstance(s, instance, options.graceSeconds);
  await s.status.follow(id, []);
  return (await state.deployment(id)) ?? record;
}

/** Stops one instance: one not taken yet becomes `cancelled` here; one its agent took gets a stop prompt. */
export async function cancelInstance(s: Scheduling, instance: InstanceRecord, graceSeconds: number): Promise<void> {
  const { state, planner } = s;
  if (isTerminalInstance(instance.status) && instance.status !== 'lost') return;
  const { deploymentId, index, attempt, agentId } = instance;
  const notStarted =
    instance.status === 'pending' || (instance.status === 'scheduled' && agentId !== null && (await planner.withdrawDeploy({ agentId, deploymentId, index, attempt })));
  if (notStarted) {
    const result = await planner.updateInstance(deploymentId, index, (current) =>
      current.attempt === attempt && (current.status === 'pending' || current.status === 'scheduled')
        ? { ...current, status: 'cancelled', updatedAt: new Date(state.now()).toISOString() }
        : null,
    );
    if (result?.changed && agentId) await planner.release(agentId, instanceRef(deploymentId, index));
    if (result?.changed) return;
  }
  if (agentId === null) return;
  // Taken by the agent already: ask it to stop the container. If the message is lost, the agent's
  // reconcile finds the deployment cancelled and stops it anyway.
  await planner.control(agentId, ControlCommand.parse({ type: 'control', version: 1, command: 'stop', deploymentId, index, attempt, graceSeconds }));
}
