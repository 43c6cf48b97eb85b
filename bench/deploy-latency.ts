// Deploy latency: a prebuilt image deployed N times in a row through the API until its instance runs,
// against dockerode creating and starting the same image (same limits and port binding) in this script.
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { buildTestImage, removeTestImage, startCluster, tickerDockerfile } from '../test/harness.js';
import { watchEvents } from './events.js';
import { percentile, sleep, type Bench } from './lib.js';

const bench: Bench = async ({ quick, redisUrl }) => {
  const runs = quick ? 10 : 50;
  const image = `draas-bench/latency:${randomBytes(4).toString('hex')}`;
  await buildTestImage(image, tickerDockerfile('bench'));
  const docker = new Docker();
  const cluster = await startCluster(redisUrl);
  try {
    await cluster.startAgent('bench-agent', { HEARTBEAT_MS: '2000' });

    // Baseline: what the agent asks the engine to do, without DRaaS around it.
    const raw: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      const container = await docker.createContainer({
        Image: image,
        ExposedPorts: { '8080/tcp': {} },
        HostConfig: {
          PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
          Memory: 256 * 1024 ** 2,
          MemorySwap: 256 * 1024 ** 2,
          NanoCpus: 250_000_000,
          PidsLimit: 512,
          SecurityOpt: ['no-new-privileges'],
        },
      });
      await container.start();
      if (i >= 2) raw.push(performance.now() - t0);
      await container.remove({ force: true });
    }

    const events = await watchEvents(cluster);
    const draas: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      const created = await cluster.deployImage({ image, restart: 'no' });
      const t1 = await events.when(created.id, 'running');
      if (i >= 2) draas.push(t1 - t0);
      await cluster.api(`/api/deployments/${created.id}/cancel`, { method: 'POST' });
      await events.when(created.id, 'cancelled');
      await sleep(50);
    }
    events.close();

    const p50 = percentile(draas, 50);
    const p50raw = percentile(raw, 50);
    return {
      name: 'deploy latency',
      rows: [
        { metric: 'p50 until running', value: p50, unit: 'ms', baseline: p50raw, goal: 'ratio ≤ 1.2', met: p50 / p50raw <= 1.2 },
        { metric: 'p95 until running', value: percentile(draas, 95), unit: 'ms', baseline: percentile(raw, 95) },
        { metric: 'p50 overhead', value: p50 - p50raw, unit: 'ms', goal: '≤ 50 ms', met: p50 - p50raw <= 50 },
      ],
      notes: [`${runs} sequential deployments of a prebuilt busybox image; "running" as the /api/events stream reports it; baseline: dockerode create + start with the same limits and port binding.`],
    };
  } finally {
    await cluster.close();
    await removeTestImage(image);
  }
};

export default bench;
