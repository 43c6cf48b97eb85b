// Starts DRaaS's real processes for integration tests (scheduler and agents as separate processes,
// from their TypeScript sources, against the test Redis and the local Docker engine) and cleans up
// everything they made: containers, images, Redis keys, data folders.
import { randomBytes } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { AgentList, DeploymentView, redisKeys, type AgentView } from '@draas/queue-contracts';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { REPO_ROOT } from '../scripts/local-redis.js';
import { appCommand, type App } from '../scripts/apps.js';
import { waitFor } from './wait-for.js';

export { waitFor };

export const docker = new Docker();
const run = promisify(execFile);

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Every line the process wrote, for diagnosing a failure. */
  output: string[];
  /** Its exit code (null: ended by a signal). */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A process of the tests' own, with only PATH, HOME and `env`; stop() ends it (SIGKILL after 20 s). */
export function launch(name: string, command: string, args: string[], cwd: string, env: Record<string, string>): Proc {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => output.push(line));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs an app's compiled JavaScript (the global setup, and the benchmarks, build it first). */
function startProcess(name: string, app: App, env: Record<string, string>): Proc {
  const [command, args] = appCommand(app);
  return launch(name, command, args, REPO_ROOT, { LOG_LEVEL: 'info', ...env });
}

export interface Cluster {
  prefix: string;
  /** The scheduler's URL (it changes when the scheduler is restarted). */
  readonly url: string;
  token: string;
  dataDir: string;
  readonly scheduler: Proc;
  agents: Map<string, Proc>;
  redis: Redis;
  api(pathname: string, init?: RequestInit): Promise<Response>;
  json<T = unknown>(pathname: string, init?: RequestInit): Promise<T>;
  deployment(id: string): Promise<DeploymentView>;
  waitForDeployment(id: string, done: (d: DeploymentView) => boolean, what: string, timeoutMs?: number): Promise<DeploymentView>;
  /** POST /api/deployments with a JSON body; expects 202. */
  deployImage(body: Record<string, unknown>): Promise<DeploymentView>;
  /** POST /api/deployments with a ZIP; expects 202. */
  upload(zip: Buffer, fields?: Record<string, string>): Promise<DeploymentView>;
  /** Starts (or starts again, same id and data folder) an agent process and waits until it is online. */
  startAgent(id: string, env?: Record<string, string>): Promise<Proc>;
  /** Stops the scheduler with `signal` (SIGKILL: a crash) and starts a new one on the same state. */
  restartScheduler(signal: NodeJS.Signals): Promise<void>;
  /** Starts another scheduler on the same Redis prefix, token and data folder (uploads are shared). */
  addScheduler(): Promise<{ proc: Proc; url: string }>;
  agentsOnline(): Promise<AgentView[]>;
  close(): Promise<void>;
}

async function launchScheduler(env: Record<string, string>): Promise<{ proc: Proc; url: string }> {
  const proc = startProcess('scheduler', 'scheduler', env);
  const url = await waitFor('the scheduler to listen', async () => {
    for (const line of proc.output) {
      if (line.includes('"scheduler listening"')) return (JSON.parse(line) as { url: string }).url;
    }
    if (proc.child.exitCode !== null) throw new Error(`scheduler exited: ${proc.output.join('\n')}`);
    return null;
  }, 30_000, 50);
  return { proc, url };
}

