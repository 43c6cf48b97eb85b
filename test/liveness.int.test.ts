// Machines die and processes crash (docs/ARCHITECTURE.md, Liveness): agents are separate processes that
// these tests SIGKILL, SIGSTOP and start again; the scheduler too.
import { randomBytes } from 'node:crypto';
import { ClusterEvent, Labels, type DeploymentView } from '@draas/queue-contracts';
import { readSse, SseParser } from '../apps/client-cli/src/follow/sse-parser.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { answers, buildTestImage, docker, removeTestImage, startCluster, tickerDockerfile, ticks, waitFor, type Cluster } from './harness.js';
import { makeZip } from './zip-fixtures.js';

const infraMissing = inject('infraMissing');

/** Containers of a deployment on this engine, running or not. */
async function containersOf(id: string) {
  return docker.listContainers({ all: true, filters: { label: [`${Labels.deployment}=${id}`] } });
}

// The deployment's status follows its instances' a moment later (docs/ARCHITECTURE.md, Status): wait for both.
const runningOn = (d: DeploymentView, agentId: string) =>
  d.status === 'running' && d.instances.length > 0 && d.instances.every((i) => i.status === 'running' && i.agentId === agentId);

describe.skipIf(infraMissing !== null)('liveness and recovery', () => {
  let cluster: Cluster;
  const image = `draas-test/ticker:${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await buildTestImage(image, tickerDockerfile('ticker-page'));
    cluster = await startCluster(inject('redisUrl'));
  });
  afterAll(async () => {
    await cluster?.close();
    await removeTestImage(image);
  });

  it('replaces an instance on another agent when its agent is SIGKILLed', async () => {
    const events = await openEvents(cluster);
    await cluster.startAgent('doomed', { AGENT_LABELS: 'role=first' });
    const created = await cluster.deployImage({ image, constraints: ['role=first'], restart: 'on-failure' });
    const first = await cluster.waitForDeployment(created.id, (d) => runningOn(d, 'doomed'), 'running on doomed');
    await answers(first.urls[0] as string, 'ticker-page');

    // A second agent that fits as well; the first one then dies with the instance on it.
    await cluster.startAgent('survivor', { AGENT_LABELS: 'role=first' });
    const killedAt = Date.now();
    await cluster.agents.get('doomed')?.stop('SIGKILL');

    const replaced = await cluster.waitForDeployment(created.id, (d) => runningOn(d, 'survivor') && d.instances[0]?.attempt === 2, 'replaced on survivor', 30_000);
    const failoverMs = Date.now() - killedAt;
    expect(replaced.status).toBe('running');
    expect(replaced.instances[0]?.containerId).not.toBe(first.instances[0]?.containerId);
    await answers(replaced.urls[0] as string, 'ticker-page');
    const log = (await cluster.json<{ lines: { line: string }[] }>(`/api/deployments/${created.id}/logs?limit=10000`)).lines.map((l) => l.line);
    expect(log).toContainEqual(expect.stringMatching(/instance 0 \(attempt 1\) lost: agent doomed stopped answering/));
    expect(log).toContainEqual(expect.stringMatching(/instance 0 restarting, attempt 2 now: its agent was lost/));
    const agents = await cluster.json<{ agents: { agentId: string; state: string }[] }>('/api/agents');
    expect(agents.agents.find((a) => a.agentId === 'doomed')?.state).toBe('offline');
    // Heartbeats every 500 ms, offline after 3 missed: the replacement runs within a few seconds.
    expect(failoverMs).toBeLessThan(15_000);

    // The live event stream told the story as it happened.
    await waitFor('the events to arrive', async () => events.seen.some((e) => e.type === 'agent' && e.agentId === 'doomed' && e.state === 'offline'), 5000);
    events.close();
    const kinds = events.seen.map((e) => (e.type === 'agent' ? `agent ${e.agentId} ${e.state}` : e.type === 'app' ? `app ${e.name}` : `deployment ${e.status}`));
    expect(kinds).toEqual(expect.arrayContaining(['agent doomed online', 'deployment running', 'agent doomed offline']));
    expect(events.heartbeats).toBeGreaterThan(0);
  });

  it('stops a stale attempt when its agent comes back, and runs the new attempt there', async () => {
    await cluster.startAgent('lonely', { AGENT_LABELS: 'role=lonely' });
    const created = await cluster.deployImage({ image, constraints: ['role=lonely'], restart: 'on-failure' });
    const first = await cluster.waitForDeployment(created.id, (d) => runningOn(d, 'lonely'), 'running on lonely');
    const oldContainer = first.instances[0]?.containerId as string;

    await cluster.agents.get('lonely')?.stop('SIGKILL');
    // No other agent has the label: the next attempt waits, while the old container still runs.
    const waiting = await cluster.waitForDeployment(created.id, (d) => d.instances[0]?.attempt === 2 && d.instances[0]?.status === 'pending', 'waiting for attempt 2', 30_000);
    expect(waiting.status).toBe('pending');
    expect((await containersOf(created.id)).map((c) => c.Id)).toEqual([oldContainer]);

    await cluster.startAgent('lonely', { AGENT_LABELS: 'role=lonely' });
    const again = await cluster.waitForDeployment(created.id, (d) => runningOn(d, 'lonely') && d.instances[0]?.attempt === 2, 'attempt 2 running', 30_000);
    await answers(again.urls[0] as string, 'ticker-page');
    const containers = await containersOf(created.id);
    expect(containers.map((c) => c.Id)).toEqual([again.instances[0]?.containerId]);
    expect(containers[0]?.Labels[Labels.attempt]).toBe('2');
  });

  it('adopts its running containers when the agent restarts, and the logs resume', async () => {
    // A 10 s heartbeat: a closed connection makes the agent offline after 5 s, so the restart below
    // (1.5 s plus start-up) comes back in time to adopt rather than be replaced.
    await cluster.startAgent('phoenix', { AGENT_LABELS: 'role=phoenix', HEARTBEAT_MS: '10000' });
    const created = await cluster.deployImage({ image, constraints: ['role=phoenix'] });
    const before = await cluster.waitForDeployment(created.id, (d) => runningOn(d, 'phoenix'), 'running on phoenix');
    await waitFor('a few ticks in the log', async () => (await ticks(cluster, created.id)).length >= 5, 10_000);

    await cluster.agents.get('phoenix')?.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500)); // ticks printed while nobody follows
    await cluster.startAgent('phoenix', { AGENT_LABELS: 'role=phoenix', HEARTBEAT_MS: '10000' });

    const after = await cluster.waitForDeployment(created.id, (d) => runningOn(d, 'phoenix'), 'running on phoenix again');
    expect(after.instances[0]?.containerId).toBe(before.instances[0]?.containerId);
    expect(after.instances[0]?.attempt).toBe(1);
    expect((await containersOf(created.id)).length).toBe(1);
    await answers(after.urls[0] as string, 'ticker-page');
    // Ticks continue with no number missing: the agent caught up from where it stopped shipping.
    const seen = await waitFor('ticks after the restart', async () => {
      const n = await ticks(cluster, created.id);
      return n.length > 0 && (n.at(-1) as number) > 40 ? n : null;
    }, 20_000);
    const unique = [...new Set(seen)];
    expect(unique).toEqual(Array.from({ length: unique.length }, (_, i) => (unique[0] as number) + i));
  });

  it('finishes a build after the scheduler is SIGKILLed in the middle of it', async () => {
    await cluster.startAgent('builder-target', { AGENT_LABELS: 'role=build' });
    const zip = makeZip([
      { name: 'Dockerfile', data: `FROM draas/busybox:local\nRUN echo slow build starts && sleep 4 && echo slow build ends\n${tickerDockerfile('rebuilt').split('\n').slice(1).join('\n')}\n` },
    ]);
    const created = await cluster.upload(zip, { name: 'crash-build', constraints: '["role=build"]' });
    await cluster.waitForDeployment(created.id, (d) => d.status === 'building', 'building');
    await waitFor('the slow step to start', async () => {
      const lines = (await cluster.json<{ lines: { line: string }[] }>(`/api/deployments/${created.id}/logs`)).lines;
      return lines.some((l) => l.line.includes('slow build starts'));
    }, 20_000);

    await cluster.restartScheduler('SIGKILL');

    const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running after the crash', 90_000);
    expect(running.image).toBe(`draas/crash-build:${created.id}`);
    await answers(running.urls[0] as string, 'rebuilt');
  });
});

describe.skipIf(infraMissing !== null)('noticing a dead agent', () => {
  it('calls an agent whose process died offline half a heartbeat period after, not three periods', async () => {
    const cluster = await startCluster(inject('redisUrl'));
    try {
      await cluster.startAgent('slow-beats', { HEARTBEAT_MS: '3000' });
      await new Promise((r) => setTimeout(r, 1000)); // the scheduler's sweeps have seen its connection open
      const killed = Date.now();
      await cluster.agents.get('slow-beats')?.stop('SIGKILL');
      await waitFor('the agent to be offline', async () => !(await cluster.agentsOnline()).some((a) => a.agentId === 'slow-beats'), 15_000, 50);
      const noticed = Date.now() - killed;
      // Three missed beats would be 9 s; a connection closed for half a period is 1.5 s (plus a 250 ms sweep).
      expect(noticed).toBeGreaterThanOrEqual(1_300);
      expect(noticed).toBeLessThan(3_000);
    } finally {
      await cluster.close();
    }
  }, 60_000);
});

describe.skipIf(infraMissing !== null)('stopping with SIGTERM', () => {
  it('lets the scheduler and an agent finish and exit promptly, even with streams open, and keeps containers running', async () => {
    const image = `draas-test/term:${randomBytes(4).toString('hex')}`;
    await buildTestImage(image, tickerDockerfile('still-here'));
    const cluster = await startCluster(inject('redisUrl'));
    try {
      const agent = await cluster.startAgent('polite');
      const created = await cluster.deployImage({ image });
      const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
      const events = await openEvents(cluster);
      const logs = await cluster.api(`/api/deployments/${created.id}/logs?follow=1`);
      expect(logs.status).toBe(200);

      let started = Date.now();
      await agent.stop('SIGTERM');
      expect(agent.child.exitCode).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      await answers(running.urls[0] as string, 'still-here'); // the container outlives its agent

      started = Date.now();
      await cluster.scheduler.stop('SIGTERM');
      expect(cluster.scheduler.child.exitCode).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      await waitFor('the scheduler to end the event stream', async () => events.ended, 5000);
    } finally {
      await cluster.close();
      await removeTestImage(image);
    }
  });
});

/** Follows GET /api/events, collecting cluster events and counting heartbeats. */
async function openEvents(cluster: Cluster) {
  const controller = new AbortController();
  const res = await cluster.api('/api/events', { signal: controller.signal });
  expect(res.status).toBe(200);
  const out = { seen: [] as ClusterEvent[], heartbeats: 0, ended: false, close: () => controller.abort() };
  void (async () => {
    try {
      for await (const event of readSse(res.body as ReadableStream<Uint8Array>, new SseParser())) {
        if (event.event === 'heartbeat') out.heartbeats++;
        else if (event.event === 'agent' || event.event === 'deployment') out.seen.push(ClusterEvent.parse(JSON.parse(event.data)));
      }
    } catch {
      // Hung up by us (close) or by the server (it stopped): either way the stream is over.
    } finally {
      out.ended = true;
    }
  })();
  return out;
}

/** The tick numbers in the deployment's run log, in order. */
