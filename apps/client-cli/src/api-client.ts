import {
  AgentList,
  ApiErrorBody,
  AppDestroyed,
  AppList,
  AppView,
  DeploymentList,
  DeploymentView,
  formatZodError,
  LogPage,
  type AgentView,
  type CreateDeploymentRequest,
} from '@draas/queue-contracts';
import { z } from 'zod';
import { ApiError } from './errors/api-error.js';
import { ProtocolError } from './errors/protocol-error.js';
import { SchedulerUnreachableError } from './errors/unreachable-error.js';
import { UnknownAppError } from './errors/unknown-app-error.js';

// The scheduler's HTTP API (docs/API.md) as typed calls. Every answer passes its contracts schema
// before anyone reads it; every failure becomes ApiError, SchedulerUnreachableError or ProtocolError.

/** Plain requests give up after this long; uploads and streams are bounded by the caller instead. */
const REQUEST_TIMEOUT_MS = 30_000;

const networkReasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
};

const appPath = (name: string): string => `/api/apps/${encodeURIComponent(name)}`;

export interface ApiClientOptions {
  baseUrl: string;
  token: string | null;
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async listDeployments(limit = 100, signal?: AbortSignal): Promise<DeploymentView[]> {
    const list = await this.getJson(DeploymentList, `/api/deployments?limit=${limit}`, signal);
    return list.deployments;
  }

  getDeployment(id: string, signal?: AbortSignal): Promise<DeploymentView> {
    return this.getJson(DeploymentView, `/api/deployments/${encodeURIComponent(id)}`, signal);
  }

  cancel(id: string, signal?: AbortSignal): Promise<DeploymentView> {
    return this.sendJson(DeploymentView, 'POST', `/api/deployments/${encodeURIComponent(id)}/cancel`, undefined, signal);
  }

  async listAgents(signal?: AbortSignal): Promise<AgentView[]> {
    return (await this.getJson(AgentList, '/api/agents', signal)).agents;
  }

  logs(id: string, query: { after?: string | null; limit?: number }, signal?: AbortSignal): Promise<LogPage> {
    const params = new URLSearchParams();
    if (query.after) params.set('after', query.after);
    if (query.limit) params.set('limit', String(query.limit));
    const qs = params.size ? `?${params}` : '';
    return this.getJson(LogPage, `/api/deployments/${encodeURIComponent(id)}/logs${qs}`, signal);
  }

  async listApps(signal?: AbortSignal): Promise<AppView[]> {
    return (await this.getJson(AppList, '/api/apps', signal)).apps;
  }

  getApp(name: string, signal?: AbortSignal): Promise<AppView> {
    return this.appCall(name, () => this.getJson(AppView, appPath(name), signal));
  }

  scaleApp(name: string, replicas: number, signal?: AbortSignal): Promise<AppView> {
    return this.appCall(name, () => this.sendJson(AppView, 'POST', `${appPath(name)}/scale`, { replicas }, signal));
  }

  /** Without `version`: the scheduler picks the version before the current one. */
  rollbackApp(name: string, version: number | undefined, signal?: AbortSignal): Promise<AppView> {
    const body = version === undefined ? {} : { version };
    return this.appCall(name, () => this.sendJson(AppView, 'POST', `${appPath(name)}/rollback`, body, signal));
  }

  destroyApp(name: string, signal?: AbortSignal): Promise<AppDestroyed> {
    return this.appCall(name, () => this.sendJson(AppDestroyed, 'DELETE', appPath(name), undefined, signal));
  }

  createFromImage(request: CreateDeploymentRequest, signal?: AbortSignal): Promise<DeploymentView> {
    return this.sendJson(DeploymentView, 'POST', '/api/deployments', request, signal);
  }

  /** Streams a multipart body (the caller counts its bytes) without buffering it; no timeout. */
  async createFromArchive(body: ReadableStream<Uint8Array>, contentType: string, signal?: AbortSignal): Promise<DeploymentView> {
    const init: RequestInit = { method: 'POST', headers: { 'content-type': contentType }, body, duplex: 'half' };
    const response = await this.fetch('/api/deployments', init, signal);
    return this.parse(DeploymentView, 'POST /api/deployments', response);
  }

