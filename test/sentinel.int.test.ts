// Redis with Sentinel (high availability): a primary, a replica and Debian's redis-sentinel,
// all with the project's redis.conf and ACL password. The scheduler and the agent find the primary
// through REDIS_SENTINELS; the primary is SIGKILLed, Sentinel promotes the replica, and both follow
// it by themselves: the app keeps running and a new deployment is placed and runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sentinelOptions } from '@draas/queue-contracts/runtime';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, REPO_ROOT, startLocalRedis, type LocalRedis } from '../scripts/local-redis.js';
import { answers, buildTestImage, removeTestImage, startCluster, tickerDockerfile, waitFor } from './harness.js';

const infraMissing = inject('infraMissing');

describe.skipIf(infraMissing !== null)('Redis with Sentinel', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-sentinel-'));
  const password = randomBytes(24).toString('hex');
  let [primaryPort, replicaPort, sentinelPort] = [0, 0, 0];
  const image = `draas-test/sentinel:${randomBytes(4).toString('hex')}`;
  let primary: LocalRedis | null = null;
  let replica: LocalRedis | null = null;
  let sentinel: ChildProcess | null = null;

  /** A data folder that already holds the shared password, so that both servers accept the same login. */
  const dataDir = (name: string) => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(d, 'redis.password'), password, { mode: 0o600 });
    return d;
  };

  beforeAll(async () => {
    await buildTestImage(image, tickerDockerfile('behind-sentinel'));
    [primaryPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
    primary = await startLocalRedis({ dataDir: dataDir('primary'), port: primaryPort, persistent: true });
    replica = await startLocalRedis({
      dataDir: dataDir('replica'),
      port: replicaPort,
      persistent: true,
      extraArgs: ['--replicaof', '127.0.0.1', String(primaryPort), '--masteruser', 'draas', '--masterauth', password],
    });
    const conf = path.join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `logfile ${path.join(dir, 'sentinel.log')}`,
        `requirepass ${password}`,
        `sentinel monitor mymaster 127.0.0.1 ${primaryPort} 1`,
        'sentinel down-after-milliseconds mymaster 1000',
        'sentinel failover-timeout mymaster 10000',
        'sentinel auth-user mymaster draas',
        `sentinel auth-pass mymaster ${password}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    sentinel = spawn('redis-sentinel', [conf], { stdio: 'ignore' });
    const replicaClient = new Redis(replica.url);
    try {
      await waitFor('the replica in sync', async () => /master_link_status:up/.test(await replicaClient.info('replication')), 20_000, 100);
    } finally {
      replicaClient.disconnect();
    }
  }, 60_000);

  afterAll(async () => {
    sentinel?.kill('SIGTERM');
    await replica?.stop();
    await primary?.stop();
    rmSync(dir, { recursive: true, force: true });
    await removeTestImage(image);
  });

  it('follows a failover by itself: the app keeps running and new work is placed', async () => {
    const target = { url: primary?.url as string, sentinels: [{ host: '127.0.0.1', port: sentinelPort }], sentinelName: 'mymaster' };
    const sentinelClient = new Redis({ host: '127.0.0.1', port: sentinelPort, password });
    const where = async () => ((await sentinelClient.call('SENTINEL', 'get-master-addr-by-name', 'mymaster')) as string[] | null)?.[1];
    await waitFor('Sentinel to know the replica', async () => ((await sentinelClient.call('SENTINEL', 'replicas', 'mymaster')) as unknown[]).length === 1, 20_000, 200);
    const env = { REDIS_SENTINELS: `127.0.0.1:${sentinelPort}` };
    const cluster = await startCluster(primary?.url as string, env, new Redis({ ...sentinelOptions(target), maxRetriesPerRequest: null }));
    try {
      await cluster.startAgent('steady', env);
      const first = await cluster.deployImage({ image });
      const running = await cluster.waitForDeployment(first.id, (d) => d.status === 'running', 'running');
      expect(await where()).toBe(String(primaryPort));

      primary?.process.kill('SIGKILL');
      if (primary) await once(primary.process, 'exit');
      await waitFor('Sentinel to promote the replica', async () => (await where()) === String(replicaPort), 30_000, 200);

      // New work flows through the new primary: the API, placement, the agent's queue and reports.
      const second = await cluster.deployImage({ image });
      const placed = await cluster.waitForDeployment(second.id, (d) => d.status === 'running', 'running after the failover', 60_000);
      await answers(placed.urls[0] as string, 'behind-sentinel');
      const still = await cluster.deployment(first.id);
      expect(still.status).toBe('running');
      expect(still.instances[0]?.containerId).toBe(running.instances[0]?.containerId);
      await answers(still.urls[0] as string, 'behind-sentinel');
      expect((await cluster.agentsOnline()).map((a) => a.agentId)).toEqual(['steady']);
      // Sentinel rewrote the promoted server's config file: its own, never the project's redis.conf.
      expect(readFileSync(path.join(REPO_ROOT, 'redis.conf'), 'utf8')).not.toContain('CONFIG REWRITE');
      expect(readFileSync(path.join(dir, 'replica', 'redis-server.conf'), 'utf8')).toContain('CONFIG REWRITE');
    } finally {
      sentinelClient.disconnect();
      await cluster.close();
    }
  }, 180_000);
});
