// Reaping a silent agent over the in-memory cluster (harness.ts): jobs it never took move, instances
// it ran are lost and replaced elsewhere at once, nothing happens twice, and one reaper at a time.
import { describe, expect, it } from 'vitest';
import { Harness } from '../harness.js';

async function twoAgents() {
  const h = new Harness();
  h.cluster.addAgent('a1');
  h.cluster.addAgent('a2');
  return h;
}

describe('reaping a silent agent', () => {
  it('moves a placement the agent never took and replaces a running instance on another agent', async () => {
    const h = await twoAgents();
    const running = await h.deploy({ replicas: 2 });
    await h.sweep();
    h.cluster.take('a1');
    await h.report(running.id, 0, 'running');
    await h.report(running.id, 1, 'running');
    // A second deployment placed on a1 whose job a1 never took.
    h.cluster.setOnline('a2', false);
    const waiting = await h.deploy();
    await h.sweep();
    expect((await h.view(waiting.id)).instances).toEqual(['scheduled@a1#1']);
    h.cluster.setOnline('a2', true);

    h.cluster.setOnline('a1', false);
    expect(await h.reap('a1')).toEqual({ moved: 1, lost: 1 });
    expect(h.cluster.queued('a1').map((j) => j.deploymentId)).toEqual([running.id]);
    expect(h.cluster.usage('a1').instances).toBe(0);
    expect((await h.view(running.id)).instances).toEqual(['pending#2', 'running@a2#1']);
    expect(h.cluster.logLines(running.id)).toContain('instance 0 (attempt 1) lost: agent a1 stopped answering');
    expect(h.cluster.logLines(waiting.id)).toContain('instance 0 moves: agent a1 went silent before starting it');

    await h.sweep();
    expect((await h.view(running.id)).instances).toEqual(['scheduled@a2#2', 'running@a2#1']);
    expect((await h.view(waiting.id)).instances).toEqual(['scheduled@a2#2']);
    expect(h.cluster.queued('a2').map((j) => `${j.deploymentId}/${j.index}#${j.attempt}`)).toContain(`${waiting.id}/0#2`);
  });

  it('changes nothing on a second pass', async () => {
    const h = await twoAgents();
    const d = await h.deploy({ replicas: 2 });
    await h.sweep();
    await h.report(d.id, 0, 'running');
    await h.report(d.id, 1, 'running');
    h.cluster.setOnline('a1', false);
    await h.reap('a1');
    const after = await h.view(d.id);
    const lines = h.cluster.logLines(d.id).length;
    expect(await h.reap('a1')).toEqual({ moved: 0, lost: 0 });
    expect(await h.view(d.id)).toEqual(after);
    expect(h.cluster.logLines(d.id)).toHaveLength(lines);
  });

  it('marks a deployment failed when its only instance is lost and its policy says no', async () => {
    const h = await twoAgents();
    const d = await h.deploy({ restart: { policy: 'no', maxRetries: null } });
    await h.sweep();
    const agent = (await h.cluster.instance(d.id, 0))?.agentId as string;
    await h.report(d.id, 0, 'running');
    h.cluster.setOnline(agent, false);
    await h.reap(agent);
    expect(await h.view(d.id)).toMatchObject({ status: 'failed', instances: [`lost@${agent}#1`] });
  });

  it('gives back room held by an instance that has moved on', async () => {
    const h = await twoAgents();
    const d = await h.deploy();
    await h.sweep();
    const agent = (await h.cluster.instance(d.id, 0))?.agentId as string;
    await h.s.planner.claim(agent, `${d.id}/5`, 1, 1);
    h.cluster.setOnline(agent, false);
    await h.reap(agent);
    expect(await h.cluster.allocations(agent)).toEqual([]);
  });

  it('skips an agent another scheduler is reaping', async () => {
    const h = await twoAgents();
    const unlock = await h.s.planner.lockAgent('a1');
    expect(await h.reap('a1')).toBeNull();
    await unlock?.();
    expect(await h.reap('a1')).toEqual({ moved: 0, lost: 0 });
  });
});
