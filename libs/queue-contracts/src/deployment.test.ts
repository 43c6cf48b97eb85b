import { describe, expect, it } from 'vitest';
import { CreateDeploymentRequest, InstanceRecord, newInstanceRecord, nextAttempt } from './deployment.js';
import { formatZodError } from './errors.js';

const parse = (input: unknown) => CreateDeploymentRequest.safeParse(input);

describe('CreateDeploymentRequest', () => {
  it('normalises every option', () => {
    const result = parse({
      image: 'nginx:1.27',
      name: 'web',
      env: { GREETING: 'hi' },
      ports: [8080, '53/udp', '8080/tcp'],
      memory: '512m',
      cpus: '0.5',
      constraints: ['zone=eu'],
      replicas: '3',
      restart: 'on-failure:5',
      strategy: 'binpack',
    });
    expect(result.success && result.data).toEqual({
      image: 'nginx:1.27',
      name: 'web',
      env: { GREETING: 'hi' },
      ports: [
        { containerPort: 8080, protocol: 'tcp' },
        { containerPort: 53, protocol: 'udp' },
      ],
      memory: 512 * 1024 ** 2,
      cpus: 500,
      constraints: [{ key: 'zone', value: 'eu' }],
      replicas: 3,
      restart: { policy: 'on-failure', maxRetries: 5 },
      strategy: 'binpack',
    });
  });

  it('takes constraints as an object too', () => {
    const result = parse({ constraints: { zone: 'eu' } });
    expect(result.success && result.data.constraints).toEqual([{ key: 'zone', value: 'eu' }]);
  });

  it.each([
    [{ replicas: 0 }, /replicas/],
    [{ replicas: 1001 }, /replicas/],
    [{ memory: '1k' }, /memory "1k" is not a size of at least 6m/],
    [{ cpus: 'lots' }, /cpus "lots" must be a number/],
    [{ ports: [70000] }, /port "70000" must be 1–65535/],
    [{ name: 'Bad_Name' }, /name: a name is 1–63 lowercase/],
    [{ name: '-web' }, /name/],
    [{ env: { "1BAD": "x" } }, /env key "1BAD" must be letters/],
    [{ restart: 'sometimes' }, /restart "sometimes" must be/],
    [{ restart: 'always:3' }, /restart "always:3"/],
    [{ constraints: ['zone'] }, /constraint "zone" must be key=value/],
    [{ strategy: 'random' }, /strategy/],
    [{ replica: 2 }, /Unrecognized key: "replica"/],
  ])('refuses %j with a message naming the field', (input, message) => {
    const result = parse(input);
    expect(result.success).toBe(false);
    if (!result.success) expect(formatZodError(result.error)).toMatch(message);
  });
});

describe('instance attempts', () => {
  const now = '2026-11-27T10:00:00.000Z';
  it('starts pending on no agent at attempt 1, and a next attempt clears the old container', () => {
    const first = newInstanceRecord('abcdefghijkl', 2, now);
    expect(InstanceRecord.parse(first)).toMatchObject({ index: 2, attempt: 1, status: 'pending', agentId: null, rev: 0 });
    const ended = { ...first, attempt: 3, status: 'failed' as const, agentId: 'a1', containerId: 'c1', urls: ['http://x:1'], exitCode: 3, rev: 9 };
    const next = nextAttempt(ended, 12345, 'attempt 4 in 4 s', now);
    expect(next).toMatchObject({ index: 2, attempt: 4, status: 'pending', agentId: null, containerId: null, urls: [], exitCode: null, error: 'attempt 4 in 4 s', restartAt: 12345, rev: 9 });
  });
});
