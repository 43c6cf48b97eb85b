// `npm start`: DRaaS on this machine in one command. Starts a private Redis (unless REDIS_URL is
// set) with the project's redis.conf and data under .draas/, a private Caddy as the router of apps
// (unless ROUTER_ADMIN_URLS is set; without caddy installed it warns and goes on, apps then have no
// address), the scheduler on PORT (5000) and one agent on the local Docker engine; prints the
// dashboard URL, the apps' address and the token; optionally deploys a folder (`npm start -- --deploy
// examples/static-site`); stops everything cleanly on Ctrl-C. While it runs, .draas/npm-start.json
// tells `npm run agent` where its Redis is (more agents on this machine).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { presentSettings } from '@draas/queue-contracts/runtime';
import { appCommand, buildApps, type App } from './apps.js';
import { caddyMissing, connectionMigrationOff, startLocalCaddy, type LocalCaddy } from './local-caddy.js';
import { ensurePortFree, freePort, REPO_ROOT, startLocalRedis, type LocalRedis } from './local-redis.js';
import { localRunFile, readLocalRun, removeLocalRun, writeLocalRun } from './local-run.js';

const { values } = parseArgs({ options: { deploy: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log([
    'usage: npm start [-- --deploy <folder>]',
    '  env: PORT (5000), REDIS_URL (else a private redis-server), DRAAS_REDIS_PORT (6380), DRAAS_TOKEN, LOG_LEVEL,',
    '       ROUTER_ADMIN_URLS (else a private caddy), DRAAS_ROUTER_ADMIN_PORT (2020, its admin API), ROUTER_PORT (8000),',
    '       DRAAS_DOMAIN (localhost), ROUTER_HTTPS (off), DATA_DIR (.draas; another one is not found by npm run agent)',
    '  another agent on this machine, while it runs: npm run agent',
  ].join('\n'));
  process.exit(0);
}

// Empty counts as unset, as the apps read their settings.
const settings = presentSettings(process.env);

/** A port setting of npm start's own: unset is `fallback`; anything but a TCP port stops the start. */
function portSetting(name: string, fallback: number): number {
  const value = settings[name];
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    console.error(`npm start: ${name} must be a port number (1-65535), not "${value}"`);
    process.exit(1);
  }
  return port;
}

const dataDir = settings.DATA_DIR ? path.resolve(settings.DATA_DIR) : path.join(REPO_ROOT, '.draas');
const logDir = path.join(dataDir, 'logs');
mkdirSync(logDir, { recursive: true, mode: 0o700 });
const port = portSetting('PORT', 5000);
const domain = settings.DRAAS_DOMAIN ?? 'localhost';
// `npm run agent` looks in the checkout's .draas/; with another DATA_DIR the file is there instead.
const runFile = settings.DATA_DIR ? path.join(dataDir, 'npm-start.json') : localRunFile(REPO_ROOT);
/** A path as printed: relative to where npm start runs when it is inside, else absolute. */
const shown = (file: string) => {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative || '.';
};
const children: { name: string; child: ChildProcess }[] = [];
let redis: LocalRedis | null = null;
let caddy: LocalCaddy | null = null;
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
      say(`[${name}] exited (${signal ?? code}); see ${shown(file)}. Stopping everything.`);
      void stop(1);
    }
  });
  children.push({ name, child });
  return child;
}

/**
 * Stops the apps, then Caddy and Redis, then exits. A second call (Ctrl-C reaches this process both from the
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
  await caddy?.stop();
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

/**
 * The port of a setting of the router: set, exactly that one (taken: the start stops, naming the
 * setting); unset, its default while free, else `other()` with a line saying so, so that a default
 * some other program holds (8000 often is) does not stop the README's first command.
 */
async function routerPortSetting(setting: string, fallback: number, other: () => Promise<number>): Promise<number> {
  const wanted = portSetting(setting, fallback);
  try {
    await ensurePortFree(wanted, setting);
    return wanted;
  } catch (err) {
    if (settings[setting] !== undefined) throw err;
  }
  const chosen = await other();
  say(`note: ${setting} ${wanted} is in use on 127.0.0.1, so ${chosen} this time (set ${setting} to choose)`);
  return chosen;
}

