import { describe, expect, it } from 'vitest';
import { describeExitCode, exitOutcome, publishedPorts, readOwner, urlFor } from './container-state.js';

const labels = {
  'draas.managed': 'true',
  'draas.deployment': 'abc123def456',
  'draas.instance': '0',
  'draas.attempt': '2',
  'draas.agent': 'node-1',
};

describe('readOwner', () => {
  it('reads a complete label set', () => {
    expect(readOwner(labels)).toEqual({ deploymentId: 'abc123def456', index: 0, attempt: 2, agentId: 'node-1' });
  });
  it.each([
    ['no labels', null],
    ['not managed', { ...labels, 'draas.managed': 'false' }],
    ['bad deployment id', { ...labels, 'draas.deployment': 'x' }],
    ['attempt 0', { ...labels, 'draas.attempt': '0' }],
    ['index not a number', { ...labels, 'draas.instance': 'one' }],
    ['no agent', { ...labels, 'draas.agent': '' }],
  ])('%s → null', (_name, input) => {
    expect(readOwner(input)).toBeNull();
  });
});

describe('publishedPorts', () => {
  it('turns bindings into ports and URLs on the advertised address', () => {
    const result = publishedPorts(
      {
        '8080/tcp': [
          { HostIp: '0.0.0.0', HostPort: '49153' },
          { HostIp: '::', HostPort: '49153' },
        ],
        '53/udp': [{ HostIp: '0.0.0.0', HostPort: '49154' }],
        '9000/tcp': null,
      },
      '10.0.0.7',
    );
    expect(result.ports).toEqual([
      { containerPort: 53, protocol: 'udp', hostIp: '0.0.0.0', hostPort: 49154 },
      { containerPort: 8080, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 49153 },
    ]);
    expect(result.urls).toEqual(['udp://10.0.0.7:49154', 'http://10.0.0.7:49153']);
  });

  it('copes with no ports at all', () => {
    expect(publishedPorts(undefined, '1.2.3.4')).toEqual({ ports: [], urls: [] });
  });

  it('brackets IPv6 addresses in URLs', () => {
    expect(urlFor('tcp', 'fd00::1', 80)).toBe('http://[fd00::1]:80');
  });
});

describe('exitOutcome', () => {
  it.each([
    ['clean exit', { ExitCode: 0 }, 256 * 1024 ** 2, { status: 'exited', exitCode: 0, error: null }],
    ['non-zero', { ExitCode: 3 }, null, { status: 'failed', exitCode: 3, error: 'exited with code 3' }],
    ['killed', { ExitCode: 137 }, null, { status: 'failed', exitCode: 137, error: 'exited with code 137 (SIGKILL)' }],
    ['out of memory', { ExitCode: 137, OOMKilled: true }, 256 * 1024 ** 2, { status: 'failed', exitCode: 137, error: 'killed: out of memory (limit 256m)' }],
    ['engine error', { ExitCode: 127, Error: 'exec: "nope": not found' }, null, { status: 'failed', exitCode: 127, error: 'exec: "nope": not found' }],
    ['no code', { ExitCode: Number.NaN }, null, { status: 'failed', exitCode: null, error: 'ended without an exit code' }],
  ])('%s', (_name, state, memory, expected) => {
    expect(exitOutcome(state, memory)).toEqual(expected);
  });

  it('names only signals it knows', () => {
    expect(describeExitCode(143)).toBe('exited with code 143 (SIGTERM)');
    expect(describeExitCode(200)).toBe('exited with code 200');
  });
});
