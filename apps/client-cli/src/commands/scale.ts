import { parseReplicas } from '../apps/args.js';
import { followAppWork } from '../apps/follow-work.js';
import type { CommandContext } from '../context.js';
import { parseTimeout } from '../deploy/flags.js';

// `draas scale <app> <n>`: asks for n instances, then follows until n are healthy (or it fails).

export interface ScaleOptions {
  detach?: boolean;
  json?: boolean;
  timeout: string;
}

export async function scaleCommand(name: string, count: string, options: ScaleOptions, ctx: CommandContext): Promise<number> {
  const replicas = parseReplicas(count);
  const timeoutMs = parseTimeout(options.timeout);
  const { out } = ctx;
  const app = await ctx.api.scaleApp(name, replicas, ctx.signal);
  if (options.detach) {
    if (options.json) out.json(app);
    else out.out(`scaling ${app.name} to ${app.replicas} (${app.healthy} healthy now)`);
    return 0;
  }
  (options.json ? out.err : out.out)(`scaling ${app.name} to ${app.replicas} (${app.healthy} healthy now)`);
  const { result, code } = await followAppWork(ctx, app, { kind: 'scale', replicas }, { timeoutMs, json: options.json });
  if (options.json) out.json(result.view);
  return code;
}
