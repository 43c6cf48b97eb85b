// Starts a private Caddy (Debian's `caddy`, from scripts/install-deps.sh) for the router of apps, as
// local-redis.ts starts Redis: its admin API on 127.0.0.1:<adminPort>, certificates and its internal
// CA under the data folder given, its log in a file. It starts with no routes; the scheduler's
// RouterSync (apps/scheduler/src/router/) loads them through the admin API, and loads them again
// after this Caddy restarts, since nothing here is saved (admin.config.persist=false).
// `npm start` runs one (scripts/start.ts, under .draas/caddy); the tests and `npm run bench -- rollout` too.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensurePortFree } from './local-redis.js';

export interface LocalCaddy {
  /** `http://127.0.0.1:<adminPort>`: where RouterSync loads the routes. */
  adminUrl: string;
  /** Caddy's storage: certificates, and the internal CA's root at pki/authorities/local/root.crt. */
  dataDir: string;
  logFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface LocalCaddyOptions {
  dataDir: string;
  adminPort: number;
  /** The setting that chose `adminPort`, named when the port is taken. */
  portSetting?: string;
  /** Caddy's own log (start-up errors included); default <dataDir>/caddy.log. */
  logFile?: string;
  /** Its own process group, so a Ctrl-C in the terminal reaches only the caller (as for Redis). */
  ownProcessGroup?: boolean;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

/** Why this machine cannot run Caddy (null when it can): the tests fail or skip with it. */
export function caddyMissing(): string | null {
  const result = spawnSync('caddy', ['version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error) return `caddy is not installed (${result.error.message}); run ./scripts/install-deps.sh`;
  if (result.status !== 0) return `caddy version failed (${result.stderr.trim()}); run ./scripts/install-deps.sh`;
  return null;
}

/**
 * Why a route change may reset a few new connections on this machine (null when it does not):
 * Caddy 2.6 opens a new listening socket at every config load and closes the old one, and unless
 * net.ipv4.tcp_migrate_req is 1 (Linux 5.14+), connections waiting in the old one's queue are reset.
 * scripts/install-deps.sh sets it.
 */
export function connectionMigrationOff(): string | null {
  const file = '/proc/sys/net/ipv4/tcp_migrate_req';
  if (!existsSync(file)) return 'this kernel cannot hand waiting connections to a new socket (net.ipv4.tcp_migrate_req needs Linux 5.14)';
  if (readFileSync(file, 'utf8').trim() !== '1') return 'net.ipv4.tcp_migrate_req is 0: run ./scripts/install-deps.sh, or sysctl -w net.ipv4.tcp_migrate_req=1';
  return null;
}

/**
 * The sections of Caddy's config that belong to the process rather than to the routes. RouterSync
 * keeps whatever Caddy reports for them, so the scheduler never moves the admin API it talks to.
 */
export function caddyProcessConfig(options: { adminPort: number; dataDir: string; logFile: string }): Record<string, unknown> {
  return {
    admin: { listen: `127.0.0.1:${options.adminPort}`, config: { persist: false } },
    storage: { module: 'file_system', root: options.dataDir },
    logging: { logs: { default: { writer: { output: 'file', filename: options.logFile }, level: 'INFO' } } },
  };
}

export async function startLocalCaddy(options: LocalCaddyOptions): Promise<LocalCaddy> {
  const missing = caddyMissing();
  if (missing) throw new Error(missing);
  await ensurePortFree(options.adminPort, options.portSetting);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const logFile = options.logFile ?? path.join(options.dataDir, 'caddy.log');
  const configFile = path.join(options.dataDir, 'caddy-start.json');
  writeFileSync(configFile, JSON.stringify(caddyProcessConfig({ adminPort: options.adminPort, dataDir: options.dataDir, logFile })), { mode: 0o600 });

  // Start-up errors go to stderr before Caddy's own logger takes over: both end up in the log file.
  const log = openSync(logFile, 'a', 0o600);
  const child = spawn('caddy', ['run', '--config', configFile], {
    stdio: ['ignore', log, log],
    detached: options.ownProcessGroup ?? false,
    // Whatever Caddy would keep in the user's home (~/.local/share/caddy, ~/.config/caddy) stays here.
    env: { ...process.env, XDG_DATA_HOME: options.dataDir, XDG_CONFIG_HOME: options.dataDir },
  });
  closeSync(log);
  // A spawn that failed emits 'error' and never 'exit'.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const adminUrl = `http://127.0.0.1:${options.adminPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start caddy (${err.message}); run ./scripts/install-deps.sh`))),
  );
  const exitedEarly = exited.then(() => {
    throw new Error(`caddy exited at start: ${lastLines(logFile)}`);
  });
  try {
    await Promise.race([waitForAdmin(adminUrl, START_TIMEOUT_MS), spawnError, exitedEarly]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { adminUrl, dataDir: options.dataDir, logFile, process: child, stop };
}

async function waitForAdmin(adminUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${adminUrl}/config/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`caddy's admin API did not answer at ${adminUrl} within ${timeoutMs} ms`);
}

function lastLines(file: string): string {
  if (!existsSync(file)) return `no log at ${file}`;
  return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
}
