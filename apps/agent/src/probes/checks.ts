import http from 'node:http';
import net from 'node:net';
import { formatDuration } from '@draas/queue-contracts';
import type { CheckResult } from './health-decision.js';

// The agent's own checks of an instance, each bounded by its timeout. They never throw: a check that
// cannot be made is a failing check, with a message the user can act on.

/** GET http://host:port/path; any 2xx or 3xx passes (redirects are not followed). */
export function httpCheck(target: { host: string; port: number; path: string }, timeoutMs: number): Promise<CheckResult> {
  const what = `health check ${target.path}`;
  if (target.port === 0) return Promise.resolve({ ok: false, error: `${what}: the instance publishes no TCP port` });
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: CheckResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    // No keep-alive agent: each probe is its own connection, so nothing lingers after a container goes.
    const req = http.get({ host: target.host, port: target.port, path: target.path, agent: false, headers: { 'user-agent': 'draas-agent-health' } }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      done(status >= 200 && status < 400 ? { ok: true } : { ok: false, error: `${what} answered ${status}` });
    });
    req.on('error', (err) => done({ ok: false, error: `${what}: ${describeSocketError(err)}` }));
    const timer = setTimeout(() => done({ ok: false, error: `${what} timed out after ${formatDuration(timeoutMs)}` }), timeoutMs);
  });
}

/**
 * How long an accepted connection must stay open to count. Docker's userland proxy accepts on the
 * published port whether or not anything listens in the container, then closes at once.
 */
const TCP_SETTLE_MS = 250;

/** Passes once a TCP connection to host:port is accepted and stays open (or the server speaks first). */
export function tcpCheck(target: { host: string; port: number }, timeoutMs: number): Promise<CheckResult> {
  const what = `TCP port ${target.port}`;
  return new Promise((resolve) => {
    let settled = false;
    let settle: NodeJS.Timeout | undefined;
    const done = (result: CheckResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(settle);
      socket.destroy();
      resolve(result);
    };
    const socket = net.connect({ host: target.host, port: target.port });
    socket.once('connect', () => {
      settle = setTimeout(() => done({ ok: true }), Math.min(TCP_SETTLE_MS, timeoutMs / 2));
    });
    socket.once('data', () => done({ ok: true }));
    socket.once('end', () => done({ ok: false, error: `${what}: connection closed at once (nothing listens in the container?)` }));
    socket.once('error', (err) => done({ ok: false, error: `${what}: ${describeSocketError(err)}` }));
    const timer = setTimeout(() => done({ ok: false, error: `${what}: no connection within ${formatDuration(timeoutMs)}` }), timeoutMs);
  });
}

const socketErrors: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

function describeSocketError(err: Error & { code?: string }): string {
  if (err.code && socketErrors[err.code]) return socketErrors[err.code] as string;
  if (err.message === 'socket hang up') return 'connection closed without an answer';
  return err.message;
}
