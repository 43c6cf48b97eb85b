import type { AppView } from '@draas/queue-contracts';
import type { CommandContext } from '../context.js';
import { followApp, type AppFollowResult } from './follow-app.js';
import { reportAppFollow, type AppWork } from './report.js';
import { rolloutGoal, scaleGoal } from './rollout.js';

// Follow an app's rollout or scale to its end and say how it ended: the part deploy, rollback and
// scale share once the scheduler has accepted their change.

/** How long past the app's health deadline a follow without progress waits before giving up. */
export const STALL_MARGIN_MS = 15_000;

export interface AppWorkOptions {
  timeoutMs: number;
  /** Progress goes to stderr and the success lines are left out (the caller prints the JSON). */
  json?: boolean;
}

export async function followAppWork(ctx: CommandContext, first: AppView, work: AppWork, options: AppWorkOptions): Promise<{ result: AppFollowResult; code: number }> {
  const { out } = ctx;
  const write = options.json ? out.err : out.out;
  const tag = (options.json ? out.errColors : out.colors).dim(work.kind === 'rollout' ? '[rollout]' : '[scale]');
  const goal = work.kind === 'rollout' ? rolloutGoal(work.version) : scaleGoal(work.replicas);
  const result = await followApp((signal) => ctx.api.getApp(first.name, signal), first, goal, {
    signal: ctx.signal,
    timeoutMs: options.timeoutMs,
    print: (line) => write(`${tag} ${line}`),
    now: ctx.now,
    stallMarginMs: STALL_MARGIN_MS,
  });
  return { result, code: reportAppFollow(result, work, out, { json: options.json, stallMarginMs: STALL_MARGIN_MS }) };
}
