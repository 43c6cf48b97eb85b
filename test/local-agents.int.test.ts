// Several agents on one machine. Started as `npm run agent` is, from one working folder,
// with no settings at all (the Redis comes from the .draas/npm-start.json that `npm start` writes),
// two agents take a data folder, an id and a health port each, come online, share a deployment, and
// one restarted adopts its container. A port, folder or agent id that was set explicitly and is taken
// stops the start with a message naming the setting that fixes it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { agentConnectionName, AgentList, type AgentView } from '@draas/queue-contracts';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { appCommand, type App } from '../scripts/apps.js';
import { REPO_ROOT, startLocalRedis } from '../scripts/local-redis.js';
import { agentEnvironment, localRunFile, readLocalRun, waitForLocalRun, writeLocalRun } from '../scripts/local-run.js';
import { answers, buildTestImage, launch, type Proc, docker, removeContainers, removeTestImage, startCluster, tickerDockerfile, waitFor, type Cluster } from './harness.js';

const infraMissing = inject('infraMissing');
const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');

/** `npm run agent` in `cwd`, with only `env` (no REDIS_URL, no AGENT_* unless given). */
const npmRunAgent = (cwd: string, env: Record<string, string> = {}) => launch('npm run agent', TSX, ['--conditions=draas-source', path.join(REPO_ROOT, 'scripts/agent.ts')], cwd, env);

/** A compiled app, as npm start runs it. */
const runApp = (app: App, env: Record<string, string>) => {
  const [command, args] = appCommand(app);
  return launch(app, command, args, REPO_ROOT, { LOG_LEVEL: 'info', ...env });
};

/** What the agent said once ready: its id, health port and data folder. `seen` gets the id as soon as it is logged (for the clean-up). */
async function ready(proc: Proc, seen: Set<string>): Promise<{ agentId: string; healthPort: number; dataDir: string }> {
  return waitFor('the agent to be ready', async () => {
    for (const line of proc.output) {
      const id = /"agentId":"([^"]+)"/.exec(line)?.[1];
      if (id) seen.add(id);
    }
    if (proc.child.exitCode !== null) throw new Error(`agent exited: ${proc.output.join('\n')}`);
    const line = proc.output.find((l) => l.includes('"agent ready"'));
    return line ? (JSON.parse(line) as { agentId: string; healthPort: number; dataDir: string }) : null;
  }, 60_000, 100);
}

/** A loopback port held by this test (what another program holding it looks like). */
async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** Exits with code 1 and says `message` (the process must not start with the setting as it is). */
async function refusesToStart(proc: Proc, message: string): Promise<void> {
  const code = await Promise.race([proc.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 60_000))]);
  expect(code, proc.output.join('\n')).toBe(1);
  expect(proc.output.join('\n')).toContain(message);
}