  /**
   * Opens the SSE log stream. Null when this scheduler offers no stream (404/406, or an answer that is
   * not `text/event-stream`): the caller then polls, and polling reports an unknown id properly.
   */
  async openLogStream(id: string, from: { lastEventId: string | null }, signal: AbortSignal): Promise<ReadableStream<Uint8Array> | null> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (from.lastEventId) headers['last-event-id'] = from.lastEventId;
    const path = `/api/deployments/${encodeURIComponent(id)}/logs?follow=1`;
    const response = await this.fetch(path, { headers }, signal, { allowStatus: [404, 406] });
    const isStream = response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
    if (!response.ok || !isStream || !response.body) {
      await response.body?.cancel();
      return null;
    }
    return response.body;
  }

  /** A 404 on an app's route means the app is unknown: said once, here. */
  private async appCall<T>(name: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw new UnknownAppError(name, err.code);
      throw err;
    }
  }

  private async getJson<T>(schema: z.ZodType<T>, path: string, signal?: AbortSignal): Promise<T> {
    return this.sendJson(schema, 'GET', path, undefined, signal);
  }

  private async sendJson<T>(schema: z.ZodType<T>, method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const init: RequestInit = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    try {
      const response = await this.fetch(path, init, signal ? AbortSignal.any([signal, timeout]) : timeout);
      return await this.parse(schema, `${method} ${path.split('?')[0]}`, response);
    } catch (err) {
      if (timeout.aborted && !signal?.aborted) {
        throw new SchedulerUnreachableError(this.options.baseUrl, `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
      }
      throw err;
    }
  }

  /** fetch with the token, network failures named, and non-2xx answers thrown as ApiError. */
  private async fetch(path: string, init: RequestInit, signal?: AbortSignal, opts: { allowStatus?: number[] } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.options.token) headers.set('authorization', `Bearer ${this.options.token}`);
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}${path}`, { ...init, headers, signal });
    } catch (err) {
      throw this.networkError(err);
    }
    if (response.ok || opts.allowStatus?.includes(response.status)) return response;
    throw await this.apiError(response);
  }

  private async parse<T>(schema: z.ZodType<T>, what: string, response: Response): Promise<T> {
    let json: unknown;
    try {
      json = await response.json();
    } catch (err) {
      if ((err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') throw err;
      throw new ProtocolError(what, 'the body is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ProtocolError(what, formatZodError(parsed.error));
    return parsed.data;
  }

  private async apiError(response: Response): Promise<ApiError> {
    const text = await response.text().catch(() => '');
    if (response.status === 401) {
      const what = this.options.token ? 'the scheduler refused the token (401)' : 'the scheduler wants a token and none was found (401)';
      return new ApiError(401, 'unauthorized', `${what}; set DRAAS_TOKEN or run npm start to write .draas/token`);
    }
    let body: ApiErrorBody | null = null;
    try {
      const parsed = ApiErrorBody.safeParse(JSON.parse(text));
      body = parsed.success ? parsed.data : null;
    } catch {
      // not JSON: a proxy or a crash answered; say what we can below
    }
    if (body) return new ApiError(response.status, body.error.code, body.error.message);
    return new ApiError(response.status, `http_${response.status}`, `the scheduler answered ${response.status} ${response.statusText}`.trim());
  }

  private networkError(err: unknown): unknown {
    const error = err as Error & { cause?: { code?: string; message?: string } };
    // Aborts (Ctrl-C, our timeouts) are not network faults: let the caller see them as they are.
    if (error.name === 'AbortError' || error.name === 'TimeoutError') return err;
    const code = error.cause?.code;
    const reason = (code && networkReasons[code]) ?? error.cause?.message ?? error.message;
    return new SchedulerUnreachableError(this.options.baseUrl, reason);
  }
}