/** The first free port after `from` (100 tried), else any free one. */
async function nextFreePort(from: number): Promise<number> {
  for (let candidate = from + 1; candidate <= Math.min(from + 100, 65535); candidate++) {
    if (await ensurePortFree(candidate).then(() => true, () => false)) return candidate;
  }
  return freePort();
}

/**
 * The router: ROUTER_ADMIN_URLS as the user set it (routers of their own), else a private Caddy with
 * its storage and log under DATA_DIR/caddy, its admin API on 127.0.0.1:DRAAS_ROUTER_ADMIN_PORT. A
 * machine without caddy gets a loud warning and no router, so that DRaaS still runs (its apps then
 * answer only at their instances' own URLs). Returns the scheduler's router settings and the line
 * that says where apps answer.
 */
async function startRouter(): Promise<{ env: Record<string, string>; line: string }> {
  const routerPort = portSetting('ROUTER_PORT', 8000);
  const scheme = settings.ROUTER_HTTPS === 'internal' || settings.ROUTER_HTTPS === 'auto' ? 'https' : 'http';
  const address = `${scheme}://<app>.${domain}:${routerPort}/`;
  if (settings.ROUTER_ADMIN_URLS) return { env: {}, line: `${address}   (the routers of ROUTER_ADMIN_URLS)` };
  const missing = caddyMissing();
  if (missing) {
    say([
      '',
      '!!! warning: no router. ' + missing,
      '!!! DRaaS runs without one: apps get no http://<app>.' + domain + ':' + routerPort + '/ address, only their',
      '!!! instances\' own URLs. Install Caddy (./scripts/install-deps.sh) and start again.',
      '',
    ].join('\n'));
    return { env: {}, line: `none (no usable caddy, see the warning above): apps answer only at their instances' URLs` };
  }
  // Caddy takes ROUTER_PORT when the scheduler loads the routes: checked now, rather than every
  // route load failing later.
  const servedPort = await routerPortSetting('ROUTER_PORT', routerPort, () => nextFreePort(routerPort));
  const adminPort = await routerPortSetting('DRAAS_ROUTER_ADMIN_PORT', 2020, freePort);
  const caddyDir = path.join(dataDir, 'caddy');
  caddy = await startLocalCaddy({ dataDir: caddyDir, adminPort, portSetting: 'DRAAS_ROUTER_ADMIN_PORT', ownProcessGroup: true });
  const started = caddy;
  started.process.once('exit', (code, signal) => {
    if (stopping) return;
    say(`[router] caddy exited (${signal ?? code}); see ${shown(started.logFile)}. Stopping everything.`);
    void stop(1);
  });
  say(`router     caddy, admin API ${started.adminUrl} (storage and log in ${shown(caddyDir)})`);
  const migration = connectionMigrationOff();
  if (migration) say(`warning: when apps' routes change, a few new connections to the router may be reset: ${migration}`);
  return {
    env: { ROUTER_ADMIN_URLS: started.adminUrl, DRAAS_DOMAIN: domain, ROUTER_PORT: String(servedPort) },
    line: `${scheme}://<app>.${domain}:${servedPort}/`,
  };
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
      port: portSetting('DRAAS_REDIS_PORT', 6380),
      portSetting: 'DRAAS_REDIS_PORT',
      persistent: true,
      ownProcessGroup: true,
    });
    redisUrl = redis.url;
    say(`redis      127.0.0.1:${redis.port} (data in ${shown(path.join(dataDir, 'redis'))})`);
  }
  const router = await startRouter();
  const base = `http://127.0.0.1:${port}`;
  writeLocalRun(runFile, { pid: process.pid, redisUrl, redisPrefix: process.env.REDIS_PREFIX || null, schedulerUrl: base });
  const common = { REDIS_URL: redisUrl, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };
  startApp('scheduler', { ...common, ...router.env, PORT: String(port), DATA_DIR: dataDir });
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
  say(`apps       ${router.line}`);
  say(`token      ${process.env.DRAAS_TOKEN ? '(DRAAS_TOKEN)' : `${token}   (kept in ${shown(tokenFile)}; the CLI reads it from .draas/token)`}`);
  say(`logs       ${shown(path.join(logDir, 'scheduler.log'))}, ${shown(path.join(logDir, 'agent.log'))}`);
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
