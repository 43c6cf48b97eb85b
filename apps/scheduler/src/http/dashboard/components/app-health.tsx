import type { AppInstanceView, AppView } from '@draas/queue-contracts';
import { toneOf } from '../format.js';

// How an app's instances are doing, in a glance: one dot per instance (its health, or its status
// while it reports none), the healthy count, and a rollout's progress. Used by the overview's rows
// and the app page alike.

export const appHref = (name: string): string => `/dashboard/apps/${encodeURIComponent(name)}`;

/** What a dot says: being taken out first, then the health the agent reports, else the status. */
export const instanceState = (i: AppInstanceView): string => (i.retiring ? 'retiring' : (i.health ?? i.status));

export const instanceLabel = (i: AppInstanceView): string =>
  `v${i.version} #${i.index}${i.agentId ? ` on ${i.agentId}` : ''}: ${instanceState(i)}${i.healthError ? ` (${i.healthError})` : ''}`;

/** `v2`, `v2 → v3` while v3 rolls out, `→ v1` before a first version serves, `—` with none. */
export function versionText(app: Pick<AppView, 'current' | 'target'>): string {
  const current = app.current === null ? '' : `v${app.current}`;
  if (app.target === null) return current || '—';
  return current ? `${current} → v${app.target}` : `→ v${app.target}`;
}

/** `v3: 1/2 healthy` while v3 rolls out; null when nothing rolls out. */
export function rolloutProgress(app: Pick<AppView, 'target' | 'replicas' | 'instances'>): string | null {
  if (app.target === null) return null;
  const healthy = app.instances.filter((i) => i.version === app.target && i.health === 'healthy' && !i.retiring).length;
  return `v${app.target}: ${healthy}/${app.replicas} healthy`;
}

/** One dot per instance, with its words for screen readers and as a tooltip. */
export function HealthDots({ instances }: { instances: readonly AppInstanceView[] }) {
  if (instances.length === 0) return <span class="muted">no instances</span>;
  return (
    <span class="hdots">
      {instances.map((i) => {
        const state = instanceState(i);
        return (
          <span class={`hdot tone-${toneOf(state)}`} data-state={state} title={instanceLabel(i)}>
            <span class="visually-hidden">{instanceLabel(i)}</span>
          </span>
        );
      })}
    </span>
  );
}
