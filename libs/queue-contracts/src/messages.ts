import { z } from 'zod';
import { AppEvent } from './apps.js';
import { AgentId, DeploymentId, DeploymentSpec, ImageId, PortBinding } from './deployment.js';
import { InstanceHealth } from './health.js';
import { DeploymentStatus, InstanceStatus } from './status.js';

// Every job payload and pub/sub message. Each carries `type` and `version` so that a process meeting a
// newer message than it knows says so instead of misreading it.

const header = <T extends string>(type: T) => ({ type: z.literal(type), version: z.literal(1) });

// ---- BullMQ job payloads ----------------------------------------------------------------------

export const BuildJob = z.object({ ...header('build'), deploymentId: DeploymentId });
export type BuildJob = z.infer<typeof BuildJob>;

/** Place one deployment (used for placements due later: a restart's back-off). */
export const PlaceJob = z.object({ ...header('place'), deploymentId: DeploymentId });
export type PlaceJob = z.infer<typeof PlaceJob>;

/** Place every deployment waiting in the placements set (asking for placement adds one there). */
export const PlaceSweepJob = z.object({ ...header('place-sweep') });
export type PlaceSweepJob = z.infer<typeof PlaceSweepJob>;

export const PlacementJob = z.discriminatedUnion('type', [PlaceJob, PlaceSweepJob]);
export type PlacementJob = z.infer<typeof PlacementJob>;

/** Everything an agent needs to run one instance, so it never has to read the deployment record. */
export const DeployJob = z.object({
  ...header('deploy'),
  deploymentId: DeploymentId,
  index: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
  agentId: AgentId,
  image: z.string().min(1),
  /**
   * The content the scheduler's engine has under `image` (always, for a build): what the agent
   * downloads when neither its engine nor a registry has `image`. Null when the scheduler has none.
   */
  imageId: ImageId.nullable().default(null),
  /**
   * Lets this job's agent download `imageId` from a scheduler's image endpoint (Bearer): good for that
   * one image only. Null when there is no image id.
   */
  imageToken: z.string().max(128).nullable().default(null),
  spec: DeploymentSpec.pick({ name: true, env: true, ports: true, memoryBytes: true, milliCpus: true, restart: true, health: true }),
});
export type DeployJob = z.infer<typeof DeployJob>;

/** An agent's report of what one of its instances really is; applied by the scheduler. */
export const InstanceReport = z.object({
  ...header('instance-status'),
  deploymentId: DeploymentId,
  index: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
  agentId: AgentId,
  status: InstanceStatus,
  containerId: z.string().nullable(),
  ports: z.array(PortBinding),
  urls: z.array(z.string()),
  exitCode: z.number().int().nullable(),
  error: z.string().nullable(),
  /** With `running`: the health its checks say (absent: unchanged), and what the last failing one said. */
  health: InstanceHealth.optional(),
  healthError: z.string().max(1000).nullable().optional(),
  at: z.number().int(),
});
export type InstanceReport = z.infer<typeof InstanceReport>;

/**
 * Reports an agent made within a few milliseconds of each other, as one job: a burst of instances
 * starting costs one queue round trip, not one per instance. The scheduler applies them in order
 * per instance.
 */
export const InstanceReportBatch = z.object({
  ...header('instance-status-batch'),
  agentId: AgentId,
  reports: z.array(InstanceReport).min(1).max(1000),
});
export type InstanceReportBatch = z.infer<typeof InstanceReportBatch>;

/** What the instance-status queue carries. */
export const InstanceStatusJob = z.discriminatedUnion('type', [InstanceReport, InstanceReportBatch]);
export type InstanceStatusJob = z.infer<typeof InstanceStatusJob>;

// ---- pub/sub messages and stored snapshots ----------------------------------------------------

export const AgentCapacity = z.object({
  memoryBytes: z.number().int().nonnegative(),
  milliCpus: z.number().int().nonnegative(),
  maxInstances: z.number().int().nonnegative(),
});
export type AgentCapacity = z.infer<typeof AgentCapacity>;

