import type { AppView } from '@draas/queue-contracts';
import type { Colors } from '../output/colors.js';
import { formatAge, formatDuration, paintStatus } from '../output/format.js';
import { formatDetails, formatTable } from '../output/table.js';

// The human forms of apps: the `draas apps` table and the `draas app <name>` page.

/** `v2`, or `v1→v2` while v2 rolls out over v1; `-` before any. */
export function versionCell(app: Pick<AppView, 'current' | 'target'>): string {
  if (app.target !== null && app.target !== app.current) return app.current === null ? `→v${app.target}` : `v${app.current}→v${app.target}`;
  return app.current === null ? '-' : `v${app.current}`;
}

export function appsTable(apps: readonly AppView[], colors: Colors): string {
  const rows = apps.map((a) => [a.name, paintStatus(a.status, colors), versionCell(a), `${a.healthy}/${a.replicas}`, a.address ?? '-']);
  return formatTable(['name', 'status', 'version', 'healthy', 'address'], rows);
}

/** `max surge 1, max unavailable 0, health deadline 1m` */
export const rolloutText = (r: AppView['rollout']): string =>
  `max surge ${r.maxSurge}, max unavailable ${r.maxUnavailable}, health deadline ${formatDuration(r.healthDeadlineMs)}`;

export function describeApp(app: AppView, colors: Colors, now: number): string {
  const details = formatDetails([
    ['address', app.address ?? colors.dim('(no router on this scheduler)')],
    ['name', app.name],
    ['status', paintStatus(app.status, colors)],
    ['healthy', `${app.healthy}/${app.replicas}`],
    ['current', app.current === null ? '-' : `v${app.current}`],
    ['target', app.target === null ? '' : `v${app.target}`],
    ['rollout', rolloutText(app.rollout)],
    ['created', `${app.createdAt} (${formatAge(app.createdAt, now)} ago)`],
    ['updated', `${app.updatedAt} (${formatAge(app.updatedAt, now)} ago)`],
  ]);
  const versions = [...app.versions]
    .sort((a, b) => b.version - a.version)
    .map((v) => [
      `v${v.version}`,
      paintStatus(v.state, colors),
      paintStatus(v.status, colors),
      v.deploymentId,
      formatAge(v.createdAt, now),
      [v.rollbackOf === null ? '' : `rollback of v${v.rollbackOf}`, v.reason ?? v.error ?? ''].filter(Boolean).join('; '),
    ]);
  const versionsTable = formatTable(['version', 'state', 'status', 'deployment', 'age', 'reason'], versions);
  if (app.instances.length === 0) return `${details}\n\n${versionsTable}\n\n${colors.dim('no instances')}`;
  const instances = [...app.instances]
    .sort((a, b) => b.version - a.version || a.index - b.index)
    .map((i) => [
      `v${i.version}`,
      String(i.index),
      i.agentId ?? '-',
      paintStatus(i.status, colors),
      i.health === null ? '-' : paintStatus(i.health, colors),
      i.url ?? '-',
      [i.serving ? 'serving' : '', i.retiring ? 'retiring' : '', i.healthError ?? '', i.error ?? ''].filter(Boolean).join('; '),
    ]);
  return `${details}\n\n${versionsTable}\n\n${formatTable(['version', 'index', 'agent', 'status', 'health', 'url', 'note'], instances)}`;
}
