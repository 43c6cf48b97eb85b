import { describe, expect, it } from 'vitest';
import { createHealthApp, type HealthChecks } from './server.js';

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
