// Image distribution (docs/ARCHITECTURE.md, Images): an agent on another machine, whose engine lacks the image, gets it
// from the registry when one is configured (the build is pushed there), and otherwise downloads it
// from the scheduler's image endpoint. The other machine is a second Docker engine on this host
// (its own data-root, socket and bridge; containers published on 127.0.0.2); the registry is
// Debian's docker-registry on loopback with a password.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { bullPrefix, JobIds, QueueNames, type DeploymentView } from '@draas/queue-contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { answers, buildTestImage, docker, removeTestImage, startCluster, tickerDockerfile, waitFor, type Cluster } from './harness.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { startSecondEngine, type SecondEngine } from './second-engine.js';
import { makeZip } from './zip-fixtures.js';

const infraMissing = inject('infraMissing');

const logOf = async (cluster: Cluster, id: string) =>
  (await cluster.json<{ lines: { line: string }[] }>(`/api/deployments/${id}/logs?limit=10000`)).lines.map((l) => l.line);

const tickerZip = (page: string) => makeZip([{ name: 'Dockerfile', data: tickerDockerfile(page) }]);

/** The agent's env for the second engine: its socket, and URLs on the second loopback address. */
const onSecondEngine = (engine: SecondEngine, labels: string, extra: Record<string, string> = {}) => ({
  DOCKER_HOST: engine.dockerHost,
  AGENT_IP: engine.publishIp,
  AGENT_PUBLISH_IP: engine.publishIp,
  AGENT_LABELS: labels,
  ...extra,
});

/** Running on the second engine, every URL on its address, and the engine holding exactly the pinned content. */
async function expectRunningThere(cluster: Cluster, engine: SecondEngine, d: DeploymentView, page: string): Promise<void> {
  expect(d.imageId).toMatch(/^sha256:[a-f0-9]{64}$/);
  expect(d.urls.length).toBe(d.replicas);
  for (const url of d.urls) {
    expect(url.startsWith(`http://${engine.publishIp}:`)).toBe(true);
    await answers(url, page);
  }
  expect((await engine.docker.getImage(d.image as string).inspect()).Id).toBe(d.imageId);
  const containers = await engine.docker.listContainers({ filters: { label: [`draas.deployment=${d.id}`] } });
  expect(containers.map((c) => c.State)).toEqual(Array(d.replicas).fill('running'));
}

