// What the router should do, in DRaaS's terms: which app answers at which name, and where its
// instances listen. The scheduler derives it from its records (apps/app-routes.ts, for every router
// by the app watcher); caddy-config.ts turns it into Caddy's JSON.

/** How the router's port serves: plain HTTP, TLS from Caddy's own CA, or certificates from ACME. */
export type RouterHttps = 'off' | 'internal' | 'auto';

export interface RoutedApp {
  /** A DNS label: the app answers at `<name>.<domain>`. */
  name: string;
  /** `host:port` of each instance that should get requests now; none: the app answers 503. */
  upstreams: string[];
}

export interface RoutingTable {
  /** DRAAS_DOMAIN: `localhost`, or a domain whose DNS points at the router. */
  domain: string;
  /** ROUTER_PORT: the one port the router listens on (every interface). */
  port: number;
  https: RouterHttps;
  apps: RoutedApp[];
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const UPSTREAM = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):[0-9]{1,5}$/i;

/**
 * Throws when the table could not become a sound config: a name that is no DNS label, two apps of
 * one name, an upstream that is not host:port. The callers build tables from checked records, so
 * this guards against a bug, not against users.
 */
export function checkRoutingTable(table: RoutingTable): void {
  if (!DOMAIN.test(table.domain)) throw new Error(`router: domain "${table.domain}" is not a DNS name`);
  if (!Number.isInteger(table.port) || table.port < 1 || table.port > 65535) throw new Error(`router: port ${table.port} is not a TCP port`);
  const seen = new Set<string>();
  for (const app of table.apps) {
    if (!DNS_LABEL.test(app.name)) throw new Error(`router: app name "${app.name}" is not a DNS label`);
    if (seen.has(app.name)) throw new Error(`router: app "${app.name}" appears twice`);
    seen.add(app.name);
    for (const upstream of app.upstreams) {
      const port = Number(upstream.slice(upstream.lastIndexOf(':') + 1));
      if (!UPSTREAM.test(upstream) || port < 1 || port > 65535) throw new Error(`router: upstream "${upstream}" of app "${app.name}" is not host:port`);
    }
  }
}
