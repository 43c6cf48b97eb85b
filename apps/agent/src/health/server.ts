import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { ConfigError } from '../errors/config-error.js';

export interface HealthChecks {
  agentId: string;
  /** Each resolves true when the dependency answers. */
  redis(): Promise<boolean>;
  docker(): Promise<boolean>;
  runningInstances(): number;
}

// A health probe must answer quickly even when a dependency hangs.
const CHECK_TIMEOUT_MS = 1500;

/**
 * GET /healthz: 200 with status "ok" when Redis and Docker answer, else 503 with status "degraded",
 * so that a process supervisor or load balancer can act on the status code alone.
 */
export function createHealthApp(checks: HealthChecks): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    const [redis, docker] = await Promise.all([probe(checks.redis), probe(checks.docker)]);
    const ok = redis && docker;
    return c.json(
      {
        status: ok ? 'ok' : 'degraded',
        agentId: checks.agentId,
        redis: redis ? 'ok' : 'down',
        docker: docker ? 'ok' : 'down',
        runningInstances: checks.runningInstances(),
      },
      ok ? 200 : 503,
    );
  });
  return app;
}

async function probe(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS)));
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export interface HealthListen {
  host: string;
  /** 0: any free port (tests). */
  port: number;
  /** False (AGENT_HEALTH_PORT unset): `port` is a preference, and a free port is taken while it is busy. */
  explicit: boolean;
}

/** Listens (see HealthListen); resolves once listening. A port it cannot have fails with a ConfigError naming the setting. */
export async function startHealthServer(app: Hono, { host, port, explicit }: HealthListen): Promise<HealthServer> {
  try {
    return await listen(app, host, port);
  } catch (err) {
    // Several agents on one machine is the first thing people try: the second takes another port.
    if (!explicit && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') return listen(app, host, 0);
    throw new ConfigError(healthListenError(err as NodeJS.ErrnoException, host, port, explicit));
  }
}

/** What to tell the operator when the health server cannot listen: the setting to change, and how. */
export function healthListenError(err: Pick<NodeJS.ErrnoException, 'code' | 'message'>, host: string, port: number, explicit: boolean): string {
  const unset = explicit ? ', or leave it unset to get one' : '';
  switch (err.code) {
    case 'EADDRINUSE':
      return `AGENT_HEALTH_PORT ${port} is in use on ${host}: set AGENT_HEALTH_PORT to a free port${unset}`;
    case 'EACCES':
      return `AGENT_HEALTH_PORT ${port} may not be opened on ${host} by this user (ports below 1024 need privileges): set AGENT_HEALTH_PORT to a free port above 1023${unset}`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `AGENT_HEALTH_HOST ${host} is not an address of this machine: set AGENT_HEALTH_HOST to one (127.0.0.1 or 0.0.0.0)`;
    default:
      return `the health server cannot listen on ${host}:${port} (${err.message}): check AGENT_HEALTH_HOST and AGENT_HEALTH_PORT, or set AGENT_HEALTH_PORT=0 to go without it`;
  }
}

async function listen(app: Hono, host: string, port: number): Promise<HealthServer> {
  let server!: ServerType;
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port }, resolve);
    server.once('error', reject);
  });
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections would hold close() open; a health probe has nothing worth finishing.
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
