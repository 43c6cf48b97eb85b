// The whole stack from docker-compose.yml: Redis with redis.conf, the scheduler and an
// agent, both on this machine's Docker socket, built from the project's Dockerfile on the locally
// made base images (no registry here), and the router (Caddy from this machine's caddy,
// draas/caddy:local). A ZIP uploaded through the scheduler's published port is built by the
// containerized scheduler, run by the containerized agent, and answers on its URL. The router runs,
// its admin API answers the scheduler's container on the Compose network and is not published.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { DeploymentView, Labels } from '@draas/queue-contracts';
import { describe, expect, inject, it } from 'vitest';
import { freePort, REPO_ROOT } from '../scripts/local-redis.js';
import { answers, docker, waitFor, zipForm } from './harness.js';
import { makeZip } from './zip-fixtures.js';

const infraMissing = inject('infraMissing');
const run = promisify(execFile);

describe.skipIf(infraMissing !== null)('docker compose', () => {
  it('brings up Redis, the scheduler and an agent, and deploys an uploaded folder through them', async () => {
    const token = randomBytes(24).toString('hex');
    const agentId = `compose-test-${randomBytes(3).toString('hex')}`;
    const [schedulerPort, healthPort, routerPort] = [await freePort(), await freePort(), await freePort()];
    // One project name: its images are rebuilt only when the sources change.
    const compose = (...args: string[]) =>
      run('docker-compose', ['-p', 'draas-compose-test', ...args], {
        cwd: REPO_ROOT,
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          REDIS_PASSWORD: randomBytes(24).toString('hex'),
          DRAAS_TOKEN: token,
          NODE_IMAGE: 'draas/node:local',
          REDIS_IMAGE: 'draas/redis:local',
          CADDY_IMAGE: 'draas/caddy:local',
          ROUTER_PORT: String(routerPort),
          SCHEDULER_PORT: String(schedulerPort),
          AGENT_HEALTH_PORT: String(healthPort),
          AGENT_ID: agentId,
          AGENT_IP: '127.0.0.1',
          AGENT_PUBLISH_IP: '127.0.0.1',
        },
      });
    const base = `http://127.0.0.1:${schedulerPort}`;
    // Every request bounded: while a container starts, Docker's port proxy may accept a connection
    // and never answer it.
    const api = (pathname: string, init: RequestInit = {}) =>
      fetch(base + pathname, { signal: AbortSignal.timeout(10_000), ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
    let image: string | null = null;
    try {
      await compose('up', '-d', '--build');
      await waitFor('the scheduler in compose', async () => (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).ok, 120_000, 250);
      await waitFor('the agent in compose to be online', async () => {
        const body = (await (await api('/api/agents')).json()) as { agents: { agentId: string; state: string }[] };
        return body.agents.some((a) => a.agentId === agentId && a.state === 'online');
      }, 60_000, 250);
      await waitFor('the agent health port', async () => (await fetch(`http://127.0.0.1:${healthPort}/healthz`, { signal: AbortSignal.timeout(2000) })).ok, 30_000, 250);

      // The router: running, its admin API answering the scheduler's container at the address the
      // scheduler is given, with the config Compose started it with; only ROUTER_PORT published.
      const routerId = (await compose('ps', '-q', 'router')).stdout.trim();
      expect(routerId).not.toBe('');
      const router = await docker.getContainer(routerId).inspect();
      expect(router.State.Running).toBe(true);
      expect(router.Config.Image).toBe('draas/caddy:local');
      expect(router.NetworkSettings.Ports['2019/tcp'] ?? null).toBeNull();
      expect(router.NetworkSettings.Ports[`${routerPort}/tcp`]?.[0]?.HostPort).toBe(String(routerPort));
      const schedulerEnv = (await compose('exec', '-T', 'scheduler', 'node', '-p', 'process.env.ROUTER_ADMIN_URLS')).stdout.trim();
      expect(schedulerEnv).toBe('http://router:2019');
      const adminConfig = await waitFor('the router\'s admin API from the scheduler\'s container', async () => {
        const { stdout } = await compose('exec', '-T', 'scheduler', 'node', '-e',
          "fetch(process.env.ROUTER_ADMIN_URLS + '/config/', { signal: AbortSignal.timeout(5000) }).then(async (r) => { if (!r.ok) process.exit(1); console.log(await r.text()); })");
        return JSON.parse(stdout) as { admin?: { listen?: string }; storage?: { root?: string } };
      }, 30_000, 500);
      expect(adminConfig).toMatchObject({ admin: { listen: '0.0.0.0:2019' }, storage: { root: '/data/caddy' } });

      const zip = makeZip([
        { name: 'Dockerfile', data: 'FROM draas/busybox:local\nEXPOSE 8080\nCMD ["sh", "-c", "mkdir -p /tmp/w && echo through-compose > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w"]\n' },
      ]);
      const res = await api('/api/deployments', { method: 'POST', body: zipForm(zip, { name: 'composed' }) });
      expect(res.status).toBe(202);
      const created = DeploymentView.parse(await res.json());
      image = `draas/composed:${created.id}`;
      const running = await waitFor('the upload to run', async () => {
        const d = DeploymentView.parse(await (await api(`/api/deployments/${created.id}`)).json());
        if (d.status === 'failed') throw new Error(`deployment failed: ${d.error}`);
        return d.status === 'running' ? d : null;
      }, 120_000, 250);
      expect(running.instances[0]?.agentId).toBe(agentId);
      await answers(running.urls[0] as string, 'through-compose');
    } finally {
      await compose('down', '-v').catch((err: Error) => console.error(`docker-compose down: ${err.message}`));
      const left = await docker.listContainers({ all: true, filters: { label: [`${Labels.agent}=${agentId}`] } });
      await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
      if (image) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
    }
  }, 900_000);
});
