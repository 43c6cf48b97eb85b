// The router's one writer: makes a Caddy run the config of a routing table. It reads what Caddy runs
// and loads the whole config only when that differs, so syncing the same table again costs one GET,
// and a Caddy that restarted empty (its config is never saved) gets everything back on the next sync.
import type { CaddyAdminApi } from './caddy-admin.js';
import { buildCaddyConfig, processSections, type CaddyConfig, type Json } from './caddy-config.js';
import type { RoutingTable } from './routing-table.js';

export interface SyncResult {
  /** Whether Caddy was given a new config (false: it already ran this one). */
  loaded: boolean;
}

export class RouterSync {
  /** Syncs run one after the other, so the table of the last call is the one that stays. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly admin: CaddyAdminApi) {}

  get adminUrl(): string {
    return this.admin.adminUrl;
  }

  /** Throws RouterUnavailable when Caddy cannot be read or refuses the config. */
  sync(table: RoutingTable): Promise<SyncResult> {
    const run = this.queue.then(() => this.syncNow(table));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async syncNow(table: RoutingTable): Promise<SyncResult> {
    const current = await this.admin.getConfig();
    // Through JSON and back, as Caddy will report it: no undefined fields left to differ on.
    const desired = JSON.parse(JSON.stringify(buildCaddyConfig(table, processSections(current)))) as CaddyConfig;
    if (jsonEqual(current, desired)) return { loaded: false };
    await this.admin.load(desired);
    return { loaded: true };
  }
}

/** Deep equality of JSON values; object keys in any order (Caddy reports them sorted). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}