describe('npm run agent: its environment', () => {
  const run = { pid: process.pid, redisUrl: 'redis://draas:pw@127.0.0.1:6380', redisPrefix: null, schedulerUrl: 'http://127.0.0.1:5000' };

  it('joins the npm start running here when REDIS_URL is unset, with loopback addresses like its agent', () => {
    const { env, note } = agentEnvironment({ PATH: '/bin' }, run);
    expect(env).toEqual({ PATH: '/bin', REDIS_URL: run.redisUrl, AGENT_IP: '127.0.0.1', AGENT_PUBLISH_IP: '127.0.0.1' });
    expect(note).toMatch(/^draas agent: joining the local DRaaS of npm start/);
    expect(note).not.toContain('pw');
    expect(agentEnvironment({ AGENT_IP: '10.0.0.7', REDIS_URL: '' }, { ...run, redisPrefix: 'mine' }).env).toMatchObject({ AGENT_IP: '10.0.0.7', REDIS_PREFIX: 'mine', REDIS_URL: run.redisUrl });
  });

  it('leaves a given REDIS_URL (other machines) as it is, and says where it connects when nothing runs here', () => {
    expect(agentEnvironment({ REDIS_URL: 'redis://10.0.0.1:6379' }, run)).toEqual({ env: { REDIS_URL: 'redis://10.0.0.1:6379' }, note: null });
    expect(agentEnvironment({}, null)).toEqual({ env: {}, note: expect.stringContaining('no `npm start` runs in this checkout') });
  });

  it('waits for an npm start that is (re)starting in the checkout, and not without one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-local-run-'));
    try {
      // Never ran here: nothing to wait for.
      expect(await waitForLocalRun({}, dir)).toBeNull();
      // Ran here before (its Redis folder is there) and is starting again: found once it writes its file.
      mkdirSync(path.join(dir, '.draas', 'redis'), { recursive: true });
      setTimeout(() => writeLocalRun(localRunFile(dir), run), 500);
      expect(await waitForLocalRun({}, dir)).toEqual(run);
      // REDIS_URL given: nothing is looked for.
      expect(await waitForLocalRun({ REDIS_URL: 'redis://10.0.0.1:6379' }, dir)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores what an npm start that died left behind', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-local-run-'));
    try {
      mkdirSync(path.join(dir, '.draas'));
      const dead = spawn('true');
      await once(dead, 'exit');
      writeLocalRun(localRunFile(dir), { ...run, pid: dead.pid as number });
      expect(readLocalRun(localRunFile(dir))).toBeNull();
      writeLocalRun(localRunFile(dir), run);
      expect(readLocalRun(localRunFile(dir))).toEqual(run);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(infraMissing !== null)('several agents on one machine', () => {
  const redisUrl = inject('redisUrl');
  const image = `draas-test/local-agents:${randomBytes(4).toString('hex')}`;
  let cluster: Cluster;
  let work: string;
  const procs: Proc[] = [];
  const agentIds = new Set<string>();
  const held: Server[] = [];
  // Long enough that an agent stopped and started again (tsx compiles its sources) is still online
  // for the scheduler: a restart adopts; it is not a lost machine whose work moves elsewhere.
  const agentEnv = { HEARTBEAT_MS: '20000', AGENT_STOP_GRACE_SECONDS: '2', LOG_LEVEL: 'info' };
  const start = (proc: Proc) => (procs.push(proc), proc);

  beforeAll(async () => {
    await buildTestImage(image, tickerDockerfile('two-agents-one-machine'));
    cluster = await startCluster(redisUrl);
    work = mkdtempSync(path.join(os.tmpdir(), 'draas-two-agents-'));
    mkdirSync(path.join(work, '.draas'));
    // What npm start writes while it runs (here: the test's Redis and the cluster's prefix).
    writeLocalRun(localRunFile(work), { pid: process.pid, redisUrl, redisPrefix: cluster.prefix, schedulerUrl: cluster.url });
  });
  afterEach(() => held.splice(0).forEach((s) => s.close()));
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const id of agentIds) await removeContainers(`draas.agent=${id}`);
    await cluster?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    await removeTestImage(image).catch(() => undefined);
  });

  const onlineAgents = async (): Promise<AgentView[]> => AgentList.parse(await cluster.json('/api/agents')).agents.filter((a) => a.state === 'online');

  let first: { agentId: string; healthPort: number; dataDir: string };
  let second: { agentId: string; healthPort: number; dataDir: string };

  it('two agents started in one folder without settings take an id, a data folder and a health port each, and both come online', async () => {
    const a = start(npmRunAgent(work, agentEnv));
    first = await ready(a, agentIds);
    const b = start(npmRunAgent(work, agentEnv));
    second = await ready(b, agentIds);

    expect(a.output).toContainEqual(expect.stringMatching(/^draas agent: joining the local DRaaS of npm start \(pid \d+, dashboard http/));
    expect([first.dataDir, second.dataDir]).toEqual([path.join(work, '.draas/agent'), path.join(work, '.draas/agent-2')]);
    expect(b.output.join('\n')).toContain(`data folder ${path.join(work, '.draas/agent')} is held by another agent; using ${second.dataDir}`);
    expect(readFileSync(path.join(first.dataDir, 'agent-id'), 'utf8').trim()).toBe(first.agentId);
    expect(readFileSync(path.join(second.dataDir, 'agent-id'), 'utf8').trim()).toBe(second.agentId);
    expect(second.agentId).not.toBe(first.agentId);
    expect(second.healthPort).not.toBe(first.healthPort);

    const agents = await waitFor('both agents online', async () => {
      const online = await onlineAgents();
      return online.filter((x) => x.agentId === first.agentId || x.agentId === second.agentId).length === 2 ? online : null;
    }, 30_000, 200);
    for (const { agentId, healthPort } of [first, second]) {
      expect(agents.find((x) => x.agentId === agentId)).toMatchObject({ healthHost: '127.0.0.1', healthPort, address: '127.0.0.1' });
      const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', agentId, redis: 'ok', docker: 'ok' });
    }
  });

  it('a deployment of two replicas runs on both; one agent stopped and started again adopts its container, the other\'s is untouched', async () => {
    const created = await cluster.deployImage({ image, replicas: 2, strategy: 'spread' });
    const running = await cluster.waitForDeployment(created.id, (d) => d.status === 'running' && d.instances.every((i) => i.status === 'running'), 'running');
    expect(new Set(running.instances.map((i) => i.agentId))).toEqual(new Set([first.agentId, second.agentId]));
    for (const url of running.urls) await answers(url, 'two-agents-one-machine');

    // The second agent stops (Ctrl-C) and is started again the same way: it finds its own folder free
    // (the first holds the default one), so its own id, and adopts its container.
    const secondProc = procs[1] as Proc;
    await secondProc.stop();
    expect(secondProc.output.join('\n')).toContain('agent stopping; containers keep running');
    const again = await ready(start(npmRunAgent(work, agentEnv)), agentIds);
    expect(again).toMatchObject({ agentId: second.agentId, dataDir: second.dataDir });

    const before = new Map(running.instances.map((i) => [i.index, i]));
    const after = await cluster.waitForDeployment(created.id, (d) => d.status === 'running', 'running after the restart');
    for (const instance of after.instances) {
      expect(instance).toMatchObject({ status: 'running', agentId: before.get(instance.index)?.agentId, attempt: 1, containerId: before.get(instance.index)?.containerId });
      const info = await docker.getContainer(instance.containerId as string).inspect();
      expect(info.State.Running).toBe(true);
    }
    for (const url of after.urls) await answers(url, 'two-agents-one-machine');
  });

  it('an AGENT_HEALTH_PORT or AGENT_DATA_DIR that was set and is taken stops the agent, naming the setting', async () => {
    const { server, port } = await holdPort();
    held.push(server);
    const base = { ...agentEnv, REDIS_URL: redisUrl, REDIS_PREFIX: cluster.prefix, AGENT_ID: `clash-${randomBytes(3).toString('hex')}`, AGENT_IP: '127.0.0.1' };
    const ownDir = path.join(work, 'clash-agent');
    await refusesToStart(
      start(runApp('agent', { ...base, AGENT_HEALTH_PORT: String(port), AGENT_DATA_DIR: ownDir })),
      `draas agent: cannot start: AGENT_HEALTH_PORT ${port} is in use on 127.0.0.1: set AGENT_HEALTH_PORT to a free port, or leave it unset to get one`,
    );
    await refusesToStart(
      start(runApp('agent', { ...base, AGENT_HEALTH_PORT: '0', AGENT_DATA_DIR: first.dataDir })),
      `draas agent: cannot start: AGENT_DATA_DIR ${first.dataDir} is in use by another agent (pid `,
    );
    // Neither went as far as a heartbeat, and neither left its folder claimed.
    expect((await onlineAgents()).map((a) => a.agentId)).not.toContain(base.AGENT_ID);
    expect(() => readFileSync(path.join(ownDir, 'agent.lock'))).toThrow(/ENOENT/);
  });

  it('an agent given the id of one that runs refuses to start, naming AGENT_ID; a crashed one\'s lingering connection does not block its restart', async () => {
    const id = `twin-${randomBytes(3).toString('hex')}`;
    agentIds.add(id);
    const base = { REDIS_URL: redisUrl, REDIS_PREFIX: cluster.prefix, AGENT_ID: id, AGENT_IP: '127.0.0.1', AGENT_PUBLISH_IP: '127.0.0.1', AGENT_HEALTH_PORT: '0', HEARTBEAT_MS: '500' };
    const original = start(runApp('agent', { ...base, AGENT_DATA_DIR: path.join(work, 'twin-1') }));
    await ready(original, agentIds);
    await refusesToStart(
      start(runApp('agent', { ...base, AGENT_DATA_DIR: path.join(work, 'twin-2') })),
      `draas agent: cannot start: AGENT_ID ${id} is in use by another running agent (connected from 127.0.0.1:`,
    );
    expect(original.child.exitCode).toBeNull();
    expect((await onlineAgents()).map((a) => a.agentId)).toContain(id);

    // A crash whose connection lingers in Redis (here: one of the test's, with the agent's name): the
    // heartbeat no longer advances, and the restart goes ahead.
    await original.stop('SIGKILL');
    const lingering = new Redis(redisUrl, { connectionName: agentConnectionName(id, 'commands') });
    try {
      await lingering.ping();
      const restarted = start(runApp('agent', { ...base, AGENT_DATA_DIR: path.join(work, 'twin-1') }));
      expect((await ready(restarted, agentIds)).agentId).toBe(id);
    } finally {
      lingering.disconnect();
    }
  });

  it('a PORT that is taken stops the scheduler, naming PORT', async () => {
    const { server, port } = await holdPort();
    held.push(server);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'draas-clash-scheduler-'));
    try {
      await refusesToStart(
        start(runApp('scheduler', { REDIS_URL: redisUrl, REDIS_PREFIX: cluster.prefix, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DRAAS_TOKEN: cluster.token })),
        `draas scheduler: cannot start: PORT ${port} is in use on 127.0.0.1`,
      );
      expect(procs.at(-1)?.output.join('\n')).toContain('set PORT to a free port');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('npm start\'s private Redis refuses a DRAAS_REDIS_PORT that something else holds, instead of handing out its address', async () => {
    const { server, port } = await holdPort();
    held.push(server);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'draas-clash-redis-'));
    try {
      await expect(startLocalRedis({ dataDir, port, portSetting: 'DRAAS_REDIS_PORT', persistent: false })).rejects.toThrow(
        `DRAAS_REDIS_PORT ${port} is in use on 127.0.0.1: set DRAAS_REDIS_PORT to a free port`,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
