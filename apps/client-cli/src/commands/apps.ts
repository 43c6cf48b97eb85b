import { describeApp, appsTable } from '../apps/describe.js';
import type { CommandContext } from '../context.js';

// `draas apps` and `draas app <name>`: the apps, and one app in full.

export async function appsCommand(options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const apps = await ctx.api.listApps(ctx.signal);
  const { out } = ctx;
  if (options.json) out.json(apps);
  else if (apps.length === 0) out.err('no apps yet; deploy one with: draas deploy <folder> --name <app>');
  else out.out(appsTable(apps, out.colors));
  return 0;
}

export async function appCommand(name: string, options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const app = await ctx.api.getApp(name, ctx.signal);
  if (options.json) ctx.out.json(app);
  else ctx.out.out(describeApp(app, ctx.out.colors, ctx.now()));
  return 0;
}
