import { describe, expect, it } from 'vitest';
import {
  canDeploymentTransition,
  canInstanceTransition,
  deriveDeploymentStatus,
  followInstances,
  type DeploymentStatus,
  type InstanceStatus,
} from './status.js';

describe('deployment transitions', () => {
  it.each<[DeploymentStatus, DeploymentStatus, boolean]>([
    ['queued', 'building', true],
    ['queued', 'scheduled', true], // an image deployment skips the build
    ['queued', 'built', true], // an archive identical to one built before
    ['building', 'built', true],
    ['building', 'failed', true],
    ['building', 'running', false],
    ['queued', 'running', true], // its instance ran before the status was first recomputed
    ['built', 'exited', true],
    ['built', 'pending', true],
    ['pending', 'scheduled', true],
    ['scheduled', 'running', true],
    ['running', 'exited', true],
    ['failed', 'running', true], // a replacement instance brings it back
    ['cancelled', 'running', false],
    ['cancelled', 'queued', false],
    ['exited', 'building', false],
    ['running', 'running', true],
  ])('%s → %s: %s', (from, to, allowed) => {
    expect(canDeploymentTransition(from, to)).toBe(allowed);
  });
});

describe('instance transitions', () => {
  it.each<[InstanceStatus, InstanceStatus, boolean]>([
    ['pending', 'scheduled', true],
    ['scheduled', 'starting', true],
    ['scheduled', 'running', true], // adopted container
    ['starting', 'running', true],
    ['running', 'lost', true],
    ['lost', 'running', true], // its agent came back
    ['running', 'starting', false], // a late `starting` report after `running`
    ['exited', 'running', false],
    ['cancelled', 'running', false],
    ['failed', 'cancelled', true],
  ])('%s → %s: %s', (from, to, allowed) => {
    expect(canInstanceTransition(from, to)).toBe(allowed);
  });
});

describe('deriveDeploymentStatus', () => {
  it.each<[InstanceStatus[], DeploymentStatus]>([
    [[], 'pending'],
    [['running', 'running'], 'running'],
    [['running', 'failed'], 'running'],
    [['scheduled', 'pending'], 'scheduled'],
    [['starting', 'exited'], 'scheduled'],
    [['pending', 'pending'], 'pending'],
    [['exited', 'exited'], 'exited'],
    [['exited', 'failed'], 'failed'],
    [['exited', 'lost'], 'failed'],
    [['cancelled', 'cancelled'], 'cancelled'],
    [['cancelled', 'exited'], 'exited'],
  ])('%j → %s', (instances, status) => {
    expect(deriveDeploymentStatus(instances)).toBe(status);
  });
});

describe('followInstances', () => {
  it('moves a placed deployment along with its instances, within the allowed steps', () => {
    expect(followInstances('scheduled', 'running', ['running'])).toBe('running');
    expect(followInstances('running', 'cancelled', ['cancelled'])).toBe('cancelled');
    expect(followInstances('running', 'cancelled', ['running'])).toBe('running');
    // Not a step back to before placement, nor out of an end.
    expect(followInstances('cancelled', 'cancelled', ['running'])).toBe('cancelled');
  });

  it('calls a wanted deployment whose instances were all taken out of service exited, so it can run again', () => {
    expect(followInstances('running', 'running', ['cancelled', 'cancelled'])).toBe('exited');
    expect(followInstances('exited', 'running', ['pending', 'cancelled'])).toBe('pending');
  });
});
