import { z } from 'zod';
import { DEFAULT_HEALTH, durationField, HealthPath, HealthSpec, InstanceHealth } from './health.js';
import { DeploymentStatus, InstanceStatus } from './status.js';
import { MIN_MEMORY_BYTES, parseLabel, parseMemory, parsePort, type Constraint, type PortSpec } from './units.js';

// What a deployment is (docs/ARCHITECTURE.md, Model): the request as the API takes it, the records kept
// in Redis, and the JSON the API answers with.

export const DeploymentId = z.string().regex(/^[a-z0-9]{12}$/, 'a deployment id is 12 lowercase letters or digits');
export type DeploymentId = z.infer<typeof DeploymentId>;

export const AgentId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'an agent id is 1–63 lowercase letters, digits or dashes, starting with a letter or digit');
export type AgentId = z.infer<typeof AgentId>;

/** A DNS label, so that it can name images, containers and hosts. */
export const DeploymentName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a name is 1–63 lowercase letters, digits or dashes, not starting or ending with a dash');

export const ImageRef = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/, 'an image is a Docker reference such as nginx:1.27 or registry.example.com/team/app:tag');

/**
 * An image's content id (`docker inspect --format {{.Id}}`): the digest of its config, the same on
 * every engine that holds the image however it got there (build, pull, load).
 */
export const ImageId = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'an image id is sha256: and 64 hex digits');
export type ImageId = z.infer<typeof ImageId>;

export const RestartPolicyName = z.enum(['no', 'on-failure', 'always']);
export const RestartPolicy = z.object({
  policy: RestartPolicyName,
  /** For on-failure: how many restarts before the instance is left failed. */
  maxRetries: z.number().int().min(0).max(1000).nullable(),
});
export type RestartPolicy = z.infer<typeof RestartPolicy>;

export const PlacementStrategy = z.enum(['spread', 'binpack']);
export type PlacementStrategy = z.infer<typeof PlacementStrategy>;

export const PortSpecSchema = z.object({ containerPort: z.number().int().min(1).max(65535), protocol: z.enum(['tcp', 'udp']) });
export const ConstraintSchema = z.object({ key: z.string(), value: z.string() });

export const Limits = {
  maxReplicas: 1000,
  maxEnvKeys: 100,
  maxEnvValueBytes: 32 * 1024,
  maxPorts: 32,
  maxConstraints: 16,
  defaultMemoryBytes: 256 * 1024 ** 2,
  defaultMilliCpus: 250,
  maxMilliCpus: 64_000,
} as const;

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const memoryField = z.union([z.string(), z.number()]).transform((input, ctx) => {
  const bytes = parseMemory(input);
  if (bytes === null || bytes < MIN_MEMORY_BYTES) {
    ctx.addIssue({ code: 'custom', message: `memory "${input}" is not a size of at least 6m (examples: 256m, 1g)` });
    return z.NEVER;
  }
  return bytes;
});

const cpusField = z.union([z.string(), z.number()]).transform((input, ctx) => {
  const cpus = Number(input);
  if (!Number.isFinite(cpus) || cpus < 0.01 || cpus > Limits.maxMilliCpus / 1000) {
    ctx.addIssue({ code: 'custom', message: `cpus "${input}" must be a number of CPUs from 0.01 to ${Limits.maxMilliCpus / 1000} (example: 0.5)` });
    return z.NEVER;
  }
  return Math.round(cpus * 1000);
});

const portsField = z
  .array(z.union([z.string(), z.number()]))
  .max(Limits.maxPorts)
  .transform((items, ctx): PortSpec[] => {
    const ports: PortSpec[] = [];
    for (const item of items) {
      const port = parsePort(item);
      if (!port) ctx.addIssue({ code: 'custom', message: `port "${item}" must be 1–65535, optionally with /tcp or /udp` });
      else if (!ports.some((p) => p.containerPort === port.containerPort && p.protocol === port.protocol)) ports.push(port);
    }
    return ports;
  });

