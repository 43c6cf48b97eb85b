import type { DeploymentRecord } from '@draas/queue-contracts';
import { describe, expect, it } from 'vitest';
import type { AgentSnapshot } from '../cluster/state.js';
import { couldFit } from './pending-retry.js';

const GiB = 1024 ** 3;
const agent = (over: Partial<AgentSnapshot> = {}): AgentSnapshot => ({
  id: 'a',
  online: true,
  labels: { zone: 'eu' },
  capacity: { memoryBytes: 4 * GiB, milliCpus: 4000, maxInstances: 10 },
  usage: { memoryBytes: 0, milliCpus: 0, instances: 0 },
  memoryAvailableBytes: 8 * GiB,
  ...over,
});
const record = (memoryBytes: number, constraints: { key: string; value: string }[] = []) =>
  ({ spec: { memoryBytes, milliCpus: 250, constraints, strategy: 'spread' } }) as unknown as DeploymentRecord;

describe('couldFit', () => {
  it.each([
    { name: 'an agent with room', agents: [agent()], record: record(GiB), fits: true },
    { name: 'only offline agents', agents: [agent({ online: false })], record: record(GiB), fits: false },
    { name: 'not enough memory anywhere', agents: [agent({ usage: { memoryBytes: 3.5 * GiB, milliCpus: 0, instances: 1 } })], record: record(GiB), fits: false },
    { name: 'the label nowhere', agents: [agent()], record: record(GiB, [{ key: 'zone', value: 'us' }]), fits: false },
    { name: 'the label on one of two', agents: [agent({ id: 'b', labels: {} }), agent()], record: record(GiB, [{ key: 'zone', value: 'eu' }]), fits: true },
    { name: 'no agents', agents: [], record: record(GiB), fits: false },
  ])('$name', ({ agents, record: r, fits }) => {
    expect(couldFit(r, agents)).toBe(fits);
  });
});