/** A scheduler on its own key prefix and data folder; agents are added with startAgent. */
/** `testRedis`: the tests' own connection (default: one to `redisUrl`), e.g. one that follows Sentinel. */
export async function startCluster(redisUrl: string, schedulerEnv: Record<string, string> = {}, testRedis?: Redis): Promise<Cluster> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'draas-int-'));
  const token = randomBytes(24).toString('hex');
  const env = {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: path.join(dataDir, 'scheduler'),
    DRAAS_TOKEN: token,
    STOP_GRACE_SECONDS: '2',
    ...schedulerEnv,
  };
  let current = await launchScheduler(env);
  const redis = testRedis ?? new Redis(redisUrl);
  // The tests' own connection: a test that restarts Redis sees it reconnect, not an unhandled error.
  redis.on('error', () => undefined);
  const agents = new Map<string, Proc>();
  const extraSchedulers: Proc[] = [];
  const api = (pathname: string, init: RequestInit = {}) =>
    fetch(current.url + pathname, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
  const json = async <T>(pathname: string, init?: RequestInit): Promise<T> => {
    const res = await api(pathname, init);
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${pathname}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const accepted = async (res: Response): Promise<DeploymentView> => {
    const body: unknown = await res.json();
    if (res.status !== 202) throw new Error(`expected 202, got ${res.status}: ${JSON.stringify(body)}`);
    return DeploymentView.parse(body);
  };
  const cluster: Cluster = {
    prefix,
    get url() {
      return current.url;
    },
    token,
    dataDir,
    get scheduler() {
      return current.proc;
    },
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
    deployImage: async (body) =>
      accepted(await api('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })),
    upload: async (zip, fields = {}) => accepted(await api('/api/deployments', { method: 'POST', body: zipForm(zip, fields) })),
    agentsOnline: async () => AgentList.parse(await json('/api/agents')).agents.filter((a) => a.state === 'online'),
    async startAgent(id, agentEnv = {}) {
      const proc = startProcess(`agent ${id}`, 'agent', {
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        AGENT_ID: id,
        AGENT_IP: '127.0.0.1',
        AGENT_PUBLISH_IP: '127.0.0.1',
        AGENT_HEALTH_PORT: '0',
        AGENT_DATA_DIR: path.join(dataDir, `agent-${id}`),
        HEARTBEAT_MS: '500',
        AGENT_STOP_GRACE_SECONDS: '2',
        ...agentEnv,
      });
      agents.set(id, proc);
      await waitFor(`agent ${id} to come online`, async () => {
        if (proc.child.exitCode !== null) throw new Error(`agent exited: ${proc.output.join('\n')}`);
        return (await cluster.agentsOnline()).some((a) => a.agentId === id);
      }, 30_000, 100);
      return proc;
    },
    async restartScheduler(signal) {
      await current.proc.stop(signal);
      current = await launchScheduler(env);
    },
    async addScheduler() {
      const another = await launchScheduler(env);
      extraSchedulers.push(another.proc);
      return another;
    },
    async close() {
      await Promise.all([...agents.values()].map((a) => a.stop()));
      await Promise.all([current.proc, ...extraSchedulers].map((p) => p.stop()));
      for (const agentId of agents.keys()) await removeContainers(`draas.agent=${agentId}`);
      await removeImagesOf(redis, prefix);
      await deleteKeys(redis, prefix);
      await redis.quit();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Waits until the URL answers with the text (a container just started may need a moment to listen). */
export async function answers(url: string, text: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(`${url} to answer with "${text}"`, async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return (await res.text()).includes(text);
  }, timeoutMs, 100);
}

export async function removeContainers(label: string): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
}

/** Images the test's deployments built (labelled with their ids). */
async function removeImagesOf(redis: Redis, prefix: string): Promise<void> {
  const ids = new Set(await redis.zrange(redisKeys(prefix).deployments, '0', '-1'));
  if (ids.size === 0) return;
  // One listing for all of them: the engine reads every image's config at each listing, so one per
  // deployment (20,000 in the control-plane benchmark) kept dockerd busy for many minutes.
  for (const image of await docker.listImages({ filters: { label: ['draas.deployment'] } })) {
    if (!ids.has(image.Labels?.['draas.deployment'] ?? '')) continue;
    await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
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

/**
 * Builds a small test image with the local engine (faster than through the API when the build
 * itself is not under test). Labelled so that removeTestImages finds it.
 */
export async function buildTestImage(tag: string, dockerfile: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-img-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), `${dockerfile}\nLABEL draas.test=true\n`);
    await run('docker', ['build', '-q', '-t', tag, dir], { timeout: 120_000 });
    return tag;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function removeTestImage(tag: string): Promise<void> {
  await run('docker', ['rmi', '-f', tag]);
}

/** A busybox web server (port 8080, page text `page`) that also prints `tick <n>` every 100 ms. */
export const tickerDockerfile = (page: string) => `FROM draas/busybox:local
EXPOSE 8080
CMD ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /tmp/www && echo ${page} > /tmp/www/index.html && httpd -p 8080 -h /tmp/www && i=0; while true; do i=$((i+1)); echo \\"tick $i\\"; sleep 0.1; done"]`;

/** The numbers of the `tick N` lines a ticker deployment printed, in the order its log has them. */
export async function ticks(cluster: Cluster, id: string): Promise<number[]> {
  const lines = (await cluster.json<{ lines: { phase: string; line: string }[] }>(`/api/deployments/${id}/logs?limit=10000`)).lines;
  return lines.filter((l) => l.phase === 'run' && l.line.startsWith('tick ')).map((l) => Number(l.line.slice(5)));
}
