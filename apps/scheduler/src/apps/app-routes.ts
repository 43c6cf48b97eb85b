import type { RoutedApp } from '../router/routing-table.js';
import { isServing, type VersionInstances } from './rollout-plan.js';

// Which instances each app's requests go to (docs/ARCHITECTURE.md, Router): those serving — running,
// healthy, not being taken out — of every version, at the address of their first port's URL (the
// agent's AGENT_IP and the published port: where the agent's health checks reached them too).

export function routedApp(name: string, versions: readonly VersionInstances[]): RoutedApp {
  const upstreams = new Set<string>();
  for (const v of versions) {
    if (v.deployment.desired === 'cancelled') continue;
    for (const i of v.instances) {
      const hostPort = isServing(i) ? upstreamOf(i.urls[0]) : null;
      if (hostPort) upstreams.add(hostPort);
    }
  }
  return { name, upstreams: [...upstreams].sort() };
}

/** `host:port` of an instance URL; null when it has no explicit port (published ports always do). */
export function upstreamOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.port ? parsed.host : null;
  } catch {
    return null;
  }
}
