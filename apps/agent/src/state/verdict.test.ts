import { describe, expect, it } from 'vitest';
import { deploymentRecord, instanceRecord } from '../testing/fixtures.js';
import { hasEnded, judge } from './verdict.js';

const target = { deploymentId: 'abc123def456', index: 0, attempt: 2 };

describe('judge', () => {
  it.each([
    ['the attempt placed here', deploymentRecord(), instanceRecord(), { wanted: true }],
    ['cancelled, still expected here', deploymentRecord({ desired: 'cancelled' }), instanceRecord(), { wanted: false, reportCancelled: true }],
    ['cancelled, already reported', deploymentRecord({ desired: 'cancelled' }), instanceRecord({ status: 'cancelled' }), { wanted: false, reportCancelled: false }],
    ['cancelled, newer attempt elsewhere', deploymentRecord({ desired: 'cancelled' }), instanceRecord({ attempt: 3, agentId: 'other' }), { wanted: false, reportCancelled: false }],
    ['no deployment record', null, instanceRecord(), { wanted: false, reportCancelled: false }],
    ['no instance record', deploymentRecord(), null, { wanted: false, reportCancelled: false }],
    ['placed on another agent', deploymentRecord(), instanceRecord({ agentId: 'other' }), { wanted: false, reportCancelled: false }],
    ['placed on no agent', deploymentRecord(), instanceRecord({ agentId: null }), { wanted: false, reportCancelled: false }],
    ['superseded by a newer attempt', deploymentRecord(), instanceRecord({ attempt: 3 }), { wanted: false, reportCancelled: false }],
    ['ahead of the record', deploymentRecord(), instanceRecord({ attempt: 1 }), { wanted: false, reportCancelled: false }],
    ['instance cancelled alone', deploymentRecord(), instanceRecord({ status: 'cancelled' }), { wanted: false, reportCancelled: false }],
    ['retired: stop', deploymentRecord(), instanceRecord({ status: 'running', retire: 'stop' }), { wanted: false, reason: 'the instance is being retired', reportCancelled: true }],
    ['retired: stop, already cancelled', deploymentRecord(), instanceRecord({ status: 'cancelled', retire: 'stop' }), { wanted: false, reportCancelled: false }],
    ['retired: stop, attempt superseded', deploymentRecord(), instanceRecord({ attempt: 3, retire: 'stop' }), { wanted: false, reportCancelled: false }],
    ['retired: stop, placed elsewhere', deploymentRecord(), instanceRecord({ agentId: 'other', retire: 'stop' }), { wanted: false, reportCancelled: false }],
    ['retired: drain keeps running', deploymentRecord(), instanceRecord({ status: 'running', retire: 'drain' }), { wanted: true }],
  ])('%s', (_name, deployment, instance, expected) => {
    expect(judge(target, 'me', { deployment, instance })).toMatchObject(expected);
  });
});

describe('hasEnded', () => {
  it.each([
    ['scheduled', false],
    ['running', false],
    ['exited', true],
    ['failed', true],
    ['lost', true],
  ] as const)('%s → %s', (status, expected) => {
    expect(hasEnded({ deployment: deploymentRecord(), instance: instanceRecord({ status }) })).toBe(expected);
  });
});
