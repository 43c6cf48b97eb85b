import type { DeploymentView } from '@draas/queue-contracts';
import type { CommandContext } from '../context.js';
import type { Colors } from '../output/colors.js';
import { formatAge, listCell, paintStatus } from '../output/format.js';
import { formatDetails, formatTable } from '../output/table.js';

// `draas status <id>`: one deployment in full, then its instances.

export async function statusCommand(id: string, options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const view = await ctx.api.getDeployment(id, ctx.signal);
  const { out } = ctx;
  if (options.json) out.json(view);
  else out.out(describeDeployment(view, out.colors, ctx.now()));
  return 0;
}

export function describeDeployment(view: DeploymentView, colors: Colors, now: number): string {
  const desired = view.desired === 'cancelled' && view.status !== 'cancelled' ? colors.yellow(' (cancelling)') : '';
  const details = formatDetails([
    ['id', view.id],
    ['name', view.name],
    ['status', `${paintStatus(view.status, colors)}${desired}`],
    ['error', view.error ? colors.red(view.error) : ''],
    ['image', view.image ?? (view.source === 'archive' ? colors.dim('(not built yet)') : '')],
    ['image id', view.imageId ?? ''],
    ['source', view.source],
    ['replicas', String(view.replicas)],
    ['memory', view.memory],
    ['cpus', String(view.cpus)],
    ['ports', view.ports.map((p) => `${p.containerPort}/${p.protocol}`).join(', ')],
    // Only the keys: the scheduler never gives env values back.
    ['env', view.envKeys.join(', ')],
    ['constraints', view.constraints.join(', ')],
    ['restart', view.restart],
    ['strategy', view.strategy],
    ['created', `${view.createdAt} (${formatAge(view.createdAt, now)} ago)`],
    ['updated', `${view.updatedAt} (${formatAge(view.updatedAt, now)} ago)`],
    ['urls', view.urls.join(' ')],
  ]);
  if (view.instances.length === 0) return `${details}\n\n${colors.dim('no instances yet')}`;
  const rows = view.instances.map((i) => [
    String(i.index),
    String(i.attempt),
    i.agentId ?? '-',
    paintStatus(i.status, colors),
    listCell(i.urls, ' '),
    i.exitCode === null ? '-' : String(i.exitCode),
    formatAge(i.updatedAt, now),
    i.error ?? '',
  ]);
  return `${details}\n\n${formatTable(['instance', 'attempt', 'agent', 'status', 'urls', 'exit', 'updated', 'error'], rows)}`;
}
