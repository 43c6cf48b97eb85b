import { describe, expect, it } from 'vitest';
import type { RestartPolicy } from './deployment.js';
import { restartDecision, restartDelayMs, type EndedStatus } from './restart.js';

const policy = (p: RestartPolicy['policy'], maxRetries: number | null = null): RestartPolicy => ({ policy: p, maxRetries });

describe('restartDecision', () => {
  it.each<[RestartPolicy, EndedStatus, number, boolean]>([
    [policy('no'), 'failed', 1, false],
    [policy('no'), 'lost', 1, false],
    [policy('always'), 'exited', 1, true],
    [policy('always'), 'failed', 7, true],
    [policy('always'), 'lost', 1, true],
    [policy('on-failure'), 'exited', 1, false],
    [policy('on-failure'), 'failed', 1, true],
    [policy('on-failure'), 'failed', 50, true],
    [policy('on-failure'), 'lost', 1, true],
    [policy('on-failure', 2), 'failed', 1, true],
    [policy('on-failure', 2), 'failed', 2, true],
    [policy('on-failure', 2), 'failed', 3, false],
    [policy('on-failure', 0), 'failed', 1, false],
  ])('%j after %s (attempt %d): restart %s', (p, ended, attempt, restart) => {
    expect(restartDecision(p, ended, attempt).restart).toBe(restart);
  });

  it('replaces a lost instance at once and backs off crash loops', () => {
    expect(restartDecision(policy('always'), 'lost', 4).delayMs).toBe(0);
    expect(restartDecision(policy('always'), 'failed', 1).delayMs).toBe(1000);
    expect(restartDecision(policy('always'), 'failed', 3).delayMs).toBe(4000);
    expect(restartDelayMs(100)).toBe(5 * 60 * 1000);
  });

  it('says why', () => {
    expect(restartDecision(policy('on-failure', 2), 'failed', 3).reason).toBe('it failed; restart policy "on-failure:2" allows no more restarts');
  });
});
