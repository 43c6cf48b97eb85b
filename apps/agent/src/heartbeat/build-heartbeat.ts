import { formatZodError, Heartbeat, type AgentCapacity } from '@draas/queue-contracts';
import type { HostMetrics } from './host-metrics.js';

/** What does not change while the agent runs. */
export interface AgentIdentity {
  agentId: string;
  address: string;
  labels: Record<string, string>;
  capacity: AgentCapacity;
  versions: { agent: string; docker: string; node: string };
  heartbeatMs: number;
  /** The commands connection's name, which the scheduler watches (see Heartbeat.connectionName). */
  connectionName: string;
  /** Where GET /healthz listens: AGENT_HEALTH_HOST and the port bound (null: no health server). */
  healthHost: string;
  healthPort: number | null;
  startedAt: number;
}

/** A heartbeat checked against the contract: a bad one is a bug here, not something to publish. */
export function buildHeartbeat(identity: AgentIdentity, metrics: HostMetrics, runningInstances: number, sentAt: number): Heartbeat {
  const result = Heartbeat.safeParse({
    type: 'heartbeat',
    version: 1,
    agentId: identity.agentId,
    address: identity.address,
    labels: identity.labels,
    capacity: identity.capacity,
    resources: metrics,
    runningInstances,
    versions: identity.versions,
    heartbeatMs: identity.heartbeatMs,
    connectionName: identity.connectionName,
    healthHost: identity.healthHost,
    healthPort: identity.healthPort,
    startedAt: identity.startedAt,
    sentAt,
  });
  if (!result.success) throw new Error(`heartbeat does not match the contract: ${formatZodError(result.error)}`);
  return result.data;
}
