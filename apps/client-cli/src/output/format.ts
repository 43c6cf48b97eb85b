import type { AppStatus, DeploymentStatus, InstanceHealth, InstanceStatus, LogLine, VersionState } from '@draas/queue-contracts';
import type { Colors } from './colors.js';

// Small formatters shared by the commands' human output.

export { formatAge, formatBytes, formatDuration } from '@draas/queue-contracts';

export type PaintedStatus = DeploymentStatus | InstanceStatus | AppStatus | VersionState | InstanceHealth | 'online' | 'offline';

export function paintStatus(status: PaintedStatus, colors: Colors): string {
  switch (status) {
    case 'running':
    case 'online':
    case 'serving':
    case 'healthy':
      return colors.green(status);
    case 'failed':
    case 'lost':
    case 'offline':
    case 'unhealthy':
      return colors.red(status);
    case 'exited':
    case 'cancelled':
    case 'replaced':
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
