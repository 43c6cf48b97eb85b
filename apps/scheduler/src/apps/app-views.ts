import type { AppInstanceView, AppRecord, AppStatus, AppView } from '@draas/queue-contracts';
import { isLive, isServing, type VersionInstances } from './rollout-plan.js';

// The app JSON of the API and the dashboard. Pure: records in, view out.

export interface RouterAddress {
  /** No router configured: apps have no address. */
  enabled: boolean;
  domain: string;
  port: number;
  https: 'off' | 'internal' | 'auto';
}

/** `http://web.localhost:8000/`; the default port of the scheme is left out. */
export function appAddress(name: string, router: RouterAddress): string | null {
  if (!router.enabled) return null;
  const scheme = router.https === 'off' ? 'http' : 'https';
  const port = (scheme === 'http' && router.port === 80) || (scheme === 'https' && router.port === 443) ? '' : `:${router.port}`;
  return `${scheme}://${name}.${router.domain}${port}/`;
}

export function appStatus(app: AppRecord, healthy: number): AppStatus {
  if (app.target !== null) return app.current === null ? 'deploying' : 'updating';
  if (app.current === null) return 'failed';
  return healthy < app.replicas ? 'degraded' : 'running';
}

export function toAppView(app: AppRecord, versions: readonly VersionInstances[], router: RouterAddress): AppView {
  const byVersion = new Map(versions.map((v) => [v.version.version, v]));
  // Instances in service or on their way, and those being taken out; ended ones only in the versions' own pages.
  const instances: AppInstanceView[] = versions.flatMap(({ version, instances: list }) =>
    list
      .filter((i) => isLive(i) || (i.retire !== null && i.status === 'running'))
      .map((i) => ({
        version: version.version,
        deploymentId: i.deploymentId,
        index: i.index,
        attempt: i.attempt,
        agentId: i.agentId,
        status: i.status,
        health: i.health,
        healthError: i.healthError,
        serving: isServing(i),
        retiring: i.retire !== null,
        url: i.urls[0] ?? null,
        error: i.error,
      })),
  );
  const healthy = instances.filter((i) => i.serving).length;
  return {
    name: app.name,
    address: appAddress(app.name, router),
    status: appStatus(app, healthy),
    replicas: app.replicas,
    healthy,
    current: app.current,
    target: app.target,
    rollout: app.rollout,
    versions: [...app.versions].reverse().map((v) => {
      const deployment = byVersion.get(v.version)?.deployment;
      return { ...v, status: deployment?.status ?? 'cancelled', image: deployment?.image ?? null, error: deployment?.error ?? null };
    }),
    instances,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}
