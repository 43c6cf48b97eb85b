// `npm start` stopped with Ctrl-C and started again while a second agent on the machine runs on (it
// reconnects first): the apps of npm start's agent stay where they are and are adopted by it, not
// moved to the second agent. The scheduler gives agents time to reconnect after its own start, as
// after a Redis outage (npm start restarts Redis with it).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { answers, buildTestImage, removeTestImage, startCluster, tickerDockerfile, type Cluster } from './harness.js';

const infraMissing = inject('infraMissing');

describe.skipIf(infraMissing !== null)('npm start stopped and started again while a second agent runs on', () => {
  const image = `draas-test/local-restart:${randomBytes(4).toString('hex')}`;
  let cluster: Cluster;

  beforeAll(async () => {
    await buildTestImage(image, tickerDockerfile('kept-across-restarts'));
    cluster = await startCluster(inject('redisUrl'));
  });
  afterAll(async () => {
    await cluster?.close();
    await removeTestImage(image).catch(() => undefined);
  });

  it('the app stays on its agent and is adopted: it does not move to the agent that reconnected first', async () => {
    const keeperEnv = { HEARTBEAT_MS: '1000' };
    await cluster.startAgent('keeper', keeperEnv);
    const created = await cluster.deployImage({ image });
    const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running');
    expect(running.instances[0]?.agentId).toBe('keeper');
    await cluster.startAgent('second', { HEARTBEAT_MS: '1000' });

    // Ctrl-C: the scheduler and its agent stop; the second agent (another terminal) runs on. They
    // come back a while later, longer than three of the agent's heartbeats.
    await cluster.scheduler.stop('SIGTERM');
    await cluster.agents.get('keeper')?.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 4000));
    await cluster.restartScheduler('SIGTERM');
    await cluster.startAgent('keeper', keeperEnv);

    await new Promise((r) => setTimeout(r, 3000)); // a few sweeps: time to (wrongly) reap it
    const after = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running after the restart');
    expect(after.instances[0]).toMatchObject({ agentId: 'keeper', attempt: 1, containerId: running.instances[0]?.containerId });
    await answers(after.urls[0] as string, 'kept-across-restarts');
  });
});
