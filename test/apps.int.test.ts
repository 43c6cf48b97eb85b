// Apps as their users meet them (docs/ARCHITECTURE.md, Apps): one address through a real Caddy, new
// versions rolled out, a failed version, scale, rollback and a killed instance — while a client
// keeps requesting through the router and counts every failed request.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppView, type AppList } from '@draas/queue-contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caddyMissing, connectionMigrationOff, startLocalCaddy, type LocalCaddy } from '../scripts/local-caddy.js';
import { freePort, REPO_ROOT } from '../scripts/local-redis.js';
import { buildTestImage, docker, removeTestImage, startCluster, waitFor, type Cluster } from './harness.js';

const missing = inject('infraMissing') ?? caddyMissing();
if (missing !== null && process.env.CI === 'true') throw new Error(`CI=true and the apps tests cannot run: ${missing}`);
// The zero-failed-requests promise holds on a machine set up as scripts/install-deps.sh sets it up.
const migration = connectionMigrationOff();
if (migration !== null && process.env.CI === 'true') throw new Error(`CI=true and the router may reset connections at route changes: ${migration}`);

const IMAGE = `draas-test/app:${randomBytes(4).toString('hex')}`;
/** busybox httpd on 8080 answering `$PAGE`; /healthz exists unless HEALTHY=no. SIGTERM ends it at once. */
const DOCKERFILE = `FROM draas/busybox:local
EXPOSE 8080
CMD ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /tmp/www && echo \\"$PAGE\\" > /tmp/www/index.html && if [ \\"$HEALTHY\\" != no ]; then echo ok > /tmp/www/healthz; fi; httpd -p 8080 -h /tmp/www; while true; do sleep 0.2; done"]`;

const draas = path.join(REPO_ROOT, 'node_modules/.bin/draas');

