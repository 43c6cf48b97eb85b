import { z } from 'zod';
import { DeploymentId, DeploymentName, Limits } from './deployment.js';
import { InstanceHealth } from './health.js';
import { DeploymentStatus, InstanceStatus } from './status.js';

// Apps (docs/ARCHITECTURE.md, Apps): a name with one address, whose versions are deployments. The
// app record says how many instances should serve, which version serves and which is rolling out;
// the scheduler's rollout pass (apps/scheduler/src/apps/rollout.ts) moves instances until the
// versions agree with it.

export const AppName = DeploymentName;

export const RolloutSettings = z.object({
  /** New instances started beyond `replicas` during a rollout. */
  maxSurge: z.number().int().min(0).max(Limits.maxReplicas),
  /** Serving instances a rollout may take out before their replacements are healthy. */
  maxUnavailable: z.number().int().min(0).max(Limits.maxReplicas),
  /** A new instance not healthy this long after it was asked for fails the rollout. */
  healthDeadlineMs: z.number().int().min(1000).max(3_600_000),
});
export type RolloutSettings = z.infer<typeof RolloutSettings>;

export const DEFAULT_ROLLOUT: RolloutSettings = { maxSurge: 1, maxUnavailable: 0, healthDeadlineMs: 60_000 };

/**
 * `rolling`: being rolled out (building, or starting instances); `serving`: the app's current version;
 * `replaced`: a later version took over; `failed`: its rollout failed (`reason` says why).
 */
export const VersionState = z.enum(['rolling', 'serving', 'replaced', 'failed']);
export type VersionState = z.infer<typeof VersionState>;

export const AppVersion = z.object({
  version: z.number().int().positive(),
  deploymentId: DeploymentId,
  state: VersionState,
  reason: z.string().nullable(),
  /** Once all its instances were healthy at once: a rollback target. */
  everHealthy: z.boolean(),
  /** The version whose image and settings this one repeats (a rollback); null otherwise. */
  rollbackOf: z.number().int().positive().nullable(),
  createdAt: z.iso.datetime(),
});
export type AppVersion = z.infer<typeof AppVersion>;

/** `<p>:app:<name>`: written only by the scheduler's apps store, compare-and-set on `rev`. */
export const AppRecord = z.object({
  name: AppName,
  /** Instances that should serve. */
  replicas: z.number().int().min(0).max(Limits.maxReplicas),
  rollout: RolloutSettings,
  /** The version serving (null until a first one was healthy). */
  current: z.number().int().positive().nullable(),
  /** The version rolling out (null when none). */
  target: z.number().int().positive().nullable(),
  /** Cluster-clock ms of the rollout's last progress (a new instance asked for or turned healthy). */
  stepAt: z.number().int().nullable(),
  versions: z.array(AppVersion),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  rev: z.number().int().nonnegative(),
});
export type AppRecord = z.infer<typeof AppRecord>;

// ---- API ------------------------------------------------------------------------------------------

export const ScaleRequest = z.strictObject({ replicas: z.coerce.number().int().min(0).max(Limits.maxReplicas) });
export type ScaleRequest = z.infer<typeof ScaleRequest>;

export const RollbackRequest = z.strictObject({ version: z.coerce.number().int().positive().optional() });
export type RollbackRequest = z.infer<typeof RollbackRequest>;

/**
 * `deploying`: no version served yet; `updating`: a version is rolling out; `degraded`: fewer healthy
 * instances than asked for; `running`: all healthy; `failed`: nothing serves and nothing rolls out.
 */
export const AppStatus = z.enum(['deploying', 'updating', 'running', 'degraded', 'failed']);
export type AppStatus = z.infer<typeof AppStatus>;

export const AppInstanceView = z.object({
  version: z.number().int(),
  deploymentId: DeploymentId,
  index: z.number().int(),
  attempt: z.number().int(),
  agentId: z.string().nullable(),
  status: InstanceStatus,
  health: InstanceHealth.nullable(),
  healthError: z.string().nullable(),
  /** In the router (running, healthy, not being taken out). */
  serving: z.boolean(),
  retiring: z.boolean(),
  url: z.string().nullable(),
  error: z.string().nullable(),
});
export type AppInstanceView = z.infer<typeof AppInstanceView>;

export const AppVersionView = AppVersion.extend({
  status: DeploymentStatus,
  image: z.string().nullable(),
  error: z.string().nullable(),
});
export type AppVersionView = z.infer<typeof AppVersionView>;

export const AppView = z.object({
  name: AppName,
  /** `http(s)://<name>.<DRAAS_DOMAIN>:<ROUTER_PORT>/`, or null when this scheduler has no router. */
  address: z.string().nullable(),
  status: AppStatus,
  replicas: z.number().int(),
  /** Instances serving now (running, healthy, in the router). */
  healthy: z.number().int(),
  current: z.number().int().nullable(),
  target: z.number().int().nullable(),
  rollout: RolloutSettings,
  versions: z.array(AppVersionView),
  instances: z.array(AppInstanceView),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type AppView = z.infer<typeof AppView>;

export const AppList = z.object({ apps: z.array(AppView) });
export type AppList = z.infer<typeof AppList>;

/** `DELETE /api/apps/:name`: the name is free again; `stopped` versions were cancelled. */
export const AppDestroyed = z.object({ name: AppName, stopped: z.number().int().nonnegative() });
export type AppDestroyed = z.infer<typeof AppDestroyed>;

/** On the events channel whenever an app's record changes: a prompt to read it again. */
export const AppEvent = z.object({
  type: z.literal('app'),
  version: z.literal(1),
  name: AppName,
  at: z.number().int(),
});
export type AppEvent = z.infer<typeof AppEvent>;
