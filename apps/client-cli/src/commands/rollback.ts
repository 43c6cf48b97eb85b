import { parseVersion } from '../apps/args.js';
import { followAppWork } from '../apps/follow-work.js';
import { rollingVersion } from '../apps/rollout.js';
import type { CommandContext } from '../context.js';
import { parseTimeout } from '../deploy/flags.js';
import { ProtocolError } from '../errors/protocol-error.js';

// `draas rollback <app> [--to <v>]`: a new version repeating an earlier one (by default the one
// before the current), followed like a deploy.

export interface RollbackOptions {
  to?: string;
  detach?: boolean;
  json?: boolean;
  timeout: string;
}

export async function rollbackCommand(name: string, options: RollbackOptions, ctx: CommandContext): Promise<number> {
  const version = options.to === undefined ? undefined : parseVersion(options.to);
  const timeoutMs = parseTimeout(options.timeout);
  const { out } = ctx;
  const app = await ctx.api.rollbackApp(name, version, ctx.signal);
  const target = rollingVersion(app);
  if (target === null) throw new ProtocolError(`POST /api/apps/${name}/rollback`, 'the app has no version after the rollback');
  const repeats = app.versions.find((v) => v.version === target)?.rollbackOf;
  const said = `rolling back ${app.name}: v${target}${repeats ? ` repeats v${repeats}` : ''}`;
  if (options.detach) {
    if (options.json) out.json(app);
    else out.out(said);
    return 0;
  }
  (options.json ? out.err : out.out)(said);
  const { result, code } = await followAppWork(ctx, app, { kind: 'rollout', version: target }, { timeoutMs, json: options.json });
  if (options.json) out.json(result.view);
  return code;
}
