// The router as a user meets it: a private Caddy (scripts/local-caddy.ts) configured only by
// RouterSync through its admin API, in front of two real busybox httpd containers. Requests go to
// 127.0.0.1:<router port> with the Host header of `<app>.localhost`, as curl would send them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caddyMissing, startLocalCaddy, type LocalCaddy } from '../../../../scripts/local-caddy.js';
import { freePort } from '../../../../scripts/local-redis.js';
import { buildTestImage, docker, removeTestImage, waitFor } from '../../../../test/harness.js';
import { RouterUnavailable } from '../errors.js';
import { CaddyAdmin } from './caddy-admin.js';
import { processSections } from './caddy-config.js';
import { RouterSync } from './router-sync.js';
import type { RoutedApp, RouterHttps } from './routing-table.js';

const missing = inject('infraMissing') ?? caddyMissing();
// Under CI a machine without Caddy fails this file instead of skipping it (as the global setup does
// for Redis and Docker).
if (missing !== null && process.env.CI === 'true') throw new Error(`CI=true and the router tests cannot run: ${missing}`);

const run = randomBytes(4).toString('hex');
const IMAGE = `draas-test-router:${run}`;

interface Upstream {
  name: string;
  container: Docker.Container;
  /** `127.0.0.1:<published port>`, read again after each start (Docker may pick another port). */
  dial: string;
}

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

