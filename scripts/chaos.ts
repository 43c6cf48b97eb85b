// `npm run chaos -- --minutes N`: DRaaS under a steady stream of deployments and cancels while a
// scheduler, an agent or Redis is SIGKILLed (and started again) every few seconds. Then, once things
// settle, it checks what must hold and exits non-zero when something does not:
//   - every deployment is running or terminal, and agrees with what Docker says;
//   - no instance has two live containers;
//   - an app that ran undisturbed from the start has every log line (within the cap), in order.
// Bounded in time (--minutes, at most 30) and count (at most 40 deployments alive); loopback only:
// its own Redis (append-only, on a free port), two schedulers, two agents: one on this Docker engine,
// one on a second engine (another machine, as in test/images.int.test.ts) that downloads the image
// from the schedulers, which are killed too.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Labels, type DeploymentView } from '@draas/queue-contracts';
import { buildTestImage, docker, removeTestImage, startCluster, tickerDockerfile, ticks, waitFor, type Cluster } from '../test/harness.js';
import { startSecondEngine, type SecondEngine } from '../test/second-engine.js';
import { buildApps } from './apps.js';
import { freePort, startLocalRedis, type LocalRedis } from './local-redis.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '2' }, seed: { type: 'string' } } });
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 30) throw new Error(`--minutes must be a number in (0, 30], got "${values.minutes}"`);

let state = Number(values.seed ?? Date.now()) >>> 0;
/** A small seeded generator (mulberry32), so that a run can be repeated with --seed. */
const random = (): number => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

const MAX_ALIVE = 40;
const AGENTS = ['chaos-a', 'chaos-b'];
/** chaos-b runs on the second engine. */
const agentEnv = (id: string, engine: SecondEngine): Record<string, string> =>
  id === 'chaos-b'
    ? { HEARTBEAT_MS: '1000', DOCKER_HOST: engine.dockerHost, AGENT_IP: engine.publishIp, AGENT_PUBLISH_IP: engine.publishIp }
    : { HEARTBEAT_MS: '1000' };

