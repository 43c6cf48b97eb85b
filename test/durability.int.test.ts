// Redis restarted under load (durability): with the append-only file, Redis killed and
// started again on the same data keeps everything it acknowledged, and every process (scheduler,
// agent, their BullMQ workers) reconnects by itself. Nothing a user sees is lost: a build in its
// slow step finishes and runs, a running app keeps running, its log has no line missing.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startLocalRedis, type LocalRedis } from '../scripts/local-redis.js';
import { answers, buildTestImage, removeTestImage, startCluster, tickerDockerfile, ticks, waitFor } from './harness.js';
import { makeZip } from './zip-fixtures.js';

const infraMissing = inject('infraMissing');

describe.skipIf(infraMissing !== null)('Redis restarted under load', () => {
  const image = `draas-test/durable:${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'draas-durable-redis-'));
  let redis: LocalRedis;
  let port = 0;

  beforeAll(async () => {
    await buildTestImage(image, tickerDockerfile('still-ticking'));
    port = await freePort();
    redis = await startLocalRedis({ dataDir, port, persistent: true });
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await removeTestImage(image);
  });

  it('loses no deployment, job or log line, and every process reconnects by itself', async () => {
    const cluster = await startCluster(redis.url);
    try {
      await cluster.startAgent('steady');
      const ticker = await cluster.deployImage({ image });
      const running = await cluster.waitForDeployment(ticker.id, (d) => d.status === 'running', 'running');
      await waitFor('a few ticks in the log', async () => (await ticks(cluster, ticker.id)).length >= 5, 10_000);

      const zip = makeZip([
        { name: 'Dockerfile', data: `FROM draas/busybox:local\nRUN echo slow build starts && sleep 4 && echo slow build ends\n${tickerDockerfile('built-through').split('\n').slice(1).join('\n')}\n` },
      ]);
      const build = await cluster.upload(zip, { name: 'durable-build' });
      await waitFor('the slow build step', async () => {
        const lines = (await cluster.json<{ lines: { line: string }[] }>(`/api/deployments/${build.id}/logs`)).lines;
        return lines.some((l) => l.line.includes('slow build starts'));
      }, 30_000);
      const before = await ticks(cluster, ticker.id);

      // A crash, not a shutdown: everything acknowledged is in the append-only file already.
      redis.process.kill('SIGKILL');
      await once(redis.process, 'exit');
      await new Promise((r) => setTimeout(r, 4000)); // longer than three of the agent's heartbeats
      redis = await startLocalRedis({ dataDir, port, persistent: true });

      const built = await cluster.waitForDeployment(build.id, (d) => d.status === 'running', 'built and running after the restart', 90_000);
      await answers(built.urls[0] as string, 'built-through');
      const buildLog = (await cluster.json<{ lines: { line: string }[] }>(`/api/deployments/${build.id}/logs?limit=10000`)).lines.map((l) => l.line);
      expect(buildLog).toContainEqual(expect.stringContaining('slow build ends'));

      // The app kept running, and its log went on without a hole: every tick from 1 on, in order.
      const after = await waitFor('ticks from after the outage', async () => {
        const all = await ticks(cluster, ticker.id);
        return all.length > before.length + 30 ? all : null;
      }, 30_000);
      expect(after.join(' ')).toBe(Array.from({ length: after.length }, (_, i) => i + 1).join(' '));
      const still = await cluster.deployment(ticker.id);
      expect(still.status).toBe('running');
      expect(still.instances[0]?.containerId).toBe(running.instances[0]?.containerId);
      await answers(still.urls[0] as string, 'still-ticking');

      // New work flows: the API, placement, the agent's queue and its reports all reconnected.
      const fresh = await cluster.deployImage({ image });
      await cluster.waitForDeployment(fresh.id, (d) => d.status === 'running', 'a new deployment running', 30_000);
      expect((await cluster.agentsOnline()).map((a) => a.agentId)).toEqual(['steady']);
    } finally {
      await cluster.close();
    }
  }, 240_000);
});
