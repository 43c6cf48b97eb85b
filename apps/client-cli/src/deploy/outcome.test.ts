import type { DeploymentView, InstanceView } from '@draas/queue-contracts';
import { describe, expect, it } from 'vitest';
import { deploymentUrls, deployOutcome } from './outcome.js';

const at = '2025-06-01T12:00:00.000Z';
const instance = (index: number, status: InstanceView['status'], urls: string[] = []): InstanceView => ({
  index, attempt: 1, agentId: 'agent-a', status, containerId: null, ports: [], urls, exitCode: null, error: null, restartAt: null, health: null, healthError: null, retire: null, retireAt: null, updatedAt: at,
});
const view = (over: Partial<DeploymentView>): DeploymentView => ({
  id: 'k2h4x9q0m1ab', name: 'web', status: 'queued', desired: 'running', image: null, imageId: null, source: 'archive', replicas: 1,
  envKeys: [], ports: [], memory: '256m', cpus: 0.25, constraints: [], restart: 'no', strategy: 'spread', error: null,
  urls: [], instances: [], app: null, createdAt: at, updatedAt: at, ...over,
});

describe('deployOutcome', () => {
  it.each<[string, Partial<DeploymentView>, ReturnType<typeof deployOutcome>]>([
    ['still building', { status: 'building' }, 'waiting'],
    ['waiting for an agent', { status: 'pending' }, 'waiting'],
    ['every replica running', { status: 'running', replicas: 2, instances: [instance(0, 'running'), instance(1, 'running')] }, 'running'],
    ['one of two replicas still starting', { status: 'running', replicas: 2, instances: [instance(0, 'running'), instance(1, 'starting')] }, 'waiting'],
    ['one of two replicas not placed yet', { status: 'running', replicas: 2, instances: [instance(0, 'running')] }, 'waiting'],
    ['build failed', { status: 'failed', error: 'exit 1' }, 'failed'],
    ['cancelled', { status: 'cancelled' }, 'failed'],
    ['exited', { status: 'exited', instances: [instance(0, 'exited')] }, 'failed'],
    ['a replica failed and will not restart', { status: 'running', replicas: 2, instances: [instance(0, 'running'), instance(1, 'failed')] }, 'failed'],
    ['a replica failed but the policy restarts it', { status: 'running', restart: 'always', replicas: 2, instances: [instance(0, 'running'), instance(1, 'failed')] }, 'waiting'],
    ['a replica restarting for the second time', { status: 'running', restart: 'on-failure', replicas: 2, instances: [instance(0, 'running'), { ...instance(1, 'pending'), attempt: 2 }] }, 'waiting'],
    ['a crash loop', { status: 'pending', restart: 'on-failure', instances: [{ ...instance(0, 'pending'), attempt: 3 }] }, 'failed'],
    ['running again after restarts', { status: 'running', restart: 'on-failure', instances: [{ ...instance(0, 'running'), attempt: 5 }] }, 'running'],
  ])('%s → %s', (_, over, outcome) => {
    expect(deployOutcome(view(over))).toBe(outcome);
  });
});

describe('deploymentUrls', () => {
  it("prefers the deployment's URLs, else gathers the instances' without duplicates", () => {
    expect(deploymentUrls(view({ urls: ['http://a:1'], instances: [instance(0, 'running', ['http://b:2'])] }))).toEqual(['http://a:1']);
    expect(deploymentUrls(view({ instances: [instance(0, 'running', ['http://b:2']), instance(1, 'running', ['http://b:2', 'http://c:3'])] }))).toEqual([
      'http://b:2',
      'http://c:3',
    ]);
  });
});
