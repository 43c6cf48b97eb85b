import { isTerminalInstance } from '@draas/queue-contracts';
import type { DesiredInstance } from './desired-state.js';

/** One instance attempt as a job or a container label names it. */
export interface InstanceAttempt {
  deploymentId: string;
  index: number;
  attempt: number;
}

export type Verdict =
  | { wanted: true }
  | {
      wanted: false;
      reason: string;
      /** The scheduler still expects this attempt here: it must hear that it is cancelled. */
      reportCancelled: boolean;
    };

/**
 * Is this attempt of this instance still wanted on this agent? The desired state in Redis is the
 * truth (docs/ARCHITECTURE.md, Liveness): exactly one attempt of an instance is wanted, on one agent.
 * A record that is missing means nobody wants it; pure so that every case is tested.
 */
export function judge(target: InstanceAttempt, agentId: string, desired: DesiredInstance): Verdict {
  const { deployment, instance } = desired;
  const expectedHere = instance !== null && instance.agentId === agentId && instance.attempt === target.attempt;
  if (deployment === null) return { wanted: false, reason: 'the deployment no longer exists', reportCancelled: false };
  if (deployment.desired === 'cancelled') {
    return { wanted: false, reason: 'the deployment is cancelled', reportCancelled: expectedHere && instance.status !== 'cancelled' };
  }
  if (instance === null) return { wanted: false, reason: 'the instance no longer exists', reportCancelled: false };
  if (instance.agentId !== agentId) return { wanted: false, reason: `the instance is placed on ${instance.agentId ?? 'no agent'}`, reportCancelled: false };
  if (instance.attempt > target.attempt) return { wanted: false, reason: `attempt ${instance.attempt} superseded it`, reportCancelled: false };
  if (instance.attempt < target.attempt) return { wanted: false, reason: `the record knows only attempt ${instance.attempt}`, reportCancelled: false };
  if (instance.status === 'cancelled') return { wanted: false, reason: 'the instance is cancelled', reportCancelled: false };
  // Retired on purpose (scale down, rollout): stopped here even when the stop prompt was lost. A
  // `drain` keeps running (only the router leaves it out) until the scheduler says `stop`.
  if (instance.retire === 'stop') return { wanted: false, reason: 'the instance is being retired', reportCancelled: true };
  return { wanted: true };
}

/** The instance attempt already ended (exited, failed, lost): restarting it is the scheduler's call. */
export const hasEnded = (desired: DesiredInstance): boolean =>
  desired.instance !== null && isTerminalInstance(desired.instance.status);