/** `draas <args>` as a user runs it; its exit code, stdout and stderr, whether it succeeded or not. */
async function cli(cluster: Cluster, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DRAAS_URL: cluster.url, DRAAS_TOKEN: cluster.token, NO_COLOR: '1' };
  try {
    const { stdout, stderr } = await promisify(execFile)(draas, args, { env, timeout: 180_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface Tally {
  ok: number;
  failed: string[];
  /** When each failed request was sent (ms). */
  failedAt: number[];
  /** Bodies in the order they came, runs of the same body collapsed. */
  bodies: string[];
}

describe.skipIf(missing !== null)('apps: one address, rollouts with zero failed requests (real Caddy, Docker, Redis)', () => {
  let cluster: Cluster;
  let caddy: LocalCaddy;
  let caddyDir: string;
  let routerPort: number;
  let folders: string;

  /** A folder a user would deploy: a Dockerfile on the test image with its page. */
  const folder = (page: string) => {
    const dir = path.join(folders, page);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${IMAGE}\nENV PAGE=${page}\n`);
    return dir;
  };
  const deployFolder = (page: string, ...flags: string[]) =>
    cli(cluster, ['deploy', folder(page), '--name', 'web', '-p', '8080', '--health-path', '/healthz', '--health-interval', '300ms', ...flags]);

  const app = async (name = 'web') => AppView.parse(await cluster.json(`/api/apps/${name}`));
  const waitApp = (what: string, done: (a: AppView) => boolean, timeoutMs = 60_000) =>
    waitFor(`app web ${what}`, async () => {
      const a = await app();
      return done(a) ? a : null;
    }, timeoutMs, 200);

  /**
   * One GET through the router. `keepAlive`: on a kept-alive connection, as browsers send them; like
   * them (and Go's client, and as Node's documentation advises) it is sent again, once, when the
   * connection it reused turns out closed before any answer — which happens when Caddy loads a new
   * config and closes its idle connections. Otherwise on a new connection, as curl does: never sent twice.
   */
  const keptAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });
  async function get(host = 'web.localhost', keepAlive = false): Promise<{ status: number; body: string }> {
    try {
      return await getOnce(host, keepAlive);
    } catch (err) {
      // Once more on a new connection: another idle one in the pool may have been closed as well.
      if (keepAlive && (err as { reusedSocket?: boolean }).reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') return getOnce(host, false);
      throw err;
    }
  }
  function getOnce(host: string, keepAlive: boolean): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const agent = keepAlive ? keptAlive : false;
      const req = http.request({ host: '127.0.0.1', port: routerPort, path: '/', headers: { host: `${host}:${routerPort}` }, agent, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end();
    });
  }

  /** Requests all the time (one client on new connections, one on kept-alive ones) until `during` ends; bounded to 3 minutes and 200,000 requests. */
  async function whileRequesting(during: () => Promise<unknown>): Promise<Tally> {
    const tally: Tally = { ok: 0, failed: [], failedAt: [], bodies: [] };
    let stop = false;
    const deadline = Date.now() + 180_000;
    const loop = async (keepAlive: boolean) => {
      while (!stop && Date.now() < deadline && tally.ok + tally.failed.length < 200_000) {
        const sentAt = Date.now();
        const answer = await get('web.localhost', keepAlive).catch((err: Error) => ({ status: 0, body: `${keepAlive ? 'kept-alive' : 'new'} connection: ${err.message}` }));
        if (answer.status === 200) {
          tally.ok++;
          if (tally.bodies.at(-1) !== answer.body) tally.bodies.push(answer.body);
        } else {
          tally.failed.push(`${answer.status} ${answer.body}`.slice(0, 200));
          tally.failedAt.push(sentAt);
        }
      }
    };
    const loops = [loop(false), loop(true)];
    try {
      await during();
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    return tally;
  }

  beforeAll(async () => {
    await buildTestImage(IMAGE, DOCKERFILE);
    caddyDir = mkdtempSync(path.join(os.tmpdir(), 'draas-test-apps-caddy-'));
    folders = mkdtempSync(path.join(os.tmpdir(), 'draas-test-apps-src-'));
    caddy = await startLocalCaddy({ dataDir: caddyDir, adminPort: await freePort() });
    routerPort = await freePort();
    cluster = await startCluster(inject('redisUrl'), { ROUTER_ADMIN_URLS: caddy.adminUrl, ROUTER_PORT: String(routerPort), DRAIN_MS: '1000' });
    await cluster.startAgent('left');
    await cluster.startAgent('right');
  }, 120_000);

  afterAll(async () => {
    if (process.env.DEBUG_APPS) console.log(cluster.scheduler.output.filter((l) => /router|warn|error|rollout/.test(l)).join('\n'));
    keptAlive.destroy();
    if (folders) rmSync(folders, { recursive: true, force: true });
    if (process.env.DEBUG_APPS) console.log(cluster.scheduler.output.filter((l) => /router|warn|error/.test(l)).join('\n'));
    await cluster?.close();
    await caddy?.stop();
    if (caddyDir) rmSync(caddyDir, { recursive: true, force: true });
    await removeTestImage(IMAGE);
  });

  it('serves v1 (deployed with the CLI) at its address, then rolls v2 out instance by instance with no failed request', async () => {
    const v1 = await deployFolder('page-v1', '--replicas', '2');
    expect(v1.code, v1.stderr).toBe(0);
    // The address first, once the rollout is done.
    const address = `http://web.localhost:${routerPort}/`;
    expect(v1.stdout).toContain(address);
    expect(v1.stdout.indexOf(address)).toBeLessThan(v1.stdout.indexOf('✔'));
    const first = await waitApp('serving v1 on two healthy instances', (a) => a.current === 1 && a.healthy === 2);
    expect(first.address).toBe(address);
    expect(first.status).toBe('running');
    expect(new Set(first.instances.map((i) => i.agentId))).toEqual(new Set(['left', 'right']));
    expect(await get()).toEqual({ status: 200, body: 'page-v1' });

    const tally = await whileRequesting(async () => {
      const v2 = await deployFolder('page-v2');
      expect(v2.code, v2.stderr).toBe(0);
      await waitApp('serving v2', (a) => a.current === 2 && a.target === null && a.healthy === 2 && a.instances.every((i) => i.version === 2 && !i.retiring));
    });
    expect(tally.failed, tally.failed.join(' | ')).toEqual([]);
    expect(tally.ok).toBeGreaterThan(20);
    expect(tally.bodies[0]).toBe('page-v1');
    expect(tally.bodies.at(-1)).toBe('page-v2');
    const after = await app();
    expect(after.versions.map((v) => [v.version, v.state])).toEqual([[2, 'serving'], [1, 'replaced']]);
    expect(await get()).toEqual({ status: 200, body: 'page-v2' });
  }, 180_000);

  it('fails a v3 that never turns healthy: v2 keeps serving, the CLI says why and exits non-zero, no failed request', async () => {
    const tally = await whileRequesting(async () => {
      const v3 = await cli(cluster, ['deploy', '--image', IMAGE, '--name', 'web', '-e', 'PAGE=page-v3', '-e', 'HEALTHY=no', '-p', '8080', '--health-path', '/healthz', '--health-interval', '300ms', '--health-deadline', '6s']);
      expect(v3.code).not.toBe(0);
      expect(`${v3.stdout}${v3.stderr}`).toMatch(/health check \/healthz answered 404/);
      expect(`${v3.stdout}${v3.stderr}`).toMatch(/v2 still serves/);
      await waitApp('failing v3', (a) => a.versions.some((v) => v.version === 3 && v.state === 'failed') && a.instances.every((i) => i.version === 2));
    });
    expect(tally.failed, tally.failed.join(' | ')).toEqual([]);
    expect(tally.bodies).toEqual(['page-v2']);
    const after = await app();
    expect(after.current).toBe(2);
    expect(after.status).toBe('running');
    expect(after.versions.find((v) => v.version === 3)?.reason).toMatch(/^not healthy within 6 s: health check \/healthz answered 404/);
    // Its containers are gone.
    await waitFor('v3 containers to go', async () => {
      const v3 = after.versions.find((v) => v.version === 3)?.deploymentId as string;
      return (await docker.listContainers({ filters: { label: [`draas.deployment=${v3}`] } })).length === 0;
    }, 30_000);
  }, 120_000);

  it('scales 2 → 4 → 1 with no failed request', async () => {
    const tally = await whileRequesting(async () => {
      await cluster.json('/api/apps/web/scale', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"replicas":4}' });
      await waitApp('on four healthy instances', (a) => a.healthy === 4);
      await cluster.json('/api/apps/web/scale', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"replicas":1}' });
      await waitApp('on one instance', (a) => a.healthy === 1 && a.instances.length === 1);
    });
    expect(tally.failed, tally.failed.join(' | ')).toEqual([]);
    expect((await app()).replicas).toBe(1);
  }, 120_000);

  it('rolls back to v1 (the version before the current one that ran healthy) with no failed request', async () => {
    const tally = await whileRequesting(async () => {
      const answer = AppView.parse(await cluster.json('/api/apps/web/rollback', { method: 'POST' }));
      expect(answer.target).toBe(4);
      await waitApp('serving v4', (a) => a.current === 4 && a.target === null && a.instances.every((i) => i.version === 4 && !i.retiring));
    });
    expect(tally.failed, tally.failed.join(' | ')).toEqual([]);
    expect(tally.bodies.at(-1)).toBe('page-v1');
    expect((await app()).versions[0]).toMatchObject({ version: 4, rollbackOf: 1, state: 'serving' });
  }, 120_000);

  it('loses no request sent after one instance of two is killed with docker kill', async () => {
    await cluster.json('/api/apps/web/scale', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"replicas":2}' });
    const two = await waitApp('on two healthy instances', (a) => a.healthy === 2);
    const victim = two.instances.find((i) => i.serving && !i.retiring);
    let killedAt = 0;
    const tally = await whileRequesting(async () => {
      const [container] = await docker.listContainers({ filters: { label: [`draas.deployment=${victim?.deploymentId}`, `draas.instance=${victim?.index}`] } });
      await docker.getContainer(container?.Id as string).kill();
      killedAt = Date.now();
      await waitApp('replacing the killed instance', (a) => a.healthy === 2 && a.instances.some((i) => i.index === victim?.index && i.attempt > (victim?.attempt ?? 0)));
    });
    // A response the killed container was in the middle of sending is lost with it (no proxy can send
    // again what it already began to answer): at most one per client in flight at that instant. Every
    // request sent once the container was dead is answered, by the survivor, then by both again.
    expect(tally.failedAt.filter((t) => t >= killedAt), tally.failed.join(' | ')).toEqual([]);
    expect(tally.failed.length).toBeLessThanOrEqual(2);
    expect(tally.ok).toBeGreaterThan(10);
  }, 120_000);

  it('lists apps, and destroying one frees its name and its address', async () => {
    const list = (await cluster.json<AppList>('/api/apps')).apps;
    expect(list.map((a) => a.name)).toEqual(['web']);
    const destroyed = await cluster.json<{ name: string; stopped: number }>('/api/apps/web', { method: 'DELETE' });
    expect(destroyed.name).toBe('web');
    await waitFor('the address to answer 404', async () => (await get()).status === 404, 15_000);
    expect((await cluster.api('/api/apps/web')).status).toBe(404);
    await waitFor('every container of the app to go', async () => (await docker.listContainers({ filters: { label: [`draas.agent=left`] } })).length === 0, 30_000);
  }, 60_000);
});

describe.skipIf(missing !== null)('apps over HTTPS from Caddy\'s internal CA (ROUTER_HTTPS=internal)', () => {
  let cluster: Cluster;
  let caddy: LocalCaddy;
  let caddyDir: string;
  let routerPort: number;

  beforeAll(async () => {
    await buildTestImage(IMAGE, DOCKERFILE);
    caddyDir = mkdtempSync(path.join(os.tmpdir(), 'draas-test-apps-tls-'));
    caddy = await startLocalCaddy({ dataDir: caddyDir, adminPort: await freePort() });
    routerPort = await freePort();
    cluster = await startCluster(inject('redisUrl'), { ROUTER_ADMIN_URLS: caddy.adminUrl, ROUTER_PORT: String(routerPort), ROUTER_HTTPS: 'internal' });
    await cluster.startAgent('tls');
  }, 120_000);

  afterAll(async () => {
    if (process.env.DEBUG_APPS) console.log(cluster.scheduler.output.filter((l) => /router|warn|error/.test(l)).join('\n'));
    await cluster?.close();
    await caddy?.stop();
    if (caddyDir) rmSync(caddyDir, { recursive: true, force: true });
    await removeTestImage(IMAGE);
  });

  it('gives the app an https address that answers, trusted through the CA root Caddy keeps', async () => {
    await cluster.deployImage({ image: IMAGE, app: 'secure', env: { PAGE: 'over-tls' }, ports: ['8080'] });
    const view = await waitFor('app secure to serve', async () => {
      const a = AppView.parse(await cluster.json('/api/apps/secure'));
      return a.healthy === 1 ? a : null;
    }, 60_000, 200);
    expect(view.address).toBe(`https://secure.localhost:${routerPort}/`);
    const ca = () => readFileSync(path.join(caddyDir, 'pki/authorities/local/root.crt'));
    const get = (trust: Buffer | undefined) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = https.request(
          { host: '127.0.0.1', port: routerPort, path: '/', servername: 'secure.localhost', headers: { host: `secure.localhost:${routerPort}` }, ca: trust, agent: false, timeout: 10_000 },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
          },
        );
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.end();
      });
    // The routers get the instance at the watcher's next pass, a moment after the API says healthy.
    const answer = await waitFor('the app to answer over TLS', async () => {
      const got = await get(ca()).catch(() => null);
      return got?.status === 200 ? got : null;
    }, 20_000, 200);
    expect(answer).toEqual({ status: 200, body: 'over-tls' });
    await expect(get(undefined)).rejects.toThrow(/certificate/);
  }, 120_000);
});
