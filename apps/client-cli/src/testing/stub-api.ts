import { DeploymentView, type InstanceView, type LogLine } from '@draas/queue-contracts';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

// For the stub-API tests (*.stub-api.int.test.ts): a STUB of the scheduler's HTTP API, a throwaway
// node:http server that implements just enough of docs/API.md to exercise the CLI's HTTP side, and
// a runner of the real `draas` binary (bin/draas.js, through tsx). Not part of the CLI's build.

const BIN = fileURLToPath(new URL('../../bin/draas.js', import.meta.url));
export const TOKEN = 'stub-token-never-printed';
export const ID = 'k2h4x9q0m1ab';
export const URL_OF_APP = 'http://127.0.0.1:32771';
/** Each test starts real `node` processes through tsx: slow on a busy machine, so generous. */
export const SPAWN_TIMEOUT_MS = 30_000;

// ---- the API stub -----------------------------------------------------------------------------

interface ReceivedUpload {
  fields: Record<string, string>;
  archiveName: string;
  archive: Buffer;
}

export interface StubApi {
  url: string;
  uploads: ReceivedUpload[];
  jsonBodies: unknown[];
  /** Method, path and query of every request, in order. */
  requests: string[];
  lastEventIds: (string | null)[];
  close(): Promise<void>;
}

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export const at = '2025-06-01T12:00:00.000Z';
export const instance = (status: InstanceView['status'], urls: string[] = []): InstanceView => ({
  index: 0, attempt: 1, agentId: 'agent-a', status, containerId: status === 'running' ? '3f2a' : null,
  ports: [], urls, exitCode: null, error: null, restartAt: null, health: null, healthError: null, retire: null, retireAt: null, updatedAt: at,
});
export const view = (over: Partial<DeploymentView> = {}): DeploymentView =>
  DeploymentView.parse({
    id: ID, name: 'my-app', status: 'queued', desired: 'running', image: null, source: 'archive', replicas: 1,
    envKeys: [], ports: [], memory: '256m', cpus: 0.25, constraints: [], restart: 'no', strategy: 'spread',
    error: null, urls: [], instances: [], createdAt: at, updatedAt: at, ...over,
  });
export const runningView = view({ status: 'running', image: `draas/my-app:${ID}`, urls: [URL_OF_APP], instances: [instance('running', [URL_OF_APP])] });
export const line = (id: string, text: string, phase: LogLine['phase'] = 'build'): LogLine => ({
  id, time: Date.parse(at), phase, instance: phase === 'run' ? 0 : null, stream: 'stdout', line: text,
});

export const sse = (res: ServerResponse, event: string, data: unknown, id?: string) =>
  res.write(`event: ${event}\n${id ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`);

export const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The stub: token check, upload and image creation answered 202 (with `created`, by default a queued
 * one-off deployment), then `route` for the rest.
 */
export async function startStubApi(route: Route, created: () => DeploymentView = () => view()): Promise<StubApi> {
  const stub: Omit<StubApi, 'url' | 'close'> = { uploads: [], jsonBodies: [], requests: [], lastEventIds: [] };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      stub.requests.push(`${req.method} ${url.pathname}${url.search}`);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return sendJson(res, 401, { error: { code: 'unauthorized', message: 'bad token' } });
      if (req.method === 'POST' && url.pathname === '/api/deployments') {
        const body = await readBody(req);
        const type = req.headers['content-type'] ?? '';
        if (type.startsWith('application/json')) stub.jsonBodies.push(JSON.parse(body.toString()));
        else {
          const form = await new Response(body, { headers: { 'content-type': type } }).formData();
          const fields: Record<string, string> = {};
          let archive: File | null = null;
          for (const [name, value] of form) {
            if (typeof value === 'string') fields[name] = value;
            else if (name === 'archive') archive = value;
          }
          if (!archive) return sendJson(res, 400, { error: { code: 'bad_request', message: 'no archive field' } });
          stub.uploads.push({ fields, archiveName: archive.name, archive: Buffer.from(await archive.arrayBuffer()) });
        }
        return sendJson(res, 202, created());
      }
      if (!(await route(req, res, url))) sendJson(res, 404, { error: { code: 'not_found', message: `no route ${url.pathname}` } });
    })().catch((err: unknown) => {
      res.destroy(err as Error);
    });
  });
  server.on('request', (req) => {
    if (req.url?.includes('follow=1')) stub.lastEventIds.push((req.headers['last-event-id'] as string | undefined) ?? null);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...stub,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A stream that builds, then runs, and stays open (the CLI must leave by itself). */
// ---- running the CLI --------------------------------------------------------------------------

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function draas(args: string[], env: Record<string, string>, onStdout?: (text: string, kill: () => void) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DRAAS_TOKEN: TOKEN, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, () => child.kill('SIGINT'));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