/** What the instances placed on an agent (and not ended) reserve of its capacity. */
export const AgentUsage = z.object({
  memoryBytes: z.number().int().nonnegative(),
  milliCpus: z.number().int().nonnegative(),
  instances: z.number().int().nonnegative(),
});
export type AgentUsage = z.infer<typeof AgentUsage>;

export const Heartbeat = z.object({
  ...header('heartbeat'),
  agentId: AgentId,
  /** The address put in URLs of this agent's instances. */
  address: z.string(),
  labels: z.record(z.string(), z.string()),
  capacity: AgentCapacity,
  resources: z.object({
    cpuPercent: z.number(),
    cpus: z.number().int().positive(),
    memoryTotalBytes: z.number().nonnegative(),
    memoryAvailableBytes: z.number().nonnegative(),
    diskTotalBytes: z.number().nonnegative(),
    diskFreeBytes: z.number().nonnegative(),
  }),
  runningInstances: z.number().int().nonnegative(),
  versions: z.object({ agent: z.string(), docker: z.string(), node: z.string() }),
  heartbeatMs: z.number().int().positive(),
  /**
   * Where the agent's GET /healthz listens (AGENT_HEALTH_HOST, and the port it bound: several agents
   * on one machine each take a free one). Null: no health server. Absent in older agents' beats.
   */
  healthHost: z.string().max(255).optional(),
  healthPort: z.number().int().min(1).max(65_535).nullable().optional(),
  /**
   * The name of a Redis connection the agent keeps open while it runs (null: none to watch). When
   * it is gone and a beat is missed, the agent's process is gone: no need to wait for three beats.
   */
  connectionName: z.string().max(200).nullable(),
  startedAt: z.number().int(),
  /** Milliseconds since the epoch, on Redis's clock (agents correct for their own skew). */
  sentAt: z.number().int(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const LogPhase = z.enum(['build', 'run', 'system']);
export const LogStream = z.enum(['stdout', 'stderr', 'system']);

/** One line of a deployment's log; `id` is its position in the capped history and its SSE event id. */
export const LogLine = z.object({
  id: z.string(),
  time: z.number().int(),
  phase: LogPhase,
  instance: z.number().int().nonnegative().nullable(),
  stream: LogStream,
  line: z.string(),
});
export type LogLine = z.infer<typeof LogLine>;

const PHASES: ReadonlySet<unknown> = new Set(LogPhase.options);
const STREAMS: ReadonlySet<unknown> = new Set(LogStream.options);

/**
 * The same check as LogLine.safeParse(value).success, written out by hand: live followers check
 * every line of a flood (hundreds of thousands a second) and the schema walk costs too much there.
 * A unit test keeps the two in agreement.
 */
export function isLogLine(value: unknown): value is LogLine {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    Number.isInteger(v.time) &&
    PHASES.has(v.phase) &&
    (v.instance === null || (Number.isInteger(v.instance) && (v.instance as number) >= 0)) &&
    STREAMS.has(v.stream) &&
    typeof v.line === 'string'
  );
}

/** `GET /api/deployments/:id/logs` as JSON: a page of history and the cursor for the next one. */
export const LogPage = z.object({ lines: z.array(LogLine), next: z.string().nullable() });
export type LogPage = z.infer<typeof LogPage>;

/**
 * Event names of the logs SSE stream: `log` (a LogLine), `status` and `end` (a DeploymentView), and
 * `gap` ({ message, after, oldest }) when lines were trimmed from the capped history before
 * this client read them.
 */
export const SseEvents = { log: 'log', status: 'status', end: 'end', gap: 'gap' } as const;

export const LogGap = z.object({ message: z.string(), after: z.string(), oldest: z.string() });
export type LogGap = z.infer<typeof LogGap>;

/** Published with every append (see lua/log-append.lua): `prevId` is the stream's newest id before these lines. */
export const LogBatch = z.object({ ...header('log-batch'), deploymentId: DeploymentId, prevId: z.string(), lines: z.array(LogLine).min(1) });
export type LogBatch = z.infer<typeof LogBatch>;

const LogBatchEnvelope = LogBatch.extend({ lines: z.array(z.unknown()).min(1) });

/** A published LogBatch, checked (the envelope by its schema, each line by isLogLine); null when it is not one. */
export function parseLogBatch(text: string): LogBatch | null {
  const envelope = parseJsonWith(LogBatchEnvelope, text);
  return envelope && envelope.lines.every(isLogLine) ? (envelope as LogBatch) : null;
}

export const ControlCommand = z.discriminatedUnion('command', [
  z.object({
    ...header('control'),
    command: z.literal('stop'),
    deploymentId: DeploymentId,
    index: z.number().int().nonnegative(),
    attempt: z.number().int().positive(),
    graceSeconds: z.number().int().min(0).max(3600),
  }),
  z.object({ ...header('control'), command: z.literal('reconcile') }),
]);
export type ControlCommand = z.infer<typeof ControlCommand>;

export const DeploymentEvent = z.object({
  ...header('deployment'),
  deploymentId: DeploymentId,
  status: DeploymentStatus,
  instance: z
    .object({ index: z.number().int(), attempt: z.number().int(), status: InstanceStatus, health: InstanceHealth.nullable().optional() })
    .nullable(),
  at: z.number().int(),
});
export type DeploymentEvent = z.infer<typeof DeploymentEvent>;

/** `GET /api/deployments/:id/timeline`: every status change of the deployment and its instances. */
export const Timeline = z.object({ events: z.array(DeploymentEvent) });
export type Timeline = z.infer<typeof Timeline>;

export const AgentEvent = z.object({
  ...header('agent'),
  agentId: AgentId,
  state: z.enum(['online', 'offline']),
  at: z.number().int(),
});
export type AgentEvent = z.infer<typeof AgentEvent>;

/** What travels on the events channel. */
export const ClusterEvent = z.discriminatedUnion('type', [DeploymentEvent, AgentEvent, AppEvent]);
export type ClusterEvent = z.infer<typeof ClusterEvent>;

/** The agent as the API shows it. */
export const AgentView = Heartbeat.omit({ type: true, version: true, sentAt: true, connectionName: true }).extend({
  state: z.enum(['online', 'offline']),
  lastSeen: z.iso.datetime(),
  usage: AgentUsage,
});
export type AgentView = z.infer<typeof AgentView>;

export const AgentList = z.object({ agents: z.array(AgentView) });

/** Parses a JSON text with a schema; null when either step fails (the caller decides how loud to be). */
export function parseJsonWith<T>(schema: z.ZodType<T>, text: string | null | undefined): T | null {
  if (text === null || text === undefined) return null;
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

// ---- log history entries --------------------------------------------------------------------
// A deployment's log is a Redis stream (capped); each entry holds one line in these short fields.

export type NewLogLine = Omit<LogLine, 'id'>;

/** Field/value list for XADD. */
export function encodeLogEntry(line: NewLogLine): string[] {
  return ['t', String(line.time), 'p', line.phase, 'i', line.instance === null ? '' : String(line.instance), 's', line.stream, 'l', line.line];
}

/** An XRANGE/XREAD entry back to a LogLine; null for an entry that is not one of ours. */
export function decodeLogEntry(id: string, fields: readonly string[]): LogLine | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const instance = map.get('i');
  const parsed = LogLine.safeParse({
    id,
    time: Number(map.get('t')),
    phase: map.get('p'),
    instance: instance === undefined || instance === '' ? null : Number(instance),
    stream: map.get('s'),
    line: map.get('l') ?? '',
  });
  return parsed.success ? parsed.data : null;
}
