// Every queue, channel, label and container name in DRaaS comes from here.
// BullMQ refuses ':' in queue names, so the per-agent queue is `deploy-<agentId>`; pub/sub channels
// keep the colon form. Who writes and reads each: docs/ARCHITECTURE.md, Redis.

export const QueueNames = {
  /** Archive deployments waiting for the scheduler's build worker. */
  build: 'build',
  /** Deployments (or some of their instances) waiting for placement. */
  place: 'place',
  /** Instance status reports from agents to the scheduler (durable, unlike pub/sub). */
  instanceStatus: 'instance-status',
  /** One deploy queue per agent. */
  deploy: (agentId: string): string => `deploy-${agentId}`,
} as const;

/** Prefix under which BullMQ keeps its own keys, below the DRaaS key prefix. */
export const bullPrefix = (prefix: string): string => `${prefix}:bull`;

export const Channels = (prefix: string) =>
  ({
    /** Agent heartbeats, for live views; the stored snapshot is the truth. */
    heartbeats: `${prefix}:heartbeats`,
    /** Deployment and instance changes, for live views (`GET /api/events`, the dashboard). */
    events: `${prefix}:events`,
    /** New log lines of one deployment. */
    logs: (deploymentId: string) => `${prefix}:logs:${deploymentId}`,
    /** Prompts to one agent (stop this instance, reconcile now). */
    control: (agentId: string) => `${prefix}:control:${agentId}`,
  }) as const;

/** Labels the agent puts on every container it runs; user labels may not use the `draas.` namespace. */
export const Labels = {
  managed: 'draas.managed',
  deployment: 'draas.deployment',
  instance: 'draas.instance',
  attempt: 'draas.attempt',
  agent: 'draas.agent',
} as const;

export const containerName = (deploymentId: string, index: number): string =>
  `draas-${deploymentId}-${index}`;

/** BullMQ job ids: deterministic so that adding the same work twice is a no-op. */
export const JobIds = {
  build: (deploymentId: string): string => `build-${deploymentId}`,
  place: (deploymentId: string): string => `place-${deploymentId}`,
  /** The placement pass over every deployment waiting for one (one waits while one runs). */
  placeSweep: 'place-sweep',
  /** A placement due later (a restart's back-off): one per deployment and moment. */
  placeAt: (deploymentId: string, at: number): string => `place-${deploymentId}-at-${at}`,
  deploy: (deploymentId: string, index: number, attempt: number): string =>
    `deploy-${deploymentId}-${index}-${attempt}`,
} as const;

/**
 * The name an agent gives its Redis connections (CLIENT SETNAME). The scheduler looks for them to
 * notice at once that an agent's process is gone: its connections close with it.
 */
export const agentConnectionName = (agentId: string, role: string): string => `draas-agent-${agentId}-${role}`;
