// Hostile input and who may do what: every case gets a clear 4xx that says what to fix, enqueues
// nothing, leaves no temp file, and the system keeps working (a normal deploy right after).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { ApiErrorBody, bullPrefix, DeploymentView, Labels, QueueNames } from '@draas/queue-contracts';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../scripts/local-redis.js';
import { answers, buildTestImage, docker, removeTestImage, startCluster, tickerDockerfile, waitFor, zipFolder, zipForm, type Cluster } from './harness.js';
import { makeZip, type ZipEntry } from './zip-fixtures.js';

const infraMissing = inject('infraMissing');
const READ_TOKEN = `read-${randomBytes(12).toString('hex')}`;
const MiB = 1024 ** 2;
const dockerfile: ZipEntry = { name: 'Dockerfile', data: 'FROM draas/busybox:local\n' };

describe.skipIf(infraMissing !== null)('security and hostile input', () => {
  let cluster: Cluster;
  let build: Queue;
  const image = `draas-test/secure:${randomBytes(4).toString('hex')}`;
  const uploads = () => path.join(cluster.dataDir, 'scheduler/uploads');
  const builds = () => path.join(cluster.dataDir, 'scheduler/builds');

  beforeAll(async () => {
    await buildTestImage(image, `${tickerDockerfile('secure-page')}\nLABEL ${Labels.deployment}=forged ${Labels.agent}=forged`);
    cluster = await startCluster(inject('redisUrl'), {
      DRAAS_READ_TOKENS: READ_TOKEN,
      MAX_UPLOAD_BYTES: '2m',
      MAX_UNPACKED_BYTES: '8m',
      MAX_ARCHIVE_ENTRIES: '50',
      IMAGE_RETENTION_SECONDS: '0',
      BUILD_TIMEOUT_SECONDS: '10',
    });
    await cluster.startAgent('guarded', { AGENT_MEMORY: '2g', AGENT_CPUS: '4', AGENT_REMOVE_ENDED_AFTER_SECONDS: '0' });
    build = new Queue(QueueNames.build, { connection: cluster.redis, prefix: bullPrefix(cluster.prefix) });
  });
  afterAll(async () => {
    await build?.close();
    await cluster?.close();
    await removeTestImage(image);
  });

  /** Sends a request, expects a 4xx with a message matching, and that nothing was recorded or left behind. */
  async function refused(init: RequestInit & { path?: string }, status: number, message: RegExp): Promise<void> {
    const before = { jobs: await build.getJobCounts(), deployments: (await cluster.json<{ deployments: unknown[] }>('/api/deployments')).deployments.length };
    const res = await cluster.api(init.path ?? '/api/deployments', { method: 'POST', ...init });
    const text = await res.text();
    expect(res.status, text).toBe(status);
    expect(ApiErrorBody.parse(JSON.parse(text)).error.message).toMatch(message);
    expect(await build.getJobCounts()).toEqual(before.jobs);
    expect((await cluster.json<{ deployments: unknown[] }>('/api/deployments')).deployments).toHaveLength(before.deployments);
    expect(readdirSync(uploads())).toEqual([]);
    expect(readdirSync(builds())).toEqual([]);
  }
  const zipPost = (zip: Buffer, fields: Record<string, string> = {}) => ({ body: zipForm(zip, fields) });
  const jsonPost = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  describe('archives', () => {
    const zeros = (bytes: number) => Buffer.alloc(bytes);
    const innerBomb = makeZip(Array.from({ length: 4 }, (_, i) => ({ name: `z${i}`, data: zeros(3 * MiB), deflate: true })));
    const validZip = makeZip([dockerfile, { name: 'index.html', data: 'hello' }]);
    it.each([
      { name: 'not a ZIP', zip: Buffer.from('%PDF-1.4 not a zip'), status: 400, message: /not a readable ZIP archive/ },
      { name: 'a truncated ZIP', zip: validZip.subarray(0, validZip.length - 30), status: 400, message: /not a readable ZIP archive/ },
      { name: 'a ../ entry', zip: makeZip([dockerfile, { name: 'app/../../x', data: 'x' }]), status: 400, message: /contains "\.\."/ },
      { name: 'an absolute path', zip: makeZip([dockerfile, { name: '/root/.ssh/authorized_keys', data: 'x' }]), status: 400, message: /absolute path/ },
      { name: 'a symlink pointing outside', zip: makeZip([dockerfile, { name: 'etc', data: '../../../etc', mode: 0o120777 }]), status: 400, message: /points outside the archive/ },
      { name: 'a device file', zip: makeZip([dockerfile, { name: 'sda', mode: 0o060660 }]), status: 400, message: /device, socket or pipe/ },
      { name: 'a flat ZIP bomb', zip: makeZip([dockerfile, { name: 'zeros', data: zeros(6 * MiB), deflate: true }]), status: 400, message: /expands \d+× .*ZIP bomb/ },
      { name: 'a nested ZIP bomb', zip: makeZip([dockerfile, { name: 'inner.zip', data: innerBomb }]), status: 400, message: /nested ZIP bomb/ },
      {
        name: 'entries sharing their data',
        zip: makeZip([dockerfile, { name: 'a', data: 'x'.repeat(1000) }, { name: 'b', sameDataAs: 1 }, { name: 'c', sameDataAs: 1 }]),
        status: 400,
        message: /share their data; this looks like a ZIP bomb/,
      },
      { name: 'no Dockerfile', zip: makeZip([{ name: 'src/index.js', data: 'x' }]), status: 400, message: /no Dockerfile found/ },
      { name: 'too many entries', zip: makeZip([dockerfile, ...Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, data: 'x' }))]), status: 400, message: /61 entries, over the limit of 50/ },
      { name: 'too big unpacked', zip: makeZip([dockerfile, { name: 'big1', data: randomBytes(1.5 * MiB) }, { name: 'big2', data: zeros(7 * MiB), deflate: true }]), status: 400, message: /unpacks to more than 8388608 bytes|expands/ },
      { name: 'too big an upload', zip: makeZip([dockerfile, { name: 'big', data: randomBytes(3 * MiB) }]), status: 413, message: /larger than the limit of 2097152 bytes \(MAX_UPLOAD_BYTES\)/ },
    ])('$name', async ({ zip, status, message }) => {
      await refused(zipPost(zip), status, message);
    });

    it('removes the partial file of a client that disconnects mid-upload', async () => {
      const url = new URL('/api/deployments', cluster.url);
      const boundary = 'draas-test-boundary';
      const req = request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${cluster.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      req.on('error', () => undefined); // we cut it ourselves
      req.write(`--${boundary}\r\ncontent-disposition: form-data; name="archive"; filename="app.zip"\r\ncontent-type: application/zip\r\n\r\n`);
      req.write(randomBytes(512 * 1024));
      await waitFor('the partial upload to reach the disk', async () => readdirSync(uploads()).length > 0, 10_000, 50);
      req.destroy();
      await waitFor('the partial upload to be removed', async () => readdirSync(uploads()).length === 0, 10_000, 50);
      expect((await cluster.json<{ deployments: unknown[] }>('/api/deployments')).deployments).toHaveLength(0);
    });
  });

  describe('requests', () => {
    it.each<{ name: string; init: RequestInit & { path?: string }; status: number; message: RegExp }>([
      { name: 'malformed JSON', init: { headers: { 'content-type': 'application/json' }, body: '{"image": "x",' }, status: 400, message: /the body is not valid JSON/ },
      { name: 'a JSON array', init: jsonPost([1, 2]), status: 400, message: /must be a JSON object/ },
      { name: 'the wrong content type', init: { headers: { 'content-type': 'text/xml' }, body: '<x/>' }, status: 415, message: /multipart\/form-data/ },
      { name: 'an unknown field', init: jsonPost({ image, privileged: true }), status: 400, message: /Unrecognized key: "privileged"/ },
      { name: 'a name that is not a DNS label', init: jsonPost({ image, name: 'My App!' }), status: 400, message: /name: a name is 1–63 lowercase/ },
      { name: 'an invalid env key', init: jsonPost({ image, env: { 'BAD KEY': 'x' } }), status: 400, message: /env key "BAD KEY" must be letters/ },
      { name: 'too many env keys', init: jsonPost({ image, env: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`K${i}`, 'v'])) }), status: 400, message: /at most 100 env variables/ },
      { name: 'an env value too big', init: jsonPost({ image, env: { BIG: 'x'.repeat(40_000) } }), status: 400, message: /env values are at most 32768 bytes/ },
      { name: 'port 0', init: jsonPost({ image, ports: [0] }), status: 400, message: /port "0" must be 1–65535/ },
      { name: 'port 70000', init: jsonPost({ image, ports: ['70000/tcp'] }), status: 400, message: /port "70000\/tcp" must be 1–65535/ },
      { name: 'more memory than any agent offers', init: jsonPost({ image, memory: '64g' }), status: 400, message: /memory 64g is more than any agent offers \(the largest offers 2g\)/ },
      { name: 'more CPUs than any agent offers', init: jsonPost({ image, cpus: 16 }), status: 400, message: /cpus 16 is more than any agent offers \(the largest offers 4\)/ },
      { name: 'an image reference with shell in it', init: jsonPost({ image: 'nginx; rm -rf /' }), status: 400, message: /an image is a Docker reference/ },
      { name: 'a malformed id', init: { method: 'GET', path: '/api/deployments/..%2F..%2Fetc' }, status: 400, message: /is not a deployment id/ },
      { name: 'an id too long', init: { method: 'GET', path: `/api/deployments/${'a'.repeat(300)}` }, status: 400, message: /is not a deployment id/ },
      { name: 'an unknown query parameter', init: { method: 'GET', path: '/api/deployments?limt=5' }, status: 400, message: /query: Unrecognized key: "limt"/ },
      { name: 'a bad limit', init: { method: 'GET', path: '/api/deployments?limit=-1' }, status: 400, message: /query: limit: must be a whole number/ },
      { name: 'a bad Last-Event-ID', init: { method: 'GET', path: '/api/deployments/abcdefabcdef/logs', headers: { 'last-event-id': '$(reboot)' } }, status: 400, message: /Last-Event-ID/ },
    ])('$name', async ({ init, status, message }) => {
      await refused(init, status, message);
    });

    it('answers 431 to huge headers and keeps serving', async () => {
      const res = await fetch(`${cluster.url}/healthz`, { headers: { 'x-filler': 'y'.repeat(32 * 1024) } }).catch((err: Error) => err);
      expect(res instanceof Error ? 'closed' : String(res.status)).toMatch(/431|closed/);
      expect((await fetch(`${cluster.url}/healthz`)).status).toBe(200);
    });

    it('keeps serving, with bounded memory, while 10,000 slow clients hold connections', async () => {
      const { port } = new URL(cluster.url);
      const sockets: Socket[] = [];
      const started = Date.now();
      try {
        for (let i = 0; i < 10_000 && Date.now() - started < 60_000; i++) {
          const socket = connect({ host: '127.0.0.1', port: Number(port) });
          socket.on('error', () => undefined); // the server may cut slow clients: that is the point
          socket.write('GET /api/deployments HTTP/1.1\r\nHost: x\r\nX-Slow: '); // and never finish the headers
          sockets.push(socket);
          if (i % 500 === 499) await new Promise((r) => setTimeout(r, 10));
        }
        expect(sockets.length).toBe(10_000);
        const t0 = Date.now();
        const health = await fetch(`${cluster.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        expect(health.status).toBe(200);
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(schedulerRssMiB(cluster)).toBeLessThan(400);
      } finally {
        for (const s of sockets) s.destroy();
      }
    }, 120_000);
  });

  describe('who may do what', () => {
    const routes: { method: string; path: string; body?: () => RequestInit; reads: boolean }[] = [
      { method: 'GET', path: '/api/deployments', reads: true },
      { method: 'GET', path: '/api/agents', reads: true },
      { method: 'GET', path: '/api/deployments/abcdefabcdef', reads: true },
      { method: 'GET', path: '/api/deployments/abcdefabcdef/logs', reads: true },
      { method: 'GET', path: '/api/deployments/abcdefabcdef/timeline', reads: true },
      { method: 'GET', path: '/agents', reads: true },
      { method: 'GET', path: '/deployments', reads: true },
      { method: 'GET', path: '/deployment_logs?deployment_id=abcdefabcdef', reads: true },
      { method: 'GET', path: '/dashboard', reads: true },
      { method: 'GET', path: '/admin/queues/api/queues', reads: true },
      { method: 'POST', path: '/api/deployments', body: () => jsonPost({ image, name: 'auth-table' }), reads: false },
      { method: 'POST', path: '/api/deployments/abcdefabcdef/cancel', reads: false },
      { method: 'DELETE', path: '/api/deployments/abcdefabcdef', reads: false },
      { method: 'POST', path: '/api/deployments/abcdefabcdef/redeploy', reads: false },
      { method: 'POST', path: '/api/admin/cleanup', reads: false },
      { method: 'POST', path: '/upload_code', body: () => zipPost(makeZip([dockerfile])), reads: false },
      { method: 'POST', path: '/cancel_deployment', body: () => jsonPost({ deployment_id: 'abcdefabcdef' }), reads: false },
      { method: 'PUT', path: '/admin/queues/api/queues/build/retry/failed', reads: false },
      // Agents download with a token good for one image; read-only tokens may not (images hold source).
      { method: 'GET', path: `/api/images/sha256:${'0'.repeat(64)}`, reads: false },
    ];
    const tokens = { none: null, wrong: 'wrong-token-0123456789', read: READ_TOKEN };

    it.each(routes)('$method $path', async ({ method, path: route, body, reads }) => {
      const call = async (token: string | null) => {
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        const init = body?.() ?? {};
        const res = await fetch(cluster.url + route, { method, ...init, headers: { ...headers, ...(init.headers as Record<string, string>) }, redirect: 'manual' });
        await res.body?.cancel();
        return res.status;
      };
      expect(await call(tokens.none)).toBe(401);
      expect(await call(tokens.wrong)).toBe(401);
      const asReader = await call(tokens.read);
      if (reads) expect([200, 404]).toContain(asReader);
      else expect(asReader).toBe(403);
      const asAdmin = await call(cluster.token);
      expect([401, 403]).not.toContain(asAdmin);
    });

    it('leaves only /healthz open, and sends browsers without a session to the login page', async () => {
      expect((await fetch(`${cluster.url}/healthz`)).status).toBe(200);
      const page = await fetch(`${cluster.url}/dashboard`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/login?next=%2Fdashboard');
    });

    it('logs in with the token into an HttpOnly, SameSite cookie', async () => {
      const res = await fetch(`${cluster.url}/login?next=%2Fdashboard`, { method: 'POST', body: new URLSearchParams({ token: cluster.token }), redirect: 'manual' });
      expect(res.status).toBe(303);
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/draas_session=/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      const session = cookie.split(';')[0] as string;
      expect((await fetch(`${cluster.url}/api/agents`, { headers: { cookie: session } })).status).toBe(200);
      // The cookie does not carry a change made from another site's page.
      const forged = await fetch(`${cluster.url}/api/deployments/abcdefabcdef/cancel`, { method: 'POST', headers: { cookie: session, origin: 'http://evil.example' } });
      expect(forged.status).toBe(403);
      expect(ApiErrorBody.parse(await forged.json()).error.message).toMatch(/cross-site request refused/);
      const sameSite = await fetch(`${cluster.url}/api/deployments/abcdefabcdef/cancel`, { method: 'POST', headers: { cookie: session, origin: new URL(cluster.url).origin } });
      expect(sameSite.status).toBe(404);
      const wrong = await fetch(`${cluster.url}/login`, { method: 'POST', body: new URLSearchParams({ token: 'nope-nope-nope-nope' }), redirect: 'manual' });
      expect(wrong.headers.get('set-cookie')).toBeNull();
    });
  });

  describe('containers and builds', () => {
    it('runs user containers with limits, without privileges, with labels the user cannot forge, and never shows env values', async () => {
      const created = await cluster.deployImage({ image, memory: '64m', cpus: 0.5, env: { API_SECRET: 'hunter2-do-not-leak' } });
      const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
      const info = await docker.getContainer(running.instances[0]?.containerId as string).inspect();
      expect(info.HostConfig).toMatchObject({ Memory: 64 * MiB, MemorySwap: 64 * MiB, NanoCpus: 500_000_000, PidsLimit: 512, Privileged: false, NetworkMode: 'bridge' });
      expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
      expect(info.HostConfig.Binds ?? []).toEqual([]);
      expect(info.HostConfig.CapAdd ?? []).toEqual([]);
      expect(info.HostConfig.PidMode ?? '').toBe('');
      expect(info.HostConfig.IpcMode).not.toBe('host');
      expect(info.Mounts).toEqual([]);
      // The image claims draas labels; the container's are the real ones.
      expect(info.Config.Labels[Labels.deployment]).toBe(created.id);
      expect(info.Config.Labels[Labels.agent]).toBe('guarded');
      expect(info.Config.Env).toContain('API_SECRET=hunter2-do-not-leak'); // the container gets it …
      // … and nobody else: not the API, not the logs of the scheduler or the agent.
      const answers_ = [
        await (await cluster.api('/api/deployments')).text(),
        await (await cluster.api(`/api/deployments/${created.id}`)).text(),
        await (await cluster.api(`/api/deployments/${created.id}/logs`)).text(),
        await (await cluster.api('/deployments')).text(),
        await (await cluster.api(`/deployment_logs?deployment_id=${created.id}`)).text(),
      ];
      for (const text of answers_) expect(text).not.toContain('hunter2');
      expect(cluster.scheduler.output.join('\n')).not.toContain('hunter2');
      expect(cluster.agents.get('guarded')?.output.join('\n')).not.toContain('hunter2');
      await answers(running.urls[0] as string, 'secure-page');
    });

    it('stops a build that runs past BUILD_TIMEOUT_SECONDS and fails the deployment', async () => {
      const started = Date.now();
      const created = await cluster.upload(makeZip([{ name: 'Dockerfile', data: 'FROM draas/busybox:local\nRUN sleep 60\n' }]), { name: 'endless' });
      const failed = await cluster.waitForDeployment(created.id, (d) => d.status === 'failed', 'failed', 40_000);
      expect(failed.error).toMatch(/the build took longer than 10 s and was stopped/);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(readdirSync(builds())).toEqual([]);
    });

    it('removes ended containers and the images of ended deployments by policy', async () => {
      const created = await cluster.upload(makeZip([{ name: 'Dockerfile', data: 'FROM draas/busybox:local\nCMD ["echo", "short-lived"]\n' }]), { name: 'short', restart: 'no' });
      const exited = await cluster.waitForDeployment(created.id, (d) => d.status === 'exited', 'exited');
      const containerId = exited.instances[0]?.containerId as string;
      // AGENT_REMOVE_ENDED_AFTER_SECONDS=0: the next reconcile pass (every 10 s) removes it.
      await waitFor('the ended container to be removed', async () => (await docker.listContainers({ all: true, filters: { id: [containerId] } })).length === 0, 30_000, 500);
      // IMAGE_RETENTION_SECONDS=0: the clean-up sweep removes its image.
      const swept = await cluster.json<{ images: string[] }>('/api/admin/cleanup', { method: 'POST' });
      expect(swept.images).toContain(`draas/short:${created.id}`);
      await expect(docker.getImage(`draas/short:${created.id}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });
  });

  it('still deploys normally after all of that', async () => {
    const created = DeploymentView.parse(await cluster.upload(await zipFolder(path.join(REPO_ROOT, 'examples/static-site')), { name: 'after-the-storm' }));
    const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
    await answers(running.urls[0] as string, 'Hello from DRaaS');
  });
});

describe.skipIf(infraMissing !== null)('DRAAS_AUTH=none', () => {
  it('lets anyone in, and warns loudly at start', async () => {
    const cluster = await startCluster(inject('redisUrl'), { DRAAS_AUTH: 'none' });
    try {
      expect((await fetch(`${cluster.url}/api/deployments`)).status).toBe(200);
      expect(cluster.scheduler.output.join('\n')).toMatch(/DRAAS_AUTH=none: the API, dashboard and Bull Board accept ANYONE/);
    } finally {
      await cluster.close();
    }
  });
});

function schedulerRssMiB(cluster: Cluster): number {
  const status = readFileSync(`/proc/${cluster.scheduler.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}
