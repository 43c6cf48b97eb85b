// Cancel works in every state and really stops the work (docs/ARCHITECTURE.md, One deployment,
// step 14): a queued build never runs, a running build is aborted, a pending or scheduled instance
// never starts, a running one is stopped.
import { randomBytes } from 'node:crypto';
import { bullPrefix, JobIds, Labels, QueueNames, type DeploymentView } from '@draas/queue-contracts';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { answers, buildTestImage, docker, removeTestImage, startCluster, tickerDockerfile, waitFor, type Cluster } from './harness.js';
import { makeZip } from './zip-fixtures.js';

const infraMissing = inject('infraMissing');

const slowBuild = (marker: string) =>
  makeZip([{ name: 'Dockerfile', data: `FROM draas/busybox:local\nRUN echo ${marker} starts && sleep 30 && echo ${marker} ends\n` }]);

async function containersOf(id: string) {
  return docker.listContainers({ all: true, filters: { label: [`${Labels.deployment}=${id}`] } });
}

describe.skipIf(infraMissing !== null)('cancel', () => {
  let cluster: Cluster;
  const image = `draas-test/cancel:${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await buildTestImage(image, tickerDockerfile('cancel-me'));
    cluster = await startCluster(inject('redisUrl'), { BUILD_CONCURRENCY: '1' });
    await cluster.startAgent('worker', { AGENT_LABELS: 'role=worker' });
  });
  afterAll(async () => {
    await cluster?.close();
    await removeTestImage(image);
  });

  const cancel = async (id: string): Promise<DeploymentView> => {
    const res = await cluster.api(`/api/deployments/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(202);
    return (await res.json()) as DeploymentView;
  };
  /** The log's lines (the build's `Step …` lines quote the commands, so look for whole lines). */
  const logLines = async (id: string) => (await cluster.json<{ lines: { line: string }[] }>(`/api/deployments/${id}/logs`)).lines.map((l) => l.line);

  it('aborts a running build and removes a queued one before it starts', async () => {
    const building = await cluster.upload(slowBuild('first-build'), { name: 'slow-one' });
    await waitFor('the first build to run its slow step', async () => (await logLines(building.id)).includes('first-build starts'), 30_000);
    // One build at a time: the second waits in the queue.
    const queued = await cluster.upload(slowBuild('second-build'), { name: 'slow-two' });
    expect((await cluster.deployment(queued.id)).status).toBe('queued');

    await cancel(queued.id);
    const build = new Queue(QueueNames.build, { connection: cluster.redis, prefix: bullPrefix(cluster.prefix) });
    expect(await build.getJob(JobIds.build(queued.id))).toBeUndefined();
    await build.close();

    const started = Date.now();
    await cancel(building.id);
    const aborted = await cluster.waitForDeployment(building.id, (d) => d.status === 'cancelled', 'cancelled', 20_000);
    expect(Date.now() - started).toBeLessThan(15_000); // well before the 30 s step could end
    expect(aborted.image).toBeNull();
    expect((await cluster.deployment(queued.id)).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await logLines(queued.id)).not.toContain('second-build starts');
    expect(await logLines(building.id)).not.toContain('first-build ends');
    expect(await logLines(building.id)).toContain('first-build starts');
  });

  it('cancels a pending deployment so that it never starts, even when a fitting agent joins', async () => {
    const created = await cluster.deployImage({ image, constraints: ['role=late'] });
    await cluster.waitForDeployment(created.id, (d) => d.status === 'pending', 'pending');
    const cancelled = await cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    await cluster.startAgent('late', { AGENT_LABELS: 'role=late' });
    await new Promise((r) => setTimeout(r, 3000));
    expect((await cluster.deployment(created.id)).instances.map((i) => i.status)).toEqual(['cancelled']);
    expect(await containersOf(created.id)).toEqual([]);
  });

  it('cancels a scheduled instance whose agent has not taken the job, and it never starts', async () => {
    const frozen = await cluster.startAgent('frozen', { AGENT_LABELS: 'role=frozen', HEARTBEAT_MS: '10000' });
    frozen.child.kill('SIGSTOP');
    try {
      const created = await cluster.deployImage({ image, constraints: ['role=frozen'] });
      const scheduled = await cluster.waitForDeployment(created.id, (d) => d.instances[0]?.status === 'scheduled', 'scheduled');
      const cancelled = await cancel(scheduled.id);
      expect(cancelled.status).toBe('cancelled');
      const queue = new Queue(QueueNames.deploy('frozen'), { connection: cluster.redis, prefix: bullPrefix(cluster.prefix) });
      expect(await queue.getJob(JobIds.deploy(created.id, 0, 1))).toBeUndefined();
      await queue.close();
      frozen.child.kill('SIGCONT');
      await new Promise((r) => setTimeout(r, 3000));
      expect(await containersOf(created.id)).toEqual([]);
      expect((await cluster.deployment(created.id)).status).toBe('cancelled');
    } finally {
      frozen.child.kill('SIGCONT');
    }
  });

  it('stops a running instance (grace, then kill), and cancelling again changes nothing', async () => {
    const created = await cluster.deployImage({ image, constraints: ['role=worker'] });
    const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
    const url = running.urls[0] as string;
    await answers(url, 'cancel-me');

    await cancel(created.id);
    const cancelled = await cluster.waitForDeployment(created.id, (d) => d.status === 'cancelled', 'cancelled', 30_000);
    expect(cancelled.instances[0]?.status).toBe('cancelled');
    await waitFor('the container to be gone', async () => (await containersOf(created.id)).length === 0, 20_000);
    await expect(fetch(url, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();

    const again = await cancel(created.id);
    expect(again.status).toBe('cancelled');
    expect((await cluster.deployment(created.id)).updatedAt).toBe(cancelled.updatedAt);
  });

  it('answers 404 for a deployment that does not exist and 400 for a malformed id', async () => {
    expect((await cluster.api('/api/deployments/zzzzzzzzzzzz/cancel', { method: 'POST' })).status).toBe(404);
    expect((await cluster.api('/api/deployments/not-an-id!/cancel', { method: 'POST' })).status).toBe(400);
  });
});
