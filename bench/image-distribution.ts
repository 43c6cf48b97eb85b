// Image distribution: a 120 MB image that only the scheduler's engine has, deployed to an agent on a
// second Docker engine (the second machine) until its instance runs; against this script streaming
// `docker save` from the first engine into `docker load` on the second and creating and starting the
// container there itself. DRaaS is measured cold (the scheduler saves the image first) and warm (the
// saved tar is served again, as for a second machine or a replacement).
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { splitImageRef } from '@draas/queue-contracts';
import Docker from 'dockerode';
import { buildTestImage, removeTestImage, startCluster } from '../test/harness.js';
import { startSecondEngine, type SecondEngine } from '../test/second-engine.js';
import { watchEvents } from './events.js';
import { percentile, sleep, type Bench } from './lib.js';

const SERVER = `FROM draas/node:local
EXPOSE 8080
CMD ["node", "-e", "require('http').createServer((q, s) => s.end('shipped')).listen(8080)"]`;

/** Leaves the second engine without the image (and without containers using it). */
async function forget(engine: SecondEngine, imageId: string): Promise<void> {
  for (const c of await engine.docker.listContainers({ all: true })) await engine.docker.getContainer(c.Id).remove({ force: true });
  try {
    await engine.docker.getImage(imageId).remove({ force: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

async function follow(docker: Docker, stream: Readable): Promise<void> {
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

const bench: Bench = async ({ quick, redisUrl }) => {
  const runs = quick ? 2 : 9;
  const docker = new Docker();
  const image = `draas-bench/ship:${randomBytes(4).toString('hex')}`;
  await buildTestImage(image, SERVER);
  const imageId = (await docker.getImage(image).inspect()).Id;
  const bytes = (await docker.getImage(image).inspect()).Size;
  const engine = await startSecondEngine();
  const cluster = await startCluster(redisUrl);
  try {
    await cluster.startAgent('far', {
      DOCKER_HOST: engine.dockerHost, AGENT_IP: engine.publishIp, AGENT_PUBLISH_IP: engine.publishIp, AGENT_LABELS: 'machine=two', HEARTBEAT_MS: '2000',
    });

    // Baseline: what the image's trip and the start cost without DRaaS around them.
    const rawOnce = async (): Promise<number> => {
      await forget(engine, imageId);
      const t0 = performance.now();
      const tar = (await docker.getImage(imageId).get()) as unknown as Readable;
      await follow(engine.docker, (await engine.docker.loadImage(tar)) as Readable);
      await engine.docker.getImage(imageId).tag(splitImageRef(image));
      const container = await engine.docker.createContainer({
        Image: image,
        ExposedPorts: { '8080/tcp': {} },
        HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: engine.publishIp, HostPort: '' }] }, Memory: 256 * 1024 ** 2, NanoCpus: 250_000_000 },
      });
      await container.start();
      return performance.now() - t0;
    };

    const events = await watchEvents(cluster);
    const cacheDir = path.join(cluster.dataDir, 'scheduler', 'images');
    const deployOnce = async (cold: boolean): Promise<number> => {
      await forget(engine, imageId);
      if (cold) for (const name of readdirSync(cacheDir)) rmSync(path.join(cacheDir, name), { force: true });
      const t0 = performance.now();
      const created = await cluster.deployImage({ image, constraints: ['machine=two'], restart: 'no' });
      const t1 = await events.when(created.id, 'running');
      await cluster.api(`/api/deployments/${created.id}/cancel`, { method: 'POST' });
      await events.when(created.id, 'cancelled');
      await sleep(200);
      return t1 - t0;
    };
    // A first deployment makes the cache folder; not measured.
    await deployOnce(false);
    // Interleaved, so that the disk's moods (docker load dominates, and varies by ±50 % here) fall on all three alike.
    const raw: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      raw.push(await rawOnce());
      cold.push(await deployOnce(true));
      warm.push(await deployOnce(false));
    }
    events.close();

    const baseline = percentile(raw, 50);
    const c = percentile(cold, 50);
    const w = percentile(warm, 50);
    return {
      name: 'image distribution',
      rows: [
        { metric: 'p50 to running, cold (saved, served, loaded)', value: c, unit: 'ms', baseline, goal: 'ratio ≤ 1.3', met: c / baseline <= 1.3 },
        { metric: 'p50 to running, warm (served from the cache)', value: w, unit: 'ms', baseline, goal: 'ratio ≤ 1.1', met: w / baseline <= 1.1 },
      ],
      notes: [
        `${runs} runs each; a ${Math.round(bytes / 1024 ** 2)} MB image only on the scheduler's engine, to an agent on a second dockerd (own data-root and bridge) that has none of its layers; "running" as /api/events reports it.`,
        'Baseline, in this script: dockerode streams `docker save` from the first engine straight into `docker load` on the second, then creates and starts the container there.',
      ],
    };
  } finally {
    await cluster.close();
    await engine.stop();
    await removeTestImage(image);
  }
};

export default bench;
