import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

// The scheduler's socket. It is bound first, before Redis or any worker: a port that is taken stops
// the start with a message naming PORT, before this scheduler has taken any work it would then drop.
// Until the app is attached, requests are answered 503 (the start takes a moment).

export interface HttpListener {
  port: number;
  /** Serves `app` from now on. */
  attach(app: Hono): void;
  close(): Promise<void>;
}

/** Listens on host:port (0: any free port); a port or address it cannot have fails with an error naming the setting. */
export async function listenHttp(host: string, port: number): Promise<HttpListener> {
  let app: Hono | null = null;
  let server!: ReturnType<typeof serve>;
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(new Error(httpListenError(err, host, port)));
    server = serve(
      {
        fetch: (request, env) =>
          app ? app.fetch(request, env) : Response.json({ error: { code: 'starting', message: 'the scheduler is starting; try again in a moment' } }, { status: 503 }),
        port,
        hostname: host,
      },
      (info) => {
        server.off('error', failed);
        resolve(info);
      },
    );
    server.once('error', failed);
  });
  guardServer(server as HttpServer);
  return {
    port: address.port,
    attach: (served) => void (app = served),
    close: () => closeServer(server as HttpServer),
  };
}

/** What to tell the operator when the scheduler cannot listen: the setting to change, and how. */
export function httpListenError(err: Pick<NodeJS.ErrnoException, 'code' | 'message'>, host: string, port: number): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `PORT ${port} is in use on ${host} (another scheduler, or npm start, running already?): set PORT to a free port`;
    case 'EACCES':
      return `PORT ${port} may not be opened on ${host} by this user (ports below 1024 need privileges): set PORT to a free port above 1023`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} is not an address of this machine: set HOST to one (0.0.0.0 for every address, 127.0.0.1 for this machine only)`;
    default:
      return `cannot listen on ${host}:${port} (${err.message}): check HOST and PORT`;
  }
}

/**
 * Slow or stuck clients cost a socket, not the server: headers must arrive within 10 s (slowloris),
 * a whole request within 15 minutes (a large upload on a slow link), idle keep-alives end after 5 s.
 * Node itself answers 431 to headers over 16 KiB.
 */
function guardServer(http: HttpServer): void {
  http.headersTimeout = 10_000;
  http.requestTimeout = 15 * 60_000;
  http.keepAliveTimeout = 5_000;
}

/**
 * Stops accepting connections, lets requests under way finish for a moment, then ends the rest:
 * log and event streams (SSE) never end by themselves and would hold the stop forever.
 */
async function closeServer(http: HttpServer): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => http.close((err) => (err ? reject(err) : resolve())));
  http.closeIdleConnections();
  const timer = setTimeout(() => http.closeAllConnections(), 2000);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
