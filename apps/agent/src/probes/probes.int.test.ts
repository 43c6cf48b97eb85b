// Health probes end to end: a real agent runs real containers, this test plays the scheduler and
// reads the health the agent reports. Real Redis and Docker; images FROM the local busybox base.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JobIds, type HealthSpec, type InstanceReport } from '@draas/queue-contracts';
import { startAgent, type AgentHandle } from '../agent.js';
import { createLogger } from '../logger.js';
import { deploymentRecord, deployJob, instanceRecord } from '../testing/fixtures.js';
import { BASE_IMAGE, Harness, waitFor } from '../testing/harness.js';
import { freePort } from '../../../../scripts/local-redis.js';
import { httpCheck, tcpCheck } from './checks.js';

const infraMissing = inject('infraMissing');

// Failures before the first pass are forgiven for 20 s (httpd needs a moment); after it, two count.
const httpHealth: HealthSpec = { path: '/x', intervalMs: 200, timeoutMs: 1000, retries: 2, startPeriodMs: 20_000 };

describe.skipIf(infraMissing !== null)('health probes (real Redis and Docker)', () => {
  let h: Harness;
  let agent: AgentHandle | null = null;
  let webImage: string;
  // A long periodic interval: reconcile passes happen at start-up or when the test asks.
  const start = () => startAgent(h.config({ reconcileMs: 120_000 }), { logger: createLogger('warn') });

  beforeAll(async () => {
    h = new Harness(inject('redisUrl'));
    webImage = await h.buildImage(
      'probe-web',
      [`FROM ${BASE_IMAGE}`, 'RUN mkdir -p /www && echo ok > /www/x', 'EXPOSE 8080', 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]'].join('\n'),
    );
    agent = await start();
  });

  afterAll(async () => {
    await agent?.close();
    await h?.cleanup();
  });

  const reportsOf = (deploymentId: string) => h.reports.filter((r) => r.deploymentId === deploymentId);
  /**
   * The states reported, in order, repeats collapsed: a starting instance is also reported again when
   * why it is not healthy yet changes (`connection refused`, then `answered 404`), each with its reason.
   */
  const healthTrail = (deploymentId: string) =>
    reportsOf(deploymentId)
      .map((r) => (r.status === 'running' ? `running:${r.health}` : r.status))
      .filter((state, i, all) => state !== all[i - 1]);
  /** Every repeated `starting` report says why it is still starting. */
  const repeatsGiveReasons = (deploymentId: string) =>
    reportsOf(deploymentId).every((r, i, all) => !(r.health === 'starting' && all[i - 1]?.health === 'starting') || r.healthError !== null);

  /** Records and a deploy job for one instance (attempt 1), as the scheduler writes them. */
  async function deploy(deploymentId: string, image: string, health: HealthSpec): Promise<InstanceReport> {
    const spec = { ...deploymentRecord().spec, health };
    await h.writeRecords(deploymentRecord({ id: deploymentId, spec }), [instanceRecord({ deploymentId, agentId: h.agentId, attempt: 1 })]);
    await h.addDeployJob(deployJob({ deploymentId, agentId: h.agentId, attempt: 1, image, spec: { ...deployJob().spec, health } }), JobIds.deploy(deploymentId, 0, 1));
    const running = await h.waitForReport((r) => r.deploymentId === deploymentId && r.status === 'running', `${deploymentId} running`);
    return running;
  }

  /** Writes what the scheduler would after applying the agent's reports. */
  async function recordRunning(deploymentId: string, health: HealthSpec, running: InstanceReport, instanceHealth: 'starting' | 'healthy'): Promise<void> {
    await h.writeRecords(deploymentRecord({ id: deploymentId, status: 'running', spec: { ...deploymentRecord().spec, health } }), [
      instanceRecord({ deploymentId, agentId: h.agentId, attempt: 1, status: 'running', containerId: running.containerId, ports: running.ports, urls: running.urls, health: instanceHealth }),
    ]);
  }

  const failedReport = (deploymentId: string) =>
    h.waitForReport((r) => r.deploymentId === deploymentId && r.status === 'failed', `${deploymentId} failed`, 30_000);

  async function containerGone(id: string): Promise<void> {
    await waitFor(`container ${id.slice(0, 12)} removed`, async () => (await h.containers()).every((c) => c.Id !== id), 15_000);
  }

  it('HTTP check: starting → healthy → unhealthy once the path fails, then stopped and reported failed', async () => {
    const id = 'http00000001';
    const running = await deploy(id, webImage, httpHealth);
    expect(running).toMatchObject({ health: 'starting', healthError: null });
    expect(running.urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await recordRunning(id, httpHealth, running, 'starting');
    const healthy = await h.waitForReport((r) => r.deploymentId === id && r.health === 'healthy', 'healthy');
    // A health report keeps what a running report says: container, ports, URLs.
    expect(healthy).toMatchObject({ status: 'running', containerId: running.containerId, ports: running.ports, urls: running.urls, healthError: null });

    await h.docker.getContainer(running.containerId as string).exec({ Cmd: ['rm', '/www/x'] }).then((e) => e.start({}));
    const unhealthy = await h.waitForReport((r) => r.deploymentId === id && r.health === 'unhealthy', 'unhealthy', 30_000);
    expect(unhealthy).toMatchObject({ status: 'running', healthError: 'health check /x answered 404' });
    const failed = await failedReport(id);
    expect(failed).toMatchObject({ containerId: running.containerId, error: 'health check /x answered 404' });
    await containerGone(running.containerId as string);
    // Reported only on change, in order; the stop is not reported a second time as an exit.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(healthTrail(id)).toEqual(['starting', 'running:starting', 'running:healthy', 'running:unhealthy', 'failed']);
    expect(repeatsGiveReasons(id)).toBe(true);
  });

  it('Docker HEALTHCHECK: reported as Docker says it, with what the check printed', async () => {
    const image = await h.buildImage(
      'probe-healthcheck',
      [`FROM ${BASE_IMAGE}`, 'HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD cat /tmp/ok', 'CMD ["sh", "-c", "echo fine > /tmp/ok; exec sleep 300"]'].join('\n'),
    );
    const id = 'dock00000001';
    // Docker's check alone: no path, and the agent's interval only paces its reading of Docker's status.
    const health: HealthSpec = { path: null, intervalMs: 200, timeoutMs: 1000, retries: 1, startPeriodMs: 0 };
    const running = await deploy(id, image, health);
    expect(running.health).toBe('starting');
    await recordRunning(id, health, running, 'starting');
    await h.waitForReport((r) => r.deploymentId === id && r.health === 'healthy', 'healthy by HEALTHCHECK', 30_000);

    await h.docker.getContainer(running.containerId as string).exec({ Cmd: ['rm', '/tmp/ok'] }).then((e) => e.start({}));
    const failed = await failedReport(id);
    expect(failed.error).toMatch(/^HEALTHCHECK failing: cat: can't open '\/tmp\/ok': No such file or directory/);
    expect(healthTrail(id)).toEqual(['starting', 'running:starting', 'running:healthy', 'running:unhealthy', 'failed']);
    await containerGone(running.containerId as string);
  });

  it('no check set: healthy once the first TCP port accepts connections, or at once without one', async () => {
    const slow = await h.buildImage('probe-slow', [`FROM ${BASE_IMAGE}`, 'RUN mkdir -p /www', 'EXPOSE 8080', 'CMD ["sh", "-c", "sleep 2; exec httpd -f -p 8080 -h /www"]'].join('\n'));
    const tcpHealth: HealthSpec = { path: null, intervalMs: 200, timeoutMs: 1000, retries: 2, startPeriodMs: 20_000 };
    const running = await deploy('tcp000000001', slow, tcpHealth);
    expect(running.health).toBe('starting');
    await recordRunning('tcp000000001', tcpHealth, running, 'starting');
    const healthy = await h.waitForReport((r) => r.deploymentId === 'tcp000000001' && r.health === 'healthy', 'healthy by TCP');
    // Docker's proxy accepts on the published port at once; the probe waited for httpd behind it.
    expect(healthy.at - running.at).toBeGreaterThanOrEqual(1000);

    const sleeper = await h.buildImage('probe-sleep', `FROM ${BASE_IMAGE}\nCMD ["sleep", "300"]`);
    const quiet = await deploy('none00000001', sleeper, tcpHealth);
    expect(quiet).toMatchObject({ health: 'healthy', ports: [] });
  });

  it('after an agent restart, probing resumes from the record and still replaces an unhealthy instance', async () => {
    const id = 'rstr00000001';
    const running = await deploy(id, webImage, httpHealth);
    await recordRunning(id, httpHealth, running, 'starting');
    await h.waitForReport((r) => r.deploymentId === id && r.health === 'healthy', 'healthy before the restart');
    await recordRunning(id, httpHealth, running, 'healthy');
    await agent?.close();
    const before = new Set(h.reports);
    agent = await start();
    // Known healthy, still healthy: nothing to say.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(reportsOf(id).filter((r) => !before.has(r))).toEqual([]);

    await h.docker.getContainer(running.containerId as string).exec({ Cmd: ['rm', '/www/x'] }).then((e) => e.start({}));
    const failed = await failedReport(id);
    expect(failed.error).toBe('health check /x answered 404');
    expect(reportsOf(id).filter((r) => !before.has(r)).map((r) => `${r.status}:${r.health ?? ''}`)).toEqual(['running:unhealthy', 'failed:']);
    await containerGone(running.containerId as string);
  });

  it('retire=stop: the reconciler stops the instance and reports it cancelled; drain keeps it', async () => {
    const id = 'retr00000001';
    const running = await deploy(id, webImage, httpHealth);
    await recordRunning(id, httpHealth, running, 'starting');
    const record = (retire: 'drain' | 'stop') =>
      instanceRecord({ deploymentId: id, agentId: h.agentId, attempt: 1, status: 'running', containerId: running.containerId, ports: running.ports, urls: running.urls, retire });
    await h.writeRecords(deploymentRecord({ id, status: 'running', spec: { ...deploymentRecord().spec, health: httpHealth } }), [record('drain')]);
    expect((await agent?.reconcile())?.remove).toBe(0);
    expect((await h.docker.getContainer(running.containerId as string).inspect()).State.Running).toBe(true);

    await h.writeRecords(deploymentRecord({ id, status: 'running', spec: { ...deploymentRecord().spec, health: httpHealth } }), [record('stop')]);
    expect((await agent?.reconcile())?.remove).toBe(1);
    await containerGone(running.containerId as string);
    expect(await h.waitForReport((r) => r.deploymentId === id && r.status === 'cancelled', 'cancelled')).toMatchObject({ containerId: running.containerId });
  });
});

describe('the agent checks against a local server', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      const status = Number(req.url?.slice(1)) || 200;
      res.writeHead(status, status === 302 ? { location: '/elsewhere' } : {}).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['/200', { ok: true }],
    ['/302', { ok: true }],
    ['/500', { ok: false, error: 'health check /500 answered 500' }],
    ['/hang', { ok: false, error: 'health check /hang timed out after 300ms' }],
  ])('GET %s', async (path, expected) => {
    expect(await httpCheck({ host: '127.0.0.1', port, path }, 300)).toEqual(expected);
  });

  it('says when nothing listens', async () => {
    const closed = await freePort();
    expect(await httpCheck({ host: '127.0.0.1', port: closed, path: '/healthz' }, 1000)).toEqual({ ok: false, error: 'health check /healthz: connection refused' });
    expect(await tcpCheck({ host: '127.0.0.1', port: closed }, 1000)).toEqual({ ok: false, error: `TCP port ${closed}: connection refused` });
    expect(await tcpCheck({ host: '127.0.0.1', port }, 1000)).toEqual({ ok: true });
  });
});
