// Cancel over the in-memory cluster (harness.ts): work not yet taken is withdrawn and its room given
// back; agents running instances are asked to stop them; the deployment ends cancelled once they do.
import { describe, expect, it } from 'vitest';
import { Harness } from '../harness.js';

describe('cancelling a deployment', () => {
  it('withdraws jobs not taken, asks agents to stop what runs, and ends cancelled once it stopped', async () => {
    const h = new Harness();
    h.cluster.addAgent('a1');
    h.cluster.addAgent('a2', { capacity: { memoryBytes: 256 * 1024 ** 2, milliCpus: 4000, maxInstances: 10 } });
    const d = await h.deploy({ replicas: 3 });
    await h.sweep();
    // a1 took its jobs (instances 0 and 2) and runs instance 0; instance 1 waits in a2's queue.
    h.cluster.take('a1');
    await h.report(d.id, 0, 'running');
    expect((await h.view(d.id)).instances).toEqual(['running@a1#1', 'scheduled@a2#1', 'scheduled@a1#1']);

    const answered = await h.cancel(d.id);
    expect(answered.desired).toBe('cancelled');
    expect(answered.status).toBe('running');
    expect((await h.view(d.id)).instances).toEqual(['running@a1#1', 'cancelled@a2#1', 'scheduled@a1#1']);
    expect(h.cluster.queued('a2')).toEqual([]);
    expect(h.cluster.usage('a2').instances).toBe(0);
    expect(h.cluster.controls.map((c) => `${c.agentId}:${c.command.command}`)).toEqual(['a1:stop', 'a1:stop']);
    expect(h.cluster.logLines(d.id)).toContain('cancel requested');

    await h.report(d.id, 0, 'cancelled');
    await h.report(d.id, 2, 'cancelled');
    expect(await h.view(d.id)).toMatchObject({ status: 'cancelled', instances: ['cancelled@a1#1', 'cancelled@a2#1', 'cancelled@a1#1'] });
    expect(h.cluster.usage('a1').instances).toBe(0);
  });

  it('cancels pending instances at once and takes the deployment off the pending list', async () => {
    const h = new Harness();
    const d = await h.deploy({ replicas: 2 });
    await h.sweep();
    expect(await h.view(d.id)).toMatchObject({ status: 'pending', instances: ['pending#1', 'pending#1'] });
    expect(h.cluster.pending.has(d.id)).toBe(true);
    const answered = await h.cancel(d.id);
    expect(answered.status).toBe('cancelled');
    expect((await h.view(d.id)).instances).toEqual(['cancelled#1', 'cancelled#1']);
    expect(h.cluster.pending.has(d.id)).toBe(false);
    expect(h.cluster.controls).toEqual([]);
  });

  it('withdraws a build not yet started; a crash afterwards restarts nothing', async () => {
    const h = new Harness();
    h.cluster.addAgent('a1');
    const d = await h.deploy();
    h.cluster.waitingBuilds.add(d.id);
    await h.sweep();
    await h.report(d.id, 0, 'running');
    await h.cancel(d.id);
    expect(h.cluster.waitingBuilds.has(d.id)).toBe(false);
    await h.report(d.id, 0, 'failed');
    expect(await h.view(d.id)).toMatchObject({ status: 'cancelled', instances: ['failed@a1#1'] });
    expect(h.cluster.delayedPlacements).toEqual([]);
  });

  it('says so once when asked twice', async () => {
    const h = new Harness();
    const d = await h.deploy();
    await h.cancel(d.id);
    await h.cancel(d.id);
    expect(h.cluster.logLines(d.id).filter((l) => l === 'cancel requested')).toHaveLength(1);
  });
});
