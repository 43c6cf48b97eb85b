import type { InstanceHealth } from '@draas/queue-contracts';
import { describe, expect, it } from 'vitest';
import { Harness } from '../harness.js';
import { routedApp } from './app-routes.js';
import { readVersions } from './app-reader.js';
import { rollbackSource, scaleApp } from './versions.js';

// Whole rollouts over the in-memory cluster: the rollout pass, placement and agents' reports, step
// by step, checking after every step what the router would send requests to.

type Health = (deploymentId: string) => InstanceHealth;

class World {
  readonly h = new Harness();
  private port = 20000;
  /** The fewest instances the router had at once after the app first served. */
  minServing = Infinity;

  constructor(readonly agents = ['a', 'b', 'c']) {
    for (const id of agents) this.h.cluster.addAgent(id);
  }

  /** Agents start what they were given (reporting `health`), and stop what they are told to stop. */
  async agentsAct(health: Health): Promise<void> {
    for (const agentId of this.agents) {
      for (const job of this.h.cluster.take(agentId)) {
        const url = `http://10.0.0.1:${this.port++}`;
        await this.h.report(job.deploymentId, job.index, 'running', { attempt: job.attempt, agentId, urls: [url], health: health(job.deploymentId) });
      }
    }
    for (const { agentId, command } of this.h.cluster.controls.splice(0)) {
      if (command.command !== 'stop') continue;
      await this.h.report(command.deploymentId, command.index, 'cancelled', { attempt: command.attempt, agentId });
    }
  }

  async serving(app: string): Promise<string[]> {
    const record = await this.h.cluster.app(app);
    return record ? routedApp(app, await readVersions(this.h.cluster, record)).upstreams : [];
  }

  /** Passes until the app has no rollout and nothing drains, or `steps` run out; time moves 300 ms a step. */
  async settle(app: string, health: Health = () => 'healthy', steps = 40): Promise<void> {
    for (let step = 0; step < steps; step++) {
      const { busy } = await this.h.rollout(app);
      await this.h.sweep();
      await this.agentsAct(health);
      const record = await this.h.cluster.app(app);
      if (record?.current !== null) this.minServing = Math.min(this.minServing, (await this.serving(app)).length);
      this.h.cluster.time += 300;
      if (!busy) return;
    }
    throw new Error(`app ${app} did not settle in ${steps} steps`);
  }

  async app(name: string) {
    const record = await this.h.cluster.app(name);
    if (!record) throw new Error(`no app ${name}`);
    return record;
  }
}

