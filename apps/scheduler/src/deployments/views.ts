import {
  formatMemory,
  restartToString,
  type AgentView,
  type DeploymentRecord,
  type DeploymentView,
  type InstanceRecord,
} from '@draas/queue-contracts';
import type { AgentState } from '../store/agent-store.js';

// The JSON the API answers with. Pure: records in, views out. Env values never leave: keys only.

export function toDeploymentView(record: DeploymentRecord, instances: readonly InstanceRecord[]): DeploymentView {
  const { spec } = record;
  const instanceViews = [...instances]
    .sort((a, b) => a.index - b.index)
    .map(({ rev: _rev, deploymentId: _id, ...view }) => view);
  return {
    id: record.id,
    name: spec.name,
    // As stored: deployments/status-follower.ts alone derives it from the instances, after each change.
    status: record.status,
    desired: record.desired,
    image: record.image,
    imageId: record.imageId,
    source: record.source.kind,
    replicas: spec.replicas,
    envKeys: Object.keys(spec.env).sort(),
    ports: spec.ports,
    memory: formatMemory(spec.memoryBytes),
    cpus: spec.milliCpus / 1000,
    constraints: spec.constraints.map((c) => `${c.key}=${c.value}`),
    restart: restartToString(spec.restart),
    strategy: spec.strategy,
    app: record.app,
    health: spec.health,
    error: record.error,
    urls: instanceViews.filter((i) => i.status === 'running').flatMap((i) => i.urls),
    instances: instanceViews,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export function toAgentView(state: AgentState): AgentView {
  const { type: _type, version: _version, sentAt, connectionName: _connection, ...heartbeat } = state.heartbeat;
  return {
    ...heartbeat,
    state: state.online ? 'online' : 'offline',
    lastSeen: new Date(sentAt).toISOString(),
    usage: state.usage,
  };
}
