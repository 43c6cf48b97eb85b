// More than one scheduler on one Redis (high availability): both serve the API, a build
// runs once whichever scheduler took the upload, and when an agent dies one scheduler at a time moves
// its work (a Redis lock): each instance is lost once and ends with one live container. Then one
// scheduler is SIGKILLed and the other carries on alone.
import { randomBytes } from 'node:crypto';
import { DeploymentView, Labels } from '@draas/queue-contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { answers, buildTestImage, docker, removeTestImage, startCluster, tickerDockerfile, waitFor, zipForm, type Cluster } from './harness.js';
import { makeZip } from './zip-fixtures.js';

const infraMissing = inject('infraMissing');

describe.skipIf(infraMissing !== null)('two schedulers on one Redis', () => {
  let cluster: Cluster;
  let second: { url: string };
  const image = `draas-test/ha:${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await buildTestImage(image, tickerDockerfile('two-schedulers'));
    cluster = await startCluster(inject('redisUrl'));
    second = await cluster.addScheduler();
  });
  afterAll(async () => {
    await cluster?.close();
    await removeTestImage(image);
  });

  const viaSecond = (pathname: string, init: RequestInit = {}) =>
    fetch(second.url + pathname, { ...init, headers: { authorization: `Bearer ${cluster.token}`, ...(init.headers as Record<string, string>) } });
  const logOf = async (id: string) => (await cluster.json<{ lines: { line: string }[] }>(`/api/deployments/${id}/logs?limit=10000`)).lines.map((l) => l.line);

  it('serves the API from both, and builds an upload once', async () => {
    await cluster.startAgent('worker-1', { AGENT_LABELS: 'pool=ha' });
    const zip = makeZip([{ name: 'Dockerfile', data: tickerDockerfile('built-once') }]);
    const res = await viaSecond('/api/deployments', { method: 'POST', body: zipForm(zip, { name: 'ha-build', constraints: '["pool=ha"]' }) });
    expect(res.status).toBe(202);
    const created = DeploymentView.parse(await res.json());
    // Read through the first scheduler: the same deployment, running.
    const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
    await answers(running.urls[0] as string, 'built-once');
    const fromSecond = DeploymentView.parse(await (await viaSecond(`/api/deployments/${created.id}`)).json());
    expect(fromSecond.status).toBe('running');
    expect(fromSecond.instances[0]?.containerId).toBe(running.instances[0]?.containerId);
    const log = await logOf(created.id);
    expect(log.filter((l) => l.startsWith('building '))).toHaveLength(1);
    expect(log.filter((l) => l.startsWith('built '))).toHaveLength(1);
  });

  it('moves the work of a dead agent once, and keeps going when one scheduler dies', async () => {
    await cluster.startAgent('doomed', { AGENT_LABELS: 'pool=failover' });
    const created = await cluster.deployImage({ image, replicas: 2, constraints: ['pool=failover'] });
    await cluster.waitForDeployment(created.id, (d) => d.instances.length === 2 && d.instances.every((i) => i.status === 'running' && i.agentId === 'doomed'), 'running on doomed');
    await cluster.startAgent('heir', { AGENT_LABELS: 'pool=failover' });
    await cluster.agents.get('doomed')?.stop('SIGKILL');

    const moved = await cluster.waitForDeployment(created.id, (d) => d.instances.every((i) => i.status === 'running' && i.agentId === 'heir'), 'running on heir', 30_000);
    // Each running instance was lost once. (A scheduler that had not yet seen the agent go silent may
    // place a replacement on it; the next reap moves that one again, as a further attempt.)
    const lostLines = (await logOf(created.id)).filter((l) => /\(attempt 1\) lost: agent doomed stopped answering/.test(l));
    expect(lostLines).toHaveLength(2);
    expect(moved.instances.every((i) => i.attempt >= 2)).toBe(true);
    // Exactly one live container per instance, all on the heir's engine.
    const live = await docker.listContainers({ filters: { label: [`${Labels.deployment}=${created.id}`] } });
    expect(live.map((c) => c.Labels[Labels.agent]).sort()).toEqual(['heir', 'heir']);
    await answers(moved.urls[0] as string, 'two-schedulers');

    // The first scheduler crashes; the second serves and places alone.
    await cluster.scheduler.stop('SIGKILL');
    const res = await viaSecond('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image, constraints: ['pool=failover'] }) });
    expect(res.status).toBe(202);
    const alone = DeploymentView.parse(await res.json());
    const placed = await waitFor('a deployment placed by the second scheduler alone', async () => {
      const d = DeploymentView.parse(await (await viaSecond(`/api/deployments/${alone.id}`)).json());
      return d.status === 'running' ? d : null;
    }, 30_000);
    await answers(placed.urls[0] as string, 'two-schedulers');
  });
});
