// The main path end to end, as a user sees it: upload → build → placement → agent → container → URL.
// Real Redis, real Docker, the scheduler and agents as separate processes.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ApiErrorBody, bullPrefix, DeploymentView, QueueNames } from '@draas/queue-contracts';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../scripts/local-redis.js';
import { answers, startCluster, zipFolder, zipForm, type Cluster } from './harness.js';
import { makeZip } from './zip-fixtures.js';

const infraMissing = inject('infraMissing');


describe.skipIf(infraMissing !== null)('deploying', () => {
  let cluster: Cluster;
  let builtImage = '';

  beforeAll(async () => {
    cluster = await startCluster(inject('redisUrl'));
    await cluster.startAgent('alpha', { AGENT_LABELS: 'zone=eu' });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  async function upload(zip: Buffer, fields: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const res = await cluster.api('/api/deployments', { method: 'POST', body: zipForm(zip, fields) });
    return { status: res.status, body: await res.json() };
  }

  const deployImage = (body: Record<string, unknown>) => cluster.deployImage(body);

  it('runs an uploaded example ZIP and its URL serves the page', async () => {
    const { status, body } = await upload(await zipFolder(path.join(REPO_ROOT, 'examples/static-site')), { name: 'static-site', env: '{"SECRET":"s3cr3t-value"}' });
    expect(status).toBe(202);
    const created = DeploymentView.parse(body);
    expect(created.status).toBe('queued');

    const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running' || d.status === 'failed', 'running');
    expect(running.error).toBeNull();
    expect(running.status).toBe('running');
    expect(running.image).toBe(`draas/static-site:${created.id}`);
    expect(running.instances).toHaveLength(1);
    const [instance] = running.instances;
    expect(instance).toMatchObject({ index: 0, agentId: 'alpha', status: 'running', attempt: 1 });
    expect(instance?.ports).toContainEqual(expect.objectContaining({ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }));
    expect(running.urls).toHaveLength(1);
    await answers(running.urls[0] as string, 'Hello from DRaaS');

    // The build's own output is the deployment's build log; env values never come back.
    const logs = (await cluster.json<{ lines: { phase: string; line: string }[] }>(`/api/deployments/${created.id}/logs`)).lines;
    expect(logs.filter((l) => l.phase === 'build').map((l) => l.line)).toContain(`Successfully tagged draas/static-site:${created.id}`);
    expect(JSON.stringify(running)).not.toContain('s3cr3t-value');
    expect(running.envKeys).toEqual(['SECRET']);
    builtImage = running.image as string;
  });

  it('runs an image deployment', async () => {
    expect(builtImage).not.toBe('');
    const created = await deployImage({ image: builtImage, name: 'by-image' });
    const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
    expect(running.source).toBe('image');
    await answers(running.urls[0] as string, 'Hello from DRaaS');
  });

  it('runs a batch of image deployments from one request, and refuses a batch with a bad item whole', async () => {
    const post = (body: unknown) => cluster.api('/api/deployments/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const before = (await cluster.json<{ deployments: unknown[] }>('/api/deployments?limit=1000')).deployments.length;
    const bad = await post({ deployments: [{ image: builtImage }, { image: builtImage, replicas: 0 }] });
    expect(bad.status).toBe(400);
    expect(ApiErrorBody.parse(await bad.json()).error.message).toMatch(/^deployments\[1\]: .*replicas/);
    expect((await cluster.json<{ deployments: unknown[] }>('/api/deployments?limit=1000')).deployments.length).toBe(before);

    const res = await post({ deployments: [{ image: builtImage, name: 'batch-a' }, { image: builtImage, name: 'batch-b' }, { image: builtImage, name: 'batch-c' }] });
    expect(res.status).toBe(202);
    const { deployments } = (await res.json()) as { deployments: DeploymentView[] };
    expect(deployments.map((d) => d.name)).toEqual(['batch-a', 'batch-b', 'batch-c']);
    for (const d of deployments) {
      const running = await cluster.waitForDeployment(d.id, (x) => x.status === 'running', 'running');
      await answers(running.urls[0] as string, 'Hello from DRaaS');
    }
  });

  it('spreads replicas: 2 over two agents', async () => {
    await cluster.startAgent('beta');
    const created = await deployImage({ image: builtImage, replicas: 2 });
    const running = await cluster.waitForDeployment(created.id, (d) => d.instances.length === 2 && d.instances.every((i) => i.status === 'running'), 'running on two agents');
    expect(new Set(running.instances.map((i) => i.agentId))).toEqual(new Set(['alpha', 'beta']));
    expect(running.urls).toHaveLength(2);
    for (const url of running.urls) await answers(url, 'Hello from DRaaS');
  });

  it('routes a constraint to the labelled agent', async () => {
    for (let i = 0; i < 2; i++) {
      const created = await deployImage({ image: builtImage, constraints: ['zone=eu'] });
      const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
      expect(running.instances[0]?.agentId).toBe('alpha');
    }
  });

  it('keeps a deployment pending while nothing fits, then places it when a fitting agent starts', async () => {
    const created = await deployImage({ image: builtImage, constraints: ['gpu=yes'] });
    // The instances are pending a moment before placement writes why (the reason is the assertion).
    const pending = await cluster.waitForDeployment(created.id, (d) => d.status === 'pending' && d.error !== null, 'pending with its reason');
    expect(pending.error).toMatch(/waiting for capacity: 2 without labels gpu=yes/);
    expect(pending.instances[0]?.status).toBe('pending');

    await cluster.startAgent('gamma', { AGENT_LABELS: 'gpu=yes' });
    const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running once gamma joined', 30_000);
    expect(running.instances[0]?.agentId).toBe('gamma');
    expect(running.error).toBeNull();
    await answers(running.urls[0] as string, 'Hello from DRaaS');
  });

  describe('refuses bad uploads with a clear message, enqueuing nothing', () => {
    const dockerfile = { name: 'Dockerfile', data: 'FROM draas/busybox:local\n' };
    it.each([
      { name: 'not a ZIP', zip: Buffer.from('this is not a zip file at all'), message: /not a readable ZIP archive/ },
      { name: 'no Dockerfile', zip: makeZip([{ name: 'index.html', data: 'hi' }]), message: /no Dockerfile found: put a file named Dockerfile at the root/ },
      { name: 'a ../ entry', zip: makeZip([dockerfile, { name: '../../etc/cron.d/evil', data: '* * * * * root sh' }]), message: /contains "\.\.", which would write outside the build folder/ },
      { name: 'an absolute path', zip: makeZip([dockerfile, { name: '/etc/passwd', data: 'x' }]), message: /absolute path/ },
      { name: 'a symlink out', zip: makeZip([dockerfile, { name: 'link', data: '/etc/shadow', mode: 0o120777 }]), message: /points outside the archive/ },
      { name: 'a device file', zip: makeZip([dockerfile, { name: 'dev', mode: 0o020644 }]), message: /device, socket or pipe/ },
    ])('$name', async ({ zip, message }) => {
      const build = new Queue(QueueNames.build, { connection: cluster.redis, prefix: bullPrefix(cluster.prefix) });
      const before = { jobs: await build.getJobCounts(), deployments: (await cluster.json<{ deployments: unknown[] }>('/api/deployments')).deployments.length };
      const { status, body } = await upload(zip);
      expect(status).toBe(400);
      const error = ApiErrorBody.parse(body).error;
      expect(error.code).toBe('bad_archive');
      expect(error.message).toMatch(message);
      expect(await build.getJobCounts()).toEqual(before.jobs);
      expect((await cluster.json<{ deployments: unknown[] }>('/api/deployments')).deployments).toHaveLength(before.deployments);
      expect(readdirSync(path.join(cluster.dataDir, 'scheduler/uploads'))).toEqual([]);
      await build.close();
    });

    it.each<{ name: string; fields: Record<string, string>; message: RegExp }>([
      { name: 'an unknown option', fields: { replica: '2' }, message: /Unrecognized key: "replica"/ },
      { name: 'a bad memory size', fields: { memory: 'lots' }, message: /memory "lots" is not a size/ },
      { name: 'env that is not JSON', fields: { env: 'A=1' }, message: /field "env" must be JSON text/ },
    ])('$name', async ({ fields, message }) => {
      const { status, body } = await upload(makeZip([dockerfile]), fields);
      expect(status).toBe(400);
      expect(ApiErrorBody.parse(body).error.message).toMatch(message);
      expect(readdirSync(path.join(cluster.dataDir, 'scheduler/uploads'))).toEqual([]);
    });

    it('a request that is neither multipart nor JSON', async () => {
      const res = await cluster.api('/api/deployments', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expect(res.status).toBe(415);
      expect(ApiErrorBody.parse(await res.json()).error.message).toMatch(/multipart\/form-data with the ZIP in the field "archive"/);
    });
  });

  it('fails a broken Dockerfile with the build error', async () => {
    const zip = makeZip([{ name: 'Dockerfile', data: 'FROM draas/busybox:local\nRUN echo about to fail && exit 3\n' }]);
    const { status, body } = await upload(zip, { name: 'broken' });
    expect(status).toBe(202);
    const failed = await cluster.waitForDeployment(DeploymentView.parse(body).id, (d) => d.status === 'failed', 'failed');
    expect(failed.error).toMatch(/build failed: The command '\/bin\/sh -c echo about to fail && exit 3' returned a non-zero code: 3/);
    expect(failed.error).toContain('about to fail');
    expect(failed.instances).toEqual([]);
  });

  it('answers the original routes with the original shapes', async () => {
    const form = zipForm(await zipFolder(path.join(REPO_ROOT, 'examples/static-site')), {}, 'code', 'site.zip');
    const res = await cluster.api('/upload_code', { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const deployed = (await res.json()) as { status: string; deployment_id: string; agent: string; mapped_ports: Record<string, { HostIp: string; HostPort: string }[]> };
    expect(deployed.status).toBe('deployed');
    expect(deployed.agent).toBe('127.0.0.1');
    const binding = deployed.mapped_ports['8080/tcp']?.[0];
    expect(binding?.HostIp).toBe('127.0.0.1');
    await answers(`http://127.0.0.1:${binding?.HostPort}/`, 'Hello from DRaaS');

    const logs = await cluster.json<{ status: string; logs: string; mapped_ports: object }>(`/deployment_logs?deployment_id=${deployed.deployment_id}`);
    expect(logs.status).toBe('running');
    // The same archive as the first test's: its image is reused, not built again.
    expect(logs.logs).toMatch(/same archive as draas\/static-site:[a-z0-9]{12}: reusing its image/);
    expect(logs.logs).toMatch(/instance 0 \(attempt 1\) on \w+ running at http:\/\/127\.0\.0\.1:\d+/);
    const list = await cluster.json<Record<string, { status: string; agent: string }>>('/deployments');
    expect(list[deployed.deployment_id]).toMatchObject({ status: 'running', agent: '127.0.0.1' });
    const agents = await cluster.json<Record<string, { ip: string; state: string; last_seen: number }>>('/agents');
    expect(agents.alpha).toMatchObject({ ip: '127.0.0.1' });
    expect(Math.abs((agents.alpha?.last_seen ?? 0) - Date.now() / 1000)).toBeLessThan(10);

    const missing = await cluster.api('/deployment_logs');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ status: 'error', message: 'No deployment id provided' });

    const cancelled = await cluster.json<{ status: string }>('/cancel_deployment', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deployment_id: deployed.deployment_id }) });
    expect(cancelled.status).toBe('cancelled');
  });

  it('guards every route but /healthz with the token', async () => {
    expect((await fetch(`${cluster.url}/healthz`)).status).toBe(200);
    for (const route of ['/api/deployments', '/api/agents', '/agents', '/deployments', '/deployment_logs?deployment_id=x']) {
      expect((await fetch(cluster.url + route)).status, route).toBe(401);
      expect((await fetch(cluster.url + route, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, route).toBe(401);
    }
  });
});
