// Whole placement passes over the in-memory cluster (harness.ts): what a sweep records, reserves and
// queues, what it does when nothing fits, when another scheduler reserves first, and when asked again.
import { describe, expect, it } from 'vitest';
import { Harness } from '../harness.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('a placement sweep', () => {
  it('schedules every replica, spread over the agents, with one deploy job each and room reserved', async () => {
    const h = new Harness();
    for (const id of ['a1', 'a2', 'a3']) h.cluster.addAgent(id);
    const d = await h.deploy({ replicas: 3 });
    await h.sweep();

    expect(await h.view(d.id)).toEqual({ status: 'scheduled', error: null, instances: ['scheduled@a1#1', 'scheduled@a2#1', 'scheduled@a3#1'] });
    for (const [index, agent] of ['a1', 'a2', 'a3'].entries()) {
      expect(h.cluster.queued(agent)).toMatchObject([{ deploymentId: d.id, index, attempt: 1, image: 'draas/web:1', imageToken: `token-for-${d.imageId}` }]);
      expect(h.cluster.usage(agent)).toEqual({ memoryBytes: 256 * MiB, milliCpus: 500, instances: 1 });
    }
    expect(h.cluster.logLines(d.id)).toEqual([0, 1, 2].map((i) => `instance ${i} scheduled on agent a${i + 1} (attempt 1)`));
    expect(h.cluster.placementQueue.size).toBe(0);
    expect(h.cluster.events.at(-1)).toMatchObject({ deploymentId: d.id, status: 'scheduled' });
  });

  it('honours constraints, and puts replicas on distinct agents first', async () => {
    const h = new Harness();
    h.cluster.addAgent('eu1', { labels: { zone: 'eu' } });
    h.cluster.addAgent('eu2', { labels: { zone: 'eu' } });
    h.cluster.addAgent('us1', { labels: { zone: 'us' } });
    const d = await h.deploy({ replicas: 3, strategy: 'binpack', constraints: [{ key: 'zone', value: 'eu' }] });
    await h.sweep();
    expect((await h.view(d.id)).instances).toEqual(['scheduled@eu1#1', 'scheduled@eu2#1', 'scheduled@eu1#1']);
    expect(h.cluster.usage('us1').instances).toBe(0);
  });

  it('keeps what does not fit pending, says why, and places it when an agent with room appears', async () => {
    const h = new Harness();
    h.cluster.addAgent('small', { capacity: { memoryBytes: 512 * MiB, milliCpus: 4000, maxInstances: 10 } });
    const d = await h.deploy({ replicas: 3, memoryBytes: 256 * MiB });
    await h.sweep();

    const waiting = await h.view(d.id);
    expect(waiting.instances).toEqual(['scheduled@small#1', 'scheduled@small#1', 'pending#1']);
    expect(waiting.status).toBe('scheduled');
    expect(waiting.error).toMatch(/^waiting for capacity/);
    expect(h.cluster.logLines(d.id)).toContain(waiting.error);
    expect([...h.cluster.pending]).toEqual([d.id]);

    // Nothing changed: the pending retry asks for nothing. An agent appears: it asks, and the sweep places.
    await h.pendingRetry().tick();
    expect(h.cluster.placementQueue.size).toBe(0);
    h.cluster.addAgent('big');
    await h.pendingRetry().tick();
    expect([...h.cluster.placementQueue.keys()]).toEqual([d.id]);
    await h.sweep();
    expect(await h.view(d.id)).toEqual({ status: 'scheduled', error: null, instances: ['scheduled@small#1', 'scheduled@small#1', 'scheduled@big#1'] });
    expect(h.cluster.pending.size).toBe(0);
  });

  it('plans again when another scheduler took the room first, and never over-books an agent', async () => {
    const h = new Harness();
    h.cluster.addAgent('a1', { capacity: { memoryBytes: 1 * GiB, milliCpus: 4000, maxInstances: 100 } });
    h.cluster.addAgent('a2', { capacity: { memoryBytes: 1 * GiB, milliCpus: 4000, maxInstances: 100 } });
    const other = await h.deploy({ replicas: 1, memoryBytes: 1 * GiB });
    const d = await h.deploy({ replicas: 2, memoryBytes: 512 * MiB });
    h.cluster.placementQueue.delete(other.id);
    // Just before the first reservation, another scheduler fills a1 (its snapshot is then out of date).
    let raced = false;
    h.cluster.beforeReserve = (agentId) => {
      if (raced || agentId !== 'a1') return;
      raced = true;
      void h.cluster.claim('a1', `${other.id}/0`, 1 * GiB, 500);
    };
    await h.sweep();
    expect(raced).toBe(true);
    expect((await h.view(d.id)).instances).toEqual(['scheduled@a2#1', 'scheduled@a2#1']);
    expect(h.cluster.usage('a1').memoryBytes).toBe(1 * GiB);
    expect(h.cluster.usage('a2').memoryBytes).toBe(1 * GiB);
  });

  it('leaves a cancelled deployment and one without an image alone, and settles their requests', async () => {
    const h = new Harness();
    h.cluster.addAgent('a1');
    const d = await h.deploy();
    await h.cancel(d.id);
    await h.s.planner.requestPlacement([d.id]);
    await h.sweep();
    expect((await h.view(d.id)).instances).toEqual([]);
    expect(h.cluster.queued('a1')).toEqual([]);
    expect(h.cluster.placementQueue.size).toBe(0);
  });

  it('does not place an instance twice when asked twice (deploy jobs have fixed ids)', async () => {
    const h = new Harness();
    h.cluster.addAgent('a1');
    const d = await h.deploy({ replicas: 2 });
    await h.sweep();
    await h.s.planner.requestPlacement([d.id]);
    await h.sweep();
    expect(h.cluster.queued('a1')).toHaveLength(2);
    expect(h.cluster.usage('a1').instances).toBe(2);
  });

  it('waits for a restart back-off to pass before placing that instance again', async () => {
    const h = new Harness();
    h.cluster.addAgent('a1');
    const d = await h.deploy();
    await h.sweep();
    await h.report(d.id, 0, 'starting');
    await h.report(d.id, 0, 'failed');
    const [due] = h.cluster.delayedPlacements;
    expect(due?.at).toBeGreaterThan(h.cluster.now());
    await h.placeOne(d.id);
    expect((await h.view(d.id)).instances).toEqual(['pending#2']);
    h.cluster.time = due?.at ?? 0;
    await h.placeOne(d.id);
    expect((await h.view(d.id)).instances).toEqual(['scheduled@a1#2']);
    expect(h.cluster.queued('a1').map((j) => j.attempt)).toEqual([1, 2]);
  });
});
