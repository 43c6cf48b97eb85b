import { DEFAULT_ROLLOUT, newDeploymentRecord, newInstanceRecord, type AppRecord, type InstanceRecord } from '@draas/queue-contracts';
import { describe, expect, it } from 'vitest';
import { planRollout, type VersionInstances } from './rollout-plan.js';

// The rollout plan alone, over hand-made versions: the cases a whole pass rarely reaches.

const at = '2026-12-01T12:00:00.000Z';
const NOW = Date.parse(at);

function version(n: number, statuses: ('serving' | 'starting' | 'pending' | 'drain')[], over: Partial<VersionInstances['deployment']> = {}): VersionInstances {
  const id = `version${String(n).padStart(5, '0')}`;
  const spec = { name: 'web', env: {}, ports: [], memoryBytes: 1, milliCpus: 1, constraints: [], replicas: statuses.length, restart: { policy: 'on-failure' as const, maxRetries: null }, strategy: 'spread' as const, health: { path: null, intervalMs: 1000, timeoutMs: 1000, retries: 3, startPeriodMs: 0 } };
  const deployment = { ...newDeploymentRecord(id, { kind: 'image', image: 'x' }, spec, null, at), app: { name: 'web', version: n }, status: 'running' as const, ...over };
  const instances = statuses.map((s, index): InstanceRecord => {
    const base = { ...newInstanceRecord(id, index, at), agentId: 'a', rev: 1 };
    if (s === 'pending') return base;
    return { ...base, status: 'running', health: s === 'starting' ? 'starting' : 'healthy', retire: s === 'drain' ? 'drain' : null, retireAt: s === 'drain' ? NOW - 5000 : null };
  });
  return { version: { version: n, deploymentId: id, state: 'rolling', reason: null, everHealthy: false, rollbackOf: null, createdAt: at }, deployment, instances };
}

function app(over: Partial<AppRecord>, versions: VersionInstances[]): AppRecord {
  return { name: 'web', replicas: 2, rollout: DEFAULT_ROLLOUT, current: 1, target: 2, stepAt: NOW, versions: versions.map((v) => v.version), createdAt: at, updatedAt: at, rev: 1, ...over };
}

describe('planRollout', () => {
  it('with maxSurge 0 and maxUnavailable 1 takes an old instance out first, then starts a new one in its place', () => {
    const v1 = version(1, ['serving', 'serving']);
    const v2 = version(2, []);
    const a = app({ rollout: { ...DEFAULT_ROLLOUT, maxSurge: 0, maxUnavailable: 1 } }, [v1, v2]);
    const first = planRollout(a, [v1, v2], { now: NOW, drainMs: 1000 });
    expect(first.drain).toHaveLength(1);
    // The one taken out no longer counts: room for one new.
    const v1Drained = version(1, ['serving', 'drain']);
    const second = planRollout(a, [v1Drained, v2], { now: NOW, drainMs: 1000 });
    expect(second.add).toEqual([{ deploymentId: v2.deployment.id, count: 1 }]);
    expect(second.stop).toEqual([{ deploymentId: v1.deployment.id, index: 1, attempt: 1 }]);
  });

  it('never takes a serving old instance out while the new ones are still starting (maxUnavailable 0)', () => {
    const v1 = version(1, ['serving', 'serving']);
    const v2 = version(2, ['starting']);
    const plan = planRollout(app({}, [v1, v2]), [v1, v2], { now: NOW, drainMs: 1000 });
    expect(plan.drain).toEqual([]);
    expect(plan.add).toEqual([]);
    expect(plan.app).toBeNull();
  });

  it('waits for the image before starting anything, and the deadline only counts from the first start', () => {
    const v1 = version(1, ['serving', 'serving']);
    const v2 = version(2, [], { image: null, status: 'building' });
    const plan = planRollout(app({ stepAt: null }, [v1, v2]), [v1, v2], { now: NOW + 3_600_000, drainMs: 1000 });
    expect(plan).toMatchObject({ add: [], drain: [], app: null });
  });

  it('fails a version whose build failed, naming the build error, and leaves the serving one alone', () => {
    const v1 = version(1, ['serving', 'serving']);
    const v2 = version(2, [], { image: null, status: 'failed', error: 'build failed: step 3 returned 1' });
    const plan = planRollout(app({}, [v1, v2]), [v1, v2], { now: NOW, drainMs: 1000 });
    expect(plan.app?.versions.find((v) => v.version === 2)).toMatchObject({ state: 'failed', reason: 'build failed: step 3 returned 1' });
    expect(plan.app).toMatchObject({ current: 1, target: null });
    expect(plan.drain).toEqual([]);
  });

  it('fails a rolling version whose deployment was never recorded, instead of waiting for it forever', () => {
    const v1 = version(1, ['serving', 'serving']);
    const a = app({ versions: [v1.version, { ...v1.version, version: 2, deploymentId: 'missing00000' }] }, []);
    const plan = planRollout(a, [v1], { now: NOW, drainMs: 1000 });
    expect(plan.app).toMatchObject({ current: 1, target: null });
    expect(plan.app?.versions[1]).toMatchObject({ state: 'failed', reason: 'its deployment was never recorded; deploy again' });
  });

  it('a first version that fails leaves an app with nothing serving, and says so', () => {
    const v1 = version(1, ['starting']);
    const plan = planRollout(app({ current: null, target: 1, stepAt: NOW - 61_000 }, [v1]), [v1], { now: NOW, drainMs: 1000 });
    expect(plan.app).toMatchObject({ current: null, target: null });
    expect(plan.notes.at(-1)?.line).toMatch(/rollout of v1 failed: not healthy within 60 s; nothing serves/);
  });
});
