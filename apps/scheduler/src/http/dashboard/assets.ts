import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { formatAge, formatBytes } from '@draas/queue-contracts';
import { Hono } from 'hono';

// The dashboard's own CSS and plain browser JavaScript: files under ./assets, read once at start and
// served with a content hash in the URL, so a browser keeps them for a year and a new version is a
// new URL. Nothing is fetched from anywhere else (no CDN, no bundler). One script is made here:
// formatters.js, the contracts' formatters for the browser (below).

export const ASSET_BASE = '/dashboard/assets';

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

interface Asset {
  body: string;
  type: string;
  hash: string;
}

/** tsc copies no .css/.js to dist/, so a compiled scheduler reads them from the sources beside it. */
function assetDir(): URL {
  const here = new URL('./assets/', import.meta.url);
  if (existsSync(new URL('dashboard.css', here))) return here;
  return new URL('../../../src/http/dashboard/assets/', import.meta.url);
}

function makeAsset(name: string, body: string): Asset {
  const type = TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';
  return { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

function load(names: readonly string[]): Map<string, Asset> {
  const dir = assetDir();
  return new Map(names.map((name) => [name, makeAsset(name, readFileSync(new URL(name, dir), 'utf8'))]));
}

/**
 * The formatters the CLI and the server use (libs/queue-contracts/src/units.ts), written out from the
 * functions themselves, so the browser formats sizes and ages with the same code and no copy exists.
 * Each must stay self-contained (no imports, no helpers outside its body): pages.test.tsx runs this.
 */
export function formattersScript(): string {
  const entries = [formatBytes, formatAge].map((fn) => `  ${fn.name}: ${fn.toString()},`);
  return `'use strict';\n// Made by the scheduler at start (assets.ts) from libs/queue-contracts.\nwindow.DRaaS = {\n${entries.join('\n')}\n};\n`;
}

export const assets = load(['dashboard.css', 'common.js', 'parts.js', 'overview.js', 'log-view.js', 'deployment.js', 'app.js', 'new-deployment.js']);
assets.set('formatters.js', makeAsset('formatters.js', formattersScript()));

/** The URL of an asset, with its content hash. */
export function assetUrl(name: string): string {
  const asset = assets.get(name);
  if (!asset) throw new Error(`no dashboard asset named ${name}`);
  return `${ASSET_BASE}/${asset.hash}/${name}`;
}

/** The stylesheet's text, for the login page (which is served before a session exists). */
export const stylesheet = (): string => (assets.get('dashboard.css') as Asset).body;

export function assetRoutes(): Hono {
  const app = new Hono();
  app.get(`${ASSET_BASE}/:hash/:name`, (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('no such asset', 404);
    // An old hash (a page from before a restart) still gets the current file, just not cached.
    const cache = c.req.param('hash') === asset.hash ? 'private, max-age=31536000, immutable' : 'no-cache';
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
  });
  return app;
}
