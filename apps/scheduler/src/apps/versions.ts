import { DEFAULT_ROLLOUT, type AppRecord, type AppVersion, type RolloutSettings } from '@draas/queue-contracts';
import type { Scheduling } from '../cluster/scheduling.js';
import { Conflict, NotFound } from '../errors.js';

// What users do to an app (docs/ARCHITECTURE.md, Apps): a new version, a scale, the choice of a
// rollback's version. Each is one compare-and-set of the app record; the rollout pass then moves
// instances until the versions agree with it.

export interface VersionRequest {
  name: string;
  deploymentId: string;
  /** From the request; unset keeps the app's (new apps: 1). */
  replicas?: number;
  rollout: Partial<RolloutSettings>;
  rollbackOf?: number;
}

/** Makes the deployment the app's next version and the one rolling out (the app is created when new). Returns its number. */
export async function addVersion(s: Pick<Scheduling, 'state' | 'planner'>, request: VersionRequest): Promise<number> {
  const { state, planner } = s;
  const createdAt = new Date(state.now()).toISOString();
  const version = (n: number): AppVersion => ({
    version: n,
    deploymentId: request.deploymentId,
    state: 'rolling',
    reason: null,
    everHealthy: false,
    rollbackOf: request.rollbackOf ?? null,
    createdAt,
  });
  for (let attempt = 0; attempt < 5; attempt++) {
    const fresh: AppRecord = {
      name: request.name,
      replicas: request.replicas ?? 1,
      rollout: { ...DEFAULT_ROLLOUT, ...request.rollout },
      current: null,
      target: 1,
      stepAt: null,
      versions: [version(1)],
      createdAt,
      updatedAt: createdAt,
      rev: 0,
    };
    if (await planner.createApp(fresh)) return 1;
    let number = 0;
    const updated = await planner.updateApp(request.name, (current) => {
      number = (current.versions.at(-1)?.version ?? 0) + 1;
      // A version still rolling out is superseded: the new one's rollout takes its instances out.
      const versions = current.versions.map((v) => (v.state === 'rolling' ? { ...v, state: 'failed' as const, reason: `superseded by v${number}` } : v));
      return {
        ...current,
        replicas: request.replicas ?? current.replicas,
        rollout: { ...current.rollout, ...request.rollout },
        target: number,
        stepAt: null,
        versions: [...versions, version(number)],
        updatedAt: createdAt,
      };
    });
    // Destroyed between the two calls: create it again.
    if (updated) return number;
  }
  throw new Conflict(`app ${request.name} kept changing; try again`);
}

export async function requireApp(s: Pick<Scheduling, 'state'>, name: string): Promise<AppRecord> {
  const app = await s.state.app(name);
  if (!app) throw new NotFound(`app ${name} does not exist; \`draas apps\` lists them`);
  return app;
}

export async function scaleApp(s: Pick<Scheduling, 'state' | 'planner'>, name: string, replicas: number): Promise<AppRecord> {
  const updated = await s.planner.updateApp(name, (current) =>
    current.replicas === replicas ? null : { ...current, replicas, updatedAt: new Date(s.state.now()).toISOString() },
  );
  if (!updated) throw new NotFound(`app ${name} does not exist; \`draas apps\` lists them`);
  if (updated.changed) await s.planner.publishApp(name);
  return updated.record;
}

/**
 * The version a rollback repeats: the one asked for, or the newest before the current one that was
 * once healthy at full strength.
 */
export function rollbackSource(app: AppRecord, asked: number | undefined): AppVersion {
  if (asked !== undefined) {
    const found = app.versions.find((v) => v.version === asked);
    if (!found) throw new NotFound(`app ${app.name} has no version ${asked} (it has v1 to v${app.versions.at(-1)?.version ?? 0})`);
    if (asked === app.current && app.target === null) throw new Conflict(`v${asked} is already serving ${app.name}`);
    return found;
  }
  if (app.current === null) throw new Conflict(`app ${app.name} has no serving version to roll back from; name one with "version"`);
  const before = app.versions.filter((v) => v.version < (app.current as number) && v.everHealthy).at(-1);
  if (!before) throw new Conflict(`app ${app.name} has no version before v${app.current} that ran healthy; name one with "version"`);
  return before;
}
