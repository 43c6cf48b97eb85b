import { describe, expect, it } from 'vitest';
import { createHealthApp, healthListenError, type HealthChecks } from './server.js';

const checks = (over: Partial<HealthChecks> = {}): HealthChecks => ({
  agentId: 'node-1',
  redis: async () => true,
  docker: async () => true,
  runningInstances: () => 2,
  ...over,
});

describe('GET /healthz', () => {
  it('answers 200 ok when Redis and Docker answer', async () => {
    const res = await createHealthApp(checks()).request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', agentId: 'node-1', redis: 'ok', docker: 'ok', runningInstances: 2 });
  });

  it.each([
    ['redis fails', { redis: async () => Promise.reject(new Error('ECONNREFUSED')) }, { redis: 'down', docker: 'ok' }],
    ['docker says no', { docker: async () => false }, { redis: 'ok', docker: 'down' }],
    ['docker hangs', { docker: () => new Promise<boolean>(() => undefined) }, { redis: 'ok', docker: 'down' }],
  ])('answers 503 degraded when %s', async (_name, over, expected) => {
    const res = await createHealthApp(checks(over)).request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'degraded', ...expected });
  });

  it('has no other routes', async () => {
    expect((await createHealthApp(checks()).request('/admin')).status).toBe(404);
  });
});

describe('healthListenError', () => {
  it.each([
    [{ code: 'EADDRINUSE' }, true, 'AGENT_HEALTH_PORT 5001 is in use on 127.0.0.1: set AGENT_HEALTH_PORT to a free port, or leave it unset to get one'],
    [{ code: 'EACCES' }, true, /^AGENT_HEALTH_PORT 5001 may not be opened on 127\.0\.0\.1 by this user .*: set AGENT_HEALTH_PORT to a free port above 1023, or leave it unset/],
    [{ code: 'EACCES' }, false, /set AGENT_HEALTH_PORT to a free port above 1023$/],
    [{ code: 'EADDRNOTAVAIL' }, true, /^AGENT_HEALTH_HOST 127\.0\.0\.1 is not an address of this machine: set AGENT_HEALTH_HOST/],
    [{ code: 'EMFILE', message: 'too many open files' }, true, /cannot listen on 127\.0\.0\.1:5001 \(too many open files\): check AGENT_HEALTH_HOST and AGENT_HEALTH_PORT/],
  ])('%o (explicit: %s) names the setting that fixes it', (err, explicit, expected) => {
    const message = healthListenError({ message: '', ...err }, '127.0.0.1', 5001, explicit);
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });
});
