import { describe, expect, it } from 'vitest';
import { buildHeartbeat, type AgentIdentity } from './build-heartbeat.js';
import { pickMount } from './host-metrics.js';

const identity: AgentIdentity = {
  agentId: 'node-1',
  address: '10.0.0.7',
  labels: { zone: 'eu' },
  capacity: { memoryBytes: 8 * 1024 ** 3, milliCpus: 8000, maxInstances: 100 },
  versions: { agent: '0.1.0', docker: '20.10.24', node: '20.20.2' },
  heartbeatMs: 2000,
  connectionName: 'draas-agent-node-1-commands',
  healthHost: '127.0.0.1',
  healthPort: 5002,
  startedAt: 1_700_000_000_000,
};
const metrics = { cpuPercent: 12.5, cpus: 2, memoryTotalBytes: 8e9, memoryAvailableBytes: 6e9, diskTotalBytes: 1e11, diskFreeBytes: 5e10 };

describe('buildHeartbeat', () => {
  it('builds a contract heartbeat', () => {
    const beat = buildHeartbeat(identity, metrics, 3, 1_700_000_002_000);
    expect(beat).toMatchObject({
      type: 'heartbeat',
      version: 1,
      agentId: 'node-1',
      address: '10.0.0.7',
      runningInstances: 3,
      healthHost: '127.0.0.1',
      healthPort: 5002,
      sentAt: 1_700_000_002_000,
      resources: { cpus: 2, cpuPercent: 12.5, diskFreeBytes: 5e10 },
    });
  });

  it('says when the agent has no health server', () => {
    expect(buildHeartbeat({ ...identity, healthPort: null }, metrics, 0, 1).healthPort).toBeNull();
  });

  it('refuses to build one that breaks the contract', () => {
    expect(() => buildHeartbeat({ ...identity, agentId: 'Not Valid' }, metrics, 0, 1)).toThrow(/agentId/);
    expect(() => buildHeartbeat(identity, metrics, -1, 1)).toThrow(/runningInstances/);
    expect(() => buildHeartbeat({ ...identity, healthPort: 0 }, metrics, 0, 1)).toThrow(/healthPort/);
  });
});

describe('pickMount', () => {
  const mounts = [{ mount: '/' }, { mount: '/var' }, { mount: '/var/lib/docker' }, { mount: '/var/lib/dockerx' }];
  it.each([
    ['/var/lib/docker', '/var/lib/docker'],
    ['/var/lib/docker/overlay2', '/var/lib/docker'],
    ['/var/lib/other', '/var'],
    ['/home', '/'],
  ])('%s lives on %s', (dir, expected) => {
    expect(pickMount(mounts, dir)?.mount).toBe(expected);
  });
});
