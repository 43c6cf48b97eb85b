import type { CommandContext } from '../context.js';
import { paintStatus } from '../output/format.js';

// `draas cancel <id>`: idempotent on the scheduler's side, so cancelling twice is not an error.

export async function cancelCommand(id: string, options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const view = await ctx.api.cancel(id, ctx.signal);
  const { out } = ctx;
  if (options.json) out.json(view);
  else {
    const what = view.status === 'cancelled' ? 'cancelled' : `cancelling (status now ${paintStatus(view.status, out.colors)})`;
    out.out(`${what}: ${view.name} (${view.id})`);
  }
  return 0;
}
