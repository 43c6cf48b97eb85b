import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';

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

/** Listens on host:port (port 0 = any free port, for tests); resolves once listening. */
export async function startHealthServer(app: Hono, host: string, port: number): Promise<HealthServer> {
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
