import { describe, expect, it } from 'vitest';
import type { AgentSnapshot } from '../cluster/state.js';
import { place, type PlacementRequest } from './place.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** An agent with 4 GiB, 4 CPUs and 10 slots, nothing used, unless told otherwise. */
function agent(id: string, over: Partial<AgentSnapshot> & { used?: Partial<AgentSnapshot['usage']> } = {}): AgentSnapshot {
  const { used, ...rest } = over;
  return {
    id,
    online: true,
    labels: {},
    capacity: { memoryBytes: 4 * GiB, milliCpus: 4000, maxInstances: 10 },
    usage: { memoryBytes: 0, milliCpus: 0, instances: 0, ...used },
    memoryAvailableBytes: 8 * GiB,
    ...rest,
  };
}

function request(over: Partial<PlacementRequest> = {}): PlacementRequest {
  return { memoryBytes: 256 * MiB, milliCpus: 250, constraints: [], strategy: 'spread', indexes: [0], existingAgents: [], ...over };
}

/** Ten mock nodes, as Nomad's scheduler tests do: a few labelled, one offline, one full. */
const cluster: AgentSnapshot[] = [
  agent('a0'),
  agent('a1', { used: { memoryBytes: 2 * GiB, milliCpus: 2000, instances: 4 } }),
  agent('a2', { labels: { zone: 'eu', gpu: 'yes' } }),
  agent('a3', { labels: { zone: 'eu' }, used: { memoryBytes: 1 * GiB, milliCpus: 500, instances: 2 } }),
  agent('a4', { online: false, labels: { zone: 'us' } }),
  agent('a5', { used: { instances: 10 } }),
  agent('a6', { memoryAvailableBytes: 100 * MiB }),
  agent('a7', { capacity: { memoryBytes: 8 * GiB, milliCpus: 8000, maxInstances: 50 } }),
  agent('a8', { used: { memoryBytes: 3.9 * GiB } }),
  agent('a9', { used: { milliCpus: 3900 } }),
];

describe('place', () => {
  it.each([
    { name: 'spread picks the least loaded agent', req: request(), agents: cluster, expect: ['a0'] },
    { name: 'binpack picks the most loaded agent that fits', req: request({ strategy: 'binpack' }), agents: cluster, expect: ['a1'] },
    { name: 'a constraint routes to the labelled agent', req: request({ constraints: [{ key: 'gpu', value: 'yes' }] }), agents: cluster, expect: ['a2'] },
    { name: 'constraints all have to match', req: request({ constraints: [{ key: 'zone', value: 'eu' }, { key: 'gpu', value: 'no' }] }), agents: cluster, expect: [] },
    { name: 'an offline agent takes nothing', req: request({ constraints: [{ key: 'zone', value: 'us' }] }), agents: cluster, expect: [] },
    { name: 'a full agent (slots) takes nothing', req: request(), agents: [cluster[5]!], expect: [] },
    { name: 'a host under memory pressure takes nothing', req: request(), agents: [cluster[6]!], expect: [] },
    { name: 'reserved memory counts', req: request(), agents: [cluster[8]!], expect: [] },
    { name: 'reserved CPU counts', req: request(), agents: [cluster[9]!], expect: [] },
    { name: 'replicas spread over distinct agents', req: request({ indexes: [0, 1, 2] }), agents: [agent('x'), agent('y'), agent('z')], expect: ['x', 'y', 'z'] },
    {
      name: 'replicas spread even under binpack when agents are free',
      req: request({ strategy: 'binpack', indexes: [0, 1] }),
      agents: [agent('x'), agent('y')],
      expect: ['x', 'y'],
    },
    { name: 'more replicas than agents share agents', req: request({ indexes: [0, 1, 2] }), agents: [agent('x'), agent('y')], expect: ['x', 'y', 'x'] },
    {
      name: 'existing instances push new replicas elsewhere',
      req: request({ indexes: [1], existingAgents: ['x'] }),
      agents: [agent('x'), agent('y', { used: { memoryBytes: 3 * GiB } })],
      expect: ['y'],
    },
    {
      name: 'capacity used by earlier replicas of the same plan counts',
      req: request({ memoryBytes: 3 * GiB, indexes: [0, 1, 2] }),
      agents: [agent('x'), agent('y')],
      expect: ['x', 'y'],
    },
    { name: 'no agents at all', req: request(), agents: [], expect: [] },
  ])('$name', ({ req, agents, expect: expected }) => {
    const plan = place(req, agents);
    expect(plan.assignments.map((a) => a.agentId)).toEqual(expected);
    expect(plan.assignments.length + plan.unplaced.length).toBe(req.indexes.length);
    expect(plan.reason === null).toBe(plan.unplaced.length === 0);
  });

  it('does not change the snapshots it is given', () => {
    const agents = [agent('x')];
    place(request({ indexes: [0, 1] }), agents);
    expect(agents[0]!.usage).toEqual({ memoryBytes: 0, milliCpus: 0, instances: 0 });
  });

  it.each([
    { name: 'no agents', agents: [], reason: /no agent has joined yet/ },
    { name: 'labels', agents: [agent('x')], req: request({ constraints: [{ key: 'zone', value: 'mars' }] }), reason: /1 without labels zone=mars \(of 1 agent\)/ },
    { name: 'memory', agents: [agent('x'), agent('y', { online: false })], req: request({ memoryBytes: 5 * GiB }), reason: /1 offline, 1 without 5g of free memory \(of 2 agents\)/ },
    { name: 'slots', agents: [cluster[5]!], reason: /at their instance limit/ },
  ])('explains why nothing fits: $name', ({ agents, req, reason }) => {
    expect(place(req ?? request(), agents).reason).toMatch(reason);
  });
});
