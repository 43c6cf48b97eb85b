// Starts a private redis-server with the project's redis.conf and a generated password, for
// `npm start` and for the integration tests. Data and secrets live in the folder given.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface LocalRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  dataDir: string;
  port: number;
  /** The setting that chose `port` (npm start: DRAAS_REDIS_PORT), named when the port is taken. */
  portSetting?: string;
  /** Keep the append-only file (npm start) or run from memory only (tests). */
  persistent: boolean;
  /** Where redis-server's own log goes; default <dataDir>/redis.log. */
  logFile?: string;
  /** More redis-server arguments (tests: `--replicaof` for a replica). */
  extraArgs?: string[];
  /**
   * Its own process group (npm start): a Ctrl-C in the terminal then reaches only the caller, which
   * stops the apps first and Redis last, instead of Redis dying under the apps still closing.
   */
  ownProcessGroup?: boolean;
}

const USER = 'draas';

/**
 * The password is made once per data folder and kept there (mode 0600), so restarts keep working.
 * The default user stays on, behind the same password, never passwordless: Redis 7.0 replays the
 * append-only file as the default user and re-checks its permissions at each EXEC, so with the
 * default user off every transaction (and every Lua script's writes) was silently dropped when Redis
 * restarted (redis/redis#14541, fixed after 7.0).
 */
function aclFileText(password: string): string {
  return `user default on >${password} ~* &* +@all\nuser ${USER} on >${password} ~* &* +@all\n`;
}

function ensureAclFile(dataDir: string): string {
  const passwordFile = path.join(dataDir, 'redis.password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  writeFileSync(path.join(dataDir, 'redis-users.acl'), aclFileText(password), {
    mode: 0o600,
  });
  return password;
}

/**
 * A loopback port nothing listens on right now, picked by the kernel (a random guess could land on
 * a port Docker's proxy or an outgoing connection holds, and Redis would not start).
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Fails when something listens on 127.0.0.1:port already. Checked before redis-server starts: once it
 * runs, "the port answers" would be true of the other server too, and the caller would be handed a
 * URL to a Redis that is not ours.
 */
export async function ensurePortFree(port: number, setting?: string): Promise<void> {
  const server = createServer();
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    server.once('error', resolve);
    server.listen(port, '127.0.0.1', () => resolve(null));
  });
  if (!error) {
    await new Promise((resolve) => server.close(resolve));
    return;
  }
  if (error.code !== 'EADDRINUSE') throw error;
  const name = setting ?? 'port';
  throw new Error(`${name} ${port} is in use on 127.0.0.1${setting ? `: set ${setting} to a free port` : ''}`);
}

export async function startLocalRedis(options: LocalRedisOptions): Promise<LocalRedis> {
  await ensurePortFree(options.port, options.portSetting);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const password = ensureAclFile(options.dataDir);
  // The server's own config file lives in its data folder and includes the project's: a CONFIG
  // REWRITE (Sentinel sends one when it promotes a replica) then changes that file, never redis.conf.
  const ownConfig = path.join(options.dataDir, 'redis-server.conf');
  writeFileSync(ownConfig, `include ${path.join(REPO_ROOT, 'redis.conf')}\n`, { mode: 0o600 });
  const args = [
    ownConfig,
    '--port', String(options.port),
    '--bind', '127.0.0.1',
    '--dir', options.dataDir,
    '--aclfile', path.join(options.dataDir, 'redis-users.acl'),
    '--logfile', options.logFile ?? path.join(options.dataDir, 'redis.log'),
  ];
  if (!options.persistent) args.push('--appendonly', 'no', '--save', '');
  args.push(...(options.extraArgs ?? []));
  const child = spawn('redis-server', args, { stdio: 'ignore', detached: options.ownProcessGroup ?? false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start redis-server (${err.message}); run scripts/install-deps.sh`))),
  );
  await Promise.race([waitForPort(options.port, 10_000), spawnError, exited.then(() => {
    throw new Error(`redis-server exited at start; see ${options.logFile ?? path.join(options.dataDir, 'redis.log')}`);
  })]);
  return {
    url: `redis://${USER}:${password}@127.0.0.1:${options.port}`,
    port: options.port,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}