describe.skipIf(missing !== null)('router: Caddy configured by RouterSync (real Caddy, real containers)', () => {
  let caddy: LocalCaddy;
  let caddyDir: string;
  let adminPort: number;
  let routerPort: number;
  let router: RouterSync;
  const upstreams: Upstream[] = [];

  const table = (apps: RoutedApp[], https: RouterHttps = 'off') => ({ domain: 'localhost', port: routerPort, https, apps });

  /** One request, as `curl -H 'Host: <host>' http://127.0.0.1:<router port>/` (new connection each time). */
  function get(host: string, tls?: { ca?: Buffer }): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const options = { host: '127.0.0.1', port: routerPort, path: '/', headers: { host: `${host}:${routerPort}` }, agent: false, timeout: 10_000 } as const;
      const req = tls ? https.request({ ...options, servername: host, ca: tls.ca }) : http.request(options);
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim(), contentType: String(res.headers['content-type'] ?? '') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${host} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** `count` requests one after the other, bounded in time too; every answer or error, in order. */
  async function requests(host: string, count: number, timeoutMs = 30_000): Promise<(Answer | Error)[]> {
    const deadline = Date.now() + timeoutMs;
    const answers: (Answer | Error)[] = [];
    for (let i = 0; i < count && Date.now() < deadline; i++) answers.push(await get(host).catch((err: Error) => err));
    return answers;
  }

  async function startUpstream(upstream: Pick<Upstream, 'name' | 'container'>): Promise<Upstream> {
    await upstream.container.start();
    const info = await upstream.container.inspect();
    const port = info.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort;
    if (!port) throw new Error(`container ${upstream.name} published no port`);
    const started = { ...upstream, dial: `127.0.0.1:${port}` };
    await waitFor(`upstream ${upstream.name} to answer`, async () => {
      const res = await fetch(`http://${started.dial}/`, { signal: AbortSignal.timeout(2000) });
      return (await res.text()).trim() === upstream.name;
    }, 15_000, 100);
    return started;
  }

  const bodies = (answers: (Answer | Error)[]) => answers.map((a) => (a instanceof Error ? `error: ${a.message}` : `${a.status} ${a.body}`));
  const a = () => upstreams[0] as Upstream;
  const b = () => upstreams[1] as Upstream;

  beforeAll(async () => {
    await buildTestImage(IMAGE, `FROM draas/busybox:local
EXPOSE 8080
CMD ["sh", "-c", "mkdir -p /tmp/www && echo \\"$NAME\\" > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]`);
    for (const name of ['a', 'b']) {
      const container = await docker.createContainer({
        name: `draas-router-test-${run}-${name}`,
        Image: IMAGE,
        Env: [`NAME=${name}`],
        Labels: { 'draas.test': 'true' },
        ExposedPorts: { '8080/tcp': {} },
        HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      });
      upstreams.push(await startUpstream({ name, container }));
    }
    caddyDir = mkdtempSync(path.join(os.tmpdir(), 'draas-test-caddy-'));
    adminPort = await freePort();
    routerPort = await freePort();
    caddy = await startLocalCaddy({ dataDir: caddyDir, adminPort });
    router = new RouterSync(new CaddyAdmin(caddy.adminUrl));
  });

  afterAll(async () => {
    await caddy?.stop();
    for (const upstream of upstreams) await upstream.container.remove({ force: true }).catch(() => undefined);
    await removeTestImage(IMAGE).catch(() => undefined);
    if (caddyDir) rmSync(caddyDir, { recursive: true, force: true });
  });

  it('answers web.localhost from both upstream containers in turn; the same table again loads nothing', async () => {
    expect(await router.sync(table([{ name: 'web', upstreams: [a().dial, b().dial] }]))).toEqual({ loaded: true });
    expect(await router.sync(table([{ name: 'web', upstreams: [b().dial, a().dial] }]))).toEqual({ loaded: false });
    const seen = bodies(await requests('web.localhost', 10));
    expect(seen.filter((s) => s === '200 a')).toHaveLength(5);
    expect(seen.filter((s) => s === '200 b')).toHaveLength(5);
    expect(seen.every((s, i) => i === 0 || s !== seen[i - 1])).toBe(true);
  });

  it('sends everything to the other upstream once one is taken out of the table', async () => {
    expect(await router.sync(table([{ name: 'web', upstreams: [b().dial] }]))).toEqual({ loaded: true });
    expect(bodies(await requests('web.localhost', 10))).toEqual(Array(10).fill('200 b'));
  });

  it('loses no request while a listed upstream is stopped: refused connections are retried on the other', async () => {
    await router.sync(table([{ name: 'web', upstreams: [a().dial, b().dial] }]));
    await a().container.kill();
    const answers = bodies(await requests('web.localhost', 200));
    expect(answers).toHaveLength(200);
    expect(answers.filter((s) => s !== '200 b')).toEqual([]);
    upstreams[0] = await startUpstream(a());
  });

  it('answers 503 for an app with no upstream and 404 for a name no app has, in plain text', async () => {
    const routes = table([{ name: 'web', upstreams: [a().dial, b().dial] }, { name: 'api', upstreams: [] }]);
    expect(await router.sync(routes)).toEqual({ loaded: true });
    expect(await router.sync(routes)).toEqual({ loaded: false });
    const api = await get('api.localhost');
    expect(api).toMatchObject({ status: 503, body: 'no instance of api is ready to answer' });
    expect(api.contentType).toMatch(/^text\/plain/);
    const unknown = await get('nope.localhost');
    expect(unknown).toMatchObject({ status: 404, body: 'no app answers at nope.localhost' });
    expect(unknown.contentType).toMatch(/^text\/plain/);
  });

  it('gives a Caddy that restarted empty its routes back on the next sync', async () => {
    const routes = table([{ name: 'web', upstreams: [a().dial, b().dial] }]);
    await router.sync(routes);
    await caddy.stop();
    caddy = await startLocalCaddy({ dataDir: caddyDir, adminPort });
    await expect(get('web.localhost')).rejects.toThrow(/ECONNREFUSED/);
    expect(await router.sync(routes)).toEqual({ loaded: true });
    expect(new Set(bodies(await requests('web.localhost', 4)))).toEqual(new Set(['200 a', '200 b']));
  });

  it('reports a config Caddy refuses, with Caddy\'s message, and keeps serving the routes it had', async () => {
    await router.sync(table([{ name: 'web', upstreams: [a().dial, b().dial] }]));
    const admin = new CaddyAdmin(caddy.adminUrl);
    const current = processSections(await admin.getConfig());
    const refused = admin.load({ ...current, apps: { http: { servers: { bad: { listen: ['not-an-address'] } } } } });
    await expect(refused).rejects.toThrow(RouterUnavailable);
    await expect(refused).rejects.toThrow(new RegExp(`^router at ${caddy.adminUrl}: POST /load answered 400: .*not-an-address`));
    expect((await get('web.localhost')).status).toBe(200);

    const nobody = new CaddyAdmin(`http://127.0.0.1:${await freePort()}`);
    await expect(nobody.getConfig()).rejects.toThrow(/GET \/config\/ failed: .*ECONNREFUSED/);
  });

  it('serves HTTPS from Caddy\'s internal CA with https: internal', async () => {
    const routes = table([{ name: 'web', upstreams: [a().dial, b().dial] }], 'internal');
    expect(await router.sync(routes)).toEqual({ loaded: true });
    expect(await router.sync(routes)).toEqual({ loaded: false });
    const root = path.join(caddyDir, 'pki/authorities/local/root.crt');
    const answer = await waitFor('web.localhost to answer over TLS', async () => {
      const ca = readFileSync(root);
      return get('web.localhost', { ca });
    }, 15_000, 200);
    expect(answer.status).toBe(200);
    expect(['a', 'b']).toContain(answer.body);
    // Trusted only through that root: without it the certificate is refused.
    await expect(get('web.localhost', {})).rejects.toThrow(/certificate/);
  });
});