const constraintsField = z
  .union([z.array(z.string()).max(Limits.maxConstraints), z.record(z.string(), z.string())])
  .transform((input, ctx): Constraint[] => {
    const items = Array.isArray(input) ? input : Object.entries(input).map(([k, v]) => `${k}=${v}`);
    const out: Constraint[] = [];
    for (const item of items) {
      const c = parseLabel(item);
      if (!c) ctx.addIssue({ code: 'custom', message: `constraint "${item}" must be key=value (letters, digits, _ . - / only)` });
      else out.push(c);
    }
    return out;
  });

const restartField = z.string().transform((input, ctx): RestartPolicy => {
  const match = /^(no|always|on-failure)(?::(\d{1,4}))?$/.exec(input.trim());
  if (!match || (match[2] !== undefined && match[1] !== 'on-failure')) {
    ctx.addIssue({ code: 'custom', message: `restart "${input}" must be no, always, on-failure or on-failure:N` });
    return z.NEVER;
  }
  return { policy: match[1] as RestartPolicy['policy'], maxRetries: match[2] === undefined ? null : Number(match[2]) };
});

/**
 * The body of `POST /api/deployments` (JSON), or its multipart fields once `env`, `ports` and
 * `constraints` are read as JSON text. Unknown fields are refused so that typos do not pass silently.
 */
export const CreateDeploymentRequest = z.strictObject({
  image: ImageRef.optional(),
  name: DeploymentName.optional(),
  env: z
    .record(z.string(), z.string().max(Limits.maxEnvValueBytes, `env values are at most ${Limits.maxEnvValueBytes} bytes`))
    .superRefine((env, ctx) => {
      const keys = Object.keys(env);
      if (keys.length > Limits.maxEnvKeys) ctx.addIssue({ code: 'custom', message: `at most ${Limits.maxEnvKeys} env variables` });
      for (const key of keys.filter((k) => !ENV_KEY.test(k))) {
        ctx.addIssue({ code: 'custom', message: `env key "${key.slice(0, 64)}" must be letters, digits and _, not starting with a digit (at most 128)` });
      }
    })
    .optional(),
  ports: portsField.optional(),
  memory: memoryField.optional(),
  cpus: cpusField.optional(),
  constraints: constraintsField.optional(),
  replicas: z.coerce.number().int().min(1).max(Limits.maxReplicas).optional(),
  restart: restartField.optional(),
  strategy: PlacementStrategy.optional(),
  /** The app this is a new version of (created when new): see apps.ts. */
  app: DeploymentName.optional(),
  healthPath: HealthPath.optional(),
  healthInterval: durationField('healthInterval', 100, 3_600_000).optional(),
  healthTimeout: durationField('healthTimeout', 50, 600_000).optional(),
  healthRetries: z.coerce.number().int().min(1).max(100).optional(),
  healthStartPeriod: durationField('healthStartPeriod', 0, 3_600_000).optional(),
  /** Rollout settings of the app (only with `app`); they stay the app's until a later deploy changes them. */
  maxSurge: z.coerce.number().int().min(0).max(Limits.maxReplicas).optional(),
  maxUnavailable: z.coerce.number().int().min(0).max(Limits.maxReplicas).optional(),
  healthDeadline: durationField('healthDeadline', 1000, 3_600_000).optional(),
}).superRefine((body, ctx) => {
  const rollout = (['maxSurge', 'maxUnavailable', 'healthDeadline'] as const).filter((k) => body[k] !== undefined);
  if (!body.app && rollout.length) ctx.addIssue({ code: 'custom', message: `${rollout.join(', ')} apply to apps: name the app with "app"` });
  if (body.maxSurge === 0 && body.maxUnavailable === 0) ctx.addIssue({ code: 'custom', message: 'maxSurge and maxUnavailable cannot both be 0: a rollout could never make progress' });
});
export type CreateDeploymentRequest = z.input<typeof CreateDeploymentRequest>;
export type ParsedCreateDeploymentRequest = z.output<typeof CreateDeploymentRequest>;

