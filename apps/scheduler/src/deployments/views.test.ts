import { DEFAULT_HEALTH, DeploymentView, type DeploymentRecord, type InstanceRecord } from '@draas/queue-contracts';
import { describe, expect, it } from 'vitest';
import { toDeploymentView } from './views.js';

const now = '2026-11-27T10:00:00.000Z';
const record: DeploymentRecord = {
  id: 'abcdefghijkl',
  spec: {
    name: 'web',
    env: { SECRET_KEY: 'hunter2-very-secret', GREETING: 'hi' },
    ports: [{ containerPort: 8080, protocol: 'tcp' }],
    memoryBytes: 256 * 1024 ** 2,
    milliCpus: 500,
    constraints: [{ key: 'zone', value: 'eu' }],
    replicas: 2,
    restart: { policy: 'on-failure', maxRetries: 3 },
    strategy: 'spread',
    health: DEFAULT_HEALTH,
  },
  source: { kind: 'image', image: 'nginx:1' },
  image: 'nginx:1',
  imageId: null,
  status: 'running',
  desired: 'running',
  error: null,
  createdAt: now,
  updatedAt: now,
  app: null,
  rev: 4,
};
const instance = (index: number, status: InstanceRecord['status'], url: string): InstanceRecord => ({
  deploymentId: record.id,
  index,
  attempt: 1,
  agentId: 'agent-1',
  status,
  containerId: 'c',
  ports: [],
  urls: [url],
  exitCode: null,
  error: null,
  restartAt: null,
  health: null,
  healthError: null,
  retire: null,
  retireAt: null,
  updatedAt: now,
  rev: 1,
});

describe('toDeploymentView', () => {
  const view = toDeploymentView(record, [instance(1, 'exited', 'http://h:2'), instance(0, 'running', 'http://h:1')]);

  it('matches the API schema', () => {
    expect(DeploymentView.parse(view)).toEqual(view);
  });

  it('never includes env values, only keys', () => {
    expect(JSON.stringify(view)).not.toContain('hunter2');
    expect(view.envKeys).toEqual(['GREETING', 'SECRET_KEY']);
  });

  it('shows user units and running URLs only, instances in order', () => {
    expect(view).toMatchObject({ memory: '256m', cpus: 0.5, restart: 'on-failure:3', constraints: ['zone=eu'], urls: ['http://h:1'] });
    expect(view.instances.map((i) => i.index)).toEqual([0, 1]);
    expect(view.instances[0]).not.toHaveProperty('rev');
  });
});
