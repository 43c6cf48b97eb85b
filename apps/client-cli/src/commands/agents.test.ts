import type { AgentView } from '@draas/queue-contracts';
import { describe, expect, it } from 'vitest';
import { makeColors } from '../output/colors.js';
import { agentsTable } from './agents.js';

const agent = (over: Partial<AgentView>): AgentView => ({
  agentId: 'agent-a',
  address: '10.0.0.5',
  labels: {},
  capacity: { memoryBytes: 4 * 1024 ** 3, milliCpus: 2000, maxInstances: 10 },
  usage: { memoryBytes: 0, milliCpus: 0, instances: 0 },
  resources: { cpuPercent: 12.4, cpus: 2, memoryTotalBytes: 8 * 1024 ** 3, memoryAvailableBytes: 6 * 1024 ** 3, diskTotalBytes: 1e11, diskFreeBytes: 5e10 },
  runningInstances: 3,
  versions: { agent: '0.1.0', docker: '27.0.0', node: '20.20.0' },
  heartbeatMs: 2000,
  startedAt: 0,
  state: 'online',
  lastSeen: '2025-06-01T11:59:58.000Z',
  ...over,
});

describe('agentsTable', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('shows state, labels, CPU, memory used/total, running/capacity, health address and last seen', () => {
    const table = agentsTable(
      [
        agent({ labels: { zone: 'eu', disk: 'ssd' }, healthHost: '127.0.0.1', healthPort: 5001 }),
        agent({ agentId: 'agent-b', state: 'offline', lastSeen: '2025-06-01T11:55:00.000Z', runningInstances: 0, healthHost: '127.0.0.1', healthPort: 41_873 }),
      ],
      makeColors(false),
      now,
    );
    expect(table.split('\n')).toEqual([
      'ID       STATE    ADDRESS   LABELS            CPU  MEMORY           RUNNING  HEALTH           LAST SEEN',
      'agent-a  online   10.0.0.5  zone=eu,disk=ssd  12%  2.0 GiB/8.0 GiB  3/10     127.0.0.1:5001   2s ago',
      'agent-b  offline  10.0.0.5  -                 12%  2.0 GiB/8.0 GiB  0/10     127.0.0.1:41873  5m ago',
    ]);
  });

  it.each([
    ['no health server', { healthHost: '127.0.0.1', healthPort: null }, '-'],
    ['an agent too old to say', {}, '-'],
    ['an IPv6 health address', { healthHost: '::1', healthPort: 5001 }, '[::1]:5001'],
    ['every address (Compose) at the agent\'s own', { address: '10.0.0.5', healthHost: '0.0.0.0', healthPort: 5001 }, '10.0.0.5:5001'],
  ] as const)('shows %s as %s', (_name, over, expected) => {
    const [, row] = agentsTable([agent(over)], makeColors(false), now).split('\n');
    expect(row?.split(/\s{2,}/)[7]).toBe(expected);
  });
});
