import { z } from 'zod';

// The two status machines (docs/ARCHITECTURE.md, Model), as data plus pure functions.

export const DeploymentStatus = z.enum([
  'queued',
  'building',
  'built',
  'pending',
  'scheduled',
  'running',
  'exited',
  'failed',
  'cancelled',
]);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const InstanceStatus = z.enum([
  'pending',
  'scheduled',
  'starting',
  'running',
  'exited',
  'failed',
  'cancelled',
  'lost',
]);
export type InstanceStatus = z.infer<typeof InstanceStatus>;

const deploymentTransitions: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
  // An image deployment skips the build and goes straight to placement; an archive identical to one
  // built before goes straight to `built`. Once placed, the status follows the instances, which may
  // run (or even end) before the status is first recomputed: hence the moves straight to those.
  queued: ['building', 'built', 'scheduled', 'pending', 'running', 'exited', 'failed', 'cancelled'],
  building: ['built', 'failed', 'cancelled'],
  built: ['scheduled', 'pending', 'running', 'exited', 'failed', 'cancelled'],
  pending: ['scheduled', 'running', 'exited', 'failed', 'cancelled'],
  // Once instances exist the deployment follows them, so it may move between these freely.
  scheduled: ['pending', 'running', 'exited', 'failed', 'cancelled'],
  running: ['scheduled', 'pending', 'exited', 'failed', 'cancelled'],
  // A replaced instance (restart policy, lost agent) can bring an ended deployment back.
  exited: ['scheduled', 'pending', 'running', 'cancelled'],
  failed: ['scheduled', 'pending', 'running', 'cancelled'],
  cancelled: [],
};

const instanceTransitions: Record<InstanceStatus, readonly InstanceStatus[]> = {
  pending: ['scheduled', 'failed', 'cancelled'],
  // `running` straight from `scheduled`: an agent adopted a container that already ran.
  scheduled: ['pending', 'starting', 'running', 'exited', 'failed', 'cancelled', 'lost'],
  starting: ['running', 'exited', 'failed', 'cancelled', 'lost'],
  running: ['exited', 'failed', 'cancelled', 'lost'],
  // `running` again: the agent that lost contact returns and reports the container alive.
  lost: ['running', 'exited', 'failed', 'cancelled'],
  exited: ['cancelled'],
  failed: ['cancelled'],
  cancelled: [],
};

export const canDeploymentTransition = (from: DeploymentStatus, to: DeploymentStatus): boolean =>
  from === to || deploymentTransitions[from].includes(to);

export const canInstanceTransition = (from: InstanceStatus, to: InstanceStatus): boolean =>
  from === to || instanceTransitions[from].includes(to);

const terminalDeployment: readonly DeploymentStatus[] = ['exited', 'failed', 'cancelled'];
const terminalInstance: readonly InstanceStatus[] = ['exited', 'failed', 'cancelled', 'lost'];

export const isTerminalDeployment = (s: DeploymentStatus): boolean => terminalDeployment.includes(s);
export const isTerminalInstance = (s: InstanceStatus): boolean => terminalInstance.includes(s);

/** Statuses in which an instance holds (or is about to hold) resources on its agent. */
export const holdsResources = (s: InstanceStatus): boolean =>
  s === 'scheduled' || s === 'starting' || s === 'running';

/**
 * The deployment's status once it has instances: derived from theirs, never stored on its own.
 * Any running instance makes the deployment running; otherwise work in progress wins over ends;
 * when everything has ended, a failure (or a lost instance) makes it failed.
 */
export function deriveDeploymentStatus(instances: readonly InstanceStatus[]): DeploymentStatus {
  if (instances.length === 0) return 'pending';
  if (instances.includes('running')) return 'running';
  if (instances.some((s) => s === 'scheduled' || s === 'starting')) return 'scheduled';
  if (instances.includes('pending')) return 'pending';
  if (instances.every((s) => s === 'cancelled')) return 'cancelled';
  if (instances.some((s) => s === 'failed' || s === 'lost')) return 'failed';
  return 'exited';
}

/**
 * A placed deployment's status as its instances make it: derived from them (a cancelled one that no
 * longer runs anything is `cancelled`), when the step from its current status is allowed. The
 * scheduler stores it after every instance change, in one place (its status follower); views show
 * the stored status.
 */
export function followInstances(current: DeploymentStatus, desired: 'running' | 'cancelled', instances: readonly InstanceStatus[]): DeploymentStatus {
  let derived = desired === 'cancelled' && !instances.includes('running') ? 'cancelled' : deriveDeploymentStatus(instances);
  // Every instance stopped on purpose while the deployment is still wanted: an app took them out of
  // service (a replaced version, a scale to 0). It has ended, but may run again: not `cancelled`.
  if (desired === 'running' && derived === 'cancelled') derived = 'exited';
  return canDeploymentTransition(current, derived) ? derived : current;
}
