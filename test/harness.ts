// Starts DRaaS's real processes for integration tests (scheduler and agents as separate processes,
// from their TypeScript sources, against the test Redis and the local Docker engine) and cleans up
// everything they made: containers, images, Redis keys, data folders.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AgentList, DeploymentView, redisKeys, type AgentView } from '@draas/queue-contracts';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { REPO_ROOT } from '../scripts/local-redis.js';

export const docker = new Docker();

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Every line the process wrote, for diagnosing a failure. */
  output: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function startProcess(name: string, entry: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--conditions=draas-source', '--import', 'tsx', path.join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => output.push(line));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

export interface Cluster {
  prefix: string;
  url: string;
  token: string;
  dataDir: string;
  scheduler: Proc;
  agents: Map<string, Proc>;
  redis: Redis;
  api(pathname: string, init?: RequestInit): Promise<Response>;
  json<T = unknown>(pathname: string, init?: RequestInit): Promise<T>;
  deployment(id: string): Promise<DeploymentView>;
  waitForDeployment(id: string, done: (d: DeploymentView) => boolean, what: string, timeoutMs?: number): Promise<DeploymentView>;
  startAgent(id: string, env?: Record<string, string>): Promise<Proc>;
  agentsOnline(): Promise<AgentView[]>;
  close(): Promise<void>;
}

/** A scheduler on its own key prefix and data folder; agents are added with startAgent. */
export async function startCluster(redisUrl: string, schedulerEnv: Record<string, string> = {}): Promise<Cluster> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'draas-int-'));
  const token = randomBytes(24).toString('hex');
  const scheduler = startProcess('scheduler', 'apps/scheduler/src/index.ts', {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: path.join(dataDir, 'scheduler'),
    DRAAS_TOKEN: token,
    ...schedulerEnv,
  });
  const url = await waitFor('the scheduler to listen', async () => {
    for (const line of scheduler.output) {
      if (line.includes('"scheduler listening"')) return (JSON.parse(line) as { url: string }).url;
    }
    if (scheduler.child.exitCode !== null) throw new Error(`scheduler exited: ${scheduler.output.join('\n')}`);
    return null;
  }, 30_000, 50);
  const redis = new Redis(redisUrl);
  const agents = new Map<string, Proc>();
  const api = (pathname: string, init: RequestInit = {}) =>
    fetch(url + pathname, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
  const json = async <T>(pathname: string, init?: RequestInit): Promise<T> => {
    const res = await api(pathname, init);
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${pathname}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const cluster: Cluster = {
    prefix,
    url,
    token,
    dataDir,
    scheduler,
    agents,
    redis,
    api,
    json,
    deployment: async (id) => DeploymentView.parse(await json(`/api/deployments/${id}`)),
    waitForDeployment: (id, done, what, timeoutMs = 90_000) =>
      waitFor(`deployment ${id} to be ${what}`, async () => {
        const d = await cluster.deployment(id);
        return done(d) ? d : null;
      }, timeoutMs, 200),
    agentsOnline: async () => AgentList.parse(await json('/api/agents')).agents.filter((a) => a.state === 'online'),
    async startAgent(id, env = {}) {
      const proc = startProcess(`agent ${id}`, 'apps/agent/src/index.ts', {
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        AGENT_ID: id,
        AGENT_IP: '127.0.0.1',
        AGENT_PUBLISH_IP: '127.0.0.1',
        AGENT_HEALTH_PORT: '0',
        AGENT_DATA_DIR: path.join(dataDir, `agent-${id}`),
        HEARTBEAT_MS: '500',
        ...env,
      });
      agents.set(id, proc);
      await waitFor(`agent ${id} to come online`, async () => {
        if (proc.child.exitCode !== null) throw new Error(`agent exited: ${proc.output.join('\n')}`);
        return (await cluster.agentsOnline()).some((a) => a.agentId === id);
      }, 30_000, 100);
      return proc;
    },
    async close() {
      await Promise.all([...agents.values()].map((a) => a.stop()));
      await scheduler.stop();
      for (const agentId of agents.keys()) await removeContainers(`draas.agent=${agentId}`);
      await removeImagesOf(redis, prefix);
      await deleteKeys(redis, prefix);
      await redis.quit();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

export async function removeContainers(label: string): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
}

/** Images the test's deployments built (labelled with their ids). */
async function removeImagesOf(redis: Redis, prefix: string): Promise<void> {
  const ids = await redis.zrange(redisKeys(prefix).deployments, '0', '-1');
  for (const id of ids) {
    for (const image of await docker.listImages({ filters: { label: [`draas.deployment=${id}`] } })) {
      await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
  }
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', redisKeys(prefix).everything, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A multipart upload of a ZIP (as the CLI and browsers send it), with other options as fields. */
export function zipForm(zip: Buffer, fields: Record<string, string> = {}, field = 'archive', filename = 'app.zip'): FormData {
  const form = new FormData();
  form.set(field, new Blob([zip], { type: 'application/zip' }), filename);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}

/** A folder as a ZIP in memory, the way a user would zip it (archiver, the library the CLI uses). */
export async function zipFolder(dir: string): Promise<Buffer> {
  const { ZipArchive } = await import('archiver');
  const archive = new ZipArchive({ zlib: { level: 6 } });
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  archive.directory(dir, false);
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}
