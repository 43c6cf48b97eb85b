import type { DeploymentStatus, InstanceStatus } from '@draas/queue-contracts';

// Pure display helpers for the server-rendered pages. assets/common.js has the same few for the
// browser (no bundler shares code between the two); keep their outputs alike.

export type Tone = 'ok' | 'busy' | 'wait' | 'bad' | 'off';

const tones: Record<DeploymentStatus | InstanceStatus | 'online' | 'offline', Tone> = {
  running: 'ok',
  online: 'ok',
  queued: 'wait',
  pending: 'wait',
  building: 'busy',
  built: 'busy',
  scheduled: 'busy',
  starting: 'busy',
  failed: 'bad',
  lost: 'bad',
  offline: 'bad',
  exited: 'off',
  cancelled: 'off',
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

/** `4s`, `3m`, `2h`, `5d`: how long ago, compactly. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export const percent = (used: number, total: number): number => (total > 0 ? Math.min(100, Math.max(0, (used / total) * 100)) : 0);

export const canCancel = (d: { status: DeploymentStatus; desired: string }): boolean => d.desired !== 'cancelled' && d.status !== 'cancelled';

export const uniqueAgents = (instances: readonly { agentId: string | null }[]): string[] =>
  [...new Set(instances.map((i) => i.agentId).filter((a): a is string => a !== null))];
