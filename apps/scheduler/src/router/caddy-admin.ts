// The two calls of Caddy's admin API the router needs: read the whole config, load a whole config.
// Every failure is a RouterUnavailable naming the admin URL and what Caddy said.
import { RouterUnavailable } from '../errors.js';
import type { CaddyConfig, Json } from './caddy-config.js';

/** What RouterSync needs of a Caddy; CaddyAdmin over HTTP in production. */
export interface CaddyAdminApi {
  readonly adminUrl: string;
  /** The config Caddy runs now; null when it runs none. */
  getConfig(): Promise<Json>;
  /** Replaces the whole config; Caddy switches to it gracefully, or keeps the old one and says why. */
  load(config: CaddyConfig): Promise<void>;
}

export interface CaddyAdminOptions {
  /** How long one call may take (a load includes Caddy starting its new listeners). */
  timeoutMs?: number;
}

export class CaddyAdmin implements CaddyAdminApi {
  readonly adminUrl: string;
  private readonly timeoutMs: number;

  constructor(adminUrl: string, { timeoutMs = 10_000 }: CaddyAdminOptions = {}) {
    this.adminUrl = adminUrl.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  async getConfig(): Promise<Json> {
    const text = await this.call('GET', '/config/');
    try {
      return JSON.parse(text) as Json;
    } catch (err) {
      throw new RouterUnavailable(this.adminUrl, `GET /config/ answered something that is not JSON: ${text.slice(0, 200)}`, { cause: err });
    }
  }

  async load(config: CaddyConfig): Promise<void> {
    await this.call('POST', '/load', JSON.stringify(config));
  }

  private async call(method: 'GET' | 'POST', pathname: string, body?: string): Promise<string> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.adminUrl + pathname, {
        method,
        body,
        // Caddy replaces its admin server at every load and closes the old one's connections: a
        // connection kept alive for the next call would fail it ("other side closed").
        headers: body === undefined ? { connection: 'close' } : { connection: 'close', 'content-type': 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const reason = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
      throw new RouterUnavailable(this.adminUrl, `${method} ${pathname} failed: ${reason}`, { cause: err });
    }
    if (!res.ok) throw new RouterUnavailable(this.adminUrl, `${method} ${pathname} answered ${res.status}: ${caddyMessage(text)}`);
    return text;
  }
}

/** Caddy answers errors as `{"error": "..."}`. */
function caddyMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: keep the text
  }
  return text.trim().slice(0, 500) || 'no message';
}
