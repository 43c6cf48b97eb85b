import { describe, expect, it } from 'vitest';
import { instanceRef, type InstanceStatus } from '@draas/queue-contracts';
import type { DesiredInstance } from '../state/desired-state.js';
import { deploymentRecord, instanceRecord } from '../testing/fixtures.js';
import { planReconcile, type ContainerFact } from './reconcile-plan.js';

const owner = { deploymentId: 'abc123def456', index: 0, attempt: 2, agentId: 'me' };
const container = (over: Partial<ContainerFact> = {}): ContainerFact => ({ id: 'c1', state: 'running', owner, ...over });
const ref = instanceRef('abc123def456', 0);
const records = (status: InstanceStatus, over: Partial<DesiredInstance> = {}): Map<string, DesiredInstance> =>
  new Map([[ref, { deployment: deploymentRecord(), instance: instanceRecord({ status, containerId: 'c1' }), ...over }]]);

const plan = (containers: ContainerFact[], desired: Map<string, DesiredInstance>) =>
  planReconcile(containers, desired, 'me').map((a) => ({ kind: a.kind, id: a.container.id, ...('reportCancelled' in a ? { reportCancelled: a.reportCancelled } : {}) }));

describe('planReconcile', () => {
  it.each([
    ['running and known: only follow logs', container(), records('running'), [{ kind: 'follow', id: 'c1' }]],
    ['running, record still starting: report', container(), records('starting'), [{ kind: 'report-running', id: 'c1' }]],
    ['running, record says lost (agent came back): report', container(), records('lost'), [{ kind: 'report-running', id: 'c1' }]],
    ['running under another container id: report', container(), records('running', { instance: instanceRecord({ status: 'running', containerId: 'old' }) }), [{ kind: 'report-running', id: 'c1' }]],
    ['running, the scheduler settled it as failed: remove', container(), records('failed'), [{ kind: 'remove', id: 'c1', reportCancelled: false }]],
    ['exited, record says running: report the exit', container({ state: 'exited' }), records('running'), [{ kind: 'report-exit', id: 'c1' }]],
    ['exited, record agrees: leave', container({ state: 'exited' }), records('exited'), [{ kind: 'leave', id: 'c1' }]],
    ['dead, record says lost: report the exit', container({ state: 'dead' }), records('lost'), [{ kind: 'report-exit', id: 'c1' }]],
    ['created: the deploy job owns it', container({ state: 'created' }), records('starting'), [{ kind: 'leave', id: 'c1' }]],
    ['deployment cancelled: remove and report', container(), records('running', { deployment: deploymentRecord({ desired: 'cancelled' }) }), [{ kind: 'remove', id: 'c1', reportCancelled: true }]],
    ['instance record gone: remove quietly', container(), records('running', { instance: null }), [{ kind: 'remove', id: 'c1', reportCancelled: false }]],
    ['deployment gone: remove quietly', container(), records('running', { deployment: null }), [{ kind: 'remove', id: 'c1', reportCancelled: false }]],
    ['newer attempt exists: remove', container(), records('running', { instance: instanceRecord({ attempt: 3 }) }), [{ kind: 'remove', id: 'c1', reportCancelled: false }]],
    ['moved to another agent: remove', container(), records('running', { instance: instanceRecord({ agentId: 'other' }) }), [{ kind: 'remove', id: 'c1', reportCancelled: false }]],
    ['retired (stop): remove and report', container(), records('running', { instance: instanceRecord({ status: 'running', containerId: 'c1', retire: 'stop' }) }), [{ kind: 'remove', id: 'c1', reportCancelled: true }]],
    ['draining: still followed', container(), records('running', { instance: instanceRecord({ status: 'running', containerId: 'c1', retire: 'drain' }) }), [{ kind: 'follow', id: 'c1' }]],
    ['labels incomplete: remove', container({ owner: null }), records('running'), [{ kind: 'remove', id: 'c1', reportCancelled: false }]],
    ['records unreadable: leave alone', container(), new Map<string, DesiredInstance>(), [{ kind: 'leave', id: 'c1' }]],
  ])('%s', (_name, fact, desired, expected) => {
    expect(plan([fact], desired)).toEqual(expected);
  });

  it('never keeps two containers of one instance: the running one stays', () => {
    const actions = plan([container({ id: 'a', state: 'exited' }), container({ id: 'b', state: 'running' })], records('running'));
    expect(actions).toEqual([
      { kind: 'remove', id: 'a', reportCancelled: false },
      { kind: 'report-running', id: 'b' },
    ]);
  });

  it('of two running duplicates keeps the first and removes the second', () => {
    const actions = plan([container({ id: 'c1' }), container({ id: 'c2' })], records('running'));
    expect(actions).toEqual([
      { kind: 'follow', id: 'c1' },
      { kind: 'remove', id: 'c2', reportCancelled: false },
    ]);
  });

  it('judges each instance on its own records', () => {
    const other = { ...owner, deploymentId: 'zzz999zzz999' };
    const desired = records('running');
    desired.set(instanceRef('zzz999zzz999', 0), { deployment: deploymentRecord({ id: 'zzz999zzz999', desired: 'cancelled' }), instance: null });
    expect(plan([container(), container({ id: 'x', owner: other })], desired)).toEqual([
      { kind: 'follow', id: 'c1' },
      { kind: 'remove', id: 'x', reportCancelled: false },
    ]);
  });
});

describe('planReconcile retention of ended containers', () => {
  const endedAt = Date.parse('2025-01-01T00:00:00.000Z'); // the fixtures' updatedAt
  const retention = (secondsLater: number) => ({ now: endedAt + secondsLater * 1000, removeEndedAfterMs: 600_000 });
  const kinds = (secondsLater: number, status: InstanceStatus) =>
    planReconcile([container({ state: 'exited' })], records(status), 'me', retention(secondsLater)).map((a) => a.kind);

  it.each([
    [599, 'exited', ['leave']],
    [601, 'exited', ['remove']],
    [601, 'failed', ['remove']],
    [601, 'running', ['report-exit']], // the end is not recorded yet: report it first
  ] as const)('%d s after it ended as %s: %j', (seconds, status, expected) => {
    expect(kinds(seconds, status)).toEqual(expected);
  });
});
