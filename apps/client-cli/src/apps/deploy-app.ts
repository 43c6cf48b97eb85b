import { isTerminalDeployment, type DeploymentView } from '@draas/queue-contracts';
import type { CommandContext } from '../context.js';
import { rolloutText } from './describe.js';
import { followAppWork } from './follow-work.js';

// `draas deploy --name <app>`: once the new version is built (or, from an image, accepted), its app's
// rollout decides the rest; this follows it to its end.

/** Past the build and not ended: the deployment's own progress is now the rollout's. */
export const pastBuild = (view: DeploymentView): boolean =>
  view.status !== 'queued' && view.status !== 'building' && !isTerminalDeployment(view.status);

export interface VersionFollowOptions {
  json?: boolean;
  timeoutMs: number;
}

export async function followVersion(ctx: CommandContext, deployment: DeploymentView, app: { name: string; version: number }, options: VersionFollowOptions): Promise<number> {
  const { out } = ctx;
  const first = await ctx.api.getApp(app.name, ctx.signal);
  (options.json ? out.err : out.out)(`rolling out ${app.name} v${app.version} (${rolloutText(first.rollout)})`);
  const { result, code } = await followAppWork(ctx, first, { kind: 'rollout', version: app.version }, options);
  if (options.json) {
    const last = await ctx.api.getDeployment(deployment.id, ctx.signal).catch(() => deployment);
    out.json({ outcome: result.outcome, deployment: last, app: result.view });
  }
  return code;
}
