import type { CommandContext } from '../context.js';
import { deploymentUrls } from '../deploy/outcome.js';
import { formatAge, listCell, paintStatus } from '../output/format.js';
import { formatTable } from '../output/table.js';
import { UsageError } from '../errors/usage-error.js';

// `draas ls`: the deployments, newest first.

export async function lsCommand(options: { json?: boolean; limit: string }, ctx: CommandContext): Promise<number> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit "${options.limit}" must be a whole number from 1 to 1000`);
  const deployments = await ctx.api.listDeployments(limit, ctx.signal);
  const { out } = ctx;
  if (options.json) {
    out.json(deployments);
    return 0;
  }
  if (deployments.length === 0) {
    out.err('no deployments yet; deploy a folder with: draas deploy <folder>');
    return 0;
  }
  const now = ctx.now();
  const rows = deployments.map((d) => {
    const running = d.instances.filter((i) => i.status === 'running').length;
    return [d.id, d.name, paintStatus(d.status, out.colors), `${running}/${d.replicas}`, listCell(deploymentUrls(d), ' '), formatAge(d.createdAt, now)];
  });
  out.out(formatTable(['id', 'name', 'status', 'instances', 'urls', 'age'], rows));
  return 0;
}
