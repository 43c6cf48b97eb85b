// Restart policies (docs/ARCHITECTURE.md, Restart policy): what happens when a container ends, visible
// as new attempts.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildTestImage, removeTestImage, startCluster, type Cluster } from './harness.js';

const infraMissing = inject('infraMissing');

describe.skipIf(infraMissing !== null)('restart policies', () => {
  let cluster: Cluster;
  const tag = randomBytes(4).toString('hex');
  const crasher = `draas-test/crasher:${tag}`;
  const finisher = `draas-test/finisher:${tag}`;

  beforeAll(async () => {
    await buildTestImage(crasher, 'FROM draas/busybox:local\nCMD ["sh", "-c", "echo crashing; exit 3"]');
    await buildTestImage(finisher, 'FROM draas/busybox:local\nCMD ["sh", "-c", "echo done; exit 0"]');
    cluster = await startCluster(inject('redisUrl'));
    await cluster.startAgent('runner');
  });
  afterAll(async () => {
    await cluster?.close();
    await removeTestImage(crasher);
    await removeTestImage(finisher);
  });

  const systemLines = async (id: string) =>
    (await cluster.json<{ lines: { phase: string; line: string }[] }>(`/api/deployments/${id}/logs`)).lines.filter((l) => l.phase === 'system').map((l) => l.line);

  it('on-failure:2 restarts a crash twice, with back-off, then leaves it failed', async () => {
    const created = await cluster.deployImage({ image: crasher, restart: 'on-failure:2' });
    const failed = await cluster.waitForDeployment(created.id, (d) => d.status === 'failed' && d.instances[0]?.attempt === 3, 'failed at attempt 3', 60_000);
    expect(failed.instances[0]).toMatchObject({ status: 'failed', exitCode: 3, attempt: 3 });
    const lines = await systemLines(created.id);
    expect(lines).toContainEqual(expect.stringMatching(/instance 0 restarting, attempt 2 in 1 s: it failed; restart policy "on-failure:2"/));
    expect(lines).toContainEqual(expect.stringMatching(/instance 0 restarting, attempt 3 in 2 s: it failed/));
    expect(lines).toContainEqual('instance 0 not restarted: it failed; restart policy "on-failure:2" allows no more restarts');
  });

  it('on-failure (the default) leaves a clean exit alone; no never restarts; always restarts even a clean exit', async () => {
    const byDefault = await cluster.deployImage({ image: finisher });
    expect(byDefault.restart).toBe('on-failure');
    const never = await cluster.deployImage({ image: crasher, restart: 'no' });
    const always = await cluster.deployImage({ image: finisher, restart: 'always' });

    const exited = await cluster.waitForDeployment(byDefault.id, (d) => d.status === 'exited', 'exited');
    expect(exited.instances[0]).toMatchObject({ attempt: 1, exitCode: 0 });
    const failed = await cluster.waitForDeployment(never.id, (d) => d.status === 'failed', 'failed');
    expect(failed.instances[0]).toMatchObject({ attempt: 1, exitCode: 3 });
    await cluster.waitForDeployment(always.id, (d) => (d.instances[0]?.attempt ?? 0) >= 3, 'restarted twice', 30_000);

    await cluster.api(`/api/deployments/${always.id}/cancel`, { method: 'POST' });
    const cancelled = await cluster.waitForDeployment(always.id, (d) => d.status === 'cancelled', 'cancelled');
    const attempt = cancelled.instances[0]?.attempt;
    await new Promise((r) => setTimeout(r, 3000));
    expect((await cluster.deployment(always.id)).instances[0]?.attempt).toBe(attempt); // no restart after cancel
  });
});
