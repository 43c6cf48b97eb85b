import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { Forbidden, Unauthorized } from '../errors.js';
import { tokenMatches } from '../token.js';

export const SESSION_COOKIE = 'draas_session';

/** The token a request carries, and how: scripts send a Bearer header, browsers the login cookie. */
export function presentedToken(c: Context): { token: string; via: 'bearer' | 'cookie' } | null {
  const header = c.req.header('authorization');
  if (header?.toLowerCase().startsWith('bearer ')) return { token: header.slice(7).trim(), via: 'bearer' };
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/**
 * Defence in depth against cross-site requests riding on the login cookie (SameSite=Strict already
 * keeps it off them in current browsers): a state change sent with the cookie must come from a page
 * of this same site when the browser says where it comes from.
 */
function crossSite(c: Context): boolean {
  const origin = c.req.header('origin');
  if (!origin) return false;
  try {
    return new URL(origin).host !== c.req.header('host');
  } catch {
    return true;
  }
}

export type Role = 'admin' | 'read';

/** Who a token is: the admin token may do everything, read-only tokens may only look. */
export interface Access {
  /** DRAAS_AUTH=none: everyone is admin (local experiments only). */
  readonly disabled: boolean;
  roleOf(token: string | null): Role | null;
}

export function createAccess({ admin, readers, disabled }: { admin: string; readers: readonly string[]; disabled: boolean }): Access {
  return {
    disabled,
    roleOf(token) {
      if (disabled) return 'admin';
      if (token === null) return null;
      // Every comparison runs, so the time taken does not say which token almost matched.
      const isAdmin = tokenMatches(token, admin);
      const isReader = readers.reduce((found, reader) => tokenMatches(token, reader) || found, false);
      return isAdmin ? 'admin' : isReader ? 'read' : null;
    },
  };
}

/** Methods that only look; everything else changes state and needs the admin token. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequireTokenOptions {
  access: Access;
  /** Paths served without a token. */
  open?: readonly string[];
  /** Where a browser without a session is sent (pages only; the API answers 401). */
  loginPath?: string;
}

/**
 * Every route needs a token (Bearer header, or the login cookie) except the open ones; read-only
 * tokens may only read.
 */
export const requireToken = ({ access, open = ['/healthz', '/login'], loginPath = '/login' }: RequireTokenOptions): MiddlewareHandler =>
  async function requireToken(c, next) {
    if (open.includes(c.req.path)) return next();
    const given = presentedToken(c);
    const role = access.roleOf(given?.token ?? null);
    const reading = READ_METHODS.has(c.req.method);
    if (role !== null && !reading && given?.via === 'cookie' && crossSite(c)) {
      throw new Forbidden('cross-site request refused: changes must come from the dashboard itself or carry a Bearer token');
    }
    if (role === 'admin' || (role === 'read' && reading)) return next();
    if (role === 'read') throw new Forbidden('this token is read-only: deploying, cancelling and changing queues need the admin token');
    const wantsPage = c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html');
    if (wantsPage) return c.redirect(`${loginPath}?next=${encodeURIComponent(c.req.path)}`);
    throw new Unauthorized(given === null ? 'a token is required: send "Authorization: Bearer <DRAAS_TOKEN>"' : 'the token is not valid');
  };
