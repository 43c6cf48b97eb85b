// The routing table as Caddy's whole JSON config (Caddy 2.6, loaded through its admin API by
// router-sync.ts). Pure: the same table always gives the same JSON, so comparing it with what Caddy
// reports tells whether a load is needed.
import { checkRoutingTable, type RoutedApp, type RoutingTable } from './routing-table.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type CaddyConfig = { [key: string]: Json };

/**
 * Top-level sections that belong to whoever runs Caddy (scripts/local-caddy.ts, Compose): where its
 * admin API listens, where it keeps certificates, where it logs. The router keeps them as they are.
 */
export const PROCESS_SECTIONS = ['admin', 'logging', 'storage'] as const;

/** Caddy's name for the one HTTP server of the router. */
export const SERVER_NAME = 'router';

/**
 * A request whose instance refuses the connection (stopped, or stopping, while still listed) is
 * tried again on another upstream: Caddy retries a failed dial on any method, and other failures of
 * GET requests, for up to `try_duration`, waiting `try_interval` before each try. 5 s covers a dial
 * that times out (a machine gone: `dial_timeout`) followed by a try elsewhere, and holds requests
 * briefly when no instance accepts at all. 50 ms instead of Caddy's default 250 ms: a refused dial
 * is known at once, and the next try goes to another instance.
 * A failed upstream is then left out for `failDuration` (Caddy's passive health check, one failure
 * is enough), so the requests after the first go straight to the others instead of each paying a
 * refused dial and a wait; the scheduler takes a dead instance out of the table meanwhile.
 */
export const RETRY = { tryDuration: '5s', tryInterval: '50ms', dialTimeout: '2s', failDuration: '10s' } as const;

const PLAIN_TEXT = { 'Content-Type': ['text/plain; charset=utf-8'], 'X-Content-Type-Options': ['nosniff'] };

/** The whole config: the process sections given (see processSections) plus the routes of `table`. */
export function buildCaddyConfig(table: RoutingTable, process: CaddyConfig = {}): CaddyConfig {
  checkRoutingTable(table);
  const apps = [...table.apps].sort((a, b) => a.name.localeCompare(b.name));
  const routes: Json[] = apps.map((app) => appRoute(app, table.domain));
  routes.push({ handle: [staticText(404, 'no app answers at {http.request.host}\n')], terminal: true });

  const server: CaddyConfig = { listen: [`:${table.port}`], routes };
  const config: CaddyConfig = { ...process, apps: { http: { servers: { [SERVER_NAME]: server } } } };
  if (table.https === 'off') {
    // Host matchers would otherwise turn automatic HTTPS on for every app's name.
    server.automatic_https = { disable: true };
    return config;
  }
  // TLS on the router's port itself (Caddy enables it by itself only on 443). HTTP/3 stays off: the
  // router's port is a TCP port, and a UDP listener beside it would need its own firewall rule.
  server.tls_connection_policies = [{}];
  server.protocols = ['h1', 'h2'];
  if (table.https === 'internal') {
    // No redirect listener on :80 (not ours to take); certificates from Caddy's internal CA, whose
    // root stays in Caddy's storage (pki/authorities/local/root.crt) and out of the system's trust.
    server.automatic_https = { disable_redirects: true };
    config.apps = {
      ...(config.apps as CaddyConfig),
      tls: { automation: { policies: [{ issuers: [{ module: 'internal' }] }] } },
      pki: { certificate_authorities: { local: { install_trust: false } } },
    };
  }
  // 'auto': Caddy's automatic HTTPS with its default ACME issuers, and its redirects from :80 (which
  // also answer ACME's HTTP challenge).
  return config;
}

/** The process sections of a config Caddy reported (null when it runs with none). */
export function processSections(config: Json | undefined): CaddyConfig {
  const kept: CaddyConfig = {};
  if (!config || typeof config !== 'object' || Array.isArray(config)) return kept;
  for (const key of PROCESS_SECTIONS) {
    const value = config[key];
    if (value !== undefined) kept[key] = value;
  }
  return kept;
}

function appRoute(app: RoutedApp, domain: string): Json {
  const match = [{ host: [`${app.name}.${domain}`] }];
  if (app.upstreams.length === 0) {
    return { match, handle: [staticText(503, `no instance of ${app.name} is ready to answer\n`)], terminal: true };
  }
  const upstreams = [...app.upstreams].sort().map((dial) => ({ dial }));
  const proxy = {
    handler: 'reverse_proxy',
    upstreams,
    load_balancing: {
      selection_policy: { policy: 'round_robin' },
      try_duration: RETRY.tryDuration,
      try_interval: RETRY.tryInterval,
    },
    health_checks: { passive: { fail_duration: RETRY.failDuration, max_fails: 1 } },
    transport: { protocol: 'http', dial_timeout: RETRY.dialTimeout },
  };
  return { match, handle: [proxy], terminal: true };
}

function staticText(status: number, body: string): Json {
  return { handler: 'static_response', status_code: status, headers: PLAIN_TEXT, body };
}
