import type { AppView } from '@draas/queue-contracts';
import { backoffMs, isTransient, pause } from '../follow/follow-deployment.js';
import type { AppDecision, AppGoal } from './rollout.js';

// Follows an app by polling GET /api/apps/:name until its goal is reached or given up, printing a
// progress line whenever it changes. Bounded twice: by the caller's overall timeout, and by the
// app's health deadline (plus a margin) without any progress, since by then the scheduler should
// have failed the rollout itself.

export type AppFollowOutcome = Exclude<AppDecision, 'waiting'> | 'stalled' | 'timeout' | 'interrupted';

export interface AppFollowResult {
  outcome: AppFollowOutcome;
  /** The app as last read. */
  view: AppView;
}

export interface AppFollowOptions {
  /** Ctrl-C. */
  signal: AbortSignal;
  timeoutMs: number;
  print: (text: string) => void;
  now: () => number;
  pollMs?: number;
  /** Added to the app's health deadline before a follow with no progress gives up. */
  stallMarginMs?: number;
  maxRetries?: number;
}

export async function followApp(get: (signal: AbortSignal) => Promise<AppView>, first: AppView, goal: AppGoal, options: AppFollowOptions): Promise<AppFollowResult> {
  const { signal, print, now, pollMs = 500, stallMarginMs = 15_000, maxRetries = 10 } = options;
  const endAt = now() + options.timeoutMs;
  let view = first;
  let shown = '';
  let progressAt = now();
  let failures = 0;
  for (;;) {
    const line = goal.progress(view);
    if (line !== shown) {
      print(line);
      shown = line;
      progressAt = now();
    }
    const decision = goal.decide(view);
    if (decision !== 'waiting') return { outcome: decision, view };
    if (now() >= endAt) return { outcome: 'timeout', view };
    if (now() - progressAt >= view.rollout.healthDeadlineMs + stallMarginMs) return { outcome: 'stalled', view };
    if (!(await pause(failures ? backoffMs(failures, null) : pollMs, signal))) return { outcome: 'interrupted', view };
    try {
      view = await get(signal);
      failures = 0;
    } catch (err) {
      if (signal.aborted) return { outcome: 'interrupted', view };
      if (!isTransient(err) || ++failures > maxRetries) throw err;
    }
  }
}