/** Most deployments one `POST /api/deployments/batch` creates. */
export const MAX_BATCH = 1000;

/**
 * `POST /api/deployments/batch`: image deployments (each a CreateDeploymentRequest with `image`, no
 * `app`), recorded together and placed in one pass. Each item is checked on its own, so that an error
 * names the item.
 */
export const CreateDeploymentBatch = z.strictObject({
  deployments: z.array(z.unknown()).min(1, 'give at least one deployment').max(MAX_BATCH, `at most ${MAX_BATCH} deployments in one batch`),
});

/** `POST /api/deployments/:id/redeploy`: `replace` cancels the old deployment once the new one is recorded. */
export const RedeployRequest = z.strictObject({ replace: z.boolean().optional() });
export type RedeployRequest = z.infer<typeof RedeployRequest>;

/** What the user asked for, normalised; kept in the record and copied into every deploy job. */
export const DeploymentSpec = z.object({
  name: DeploymentName,
  env: z.record(z.string(), z.string()),
  ports: z.array(PortSpecSchema),
  memoryBytes: z.number().int().positive(),
  milliCpus: z.number().int().positive(),
  constraints: z.array(ConstraintSchema),
  /** Instances 0..replicas-1. An app's version starts at 0; its rollout raises it (apps.ts). */
  replicas: z.number().int().min(0).max(Limits.maxReplicas),
  restart: RestartPolicy,
  strategy: PlacementStrategy,
  /** How the agent tells that an instance is healthy (health.ts). Records made before it read the defaults. */
  health: HealthSpec.default(DEFAULT_HEALTH),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;

export const DeploymentSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('image'), image: ImageRef }),
  z.object({
    kind: z.literal('archive'),
    sha256: z.string().regex(/^[a-f0-9]{64}$/),
    bytes: z.number().int().nonnegative(),
    filename: z.string().max(255),
  }),
]);
export type DeploymentSource = z.infer<typeof DeploymentSource>;

export const DesiredState = z.enum(['running', 'cancelled']);
export type DesiredState = z.infer<typeof DesiredState>;

export const DeploymentRecord = z.object({
  id: DeploymentId,
  spec: DeploymentSpec,
  source: DeploymentSource,
  /** The image instances run: the user's, or the tag the build produced. Null until built. */
  image: z.string().nullable(),
  /**
   * The content of `image` on the scheduler's engine when the deployment was built or created (null
   * when that engine had none): what an agent downloads from the scheduler when neither its engine
   * nor a registry has `image`. A build's name is unique to it, so for a build this is what runs
   * everywhere. (Records written before it existed read as null.)
   */
  imageId: ImageId.nullable().default(null),
  /** Before placement: the control-plane phase. After: derived from instances when read. */
  status: DeploymentStatus,
  desired: DesiredState,
  error: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** The app and version this deployment is (apps.ts); null for a one-off deployment. */
  app: z.object({ name: DeploymentName, version: z.number().int().positive() }).nullable().default(null),
  /** Optimistic-concurrency revision, bumped on every write. */
  rev: z.number().int().nonnegative(),
});
export type DeploymentRecord = z.infer<typeof DeploymentRecord>;

export const PortBinding = z.object({
  containerPort: z.number().int().min(1).max(65535),
  protocol: z.enum(['tcp', 'udp']),
  hostIp: z.string(),
  hostPort: z.number().int().min(0).max(65535),
});
export type PortBinding = z.infer<typeof PortBinding>;

