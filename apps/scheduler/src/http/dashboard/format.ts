import type { AppStatus, DeploymentStatus, InstanceHealth, InstanceStatus, VersionState } from '@draas/queue-contracts';

// Pure display helpers for the server-rendered pages: the only renderer of the dashboard's markup
// (the browser swaps in what the server renders; see routes.tsx). Times are written as instants
// (<time datetime>): the browser says them in the reader's zone and as "3m ago" (assets/common.js,
// with the contracts' formatAge served as assets/formatters.js).

export type Tone = 'ok' | 'busy' | 'wait' | 'bad' | 'off';

type Shown = DeploymentStatus | InstanceStatus | AppStatus | VersionState | InstanceHealth | 'online' | 'offline' | 'retiring';

const tones: Record<Shown, Tone> = {
  running: 'ok',
  serving: 'ok',
  healthy: 'ok',
  online: 'ok',
  queued: 'wait',
  pending: 'wait',
  building: 'busy',
  built: 'busy',
  scheduled: 'busy',
  starting: 'busy',
  deploying: 'busy',
  updating: 'busy',
  rolling: 'busy',
  degraded: 'wait',
  failed: 'bad',
  unhealthy: 'bad',
  lost: 'bad',
  offline: 'bad',
  exited: 'off',
  cancelled: 'off',
  replaced: 'off',
  retiring: 'off',
};

export const toneOf = (status: string): Tone => tones[status as keyof typeof tones] ?? 'off';

/** Only http(s) URLs become links; anything else is shown as text. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export { formatBytes } from '@draas/queue-contracts';

export const percent = (used: number, total: number): number => (total > 0 ? Math.min(100, Math.max(0, (used / total) * 100)) : 0);

export const canCancel = (d: { status: DeploymentStatus; desired: string }): boolean => d.desired !== 'cancelled' && d.status !== 'cancelled';

export const uniqueAgents = (instances: readonly { agentId: string | null }[]): string[] =>
  [...new Set(instances.map((i) => i.agentId).filter((a): a is string => a !== null))];
