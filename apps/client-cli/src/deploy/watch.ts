import type { DeploymentView, LogLine } from '@draas/queue-contracts';
import type { CommandContext } from '../context.js';
import { followDeployment } from '../follow/follow-deployment.js';
import type { Colors } from '../output/colors.js';
import { logPrefix, paintStatus } from '../output/format.js';
import { deployOutcome } from './outcome.js';

// Follows a new deployment until it runs, fails, times out or the user presses Ctrl-C, printing its
// log lines and status changes on the way.

export interface WatchResult {
  /** `reached`: `until` held (before the deployment ran or failed). */
  outcome: 'running' | 'reached' | 'failed' | 'timeout' | 'interrupted';
  /** The deployment as last seen. */
  view: DeploymentView;
  /** The last lines of each phase, to show beside a failure. */
  tail: { build: string[]; run: string[] };
}

export interface WatchOptions {
  timeoutMs: number;
  /** Where log lines and status changes go (stdout for a human, stderr under --json). */
  print: (text: string) => void;
  colors: Colors;
  /** Stop following as soon as this holds (an app's version: once built, the rollout takes over). */
  until?: (view: DeploymentView) => boolean;
}

const TAIL_LINES = 15;

export async function watchDeployment(ctx: CommandContext, initial: DeploymentView, options: WatchOptions): Promise<WatchResult> {
  const { print, colors } = options;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const tail = { build: [] as string[], run: [] as string[] };
  const seen = new Map<string, string>();
  let view = initial;

  const keep = (line: LogLine) => {
    const lines = line.phase === 'build' ? tail.build : tail.run;
    lines.push(line.line);
    if (lines.length > TAIL_LINES) lines.shift();
  };
  // Prints what changed since the last view: the deployment's status, then each instance's.
  const printChanges = (next: DeploymentView) => {
    const tag = colors.dim('[status]');
    if (seen.get('deployment') !== next.status) {
      const hint = next.status === 'pending' ? colors.dim(' (no agent fits yet: waiting for one with room and the right labels)') : '';
      print(`${tag} ${paintStatus(next.status, colors)}${hint}`);
      seen.set('deployment', next.status);
    }
    for (const instance of next.instances) {
      const key = `instance ${instance.index}`;
      const state = `${instance.status}/${instance.attempt}/${instance.agentId}`;
      if (seen.get(key) === state) continue;
      seen.set(key, state);
      const where = instance.agentId ? ` on ${instance.agentId}` : '';
      const attempt = instance.attempt > 1 ? ` (attempt ${instance.attempt})` : '';
      print(`${tag} ${key}${where}${attempt}: ${paintStatus(instance.status, colors)}`);
    }
  };

  for await (const event of followDeployment(ctx.api, initial.id, { signal })) {
    if (event.kind === 'notice') ctx.out.err(ctx.out.errColors.dim(event.message));
    else if (event.kind === 'log') {
      keep(event.line);
      print(`${colors.dim(logPrefix(event.line))} ${event.line.line}`);
    } else {
      view = event.view;
      printChanges(view);
      if (event.kind !== 'end' && options.until?.(view)) return { outcome: 'reached', view, tail };
      const outcome = deployOutcome(view);
      // An `end` that is not "running" is a failure whatever the status says: nothing more will come.
      if (outcome !== 'waiting' || event.kind === 'end') return { outcome: outcome === 'running' ? 'running' : 'failed', view, tail };
    }
  }
  if (ctx.signal.aborted) return { outcome: 'interrupted', view, tail };
  return { outcome: 'timeout', view, tail };
}
