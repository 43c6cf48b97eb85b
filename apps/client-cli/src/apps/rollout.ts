import { isTerminalInstance, type AppInstanceView, type AppView } from '@draas/queue-contracts';

// What following an app means, as pure functions of the AppView last read: a progress line for the
// human, and whether to stop. Used by `draas deploy --name`, `draas rollback` and `draas scale`.

/**
 * `waiting`: keep following; `done`: what was asked for is reached; `failed`: the scheduler gave up
 * on it; `superseded`: someone else's change took over (a later version, another scale).
 */
export type AppDecision = 'waiting' | 'done' | 'failed' | 'superseded';

/** What a follow watches for: how to say where it is, and when it is over. */
export interface AppGoal {
  progress(app: AppView): string;
  decide(app: AppView): AppDecision;
}

/** Running, healthy, and not being taken out. */
const isHealthy = (i: AppInstanceView): boolean => i.status === 'running' && i.health === 'healthy' && !i.retiring;
const isLive = (i: AppInstanceView): boolean => !isTerminalInstance(i.status);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The rollout of `version` is over when it serves and is no longer the app's target. */
export function rolloutDecision(app: AppView, version: number): AppDecision {
  const v = app.versions.find((x) => x.version === version);
  if (!v) return 'waiting'; // not listed yet
  if (v.state === 'failed') return 'failed';
  if (v.state === 'replaced') return 'superseded';
  if (v.state === 'serving' && app.target !== version) return 'done';
  // A later version took over the rollout before this one finished.
  if (app.target !== null && app.target > version) return 'superseded';
  return 'waiting';
}

/** `v2: 1/2 healthy, 1 starting, 1 old instance left`. */
export function rolloutProgress(app: AppView, version: number): string {
  const mine = app.instances.filter((i) => i.version === version && isLive(i));
  const healthy = mine.filter(isHealthy).length;
  const starting = mine.filter((i) => !isHealthy(i) && i.health !== 'unhealthy' && !i.retiring).length;
  const unhealthy = mine.filter((i) => i.health === 'unhealthy');
  const old = app.instances.filter((i) => i.version !== version && isLive(i)).length;
  const parts = [`${healthy}/${app.replicas} healthy`];
  if (starting) parts.push(`${starting} starting`);
  if (unhealthy.length) parts.push(`${unhealthy.length} unhealthy${unhealthy[0]?.healthError ? ` (${unhealthy[0].healthError})` : ''}`);
  if (old) parts.push(`${plural(old, 'old instance')} left`);
  return `v${version}: ${parts.join(', ')}`;
}

export const rolloutGoal = (version: number): AppGoal => ({
  progress: (app) => rolloutProgress(app, version),
  decide: (app) => rolloutDecision(app, version),
});

/** A scale to `replicas` is over when that many instances are healthy and none is being taken out. */
export function scaleDecision(app: AppView, replicas: number): AppDecision {
  if (app.replicas !== replicas) return 'superseded';
  if (app.status === 'failed') return 'failed';
  const retiring = app.instances.some((i) => i.retiring && isLive(i));
  return app.healthy === replicas && !retiring ? 'done' : 'waiting';
}

/** `web: 1/3 healthy, 2 starting` (`, 1 stopping` while instances are taken out). */
export function scaleProgress(app: AppView): string {
  const live = app.instances.filter(isLive);
  const starting = live.filter((i) => !isHealthy(i) && !i.retiring).length;
  const stopping = live.filter((i) => i.retiring).length;
  const parts = [`${app.healthy}/${app.replicas} healthy`];
  if (starting) parts.push(`${starting} starting`);
  if (stopping) parts.push(`${stopping} stopping`);
  return `${app.name}: ${parts.join(', ')}`;
}

export const scaleGoal = (replicas: number): AppGoal => ({
  progress: scaleProgress,
  decide: (app) => scaleDecision(app, replicas),
});

/** The version a 202 of rollback (or scale during a rollout) set rolling: the target, else the newest. */
export const rollingVersion = (app: AppView): number | null => app.target ?? app.versions.reduce<number | null>((max, v) => Math.max(max ?? 0, v.version), null);

/** The URLs of the instances that serve the app now. */
export const servingUrls = (app: AppView): string[] => [...new Set(app.instances.filter((i) => i.serving && i.url).map((i) => i.url as string))];
