import { describe, expect, it } from 'vitest';
import { RouterUnavailable } from '../errors.js';
import type { CaddyAdminApi } from './caddy-admin.js';
import type { CaddyConfig, Json } from './caddy-config.js';
import { jsonEqual, RouterSync } from './router-sync.js';
import type { RoutingTable } from './routing-table.js';

/** A Caddy in memory: keeps the config as JSON text and reports it with sorted keys, as Caddy does. */
class MemoryCaddy implements CaddyAdminApi {
  readonly adminUrl = 'http://127.0.0.1:2999';
  loads = 0;
  refuse: string | null = null;
  private text = 'null';

  constructor(start: Json = null) {
    this.text = JSON.stringify(start);
  }

  async getConfig(): Promise<Json> {
    return sortKeys(JSON.parse(this.text) as Json);
  }

  async load(config: CaddyConfig): Promise<void> {
    if (this.refuse) throw new RouterUnavailable(this.adminUrl, `POST /load answered 400: ${this.refuse}`);
    this.loads++;
    this.text = JSON.stringify(config);
  }

  restartEmpty(start: Json): void {
    this.text = JSON.stringify(start);
  }
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k] as Json)]));
}

const processConfig = { admin: { listen: '127.0.0.1:2999', config: { persist: false } }, storage: { module: 'file_system', root: '/d' } };
const table = (upstreams: string[]): RoutingTable => ({ domain: 'localhost', port: 8000, https: 'off', apps: [{ name: 'web', upstreams }] });

describe('RouterSync', () => {
  it('loads once, then syncing the same table is a no-op', async () => {
    const caddy = new MemoryCaddy(processConfig);
    const sync = new RouterSync(caddy);
    expect(await sync.sync(table(['10.0.0.1:1', '10.0.0.2:2']))).toEqual({ loaded: true });
    expect(await sync.sync(table(['10.0.0.2:2', '10.0.0.1:1']))).toEqual({ loaded: false });
    expect(caddy.loads).toBe(1);
    expect(await sync.sync(table(['10.0.0.2:2']))).toEqual({ loaded: true });
    expect(caddy.loads).toBe(2);
  });

  it('keeps the admin and storage sections Caddy runs with', async () => {
    const caddy = new MemoryCaddy(processConfig);
    await new RouterSync(caddy).sync(table([]));
    expect(await caddy.getConfig()).toMatchObject(processConfig);
  });

  it('loads everything again into a Caddy that restarted empty', async () => {
    const caddy = new MemoryCaddy(processConfig);
    const sync = new RouterSync(caddy);
    await sync.sync(table(['10.0.0.1:1']));
    caddy.restartEmpty(processConfig);
    expect(await sync.sync(table(['10.0.0.1:1']))).toEqual({ loaded: true });
    expect(JSON.stringify(await caddy.getConfig())).toContain('10.0.0.1:1');
  });

  it('runs syncs one after the other: the last table called with stays', async () => {
    const caddy = new MemoryCaddy(processConfig);
    const sync = new RouterSync(caddy);
    await Promise.all([sync.sync(table(['10.0.0.1:1'])), sync.sync(table(['10.0.0.3:3']))]);
    const text = JSON.stringify(await caddy.getConfig());
    expect(text).toContain('10.0.0.3:3');
    expect(text).not.toContain('10.0.0.1:1');
  });

  it('passes a refusal on to its caller, and the next sync still runs', async () => {
    const caddy = new MemoryCaddy(processConfig);
    const sync = new RouterSync(caddy);
    caddy.refuse = 'loading new config: bad';
    await expect(sync.sync(table([]))).rejects.toThrow(RouterUnavailable);
    caddy.refuse = null;
    expect(await sync.sync(table([]))).toEqual({ loaded: true });
  });
});

describe('jsonEqual', () => {
  it.each([
    [{ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [[1, 2], [2, 1], false],
    [null, {}, false],
    [{ a: null }, { b: null }, false],
    ['1', 1, false],
  ] as [Json, Json, boolean][])('%j vs %j: %s', (a, b, equal) => {
    expect(jsonEqual(a, b)).toBe(equal);
  });
});