describe('app rollouts over the in-memory cluster', () => {
  it('starts the first version at full strength, then rolls a second one out without ever serving fewer', async () => {
    const w = new World();
    const v1 = await w.h.deployApp('web', { replicas: 2 });
    await w.settle('web');
    let app = await w.app('web');
    expect(app.current).toBe(1);
    expect(app.versions[0]).toMatchObject({ state: 'serving', everHealthy: true });
    expect(await w.serving('web')).toHaveLength(2);

    const v2 = await w.h.deployApp('web');
    w.minServing = Infinity;
    await w.settle('web');
    app = await w.app('web');
    expect(app).toMatchObject({ current: 2, target: null });
    expect(app.versions.map((v) => v.state)).toEqual(['replaced', 'serving']);
    // Never below two serving (maxUnavailable 0), and at the end only v2's.
    expect(w.minServing).toBeGreaterThanOrEqual(2);
    const upstreams = await w.serving('web');
    expect(upstreams).toHaveLength(2);
    expect((await w.h.view(v1.id)).instances.every((i) => i.startsWith('cancelled'))).toBe(true);
    expect((await w.h.view(v2.id)).status).toBe('running');
    // Every old instance was drained before its stop: the log says so.
    expect(w.h.cluster.logLines(v2.id)).toContainEqual(expect.stringMatching(/rollout of v2 done: 2\/2 healthy, serving/));
  });

  it('fails a version that never turns healthy: the old one keeps serving at full strength, the new instances stop', async () => {
    const w = new World();
    await w.h.deployApp('web', { replicas: 2, healthDeadlineMs: 3000 });
    await w.settle('web');
    const bad = await w.h.deployApp('web');
    w.minServing = Infinity;
    await w.settle('web', (id) => (id === bad.id ? 'starting' : 'healthy'));
    const app = await w.app('web');
    expect(app.current).toBe(1);
    expect(app.target).toBeNull();
    expect(app.versions[1]).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^not healthy within 3 s/) });
    expect(w.minServing).toBe(2);
    expect((await w.h.view(bad.id)).instances.every((i) => i.startsWith('cancelled'))).toBe(true);
  });

  it('fails a version whose instance turns unhealthy, naming the check', async () => {
    const w = new World();
    await w.h.deployApp('web', { replicas: 1 });
    await w.settle('web');
    const bad = await w.h.deployApp('web');
    await w.h.rollout('web');
    await w.h.sweep();
    const [job] = w.h.cluster.take('a').concat(w.h.cluster.take('b'), w.h.cluster.take('c'));
    expect(job?.deploymentId).toBe(bad.id);
    await w.h.report(bad.id, 0, 'running', { agentId: job?.agentId, health: 'unhealthy', healthError: 'health check /healthz answered 500', urls: ['http://10.0.0.9:1'] });
    await w.settle('web');
    const app = await w.app('web');
    expect(app.versions[1]).toMatchObject({ state: 'failed', reason: 'instance 0 unhealthy: health check /healthz answered 500' });
    expect(app.current).toBe(1);
    expect(await w.serving('web')).toHaveLength(1);
  });

  it('scales up and down through the same passes, draining before stopping', async () => {
    const w = new World(['a', 'b', 'c', 'd']);
    await w.h.deployApp('web', { replicas: 2 });
    await w.settle('web');
    await scaleApp(w.h.s, 'web', 4);
    await w.settle('web');
    expect(await w.serving('web')).toHaveLength(4);
    await scaleApp(w.h.s, 'web', 1);
    // The first pass takes three out of the router; they are only stopped after the drain time.
    await w.h.rollout('web');
    expect(await w.serving('web')).toHaveLength(1);
    expect(w.h.cluster.controls).toHaveLength(0);
    await w.settle('web');
    expect(await w.serving('web')).toHaveLength(1);
    // Scaling up again reuses the places of the stopped instances rather than growing the deployment.
    await scaleApp(w.h.s, 'web', 3);
    await w.settle('web');
    const app = await w.app('web');
    const record = await w.h.cluster.deployment(app.versions[0]?.deploymentId as string);
    expect(record?.spec.replicas).toBe(4);
    expect(await w.serving('web')).toHaveLength(3);
  });

  it('rolls back to the newest earlier version that ran healthy, as a new version', async () => {
    const w = new World();
    await w.h.deployApp('web', { replicas: 1 });
    await w.settle('web');
    await w.h.deployApp('web');
    await w.settle('web');
    const app = await w.app('web');
    const source = rollbackSource(app, undefined);
    expect(source.version).toBe(1);
    await w.h.deployApp('web', { rollbackOf: source.version });
    await w.settle('web');
    const after = await w.app('web');
    expect(after.current).toBe(3);
    expect(after.versions[2]).toMatchObject({ rollbackOf: 1, state: 'serving' });
    expect(() => rollbackSource(after, 9)).toThrow(/has no version 9/);
  });

  it('supersedes a version still rolling out with a newer one', async () => {
    const w = new World();
    await w.h.deployApp('web', { replicas: 1 });
    await w.settle('web');
    await w.h.deployApp('web');
    await w.h.rollout('web');
    await w.h.deployApp('web');
    await w.settle('web');
    const app = await w.app('web');
    expect(app.versions.map((v) => `${v.state}${v.reason ? `: ${v.reason}` : ''}`)).toEqual(['replaced: replaced by v3', 'failed: superseded by v3', 'serving']);
    expect(await w.serving('web')).toHaveLength(1);
  });
});
