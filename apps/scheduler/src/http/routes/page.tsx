import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { assetUrl, stylesheet } from '../dashboard/assets.js';

// The HTML shell of every page (login and dashboard): one stylesheet, light and dark, system fonts.
// Pages run only the scheduler's own script files: the Content-Security-Policy below forbids inline
// scripts and event-handler attributes, so even markup that slipped through escaping cannot run.

const inlineStyleHash = (): string => `'sha256-${createHash('sha256').update(stylesheet()).digest('base64')}'`;

/** Security headers of an HTML page; `inlineStyle` allows the one stylesheet inlined by `<Page inlineStyle>`. */
export function pageHeaders(c: Context, { inlineStyle = false }: { inlineStyle?: boolean } = {}): void {
  const style = inlineStyle ? `'self' ${inlineStyleHash()}` : "'self'";
  c.header(
    'content-security-policy',
    `default-src 'none'; script-src 'self'; style-src ${style}; connect-src 'self'; img-src 'self' data:; ` +
      `form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  );
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'same-origin');
  c.header('cache-control', 'no-store');
}

export interface PageProps {
  title: string;
  /** Inline the stylesheet (the login page: assets need a session). It is our own file, not data. */
  inlineStyle?: boolean;
  /** Asset names of the page's scripts, loaded deferred in this order. */
  scripts?: readonly string[];
  /** data-* attributes of <body>, which the scripts read (never inline JSON). */
  data?: Record<string, string>;
  children?: Child;
}

export function Page({ title, inlineStyle = false, scripts = [], data = {}, children }: PageProps) {
  const bodyData = Object.fromEntries(Object.entries(data).map(([k, v]) => [`data-${k}`, v]));
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{title}</title>
        <link rel="icon" href="data:," />
        {inlineStyle ? <style dangerouslySetInnerHTML={{ __html: stylesheet() }} /> : <link rel="stylesheet" href={assetUrl('dashboard.css')} />}
        {scripts.map((name) => (
          <script src={assetUrl(name)} defer />
        ))}
      </head>
      <body {...bodyData}>{children}</body>
    </html>
  );
}
