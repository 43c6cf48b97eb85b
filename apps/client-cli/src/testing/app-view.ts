import { AppView, type AppInstanceView, type AppVersionView } from '@draas/queue-contracts';

// AppViews for the tests (unit and the stub-API one): a valid view with only what a test is about
// spelt out. Not part of the CLI's build.

const at = '2025-06-01T12:00:00.000Z';
const ids = ['k2h4x9q0m1ab', 'b2h4x9q0m1ab', 'c2h4x9q0m1ab', 'd2h4x9q0m1ab'];
export const deploymentIdOf = (version: number): string => ids[(version - 1) % ids.length] as string;

export const appVersion = (version: number, state: AppVersionView['state'], over: Partial<AppVersionView> = {}): AppVersionView => ({
  version, deploymentId: deploymentIdOf(version), state, reason: null, everHealthy: state === 'serving' || state === 'replaced',
  rollbackOf: null, createdAt: at, status: state === 'failed' ? 'failed' : 'running', image: `draas/web:${deploymentIdOf(version)}`, error: null, ...over,
});

/** A serving, healthy instance of `version` unless `over` says otherwise. */
export const appInstance = (version: number, index: number, over: Partial<AppInstanceView> = {}): AppInstanceView => ({
  version, deploymentId: deploymentIdOf(version), index, attempt: 1, agentId: 'agent-a', status: 'running', health: 'healthy',
  healthError: null, serving: true, retiring: false, url: `http://127.0.0.1:${32000 + version * 10 + index}`, error: null, ...over,
});

export const appView = (over: Partial<AppView> = {}): AppView =>
  AppView.parse({
    name: 'web', address: 'http://web.localhost:8080/', status: 'running', replicas: 2, healthy: 2, current: 1, target: null,
    rollout: { maxSurge: 1, maxUnavailable: 0, healthDeadlineMs: 60_000 }, versions: [appVersion(1, 'serving')],
    instances: [appInstance(1, 0), appInstance(1, 1)], createdAt: at, updatedAt: at, ...over,
  });

/** v1 serving on two instances and v2 rolling over it: `healthyNew` of v2's two instances are healthy and as many of v1's are gone. */
export function rollingView(healthyNew: number, over: Partial<AppView> = {}): AppView {
  const fresh = [0, 1].map((index) =>
    index < healthyNew ? appInstance(2, index) : appInstance(2, index, { status: 'starting', health: 'starting', serving: false, url: null }),
  );
  return appView({
    status: 'updating', current: 1, target: 2,
    versions: [appVersion(1, 'serving'), appVersion(2, 'rolling', { status: 'scheduled' })],
    instances: [...[appInstance(1, 0), appInstance(1, 1)].slice(healthyNew), ...fresh], ...over,
  });
}

/** v2 done: serving alone. */
export const servedView = (over: Partial<AppView> = {}): AppView =>
  appView({ current: 2, versions: [appVersion(1, 'replaced'), appVersion(2, 'serving')], instances: [appInstance(2, 0), appInstance(2, 1)], ...over });

/** v2 failed its health deadline; v1 still serves. */
export const failedView = (over: Partial<AppView> = {}): AppView =>
  appView({
    versions: [appVersion(1, 'serving'), appVersion(2, 'failed', { reason: 'instance 0 of v2 was not healthy within 1m: health check /healthz answered 500' })],
    ...over,
  });
