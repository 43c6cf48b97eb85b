import { describe, expect, it } from 'vitest';
import { appInstance, appVersion, appView, failedView, rollingView, servedView } from '../testing/app-view.js';
import { rollingVersion, rolloutDecision, rolloutProgress, scaleDecision, scaleProgress, servingUrls } from './rollout.js';

describe('rolloutProgress', () => {
  it('counts the new version healthy of the replicas, those starting, and the old instances left', () => {
    expect(rolloutProgress(rollingView(0), 2)).toBe('v2: 0/2 healthy, 2 starting, 2 old instances left');
    expect(rolloutProgress(rollingView(1), 2)).toBe('v2: 1/2 healthy, 1 starting, 1 old instance left');
    expect(rolloutProgress(servedView(), 2)).toBe('v2: 2/2 healthy');
  });

  it('names an unhealthy instance with its last check, and leaves ended old instances out', () => {
    const view = rollingView(0, {
      instances: [
        appInstance(1, 0),
        appInstance(1, 1, { status: 'exited', health: null, serving: false }),
        appInstance(2, 0, { health: 'unhealthy', serving: false, healthError: 'health check /healthz answered 500' }),
        appInstance(2, 1, { status: 'pending', health: null, serving: false, agentId: null }),
      ],
    });
    expect(rolloutProgress(view, 2)).toBe('v2: 0/2 healthy, 1 starting, 1 unhealthy (health check /healthz answered 500), 1 old instance left');
  });

  it('does not count a healthy instance being taken out', () => {
    expect(rolloutProgress(servedView({ instances: [appInstance(2, 0), appInstance(2, 1, { retiring: true, serving: false })] }), 2)).toBe('v2: 1/2 healthy');
  });
});

describe('rolloutDecision', () => {
  it.each([
    ['not listed yet', appView(), 'waiting'],
    ['rolling', rollingView(1), 'waiting'],
    ['serving but still the target (old instances draining)', servedView({ target: 2 }), 'waiting'],
    ['serving, rollout over', servedView(), 'done'],
    ['failed', failedView(), 'failed'],
    ['replaced by a later version', servedView({ versions: [appVersion(2, 'replaced'), appVersion(3, 'serving')], current: 3 }), 'superseded'],
    ['a later version became the target', rollingView(1, { target: 3 }), 'superseded'],
  ] as const)('%s → %s', (_, view, decision) => {
    expect(rolloutDecision(view, 2)).toBe(decision);
  });

  it('a first version: deploying until it serves', () => {
    const first = appView({ status: 'deploying', current: null, target: 1, healthy: 0, versions: [appVersion(1, 'rolling')], instances: [] });
    expect(rolloutDecision(first, 1)).toBe('waiting');
    expect(rolloutDecision(appView(), 1)).toBe('done');
  });
});

describe('scale', () => {
  it('is done when that many are healthy and none is being taken out', () => {
    expect(scaleDecision(appView({ replicas: 3, healthy: 2 }), 3)).toBe('waiting');
    expect(scaleDecision(appView({ replicas: 3, healthy: 3 }), 3)).toBe('done');
    const draining = appView({ replicas: 1, healthy: 1, instances: [appInstance(1, 0), appInstance(1, 1, { retiring: true, serving: false })] });
    expect(scaleDecision(draining, 1)).toBe('waiting');
    expect(scaleProgress(draining)).toBe('web: 1/1 healthy, 1 stopping');
    expect(scaleDecision(appView({ replicas: 1, healthy: 1, instances: [appInstance(1, 0)] }), 1)).toBe('done');
  });

  it('fails with the app, and stops when someone else scaled it', () => {
    expect(scaleDecision(appView({ replicas: 3, healthy: 0, status: 'failed' }), 3)).toBe('failed');
    expect(scaleDecision(appView({ replicas: 5 }), 3)).toBe('superseded');
  });

  it('says how many are healthy and starting', () => {
    const view = appView({ replicas: 3, healthy: 2, instances: [appInstance(1, 0), appInstance(1, 1), appInstance(1, 2, { status: 'starting', health: 'starting', serving: false })] });
    expect(scaleProgress(view)).toBe('web: 2/3 healthy, 1 starting');
  });
});

describe('helpers', () => {
  it('rollingVersion: the target, else the newest version', () => {
    expect(rollingVersion(rollingView(0))).toBe(2);
    expect(rollingVersion(servedView())).toBe(2);
    expect(rollingVersion(appView({ versions: [] }))).toBe(null);
  });

  it('servingUrls: the serving instances only', () => {
    expect(servingUrls(rollingView(1))).toEqual(['http://127.0.0.1:32011', 'http://127.0.0.1:32020']);
  });
});
