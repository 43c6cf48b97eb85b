// The agent end to end, with this test playing the scheduler: records in Redis, jobs on the agent's
// deploy queue, control messages on its channel; outcomes read back from Docker, HTTP and Redis.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { containerName, ControlCommand, Heartbeat, JobIds, LogBatch, parseJsonWith } from '@draas/queue-contracts';
import { startAgent, type AgentHandle } from './agent.js';
import { createLogger } from './logger.js';
import { deploymentRecord, deployJob, instanceRecord } from './testing/fixtures.js';
import { BASE_IMAGE, Harness, waitFor } from './testing/harness.js';

const infraMissing = inject('infraMissing');

describe.skipIf(infraMissing !== null)('agent (real Redis and Docker)', () => {
  let h: Harness;
  let agent: AgentHandle;
  let webImage: string;
  let healthPort: number;

  beforeAll(async () => {
    h = new Harness(inject('redisUrl'));
    webImage = await h.buildImage(
      'agent-web',
      [
        `FROM ${BASE_IMAGE}`,
        'RUN mkdir -p /www && echo "hello from draas" > /www/index.html',
        'EXPOSE 8080',
        // One line on each stream, a progress line with \r, then serve.
        `CMD ["sh", "-c", "echo started on stdout; echo oops on stderr >&2; printf '10%%\\r50%%\\r100%%\\n'; exec httpd -f -p 8080 -h /www"]`,
      ].join('\n'),
    );
    healthPort = 20_000 + Math.floor(Math.random() * 20_000);
    agent = await startAgent(h.config({ healthHost: '127.0.0.1', healthPort }), { logger: createLogger('warn') });
  });

  afterAll(async () => {
    await agent?.close();
    await h?.cleanup();
  });

  it('heartbeats at once: stored snapshot, agents set and pub/sub, on the Redis clock', async () => {
    const raw = await h.redis.get(h.keys.agent(h.agentId));
    const beat = parseJsonWith(Heartbeat, raw);
    expect(beat).not.toBeNull();
    expect(beat).toMatchObject({ agentId: h.agentId, address: '127.0.0.1', heartbeatMs: 500 });
    expect(await h.redis.sismember(h.keys.agents, h.agentId)).toBe(1);

    const sub = new Redis(h.redisUrl);
    try {
      const received = new Promise<string>((resolve) => sub.on('message', (_channel, message: string) => resolve(message)));
      await sub.subscribe(h.channels.heartbeats);
      const live = parseJsonWith(Heartbeat, await received);
      const [seconds] = await h.redis.time();
      expect(live?.agentId).toBe(h.agentId);
      expect(Math.abs((live?.sentAt ?? 0) - Number(seconds) * 1000)).toBeLessThan(5000);
      expect(live?.versions.docker).toMatch(/^\d+\.\d+/);
    } finally {
      sub.disconnect();
    }
  });

  it('answers /healthz', async () => {
    const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', agentId: h.agentId, redis: 'ok', docker: 'ok' });
  });

  it('runs a deploy job: limits, labels, a URL that answers, logs shipped; adopts on a repeat; stops on control', async () => {
    const deploymentId = 'web000000001';
    const job = deployJob({ deploymentId, agentId: h.agentId, attempt: 1, image: webImage, spec: { ...deployJob().spec, env: { GREETING: 'hi' }, ports: [{ containerPort: 8080, protocol: 'tcp' }] } });
    await h.writeRecords(deploymentRecord({ id: deploymentId }), [instanceRecord({ deploymentId, agentId: h.agentId, attempt: 1 })]);

    const logSub = new Redis(h.redisUrl);
    const batches: LogBatch[] = [];
    logSub.on('message', (_channel, message: string) => {
      const batch = parseJsonWith(LogBatch, message);
      if (batch) batches.push(batch);
    });
    await logSub.subscribe(h.channels.logs(deploymentId));

    try {
      await h.addDeployJob(job, JobIds.deploy(deploymentId, 0, 1));
      const running = await h.waitForReport((r) => r.deploymentId === deploymentId && r.status === 'running', 'running');
      const statuses = h.reports.filter((r) => r.deploymentId === deploymentId).map((r) => r.status);
      expect(statuses.slice(0, 2)).toEqual(['starting', 'running']);
      expect(running).toMatchObject({ agentId: h.agentId, attempt: 1, index: 0, exitCode: null, error: null });
      expect(running.urls).toHaveLength(1);
      expect(running.urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(running.ports).toEqual([{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: expect.any(Number) }]);

      // What the user gets: the page, on the published URL.
      const body = await waitFor('the URL to answer', async () => (await fetch(running.urls[0] as string)).text(), 15_000);
      expect(body).toContain('hello from draas');

      // What Docker was told.
      const info = await h.docker.getContainer(containerName(deploymentId, 0)).inspect();
      expect(info.Id).toBe(running.containerId);
      expect(info.Config.Labels).toMatchObject({
        'draas.managed': 'true',
        'draas.deployment': deploymentId,
        'draas.instance': '0',
        'draas.attempt': '1',
        'draas.agent': h.agentId,
      });
      expect(info.Config.Env).toContain('GREETING=hi');
      expect(info.HostConfig).toMatchObject({
        Memory: 64 * 1024 ** 2,
        MemorySwap: 64 * 1024 ** 2,
        NanoCpus: 250_000_000,
        PidsLimit: 512,
        Privileged: false,
        SecurityOpt: ['no-new-privileges'],
        NetworkMode: 'bridge',
        RestartPolicy: { Name: 'no' },
        LogConfig: { Type: 'local', Config: { 'max-size': '20m', 'max-file': '5' } },
      });
      expect(info.HostConfig.Binds ?? []).toEqual([]);

      // Logs: in the history, split per stream, \r progress made readable, and announced live with ids.
      const lines = await waitFor('three log lines', async () => {
        const all = await h.logLines(deploymentId);
        return all.length >= 3 ? all : null;
      }, 30_000);
      expect(lines.map((l) => [l.stream, l.line])).toEqual(
        expect.arrayContaining([
          ['stdout', 'started on stdout'],
          ['stderr', 'oops on stderr'],
          ['stdout', '100%'],
        ]),
      );
      expect(lines.every((l) => l.phase === 'run' && l.instance === 0)).toBe(true);
      await waitFor('live log batches', async () => batches.flatMap((b) => b.lines).length >= 3, 30_000);
      expect(batches.flatMap((b) => b.lines.map((l) => l.id)).sort()).toEqual(lines.map((l) => l.id).sort());

      // The same instance and attempt again: adopted, never a second container.
      await h.addDeployJob(job, 'deploy-again');
      const again = await h.finishedJob('deploy-again');
      expect(again.state).toBe('completed');
      expect(again.job.returnvalue).toMatchObject({ outcome: 'running', containerId: running.containerId });
      expect((await h.containers()).filter((c) => c.Labels['draas.deployment'] === deploymentId)).toHaveLength(1);

      // Cancel as the scheduler does: desired state first, then the prompt.
      await h.writeRecords(deploymentRecord({ id: deploymentId, desired: 'cancelled' }), [
        instanceRecord({ deploymentId, agentId: h.agentId, attempt: 1, status: 'running', containerId: running.containerId }),
      ]);
      const stop: ControlCommand = { type: 'control', version: 1, command: 'stop', deploymentId, index: 0, attempt: 1, graceSeconds: 1 };
      await h.redis.publish(h.channels.control(h.agentId), JSON.stringify(stop));
      const cancelled = await h.waitForReport((r) => r.deploymentId === deploymentId && r.status === 'cancelled', 'cancelled');
      expect(cancelled.containerId).toBe(running.containerId);
      expect(await h.docker.getContainer(running.containerId as string).inspect().catch((e: { statusCode?: number }) => e.statusCode)).toBe(404);
      // The exit caused by the stop is not reported as an end of the workload.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(h.reports.filter((r) => r.deploymentId === deploymentId && (r.status === 'exited' || r.status === 'failed'))).toEqual([]);
    } finally {
      logSub.disconnect();
    }
  });

  it('reports an image that is neither local nor pullable as failed, without retrying', async () => {
    const deploymentId = 'nope00000001';
    const image = `draas-test/not-here:${h.id}`;
    await h.writeRecords(deploymentRecord({ id: deploymentId }), [instanceRecord({ deploymentId, agentId: h.agentId, attempt: 1 })]);
    await h.addDeployJob(deployJob({ deploymentId, agentId: h.agentId, attempt: 1, image }), 'missing-image');
    const failed = await h.waitForReport((r) => r.deploymentId === deploymentId && r.status === 'failed', 'failed');
    expect(failed.error).toMatch(new RegExp(`^image ${image} is not on this agent's engine and could not be fetched: pull: .+`));
    const { state, job } = await h.finishedJob('missing-image');
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(await h.containers()).toEqual([]);
  });

  it('reports how a container ended: exit code, out of memory, with its last log line', async () => {
    const exitImage = await h.buildImage('agent-exit', `FROM ${BASE_IMAGE}\nCMD ["sh", "-c", "sleep 1; echo bye; exit 3"]`);
    const oomImage = await h.buildImage('agent-oom', `FROM ${BASE_IMAGE}\nCMD ["sh", "-c", "sleep 1; x=$(head -c 60000000 /dev/zero | tr '\\\\0' a); echo \${#x}"]`);
    const cases = [
      { deploymentId: 'exit00000003', image: exitImage, memoryBytes: 64 * 1024 ** 2 },
      { deploymentId: 'oom000000001', image: oomImage, memoryBytes: 8 * 1024 ** 2 },
    ];
    for (const c of cases) {
      await h.writeRecords(deploymentRecord({ id: c.deploymentId }), [instanceRecord({ deploymentId: c.deploymentId, agentId: h.agentId, attempt: 1 })]);
      await h.addDeployJob(deployJob({ deploymentId: c.deploymentId, agentId: h.agentId, attempt: 1, image: c.image, spec: { ...deployJob().spec, memoryBytes: c.memoryBytes } }), `end-${c.deploymentId}`);
    }
    const exited = await h.waitForReport((r) => r.deploymentId === 'exit00000003' && r.status === 'failed', 'exit 3');
    expect(exited).toMatchObject({ exitCode: 3, error: 'exited with code 3' });
    expect((await h.logLines('exit00000003')).map((l) => l.line)).toContain('bye');
    const oom = await h.waitForReport((r) => r.deploymentId === 'oom000000001' && r.status === 'failed', 'out of memory');
    expect(oom).toMatchObject({ exitCode: 137, error: 'killed: out of memory (limit 8m)' });
    // The job completed when the container ran; the end came later, through the events stream.
    expect(h.reports.filter((r) => r.deploymentId === 'exit00000003').map((r) => r.status)).toEqual(['starting', 'running', 'failed']);
  });
});
