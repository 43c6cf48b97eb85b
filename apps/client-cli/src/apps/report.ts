import type { AppView } from '@draas/queue-contracts';
import { EXIT_INTERRUPTED } from '../context.js';
import { formatDuration } from '../output/format.js';
import type { Output } from '../output/output.js';
import type { AppFollowResult } from './follow-app.js';
import { servingUrls } from './rollout.js';

// The end of following an app, said once for deploy, rollback and scale: on success the app's
// address first (what users open), then the version and the instances' URLs, on stdout; anything
// else on stderr with what still serves, and a non-zero exit.

export type AppWork = { kind: 'rollout'; version: number } | { kind: 'scale'; replicas: number };

export interface ReportOptions {
  /** Under --json stdout carries the JSON value only: the success lines are left out. */
  json?: boolean;
  stallMarginMs: number;
}

export function reportAppFollow(result: AppFollowResult, work: AppWork, out: Output, options: ReportOptions): number {
  const { view } = result;
  const c = out.errColors;
  const seeIt = `see it with: draas app ${view.name}`;
  const what = work.kind === 'rollout' ? `v${work.version} of ${view.name}` : `${view.name}`;
  switch (result.outcome) {
    case 'done':
      if (!options.json) printServing(view, work, out);
      return 0;
    case 'failed':
      if (work.kind === 'rollout') {
        const reason = view.versions.find((v) => v.version === work.version)?.reason;
        out.err(`${c.red('✖')} ${what} failed${reason ? `: ${reason}` : ''}`);
      } else out.err(`${c.red('✖')} ${view.name} is ${view.status}: ${view.healthy}/${view.replicas} healthy`);
      out.err(stillServing(view, work));
      return 1;
    case 'superseded': {
      const by = work.kind === 'rollout' ? `v${view.target ?? view.current}` : `a scale to ${view.replicas}`;
      out.err(`${c.yellow('…')} ${what}: ${by} took over before it finished; ${seeIt}`);
      return 1;
    }
    case 'stalled': {
      const waited = formatDuration(view.rollout.healthDeadlineMs + options.stallMarginMs);
      out.err(`${c.yellow('…')} no progress on ${what} for ${waited} (its health deadline is ${formatDuration(view.rollout.healthDeadlineMs)}); it goes on; ${seeIt}`);
      return 1;
    }
    case 'timeout':
      out.err(`${c.yellow('…')} ${what} is still ${view.status}; stopped following, it goes on; ${seeIt}`);
      return 1;
    case 'interrupted':
      out.err(`stopped following; ${what} goes on. ${seeIt}`);
      return EXIT_INTERRUPTED;
  }
}

function printServing(view: AppView, work: AppWork, out: Output): void {
  if (view.address) out.out(view.address);
  const version = view.current === null ? '' : ` v${view.current}`;
  const did = work.kind === 'rollout' ? 'serving' : `scaled to ${work.replicas}`;
  out.out(`${out.colors.green('✔')} ${view.name}${version} ${did} (${view.healthy}/${view.replicas} healthy)`);
  for (const url of servingUrls(view)) out.out(url);
  if (!view.address) out.err(out.errColors.dim('this scheduler has no router, so the app has no address; the URLs above are its instances'));
}

/** After a failure: which version (if any) still answers at the app's address. */
export function stillServing(view: AppView, work: AppWork): string {
  const current = view.current !== null && (work.kind === 'scale' || view.current !== work.version) ? view.current : null;
  if (current === null) return `nothing serves ${view.name}: it has no healthy version`;
  return `v${current} still serves${view.address ? ` at ${view.address}` : ` (no router address; see draas app ${view.name})`}`;
}
