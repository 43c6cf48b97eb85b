// An agent that goes away and comes back: containers kept running, the truth reported, unwanted
// containers removed, logs resumed where they stopped. Real Redis and Docker; this test plays the scheduler.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { containerName, JobIds, type ControlCommand, type InstanceReport } from '@draas/queue-contracts';
import { startAgent, type AgentHandle } from '../agent.js';
import { createLogger } from '../logger.js';
import { deploymentRecord, deployJob, instanceRecord } from '../testing/fixtures.js';
import { BASE_IMAGE, Harness, waitFor } from '../testing/harness.js';

const infraMissing = inject('infraMissing');

describe.skipIf(infraMissing !== null)('reconcile after a restart (real Redis and Docker)', () => {
  let h: Harness;
  let agent: AgentHandle | null = null;
  let tickImage: string;
  let shortImage: string;
  // A long periodic interval: whatever happens below happens because of start-up or a prompt.
  const start = () => startAgent(h.config({ reconcileMs: 120_000 }), { logger: createLogger('warn') });

  beforeAll(async () => {
    h = new Harness(inject('redisUrl'));
    tickImage = await h.buildImage('agent-tick', `FROM ${BASE_IMAGE}\nCMD ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"]`);
    shortImage = await h.buildImage('agent-short', `FROM ${BASE_IMAGE}\nCMD ["sh", "-c", "sleep 2; echo done"]`);
  });

  afterAll(async () => {
    await agent?.close();
    await h?.cleanup();
  });

  /** Deploys one instance (attempt 1) and records it as running, as the scheduler would. */
  async function deployRunning(deploymentId: string, image: string): Promise<InstanceReport> {
    await h.writeRecords(deploymentRecord({ id: deploymentId }), [instanceRecord({ deploymentId, agentId: h.agentId, attempt: 1 })]);
    await h.addDeployJob(deployJob({ deploymentId, agentId: h.agentId, attempt: 1, image }), JobIds.deploy(deploymentId, 0, 1));
    const running = await h.waitForReport((r) => r.deploymentId === deploymentId && r.status === 'running', `${deploymentId} running`);
    await h.writeRecords(deploymentRecord({ id: deploymentId, status: 'running' }), [
      // The health it reported too: a record without one would be told it after the restart.
      instanceRecord({ deploymentId, agentId: h.agentId, attempt: 1, status: 'running', containerId: running.containerId, health: running.health ?? null }),
    ]);
    return running;
  }

  const ticks = async (deploymentId: string) =>
    (await h.logLines(deploymentId)).map((l) => /^tick (\d+)$/.exec(l.line)?.[1]).filter((n): n is string => n !== undefined).map(Number);

  it('keeps what is wanted, removes what is not, reports exits it missed, resumes logs without gaps', async () => {
    agent = await start();
    const kept = await deployRunning('keep00000001', tickImage);
    const cancelled = await deployRunning('cncl00000001', tickImage);
    const superseded = await deployRunning('supr00000001', tickImage);
    const ended = await deployRunning('ends00000001', shortImage);
    await waitFor('ticks before the restart', async () => (await ticks('keep00000001')).length >= 3, 30_000);

    await agent.close();
    agent = null;
    // Closing the agent leaves the workloads alone.
    expect((await h.docker.getContainer(kept.containerId as string).inspect()).State.Running).toBe(true);

    // Meanwhile, as the scheduler: one deployment cancelled, one instance re-placed as attempt 2.
    await h.writeRecords(deploymentRecord({ id: 'cncl00000001', desired: 'cancelled' }), []);
    await h.writeRecords(deploymentRecord({ id: 'supr00000001' }), [
      instanceRecord({ deploymentId: 'supr00000001', agentId: h.agentId, attempt: 2, status: 'scheduled' }),
    ]);
    const before = new Set(h.reports);
    await waitFor('the short container to end', async () => !(await h.docker.getContainer(ended.containerId as string).inspect()).State.Running, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // ticks printed while nobody follows

    agent = await start();
    const after = () => h.reports.filter((r) => !before.has(r));

    // The start-up pass already ran when startAgent resolved.
    expect((await h.containers()).map((c) => c.Id).sort()).toEqual([kept.containerId, ended.containerId].sort());
    const cancelReport = await h.waitForReport((r) => !before.has(r) && r.deploymentId === 'cncl00000001', 'cancelled report');
    expect(cancelReport).toMatchObject({ status: 'cancelled', attempt: 1, containerId: cancelled.containerId });
    const exitReport = await h.waitForReport((r) => !before.has(r) && r.deploymentId === 'ends00000001', 'exit report');
    expect(exitReport).toMatchObject({ status: 'exited', exitCode: 0, containerId: ended.containerId });
    // Its last words, printed while the agent was away, were caught up before the exit was reported.
    expect((await h.logLines('ends00000001')).map((l) => l.line)).toContain('done');
    // The superseded attempt goes silently; the kept one is already known as running: no report.
    expect(after().filter((r) => r.deploymentId === 'supr00000001' || r.deploymentId === 'keep00000001')).toEqual([]);
    expect(superseded.containerId).not.toBeNull();

    // Logs: the follower is back, and nothing printed while the agent was away is missing.
    const lastBefore = Math.max(...(await ticks('keep00000001')));
    await waitFor('ticks after the restart', async () => Math.max(...(await ticks('keep00000001'))) >= lastBefore + 10, 15_000);
    const shipped = await ticks('keep00000001');
    const max = Math.max(...shipped);
    const seen = new Set(shipped);
    const missing = Array.from({ length: max }, (_, i) => i + 1).filter((n) => !seen.has(n));
    expect(missing).toEqual([]);
    // Docker's `since` is whole seconds, so up to a second of lines may come twice, never more.
    expect(shipped.length - seen.size).toBeLessThanOrEqual(10);
  });

  it('acts on a reconcile prompt without waiting for the periodic pass', async () => {
    agent ??= await start();
    const [container] = (await h.containers()).filter((c) => c.Labels['draas.deployment'] === 'keep00000001');
    expect(container?.State).toBe('running');
    await h.writeRecords(deploymentRecord({ id: 'keep00000001' }), [
      instanceRecord({ deploymentId: 'keep00000001', agentId: 'someone-else', attempt: 2, status: 'scheduled' }),
    ]);
    const prompt: ControlCommand = { type: 'control', version: 1, command: 'reconcile' };
    await h.redis.publish(h.channels.control(h.agentId), JSON.stringify(prompt));
    await waitFor(
      'the re-placed instance to be removed here',
      async () => h.docker.getContainer(containerName('keep00000001', 0)).inspect().then(() => false, (e: { statusCode?: number }) => e.statusCode === 404),
      15_000,
    );
  });

  it('ignores a malformed control message and keeps listening', async () => {
    agent ??= await start();
    await h.redis.publish(h.channels.control(h.agentId), '{"type":"control","version":1,"command":"explode"}');
    await h.redis.publish(h.channels.control(h.agentId), 'not json');
    const summary = await agent.reconcile();
    expect(summary).toBeTypeOf('object');
    // A stop for an instance that never ran here, still expected here: confirmed as cancelled.
    await h.writeRecords(deploymentRecord({ id: 'none00000001', desired: 'cancelled' }), [
      instanceRecord({ deploymentId: 'none00000001', agentId: h.agentId, attempt: 1, status: 'scheduled' }),
    ]);
    const stop: ControlCommand = { type: 'control', version: 1, command: 'stop', deploymentId: 'none00000001', index: 0, attempt: 1, graceSeconds: 0 };
    await h.redis.publish(h.channels.control(h.agentId), JSON.stringify(stop));
    const report = await h.waitForReport((r) => r.deploymentId === 'none00000001', 'cancel confirmation', 10_000);
    expect(report).toMatchObject({ status: 'cancelled', containerId: null });
  });
});
