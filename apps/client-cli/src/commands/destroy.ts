import type { CommandContext } from '../context.js';

// `draas destroy <app>`: stops every version of the app and forgets it. Asks nothing, like cancel.

export async function destroyCommand(name: string, options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const destroyed = await ctx.api.destroyApp(name, ctx.signal);
  if (options.json) ctx.out.json(destroyed);
  else ctx.out.out(`destroyed ${destroyed.name}: stopped ${destroyed.stopped} version${destroyed.stopped === 1 ? '' : 's'}`);
  return 0;
}
