import type { DeploymentStatus, InstanceStatus, LogLine } from '@draas/queue-contracts';
import type { Colors } from './colors.js';

// Small formatters shared by the commands' human output.

/** Elapsed time as kubectl shows it: 42s, 5m, 3h, 12d. */
export function formatAge(since: string | number, now: number): string {
  const seconds = Math.max(0, Math.floor((now - new Date(since).getTime()) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export { formatBytes } from '@draas/queue-contracts';

export function paintStatus(status: DeploymentStatus | InstanceStatus | 'online' | 'offline', colors: Colors): string {
  switch (status) {
    case 'running':
    case 'online':
      return colors.green(status);
    case 'failed':
    case 'lost':
    case 'offline':
      return colors.red(status);
    case 'exited':
    case 'cancelled':
      return colors.dim(status);
    default:
      return colors.yellow(status);
  }
}

/** `[build]`, `[run:0]`, `[system]`: where a line of a deployment's log comes from. */
export function logPrefix(line: Pick<LogLine, 'phase' | 'instance'>): string {
  return line.instance === null || line.phase === 'build' ? `[${line.phase}]` : `[${line.phase}:${line.instance}]`;
}

/** A list cell: items joined, or a dash when there are none. */
export const listCell = (items: readonly string[], separator = ','): string => (items.length ? items.join(separator) : '-');