describe.skipIf(infraMissing !== null)('image distribution to a second engine', () => {
  let engine: SecondEngine;
  beforeAll(async () => {
    engine = await startSecondEngine();
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
  }, 60_000);

  describe('without a registry: from the scheduler', () => {
    let cluster: Cluster;
    const named = `draas-test/only-here:${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      await buildTestImage(named, tickerDockerfile('only-on-the-first-engine'));
      cluster = await startCluster(inject('redisUrl'));
      await cluster.startAgent('far', onSecondEngine(engine, 'machine=two'));
    });
    afterAll(async () => {
      await cluster?.close();
      await removeTestImage(named);
    });

    it('runs a build on an engine that lacks it: downloaded once for three instances, loaded, answering on the other address', async () => {
      const created = await cluster.upload(tickerZip('far-away'), { name: 'far-away', replicas: '3', constraints: '["machine=two"]' });
      const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running' && d.urls.length === 3, 'running thrice');
      await expectRunningThere(cluster, engine, running, 'far-away');
      const log = await logOf(cluster, created.id);
      const downloads = log.filter((l) => / downloaded draas\/far-away:\w+ \(sha256:[0-9a-f]{12}\) from the scheduler at http:\/\/127\.0\.0\.1:\d+ in /.test(l));
      expect(downloads).toHaveLength(1);
      // Saved once on the scheduler, under its content id.
      const cached = readdirSync(path.join(cluster.dataDir, 'scheduler', 'images'));
      expect(cached).toEqual([`${(running.imageId as string).slice('sha256:'.length)}.tar`]);
    });

    it('removes an image it fetched once no container has used it for AGENT_IMAGE_GC_SECONDS', async () => {
      await cluster.startAgent('far-gc', onSecondEngine(engine, 'machine=gc', { AGENT_IMAGE_GC_SECONDS: '2' }));
      const created = await cluster.upload(tickerZip('collected'), { name: 'collected', constraints: '["machine=gc"]' });
      const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
      const imageId = running.imageId as string;
      // Kept while its container runs, well past the 2 s.
      await new Promise((r) => setTimeout(r, 4000));
      expect((await engine.docker.getImage(imageId).inspect()).Id).toBe(imageId);
      await cluster.api(`/api/deployments/${created.id}/cancel`, { method: 'POST' });
      await cluster.waitForDeployment(created.id, (d) => d.status === 'cancelled', 'cancelled');
      await waitFor('the unused image to be removed from the second engine', async () => {
        try {
          await engine.docker.getImage(imageId).inspect();
          return null;
        } catch (err) {
          return (err as { statusCode?: number }).statusCode === 404;
        }
      }, 20_000, 250);
      // Images it did not fetch stay: the first engine's build, and the other agents' downloads.
      expect((await docker.getImage(imageId).inspect()).Id).toBe(imageId);
      expect((await engine.docker.listImages({ filters: { reference: ['draas/far-away'] } })).length).toBe(1);
      expect(cluster.agents.get('far-gc')?.output.join('\n')).toContain(imageId);
    });

    it('guards the image endpoint: the job\'s token opens its image only; the admin token opens any', async () => {
      const [d] = (await cluster.json<{ deployments: DeploymentView[] }>('/api/deployments')).deployments.filter((x) => x.name === 'far-away');
      const id = d?.imageId as string;
      const raw = await cluster.redis.hget(`${bullPrefix(cluster.prefix)}:${QueueNames.deploy('far')}:${JobIds.deploy(d?.id as string, 0, 1)}`, 'data');
      const token = (JSON.parse(raw as string) as { imageToken: string }).imageToken;
      expect(token).toMatch(/^img_[0-9a-f]{64}$/);
      const get = (imageId: string, bearer?: string, method = 'GET') =>
        fetch(`${cluster.url}/api/images/${imageId}`, { method, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

      const ok = await get(id, token);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('application/x-tar');
      expect(ok.headers.get('etag')).toBe(`"${id}"`);
      const tar = Buffer.from(await ok.arrayBuffer());
      expect(tar.length).toBe(Number(ok.headers.get('content-length')));
      expect(tar.includes(Buffer.from('manifest.json'))).toBe(true);

      const other = `sha256:${'0'.repeat(64)}`;
      expect((await get(id)).status).toBe(401);
      expect((await get(id, 'img_' + 'f'.repeat(64))).status).toBe(401);
      expect((await get(other, token)).status).toBe(401);
      const missing = await get(other, cluster.token);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { message: string } }).error.message).toContain(other);
      const bad = await get('latest', cluster.token);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('sha256:');
      const head = await get(id, cluster.token, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(tar.length));
    });

    it('runs a named image that only the scheduler\'s engine has (no registry knows it)', async () => {
      const created = await cluster.deployImage({ image: named, constraints: ['machine=two'] });
      const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
      await expectRunningThere(cluster, engine, running, 'only-on-the-first-engine');
      const log = await logOf(cluster, created.id);
      expect(log.some((l) => l.includes(`downloaded ${named} (`))).toBe(true);
    });

    it('uses what the other engine has under a name already, as docker run would: no download', async () => {
      const name = `draas-test/there-too:${randomBytes(4).toString('hex')}`;
      await buildTestImage(name, tickerDockerfile('scheduler-copy'));
      try {
        // On the second engine the name is another image: that machine's own copy.
        const [farAway] = await engine.docker.listImages({ filters: { reference: ['draas/far-away'] } });
        const [repo, tag] = name.split(':') as [string, string];
        await engine.docker.getImage(farAway?.Id as string).tag({ repo, tag });
        const created = await cluster.deployImage({ image: name, constraints: ['machine=two'] });
        const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
        await answers(running.urls[0] as string, 'far-away');
        const container = await engine.docker.getContainer(running.instances[0]?.containerId as string).inspect();
        expect(container.Image).toBe(farAway?.Id);
        expect((await logOf(cluster, created.id)).some((l) => l.includes('downloaded'))).toBe(false);
      } finally {
        await removeTestImage(name);
      }
    });
  });

  describe('with a registry: pushed by the build, pulled by the agent', () => {
    let cluster: Cluster;
    let registry: TestRegistry;
    const password = randomBytes(12).toString('hex');

    beforeAll(async () => {
      registry = await startRegistry('draas', password);
      const credentials = { REGISTRY_URL: registry.address, REGISTRY_USERNAME: 'draas', REGISTRY_PASSWORD: password };
      cluster = await startCluster(inject('redisUrl'), credentials);
      await cluster.startAgent('far-r', onSecondEngine(engine, 'machine=registry', credentials));
      // The same machine's engine, but an agent without the registry's password.
      await cluster.startAgent('far-anon', onSecondEngine(engine, 'machine=anonymous', { REGISTRY_URL: registry.address }));
    });
    afterAll(async () => {
      await cluster?.close();
      await registry?.stop();
    });

    it('pushes the build and the agent pulls it with its credentials', async () => {
      const created = await cluster.upload(tickerZip('via-registry'), { name: 'via-registry', constraints: '["machine=registry"]' });
      const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
      expect(running.image).toBe(`${registry.address}/draas/via-registry:${created.id}`);
      await expectRunningThere(cluster, engine, running, 'via-registry');
      const log = await logOf(cluster, created.id);
      expect(log).toContain(`pushing ${running.image}`);
      expect(log.some((l) => l.includes(`pulled ${running.image} in `))).toBe(true);
      expect(log.some((l) => l.includes('from the scheduler'))).toBe(false);
      const tags = (await (await registry.get('/v2/draas/via-registry/tags/list')).json()) as { tags: string[] };
      expect(tags.tags).toEqual([created.id]);
      // Nothing was downloaded from the scheduler.
      expect(readdirSync(path.join(cluster.dataDir, 'scheduler')).includes('images')).toBe(false);
      // The password is in no answer and no log line of either app.
      expect(JSON.stringify(running)).not.toContain(password);
      for (const proc of [cluster.scheduler, ...cluster.agents.values()]) expect(proc.output.join('\n')).not.toContain(password);
    });

    it('runs a digest reference from the scheduler where the registry refuses the agent', async () => {
      const [pushed] = (await cluster.json<{ deployments: DeploymentView[] }>('/api/deployments')).deployments.filter((x) => x.name === 'via-registry');
      const byDigest = (await docker.getImage(pushed?.image as string).inspect()).RepoDigests[0] as string;
      expect(byDigest).toMatch(/@sha256:[0-9a-f]{64}$/);
      // The second engine forgets it (the first deployment is cancelled and its container removed).
      await cluster.api(`/api/deployments/${pushed?.id}/cancel`, { method: 'POST' });
      await cluster.waitForDeployment(pushed?.id as string, (d) => d.status === 'cancelled', 'cancelled');
      await waitFor('the container to be removed', async () => (await engine.docker.listContainers({ all: true, filters: { label: [`draas.deployment=${pushed?.id}`] } })).length === 0);
      await engine.docker.getImage(pushed?.imageId as string).remove({ force: true });

      const created = await cluster.deployImage({ image: byDigest, constraints: ['machine=anonymous'] });
      const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
      await answers(running.urls[0] as string, 'via-registry');
      expect(running.imageId).toBe(pushed?.imageId);
      const container = await engine.docker.getContainer(running.instances[0]?.containerId as string).inspect();
      expect(container.Image).toBe(pushed?.imageId);
      expect((await logOf(cluster, created.id)).some((l) => l.includes(`downloaded ${byDigest} (`))).toBe(true);
    });

    it('falls back to the scheduler when the registry refuses the agent', async () => {
      const created = await cluster.upload(tickerZip('refused-pull'), { name: 'refused-pull', constraints: '["machine=anonymous"]' });
      const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
      await expectRunningThere(cluster, engine, running, 'refused-pull');
      const log = await logOf(cluster, created.id);
      expect(log.some((l) => l.includes(`downloaded ${running.image} (`) && l.includes('from the scheduler at'))).toBe(true);
    });
  });
});
