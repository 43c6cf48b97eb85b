import { describe, expect, it } from 'vitest';
import { buildCaddyConfig, processSections, RETRY, SERVER_NAME, type CaddyConfig, type Json } from './caddy-config.js';
import type { RoutingTable } from './routing-table.js';

const table = (over: Partial<RoutingTable> = {}): RoutingTable => ({
  domain: 'localhost',
  port: 8000,
  https: 'off',
  apps: [
    { name: 'web', upstreams: ['10.0.0.2:32001', '10.0.0.1:32000'] },
    { name: 'api', upstreams: [] },
  ],
  ...over,
});

type Route = { match?: { host: string[] }[]; handle: Record<string, Json>[]; terminal?: boolean };

function server(config: CaddyConfig): Record<string, Json> {
  const apps = config.apps as { http: { servers: Record<string, Record<string, Json>> } };
  return apps.http.servers[SERVER_NAME] as Record<string, Json>;
}

function routes(config: CaddyConfig): Route[] {
  return server(config).routes as unknown as Route[];
}

function routeFor(config: CaddyConfig, host: string): Route | undefined {
  return routes(config).find((r) => r.match?.[0]?.host.includes(host));
}

describe('buildCaddyConfig', () => {
  it('listens on the port with one route per app by host, sorted by name, and a 404 for other hosts last', () => {
    const config = buildCaddyConfig(table());
    expect(server(config).listen).toEqual([':8000']);
    expect(routes(config).map((r) => r.match?.[0]?.host)).toEqual([['api.localhost'], ['web.localhost'], undefined]);
    expect(routes(config).every((r) => r.terminal === true)).toBe(true);
    const fallback = routes(config).at(-1) as Route;
    expect(fallback.match).toBeUndefined();
    expect(fallback.handle).toEqual([expect.objectContaining({ handler: 'static_response', status_code: 404 })]);
    expect(fallback.handle[0]?.body).toMatch(/no app answers at/);
    expect(fallback.handle[0]?.headers).toMatchObject({ 'Content-Type': ['text/plain; charset=utf-8'] });
  });

  it('proxies an app to its upstreams, round robin, retrying a refused connection on another one', () => {
    const proxy = routeFor(buildCaddyConfig(table()), 'web.localhost')?.handle;
    expect(proxy).toEqual([
      {
        handler: 'reverse_proxy',
        upstreams: [{ dial: '10.0.0.1:32000' }, { dial: '10.0.0.2:32001' }],
        load_balancing: {
          selection_policy: { policy: 'round_robin' },
          try_duration: RETRY.tryDuration,
          try_interval: RETRY.tryInterval,
        },
        health_checks: { passive: { fail_duration: RETRY.failDuration, max_fails: 1 } },
        transport: { protocol: 'http', dial_timeout: RETRY.dialTimeout },
      },
    ]);
  });

  it('answers 503 with a plain message for an app with no upstream', () => {
    const handle = routeFor(buildCaddyConfig(table()), 'api.localhost')?.handle;
    expect(handle).toEqual([expect.objectContaining({ handler: 'static_response', status_code: 503 })]);
    expect(handle?.[0]?.body).toBe('no instance of api is ready to answer\n');
  });

  it('gives the same JSON whatever the order of apps and upstreams', () => {
    const reordered = table({ apps: [{ name: 'api', upstreams: [] }, { name: 'web', upstreams: ['10.0.0.1:32000', '10.0.0.2:32001'] }] });
    expect(JSON.stringify(buildCaddyConfig(reordered))).toBe(JSON.stringify(buildCaddyConfig(table())));
  });

  it.each([
    ['off', { disable: true }, undefined, undefined],
    ['internal', { disable_redirects: true }, [{}], [{ issuers: [{ module: 'internal' }] }]],
    ['auto', undefined, [{}], undefined],
  ] as const)('https %s: automatic_https %j, TLS policies %j, automation %j', (https, automatic, tlsPolicies, automation) => {
    const config = buildCaddyConfig(table({ https, domain: 'apps.example.com' }));
    const apps = config.apps as Record<string, Record<string, Json>>;
    expect(server(config).automatic_https).toEqual(automatic);
    expect(server(config).tls_connection_policies).toEqual(tlsPolicies);
    expect((apps.tls?.automation as Record<string, Json> | undefined)?.policies).toEqual(automation);
    expect(routeFor(config, 'web.apps.example.com')).toBeDefined();
  });

  it('keeps the internal CA out of the system trust store and serves no HTTP/3 beside the TCP port', () => {
    const config = buildCaddyConfig(table({ https: 'internal' }));
    expect((config.apps as Record<string, Json>).pki).toEqual({ certificate_authorities: { local: { install_trust: false } } });
    expect(server(config).protocols).toEqual(['h1', 'h2']);
    expect(server(buildCaddyConfig(table())).protocols).toBeUndefined();
  });

  it('keeps the process sections given, and only those come from processSections', () => {
    const running: Json = {
      admin: { listen: '127.0.0.1:2999', config: { persist: false } },
      storage: { module: 'file_system', root: '/data' },
      logging: { logs: {} },
      apps: { http: {} },
    };
    const kept = processSections(running);
    expect(Object.keys(kept).sort()).toEqual(['admin', 'logging', 'storage']);
    const config = buildCaddyConfig(table(), kept);
    expect(config.admin).toEqual({ listen: '127.0.0.1:2999', config: { persist: false } });
    expect(Object.keys(config).sort()).toEqual(['admin', 'apps', 'logging', 'storage']);
    expect(processSections(null)).toEqual({});
  });

  it.each([
    ['a name that is no DNS label', table({ apps: [{ name: 'Web_1', upstreams: [] }] }), /not a DNS label/],
    ['two apps of one name', table({ apps: [{ name: 'web', upstreams: [] }, { name: 'web', upstreams: [] }] }), /appears twice/],
    ['an upstream without a port', table({ apps: [{ name: 'web', upstreams: ['10.0.0.1'] }] }), /not host:port/],
    ['an upstream port out of range', table({ apps: [{ name: 'web', upstreams: ['10.0.0.1:70000'] }] }), /not host:port/],
    ['a port out of range', table({ port: 0 }), /not a TCP port/],
    ['a domain with a space', table({ domain: 'bad domain' }), /not a DNS name/],
  ])('refuses %s', (_what, bad, message) => {
    expect(() => buildCaddyConfig(bad)).toThrow(message);
  });
});
