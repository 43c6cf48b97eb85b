import type { AppView } from '@draas/queue-contracts';
import { describe, expect, it } from 'vitest';
import { SchedulerUnreachableError } from '../errors/unreachable-error.js';
import { appView, failedView, rollingView, servedView } from '../testing/app-view.js';
import { followApp, type AppFollowOptions } from './follow-app.js';
import { rolloutGoal } from './rollout.js';

// followApp over scripted sequences of AppViews: what it prints, and where it stops.

/** A clock that moves by `stepMs` on each poll, and a getter that hands out `views` in turn (the last repeats). */
function script(views: (AppView | Error)[], stepMs = 500) {
  let clock = 0;
  let next = 0;
  const printed: string[] = [];
  const get = async () => {
    clock += stepMs;
    const item = views[Math.min(next++, views.length - 1)] as AppView | Error;
    if (item instanceof Error) throw item;
    return item;
  };
  const options: AppFollowOptions = { signal: new AbortController().signal, timeoutMs: 600_000, print: (l) => printed.push(l), now: () => clock, pollMs: 0 };
  return { get, options, printed, polls: () => next };
}

describe('followApp', () => {
  it('prints each change of progress once and stops when the version serves', async () => {
    const s = script([rollingView(0), rollingView(1), rollingView(1), servedView({ target: 2 }), servedView()]);
    const result = await followApp(s.get, rollingView(0), rolloutGoal(2), s.options);
    expect(result.outcome).toBe('done');
    expect(result.view).toEqual(servedView());
    expect(s.printed).toEqual(['v2: 0/2 healthy, 2 starting, 2 old instances left', 'v2: 1/2 healthy, 1 starting, 1 old instance left', 'v2: 2/2 healthy']);
  });

  it('stops at a failed version with the view that says why', async () => {
    const s = script([rollingView(1), failedView()]);
    const result = await followApp(s.get, rollingView(0), rolloutGoal(2), s.options);
    expect(result.outcome).toBe('failed');
    expect(result.view.versions.find((v) => v.version === 2)?.reason).toMatch(/not healthy within 1m/);
  });

  it('gives up when nothing moves for the health deadline plus the margin', async () => {
    const stuck = rollingView(1, { rollout: { maxSurge: 1, maxUnavailable: 0, healthDeadlineMs: 5_000 } });
    const s = script([stuck], 1_000);
    const result = await followApp(s.get, stuck, rolloutGoal(2), { ...s.options, stallMarginMs: 2_000 });
    expect(result.outcome).toBe('stalled');
    expect(s.polls()).toBe(7);
  });

  it('progress resets the stall clock; the overall timeout still bounds it', async () => {
    const views = Array.from({ length: 40 }, (_, i) => rollingView(i % 2, { rollout: { maxSurge: 1, maxUnavailable: 0, healthDeadlineMs: 1_000 } }));
    const s = script(views, 1_000);
    const result = await followApp(s.get, views[0] as AppView, rolloutGoal(2), { ...s.options, stallMarginMs: 1_000, timeoutMs: 10_000 });
    expect(result.outcome).toBe('timeout');
    expect(s.polls()).toBe(10);
  });

  it('retries an unreachable scheduler, and passes other errors on', async () => {
    const unreachable = new SchedulerUnreachableError('http://x', 'connection refused');
    const s = script([unreachable, unreachable, servedView()]);
    expect((await followApp(s.get, rollingView(1), rolloutGoal(2), s.options)).outcome).toBe('done');
    const bad = script([new Error('boom')]);
    await expect(followApp(bad.get, rollingView(1), rolloutGoal(2), bad.options)).rejects.toThrow('boom');
  });

  it('stops quietly on Ctrl-C', async () => {
    const ctrlC = new AbortController();
    ctrlC.abort();
    const s = script([rollingView(1)]);
    const result = await followApp(s.get, appView({ target: 2, current: 1 }), rolloutGoal(2), { ...s.options, signal: ctrlC.signal });
    expect(result.outcome).toBe('interrupted');
  });
});