export const InstanceRecord = z.object({
  deploymentId: DeploymentId,
  index: z.number().int().nonnegative(),
  /** Bumped each time the instance is placed anew (restart policy, lost agent). */
  attempt: z.number().int().positive(),
  agentId: AgentId.nullable(),
  status: InstanceStatus,
  containerId: z.string().nullable(),
  ports: z.array(PortBinding),
  urls: z.array(z.string()),
  exitCode: z.number().int().nullable(),
  error: z.string().nullable(),
  /** A restart waiting out its back-off: not placed before this time (ms, Redis clock). */
  restartAt: z.number().int().nullable(),
  /** As its agent last reported; null while it does not run. */
  health: InstanceHealth.nullable().default(null),
  /** What the last failing check said (`health check /healthz answered 500`). */
  healthError: z.string().nullable().default(null),
  /**
   * Taken out of service on purpose (scale down, a rollout, a failed rollout): `drain` first (out of
   * the router, still running), then `stop` (its agent stops it, and it is never restarted).
   */
  retire: z.enum(['drain', 'stop']).nullable().default(null),
  /** When `retire` was last set (ms, cluster clock). */
  retireAt: z.number().int().nullable().default(null),
  updatedAt: z.iso.datetime(),
  rev: z.number().int().nonnegative(),
});
export type InstanceRecord = z.infer<typeof InstanceRecord>;

/** A deployment as first recorded: `queued`, desired running; an image source names its image already. */
export function newDeploymentRecord(id: string, source: DeploymentSource, spec: DeploymentSpec, imageId: string | null, now: string): DeploymentRecord {
  return {
    id,
    spec,
    source,
    image: source.kind === 'image' ? source.image : null,
    imageId,
    status: 'queued',
    desired: 'running',
    error: null,
    createdAt: now,
    updatedAt: now,
    app: null,
    rev: 0,
  };
}

/** An instance before its first placement: attempt 1, `pending`, on no agent. */
export function newInstanceRecord(deploymentId: string, index: number, now: string): InstanceRecord {
  return {
    deploymentId,
    index,
    attempt: 1,
    agentId: null,
    status: 'pending',
    containerId: null,
    ports: [],
    urls: [],
    exitCode: null,
    error: null,
    restartAt: null,
    health: null,
    healthError: null,
    retire: null,
    retireAt: null,
    updatedAt: now,
    rev: 0,
  };
}

/**
 * The instance's next attempt, after it ended and its restart policy allows another run: back to
 * `pending`, on no agent, with everything of the old container cleared. A reset, not a transition.
 */
export function nextAttempt(ended: InstanceRecord, restartAt: number | null, note: string, now: string): InstanceRecord {
  return { ...newInstanceRecord(ended.deploymentId, ended.index, now), attempt: ended.attempt + 1, error: note, restartAt, rev: ended.rev };
}

export const InstanceView = InstanceRecord.omit({ rev: true, deploymentId: true });
export type InstanceView = z.infer<typeof InstanceView>;

/** The deployment JSON of the API. Env values never leave the scheduler: only their keys. */
export const DeploymentView = z.object({
  id: DeploymentId,
  name: z.string(),
  status: DeploymentStatus,
  desired: DesiredState,
  image: z.string().nullable(),
  // A default, so that a CLI reading an older scheduler's answers still understands them.
  imageId: ImageId.nullable().default(null),
  source: z.enum(['image', 'archive']),
  replicas: z.number().int(),
  envKeys: z.array(z.string()),
  ports: z.array(PortSpecSchema),
  memory: z.string(),
  cpus: z.number(),
  constraints: z.array(z.string()),
  restart: z.string(),
  strategy: PlacementStrategy,
  /** The app and version it is; null for a one-off deployment. Absent in older schedulers' answers. */
  app: z.object({ name: z.string(), version: z.number().int() }).nullable().default(null),
  health: HealthSpec.optional(),
  error: z.string().nullable(),
  urls: z.array(z.string()),
  instances: z.array(InstanceView),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type DeploymentView = z.infer<typeof DeploymentView>;

export const DeploymentList = z.object({ deployments: z.array(DeploymentView) });

export const restartToString = (r: RestartPolicy): string =>
  r.policy === 'on-failure' && r.maxRetries !== null ? `on-failure:${r.maxRetries}` : r.policy;
