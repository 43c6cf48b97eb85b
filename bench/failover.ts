// Failover: SIGKILL an agent running 10 instances, and time until all 10 run on another agent
// (default heartbeat 2 s, offline after 3 missed beats, or half a beat after its process is gone and
// its Redis connection closed). Baseline: starting the same 10 containers directly with dockerode, in this script:
// a replacement cannot be faster than the engine starting it.
import { randomBytes } from 'node:crypto';
import { ClusterEvent, parseJsonWith } from '@draas/queue-contracts';
import Docker from 'dockerode';
import { readSse, SseParser } from '../apps/client-cli/src/follow/sse-parser.js';
import { answers, buildTestImage, removeTestImage, startCluster, waitFor, type Cluster } from '../test/harness.js';
import { percentile, type Bench } from './lib.js';

const REPLICAS = 10;

/** Times (performance.now()) at which each instance index first reported running at `attempt` or later, and first lost. */
async function watch(cluster: Cluster, deploymentId: string, signal: AbortSignal) {
  const running = new Map<number, number>();
  let firstLost: number | null = null;
  let firstStarting: number | null = null;
  const res = await cluster.api('/api/events', { signal });
  void (async () => {
    try {
      for await (const sse of readSse(res.body as ReadableStream<Uint8Array>, new SseParser())) {
        const event = parseJsonWith(ClusterEvent, sse.data);
        if (event?.type !== 'deployment' || event.deploymentId !== deploymentId || !event.instance) continue;
        if (event.instance.status === 'lost') firstLost ??= performance.now();
        if (event.instance.status === 'starting' && event.instance.attempt >= 2) firstStarting ??= performance.now();
        if (event.instance.status === 'running' && event.instance.attempt >= 2 && !running.has(event.instance.index)) running.set(event.instance.index, performance.now());
      }
    } catch {
      // aborted at the end
    }
  })();
  return { running, lostAt: () => firstLost, startingAt: () => firstStarting };
}

async function rawStart(docker: Docker, image: string): Promise<number> {
  const t0 = performance.now();
  const containers = await Promise.all(
    Array.from({ length: REPLICAS }, () =>
      docker.createContainer({ Image: image, HostConfig: { Memory: 32 * 1024 ** 2, NanoCpus: 50_000_000, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } }, ExposedPorts: { '8080/tcp': {} } }),
    ),
  );
  await Promise.all(containers.map((c) => c.start()));
  const ms = performance.now() - t0;
  await Promise.all(containers.map((c) => c.remove({ force: true })));
  return ms;
}

const bench: Bench = async ({ quick, redisUrl }) => {
  const rounds = quick ? 1 : 3;
  const image = `draas-bench/failover:${randomBytes(4).toString('hex')}`;
  await buildTestImage(image, 'FROM draas/busybox:local\nEXPOSE 8080\nCMD ["sh", "-c", "trap \'exit 0\' TERM; mkdir -p /tmp/w && echo failover > /tmp/w/index.html && httpd -f -p 8080 -h /tmp/w & wait"]');
  const docker = new Docker();
  const failovers: number[] = [];
  const detections: number[] = [];
  const placements: number[] = [];
  const raws: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      raws.push(await rawStart(docker, image));
      const cluster = await startCluster(redisUrl);
      const controller = new AbortController();
      try {
        await cluster.startAgent('doomed', { HEARTBEAT_MS: '2000', AGENT_LABELS: 'pool=failover' });
        const created = await cluster.deployImage({ image, replicas: REPLICAS, memory: '32m', cpus: 0.05, constraints: ['pool=failover'] });
        await cluster.waitForDeployment(created.id, (d) => d.instances.length === REPLICAS && d.instances.every((i) => i.status === 'running'), 'running on doomed', 60_000);
        await cluster.startAgent('survivor', { HEARTBEAT_MS: '2000', AGENT_LABELS: 'pool=failover' });
        const events = await watch(cluster, created.id, controller.signal);
        const killedAt = performance.now();
        await cluster.agents.get('doomed')?.stop('SIGKILL');
        await waitFor('all replicas running elsewhere', async () => events.running.size === REPLICAS, 60_000, 20);
        failovers.push(Math.max(...events.running.values()) - killedAt);
        detections.push((events.lostAt() ?? Number.NaN) - killedAt);
        placements.push((events.startingAt() ?? Number.NaN) - killedAt);
        const after = await cluster.deployment(created.id);
        if (!after.instances.every((i) => i.agentId === 'survivor' && i.status === 'running')) throw new Error('not every replica runs on the survivor');
        await answers(after.urls[0] as string, 'failover');
      } finally {
        controller.abort();
        await cluster.close();
      }
    }
  } finally {
    await removeTestImage(image);
  }
  const p50 = percentile(failovers, 50);
  return {
    name: 'failover',
    rows: [
      { metric: `all ${REPLICAS} running elsewhere after SIGKILL (p50 of ${rounds})`, value: p50 / 1000, unit: 's', baseline: percentile(raws, 50) / 1000, goal: '≤ 5 s', met: p50 <= 5000 },
      { metric: 'worst round', value: Math.max(...failovers) / 1000, unit: 's' },
      { metric: 'agent noticed gone (first instance lost, p50)', value: percentile(detections, 50) / 1000, unit: 's' },
      { metric: 'first replacement starting on the survivor (p50)', value: percentile(placements, 50) / 1000, unit: 's' },
    ],
    notes: [
      `Heartbeat 2 s. Baseline: dockerode starting the same ${REPLICAS} containers at once. Anchors (not measured here): Swarm ~15 s, Nomad 20–30 s, Kubernetes minutes by default.`,
    ],
  };
};

export default bench;
