// Agents' reports applied over the in-memory cluster (harness.ts): a deployment follows its
// instances, stale and forbidden reports change nothing, ends give room back and follow the
// restart policy, and an agent that comes back after being lost claims its room again.
import { describe, expect, it } from 'vitest';
import { Harness } from '../harness.js';

async function placed(replicas = 2, restart: 'no' | 'on-failure' | 'always' = 'on-failure') {
  const h = new Harness();
  h.cluster.addAgent('a1');
  h.cluster.addAgent('a2');
  const d = await h.deploy({ replicas, restart: { policy: restart, maxRetries: null } });
  await h.sweep();
  return { h, d };
}

describe('applying instance reports', () => {
  it('makes the deployment running once one instance runs, with its URL, each change in the log and the timeline', async () => {
    const { h, d } = await placed();
    await h.reportAll([
      { ...(await reportOf(h, d.id, 0)), status: 'starting' },
      { ...(await reportOf(h, d.id, 1)), status: 'starting' },
    ]);
    expect((await h.view(d.id)).status).toBe('scheduled');
    await h.report(d.id, 0, 'running');
    const view = await h.view(d.id);
    expect(view).toEqual({ status: 'running', error: null, instances: ['running@a1#1', 'starting@a2#1'] });
    expect((await h.cluster.instance(d.id, 0))?.urls).toEqual(['http://127.0.0.1:30000']);
    expect(h.cluster.logLines(d.id)).toContain('instance 0 (attempt 1) on a1 running at http://127.0.0.1:30000');
    expect(h.cluster.events.at(-1)).toEqual({ deploymentId: d.id, status: 'running', instances: [{ index: 0, status: 'running' }] });
  });

  it('ignores a report of another attempt or from another agent, and a move the state machine forbids', async () => {
    const { h, d } = await placed(1);
    await h.report(d.id, 0, 'running');
    const before = await h.cluster.instance(d.id, 0);
    await h.report(d.id, 0, 'exited', { attempt: 7 });
    await h.report(d.id, 0, 'exited', { agentId: 'a2' });
    await h.report(d.id, 0, 'scheduled');
    expect(await h.cluster.instance(d.id, 0)).toEqual(before);
    expect((await h.view(d.id)).status).toBe('running');
  });

  it('applies a burst in order per instance and changes nothing when the same report comes twice', async () => {
    const { h, d } = await placed(1);
    const base = await reportOf(h, d.id, 0);
    await h.reportAll([
      { ...base, status: 'starting' },
      { ...base, status: 'running', urls: ['http://x:1'] },
    ]);
    const lines = h.cluster.logLines(d.id).length;
    await h.reportAll([{ ...base, status: 'running', urls: ['http://x:1'] }]);
    expect((await h.view(d.id)).instances).toEqual(['running@a1#1']);
    expect(h.cluster.logLines(d.id)).toHaveLength(lines);
  });

  it('gives the room back when an instance ends, and says capacity was freed', async () => {
    const { h, d } = await placed(1, 'no');
    await h.report(d.id, 0, 'running');
    expect(h.cluster.usage('a1').instances).toBe(1);
    expect(await h.report(d.id, 0, 'exited')).toBe(true);
    expect(h.cluster.usage('a1').instances).toBe(0);
    expect(await h.view(d.id)).toMatchObject({ status: 'exited', instances: ['exited@a1#1'] });
    expect(h.cluster.logLines(d.id).filter((l) => l.startsWith('instance 0 not restarted: ')).map((l) => l.endsWith('restart policy "no"'))).toEqual([true]);
  });

  it('restarts a crashed instance as a new attempt after a back-off; the old attempt\'s reports are stale', async () => {
    const { h, d } = await placed(1, 'on-failure');
    await h.report(d.id, 0, 'running');
    const old = await reportOf(h, d.id, 0);
    await h.report(d.id, 0, 'failed');
    expect((await h.view(d.id)).instances).toEqual(['pending#2']);
    expect(h.cluster.delayedPlacements.map((p) => p.deploymentId)).toEqual([d.id]);
    expect(h.cluster.logLines(d.id).some((l) => l.startsWith('instance 0 restarting, attempt 2 in '))).toBe(true);
    await h.reportAll([{ ...old, status: 'running' }]);
    expect((await h.view(d.id)).instances).toEqual(['pending#2']);
  });

  it('claims the room again when a lost instance turns out to run (its agent came back)', async () => {
    const { h, d } = await placed(1, 'no');
    await h.report(d.id, 0, 'running');
    h.cluster.setOnline('a1', false);
    await h.reap('a1');
    expect(await h.view(d.id)).toMatchObject({ instances: ['lost@a1#1'] });
    expect(h.cluster.usage('a1').instances).toBe(0);
    h.cluster.setOnline('a1', true);
    await h.report(d.id, 0, 'running');
    expect(await h.view(d.id)).toMatchObject({ status: 'running', instances: ['running@a1#1'] });
    expect(h.cluster.usage('a1')).toEqual({ memoryBytes: d.spec.memoryBytes, milliCpus: d.spec.milliCpus, instances: 1 });
  });
});

/** A report of the instance as it stands (status left to the caller). */
async function reportOf(h: Harness, deploymentId: string, index: number) {
  const i = await h.cluster.instance(deploymentId, index);
  if (!i?.agentId) throw new Error('not placed');
  return {
    type: 'instance-status' as const,
    version: 1 as const,
    deploymentId,
    index,
    attempt: i.attempt,
    agentId: i.agentId,
    status: i.status,
    containerId: 'c1',
    ports: [],
    urls: [],
    exitCode: null,
    error: null,
    at: h.cluster.now(),
  };
}
