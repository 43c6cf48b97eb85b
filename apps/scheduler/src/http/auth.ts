import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { Unauthorized } from '../errors/index.js';

export const SESSION_COOKIE = 'draas_session';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time comparison; hashing first makes lengths equal, so the length is not leaked either. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export function presentedToken(c: Context): string | null {
  const header = c.req.header('authorization');
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim();
  return getCookie(c, SESSION_COOKIE) ?? null;
}

export interface RequireTokenOptions {
  token: string;
  /** Paths served without a token. */
  open?: readonly string[];
  /** Where a browser without a session is sent (pages only; the API answers 401). */
  loginPath?: string;
}

/** Every route needs the admin token (Bearer header, or the login cookie) except the open ones. */
export const requireToken = ({ token, open = ['/healthz', '/login'], loginPath = '/login' }: RequireTokenOptions): MiddlewareHandler =>
  async function requireToken(c, next) {
    if (open.includes(c.req.path)) return next();
    const given = presentedToken(c);
    if (given !== null && tokenMatches(given, token)) return next();
    const wantsPage = c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html');
    if (wantsPage) return c.redirect(`${loginPath}?next=${encodeURIComponent(c.req.path)}`);
    throw new Unauthorized(given === null ? 'a token is required: send "Authorization: Bearer <DRAAS_TOKEN>"' : 'the token is not valid');
  };
