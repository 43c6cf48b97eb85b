import { Channels, ClusterEvent, parseJsonWith, type RedisKeys } from '@draas/queue-contracts';
import type { Scheduling } from '../cluster/scheduling.js';
import type { Logger } from '../logger.js';
import { Wakeup } from '../util/wakeup.js';
import { routedApp } from './app-routes.js';
import type { RouterSync } from '../router/router-sync.js';
import type { RoutingTable } from '../router/routing-table.js';
import type { PubSubHub } from '../store/pubsub.js';
import { readVersions } from './app-reader.js';
import { rolloutPass, type RolloutOptions } from './rollout.js';

// Keeps apps where their records say (docs/ARCHITECTURE.md, Apps): a rollout pass over every app,
// then every router given the table of what serves. Every 250 ms while something moves (a rollout,
// instances draining), every 2 s otherwise — which is also how a router that restarted empty gets
// its routes back — and at once when an app or one of its versions' instances changes.

const BUSY_MS = 250;
const IDLE_MS = 2000;

export interface AppWatcherOptions extends RolloutOptions {
  routers: readonly RouterSync[];
  table: Omit<RoutingTable, 'apps'>;
}

export class AppWatcher {
  private readonly wake = new Wakeup();
  private readonly versionIds = new Set<string>();
  /** The last router failure said, per router, so a long outage is logged once, not every pass. */
  private readonly routerErrors = new Map<string, string>();
  private loop: Promise<void> | null = null;
  private off: (() => Promise<void>) | null = null;

  constructor(
    private readonly s: Scheduling,
    private readonly hub: PubSubHub,
    private readonly keys: RedisKeys,
    private readonly options: AppWatcherOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.off = await this.hub.on(Channels(this.keys.prefix).events, (message) => {
      // Every instance change of every deployment comes here: without apps, not even parsed.
      if (this.versionIds.size === 0 && !message.includes('"type":"app"')) return;
      const event = parseJsonWith(ClusterEvent, message);
      if (!event) return;
      if (event.type === 'app' || event.type === 'agent' || this.versionIds.has(event.deploymentId)) this.wake.notify();
    });
    this.loop = this.run();
  }

  /** Something changed an app here (a new version, a scale): act now rather than at the next tick. */
  prompt(): void {
    this.wake.notify();
  }

  async close(): Promise<void> {
    this.wake.stop();
    await this.loop;
    await this.off?.();
  }

  private async run(): Promise<void> {
    while (!this.wake.stopped) {
      let busy = false;
      try {
        busy = await this.tick();
      } catch (err) {
        this.logger.warn({ err }, 'apps pass failed; trying again');
      }
      await this.wake.wait(busy ? BUSY_MS : IDLE_MS);
    }
  }

  /** One pass over every app, then the routers; true when another pass is due soon. */
  async tick(): Promise<boolean> {
    const names = await this.s.state.appNames();
    let busy = false;
    for (const name of names) {
      try {
        busy = (await rolloutPass(this.s, name, this.options)).busy || busy;
      } catch (err) {
        busy = true;
        this.logger.warn({ err, app: name }, 'rollout pass failed; trying again');
      }
    }
    await this.syncRouters(names);
    return busy;
  }

  private async syncRouters(names: readonly string[]): Promise<void> {
    const apps = [];
    this.versionIds.clear();
    for (const name of names) {
      const app = await this.s.state.app(name);
      if (!app) continue;
      for (const v of app.versions) this.versionIds.add(v.deploymentId);
      apps.push(routedApp(name, await readVersions(this.s.state, app)));
    }
    if (this.options.routers.length === 0) return;
    const table: RoutingTable = { ...this.options.table, apps };
    await Promise.all(
      this.options.routers.map(async (router) => {
        try {
          const { loaded } = await router.sync(table);
          if (this.routerErrors.delete(router.adminUrl) || loaded) this.logger.info({ router: router.adminUrl, apps: apps.length }, 'router configured');
        } catch (err) {
          const message = (err as Error).message;
          if (this.routerErrors.get(router.adminUrl) !== message) this.logger.warn({ err, router: router.adminUrl }, 'router could not be configured; trying again');
          this.routerErrors.set(router.adminUrl, message);
        }
      }),
    );
  }
}
