// Records and jobs for tests: the shapes the scheduler writes, with overridable fields.
import { DEFAULT_HEALTH, newInstanceRecord, type DeploymentRecord, type DeployJob, type InstanceRecord } from '@draas/queue-contracts';

const now = '2025-01-01T00:00:00.000Z';

export const deploymentRecord = (over: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  id: 'abc123def456',
  spec: {
    name: 'web',
    env: {},
    ports: [],
    memoryBytes: 64 * 1024 ** 2,
    milliCpus: 250,
    constraints: [],
    replicas: 1,
    restart: { policy: 'no', maxRetries: null },
    strategy: 'spread',
    health: DEFAULT_HEALTH,
  },
  source: { kind: 'image', image: 'draas/busybox:local' },
  image: 'draas/busybox:local',
  imageId: null,
  status: 'scheduled',
  desired: 'running',
  error: null,
  createdAt: now,
  updatedAt: now,
  app: null,
  rev: 1,
  ...over,
});
export const instanceRecord = (over: Partial<InstanceRecord> = {}): InstanceRecord => ({
  ...newInstanceRecord('abc123def456', 0, now),
  attempt: 2,
  agentId: 'me',
  status: 'scheduled',
  rev: 1,
  ...over,
});

export const deployJob = (over: Partial<DeployJob> = {}): DeployJob => ({
  type: 'deploy',
  version: 1,
  deploymentId: 'abc123def456',
  index: 0,
  attempt: 2,
  agentId: 'me',
  image: 'draas/busybox:local',
  imageId: null,
  imageToken: null,
  spec: { name: 'web', env: {}, ports: [], memoryBytes: 64 * 1024 ** 2, milliCpus: 250, restart: { policy: 'no', maxRetries: null }, health: DEFAULT_HEALTH },
  ...over,
});