async function main(): Promise<number> {
  buildApps();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-chaos-'));
  const port = await freePort();
  let redis: LocalRedis = await startLocalRedis({ dataDir: dir, port, persistent: true });
  const image = `draas-chaos/ticker:${Date.now().toString(36)}`;
  await buildTestImage(image, tickerDockerfile('chaos'));
  const engine = await startSecondEngine();
  const cluster: Cluster = await startCluster(redis.url);
  const kills: string[] = [];
  const created: string[] = [];
  const cancelled = new Set<string>();
  try {
    await cluster.addScheduler();
    for (const id of AGENTS) await cluster.startAgent(id, agentEnv(id, engine));
    say(`seed ${values.seed ?? '(time)'}; running ${minutes} min`);

    const deadline = Date.now() + minutes * 60_000;
    let nextKill = Date.now() + 3000;
    while (Date.now() < deadline) {
      // Work: deploy (while fewer than MAX_ALIVE), sometimes cancel one. Failures while a part is down are expected.
      try {
        if (created.length - cancelled.size < MAX_ALIVE) {
          // Small: two agents on a small machine hold every one of them (capacity is not what is tested).
          const d = await cluster.deployImage({ image, replicas: 1 + Math.floor(random() * 2), restart: 'on-failure', cpus: 0.01, memory: '16m' });
          created.push(d.id);
        }
        if (random() < 0.3 && created.length) {
          const id = pick(created);
          if (!cancelled.has(id) && (await cluster.api(`/api/deployments/${id}/cancel`, { method: 'POST' })).ok) cancelled.add(id);
        }
      } catch (err) {
        say(`request failed (a part is down?): ${(err as Error).message.split('\n')[0]}`);
      }
      if (Date.now() >= nextKill) {
        const victim = pick(['scheduler', 'agent', 'redis'] as const);
        kills.push(victim);
        if (victim === 'scheduler') {
          say('SIGKILL the first scheduler, start it again');
          await cluster.restartScheduler('SIGKILL');
        } else if (victim === 'agent') {
          const id = pick(AGENTS);
          say(`SIGKILL agent ${id}, start it again`);
          await cluster.agents.get(id)?.stop('SIGKILL');
          await cluster.startAgent(id, agentEnv(id, engine));
        } else {
          say('SIGKILL Redis, start it again on its append-only file');
          redis.process.kill('SIGKILL');
          await once(redis.process, 'exit');
          await sleep(500 + random() * 1500);
          redis = await startLocalRedis({ dataDir: dir, port, persistent: true });
        }
        nextKill = Date.now() + 3000 + random() * 4000;
      }
      await sleep(200 + random() * 600);
    }

    say(`chaos over: ${created.length} deployments, ${cancelled.size} cancelled, kills: ${kills.join(', ') || 'none'}; letting it settle`);
    // An instance waiting out its restart back-off (after repeated losses) is where it should be.
    const instanceSettled = (i: DeploymentView['instances'][number]) =>
      ['running', 'cancelled', 'failed', 'exited', 'lost'].includes(i.status) || (i.status === 'pending' && i.restartAt !== null);
    const settled = (d: DeploymentView) => ['running', 'cancelled', 'failed', 'exited'].includes(d.status) && d.instances.every(instanceSettled);
    const views = await waitFor('every deployment running or ended', async () => {
      const all = await Promise.all(created.map((id) => cluster.deployment(id)));
      return all.every(settled) ? all : null;
    }, 120_000, 1000).catch(async () => Promise.all(created.map((id) => cluster.deployment(id))));
    await sleep(3000); // reconcile passes stop what is no longer wanted

    const problems: string[] = [];
    for (const d of views) {
      if (!settled(d)) problems.push(`${d.id}: still ${d.status} (${d.instances.map((i) => `${i.status} attempt ${i.attempt} on ${i.agentId}${i.error ? `: ${i.error}` : ''}`).join('; ')}; ${d.error ?? ''})`);
      const filters = { label: [`${Labels.deployment}=${d.id}`] };
      const live = [...(await docker.listContainers({ filters })), ...(await engine.docker.listContainers({ filters }))];
      for (const i of d.instances) {
        const mine = live.filter((c) => c.Labels[Labels.instance] === String(i.index));
        if (mine.length > 1) problems.push(`${d.id}/${i.index}: ${mine.length} live containers`);
        if (i.status === 'running' && (mine.length !== 1 || mine[0]?.Id !== i.containerId)) problems.push(`${d.id}/${i.index}: running in DRaaS, Docker has ${mine.map((c) => c.Id.slice(0, 12)).join(',') || 'none'}`);
        if (i.status !== 'running' && mine.length) problems.push(`${d.id}/${i.index}: ${i.status} in DRaaS, yet a live container in Docker`);
      }
      if (d.status === 'running' && d.instances.length === 1 && d.instances[0]?.attempt === 1) {
        const printed = await ticks(cluster, d.id);
        const first = printed[0] ?? 1;
        const gap = printed.findIndex((n, k) => n !== first + k);
        if (gap >= 0) problems.push(`${d.id}: log line "tick ${first + gap}" missing or out of order (got ${printed[gap]})`);
      }
    }
    const online = (await cluster.agentsOnline()).map((a) => a.agentId);
    for (const id of AGENTS.filter((a) => !online.includes(a))) {
      problems.push(`agent ${id} is offline at the end; its last output:\n    ${(cluster.agents.get(id)?.output.slice(-12) ?? []).join('\n    ')}`);
    }
    if (problems.length) {
      say(`FAILED: ${problems.length} problem(s)`);
      for (const p of problems) say(`  ${p}`);
      return 1;
    }
    const perAgent = AGENTS.map((id) => `${id} ${views.flatMap((d) => d.instances).filter((i) => i.agentId === id).length}`).join(', ');
    say(`OK: ${views.length} deployments agree with Docker (instances last placed on ${perAgent}), no instance has two containers, undisturbed logs are whole`);
    return 0;
  } finally {
    await cluster.close().catch((err: Error) => say(`cleanup: ${err.message}`));
    await engine.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
    await removeTestImage(image);
  }
}

process.exitCode = await main();
