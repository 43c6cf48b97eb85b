// `npm start`: DRaaS on this machine in one command. Starts a private Redis (unless REDIS_URL is
// set) with the project's redis.conf and data under .draas/, the scheduler on PORT (5000) and one
// agent on the local Docker engine; prints the dashboard URL and token; optionally deploys a folder
// (`npm start -- --deploy examples/static-site`); stops everything cleanly on Ctrl-C. While it runs,
// .draas/npm-start.json tells `npm run agent` where its Redis is (more agents on this machine).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { appCommand, buildApps, type App } from './apps.js';
import { REPO_ROOT, startLocalRedis, type LocalRedis } from './local-redis.js';
import { localRunFile, readLocalRun, removeLocalRun, writeLocalRun } from './local-run.js';

const { values } = parseArgs({ options: { deploy: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm start [-- --deploy <folder>]\n  env: PORT (5000), REDIS_URL (else a private redis-server), DRAAS_REDIS_PORT (6380), DRAAS_TOKEN, LOG_LEVEL\n  another agent on this machine, while it runs: npm run agent');
  process.exit(0);
}

const dataDir = path.join(REPO_ROOT, '.draas');
const logDir = path.join(dataDir, 'logs');
mkdirSync(logDir, { recursive: true, mode: 0o700 });
const port = Number(process.env.PORT ?? 5000);
const runFile = localRunFile(REPO_ROOT);
const children: { name: string; child: ChildProcess }[] = [];
let redis: LocalRedis | null = null;
let stopping = false;
let stopped: Promise<never> | null = null;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Runs an app (compiled); its JSON log goes to .draas/logs, warnings also to the terminal. */
function startApp(name: App, env: Record<string, string>): ChildProcess {
  const file = path.join(logDir, `${name}.log`);
  const log = createWriteStream(file, { flags: 'a' });
  const [command, args] = appCommand(name);
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const relay = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        if ((entry.level ?? 0) >= 40) say(`[${name}] ${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
      } catch {
        say(`[${name}] ${line}`);
      }
    }
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  child.on('exit', (code, signal) => {
    log.end();
    if (!stopping) {
      say(`[${name}] exited (${signal ?? code}); see ${path.relative(process.cwd(), file)}. Stopping everything.`);
      void stop(1);
    }
  });
  children.push({ name, child });
  return child;
}

/**
 * Stops the apps, then Redis, then exits. A second call (Ctrl-C reaches this process both from the
 * terminal and relayed by tsx) waits for the first instead of exiting under it.
 */
function stop(code: number): Promise<never> {
  stopped ??= stopAll(code);
  return stopped;
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  say('\nstopping DRaaS…');
  // First: an agent started from now on must not join what is going away.
  removeLocalRun(runFile);
  await Promise.all(
    children.map(({ child }) =>
      child.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
    ),
  );
  await redis?.stop();
  say('stopped.');
  process.exit(code);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s; see ${logDir}`);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const running = readLocalRun(runFile);
  if (running) throw new Error(`DRaaS is running in this checkout already (npm start, pid ${running.pid}, ${running.schedulerUrl}/dashboard); stop it first, or add an agent to it with: npm run agent`);

  const images = spawnSync(path.join(REPO_ROOT, 'scripts/make-base-images.sh'), { stdio: 'inherit' });
  if (images.status !== 0) say('warning: the local base images could not be made; the examples need them where no registry is reachable');

  buildApps();
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    redis = await startLocalRedis({
      dataDir: path.join(dataDir, 'redis'),
      port: Number(process.env.DRAAS_REDIS_PORT ?? 6380),
      portSetting: 'DRAAS_REDIS_PORT',
      persistent: true,
      ownProcessGroup: true,
    });
    redisUrl = redis.url;
    say(`redis      127.0.0.1:${redis.port} (data in .draas/redis)`);
  }
  const base = `http://127.0.0.1:${port}`;
  writeLocalRun(runFile, { pid: process.pid, redisUrl, redisPrefix: process.env.REDIS_PREFIX || null, schedulerUrl: base });
  const common = { REDIS_URL: redisUrl, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };
  startApp('scheduler', { ...common, PORT: String(port), DATA_DIR: dataDir });
  // A folder of its own, apart from the .draas/agent, agent-2, ... that agents added with `npm run
  // agent` take in turn: which agent starts first then changes no agent's folder, so no agent's id.
  startApp('agent', {
    ...common,
    AGENT_ID: process.env.AGENT_ID ?? 'local',
    AGENT_DATA_DIR: process.env.AGENT_DATA_DIR ?? path.join(dataDir, 'agent-local'),
    AGENT_IP: process.env.AGENT_IP ?? '127.0.0.1',
    AGENT_PUBLISH_IP: process.env.AGENT_PUBLISH_IP ?? '127.0.0.1',
  });

  await waitFor('the scheduler', async () => (await fetch(`${base}/healthz`)).ok, 60_000);
  const tokenFile = path.join(dataDir, 'token');
  const token = process.env.DRAAS_TOKEN ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '');
  const headers = { authorization: `Bearer ${token}` };
  await waitFor('the agent', async () => {
    const body = (await (await fetch(`${base}/api/agents`, { headers })).json()) as { agents?: { state: string }[] };
    return (body.agents ?? []).some((a) => a.state === 'online');
  }, 60_000);

  say(`dashboard  ${base}/dashboard`);
  say(`token      ${process.env.DRAAS_TOKEN ? '(DRAAS_TOKEN)' : `${token}   (kept in .draas/token; the CLI reads it from there)`}`);
  say(`logs       .draas/logs/scheduler.log, .draas/logs/agent.log`);
  say(`deploy     npx draas deploy examples/static-site`);
  say(`agents     another one on this machine: npm run agent (in a second terminal; no settings needed)`);
  say('Ctrl-C stops everything.');

  if (values.deploy) {
    const deploy = spawn(path.join(REPO_ROOT, 'node_modules/.bin/draas'), ['deploy', values.deploy], {
      cwd: REPO_ROOT,
      env: { ...process.env, DRAAS_URL: base, DRAAS_TOKEN: token },
      stdio: 'inherit',
    });
    deploy.on('exit', (code) => say(code === 0 ? 'deployed; DRaaS keeps running (Ctrl-C to stop).' : `the deploy failed (exit ${code}); DRaaS keeps running.`));
  }
}

main().catch((err: Error) => {
  say(`npm start failed: ${err.message}`);
  void stop(1);
});
