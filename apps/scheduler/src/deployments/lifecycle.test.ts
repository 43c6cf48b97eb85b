// A deployment's build steps over the in-memory cluster: moves the state machine allows are stored
// and published once; others, and any move but cancel once cancel was asked, are refused.
import { describe, expect, it } from 'vitest';
import { Harness } from '../harness.js';
import { setStatus } from './lifecycle.js';

describe('setStatus', () => {
  it('stores and publishes an allowed move once, with its changes', async () => {
    const h = new Harness();
    const d = await h.deploy();
    expect(await setStatus(h.s, d.id, 'building')).toMatchObject({ status: 'building' });
    expect(await setStatus(h.s, d.id, 'built', { image: 'draas/web:2' })).toMatchObject({ status: 'built', image: 'draas/web:2' });
    await setStatus(h.s, d.id, 'built');
    expect(h.cluster.events.map((e) => e.status)).toEqual(['building', 'built']);
  });

  it('refuses a move the state machine forbids, and any but cancel after a cancel', async () => {
    const h = new Harness();
    const d = await h.deploy();
    await setStatus(h.s, d.id, 'building');
    expect(await setStatus(h.s, d.id, 'running')).toBeNull();
    expect((await h.cluster.deployment(d.id))?.status).toBe('building');
    await h.cancel(d.id);
    expect(await setStatus(h.s, d.id, 'building')).toBeNull();
    expect((await h.cluster.deployment(d.id))?.status).toBe('cancelled');
  });
});
