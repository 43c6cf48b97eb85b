// The one writer of a deployment's status from its instances, over the in-memory cluster.
import { describe, expect, it } from 'vitest';
import { Harness } from '../harness.js';

describe('the status follower', () => {
  it('coalesces a burst: every changed instance is published, the status computed a few times only', async () => {
    const h = new Harness();
    h.cluster.addAgent('a1');
    const d = await h.deploy({ replicas: 50 });
    await h.sweep();
    let reads = 0;
    const statuses = h.cluster.instanceStatuses.bind(h.cluster);
    h.cluster.instanceStatuses = (id) => {
      reads++;
      return statuses(id);
    };
    const instances = await h.cluster.instances(d.id, 50);
    for (const i of instances) await h.s.planner.updateInstance(d.id, i.index, (c) => ({ ...c, status: 'running' }));
    h.cluster.events.length = 0;
    await Promise.all(instances.map((i) => h.s.status.follow(d.id, [{ ...i, status: 'running' }])));
    expect(reads).toBeLessThanOrEqual(2);
    expect((await h.view(d.id)).status).toBe('running');
    expect(h.cluster.events.flatMap((e) => e.instances)).toHaveLength(50);
  });

  it('leaves a deployment that is gone alone', async () => {
    const h = new Harness();
    await expect(h.s.status.follow('nosuchdeploy', [])).resolves.toBeUndefined();
  });
});
