import type { RestartPolicy } from './deployment.js';

// What happens after an instance ends (docs/ARCHITECTURE.md, Restart policy): a pure decision, so
// that the scheduler's status worker and its reaper of lost agents decide the same way, and tables
// can test it.

export type EndedStatus = 'exited' | 'failed' | 'lost';

export interface RestartDecision {
  restart: boolean;
  /** Wait before placing the next attempt (crash loops back off; a lost instance is replaced at once). */
  delayMs: number;
  /** Why, in words for the deployment's log. */
  reason: string;
}

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 5 * 60 * 1000;

/** 1 s, 2 s, 4 s … capped at 5 minutes, by how many times the instance has already run. */
export const restartDelayMs = (attempt: number): number => Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));

/**
 * `attempt` is the attempt that just ended (1 = the first run). `on-failure:N` allows N restarts
 * after the first run. A lost instance (its agent went silent) counts as a failure.
 */
export function restartDecision(policy: RestartPolicy, ended: EndedStatus, attempt: number): RestartDecision {
  const delayMs = ended === 'lost' ? 0 : restartDelayMs(attempt);
  const what = ended === 'lost' ? 'its agent was lost' : ended === 'failed' ? 'it failed' : 'it exited';
  switch (policy.policy) {
    case 'no':
      return { restart: false, delayMs: 0, reason: `${what}; restart policy "no"` };
    case 'always':
      return { restart: true, delayMs, reason: `${what}; restart policy "always"` };
    case 'on-failure': {
      if (ended === 'exited') return { restart: false, delayMs: 0, reason: 'it exited successfully; restart policy "on-failure"' };
      const restartsSoFar = attempt - 1;
      if (policy.maxRetries !== null && restartsSoFar >= policy.maxRetries) {
        return { restart: false, delayMs: 0, reason: `${what}; restart policy "on-failure:${policy.maxRetries}" allows no more restarts` };
      }
      return { restart: true, delayMs, reason: `${what}; restart policy "on-failure${policy.maxRetries === null ? '' : `:${policy.maxRetries}`}"` };
    }
  }
}
