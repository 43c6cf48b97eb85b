import { Channels, Heartbeat, parseJsonWith } from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { PendingRetry } from './pending-retry.js';
import { reapAgentOnce } from './reaper.js';
import type { PubSubHub } from '../store/pubsub.js';

// Notices agents coming and going. An agent that goes silent is reaped: its work moves elsewhere.
// A deployment that no agent could take waits in the pending set; it is placed again once capacity
// may have appeared: an agent came online or changed its capacity or labels, or an instance ended
// and gave its room back (see pending-retry.ts). Periodic sweeps cover prompts that pub/sub dropped
// and a reaping interrupted by a crash.

const SWEEP_MS = 250;
const REAP_AGAIN_MS = 10_000;

export class AgentWatcher {
  private readonly online = new Map<string, boolean>();
  /** What each agent offers (capacity and labels), to notice a change that may let pending work fit. */
  private readonly offers = new Map<string, string>();
  private readonly pending: PendingRetry;
  private timer: NodeJS.Timeout | null = null;
  private off: (() => Promise<void>) | null = null;
  private lastReap = 0;
  private sweeping = false;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly hub: PubSubHub,
    /** Called once for every agent seen (Bull Board shows its queue). */
    private readonly onAgentSeen: (agentId: string) => void = () => undefined,
  ) {
    this.pending = new PendingRetry(ctx.scheduling);
  }

  async start(): Promise<void> {
    this.off = await this.hub.on(Channels(this.ctx.keys.prefix).heartbeats, (message) => {
      const heartbeat = parseJsonWith(Heartbeat, message);
      if (heartbeat && this.online.get(heartbeat.agentId) !== true) void this.guard(() => this.sweep());
    });
    await this.sweep();
    this.timer = setInterval(() => void this.guard(() => this.sweep()), SWEEP_MS);
  }

  /** Capacity was freed somewhere: pending deployments get another chance soon. */
  capacityFreed(): void {
    this.pending.request();
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      let cameOnline = false;
      const reapAll = Date.now() - this.lastReap > REAP_AGAIN_MS;
      const toReap: string[] = [];
      for (const agent of await this.ctx.agents.list()) {
        const id = agent.heartbeat.agentId;
        const before = this.online.get(id);
        if (before === undefined) this.onAgentSeen(id);
        const offer = JSON.stringify([agent.heartbeat.capacity, agent.heartbeat.labels]);
        if (this.offers.get(id) !== offer) {
          this.offers.set(id, offer);
          this.pending.request();
        }
        if (before !== agent.online) {
          this.online.set(id, agent.online);
          if (agent.online) cameOnline = true;
          this.ctx.logger.info({ agentId: id, state: agent.online ? 'online' : 'offline' }, 'agent state');
          await this.ctx.events.agent(id, agent.online ? 'online' : 'offline');
        }
        if (!agent.online && (before !== false || reapAll)) toReap.push(id);
      }
      if (reapAll) this.lastReap = Date.now();
      for (const id of toReap) await reapAgentOnce(this.ctx.scheduling, id);
      if (cameOnline) this.pending.request();
      await this.pending.tick();
    } finally {
      this.sweeping = false;
    }
  }


  /** Background work reports its failures to the log and tries again on the next tick. */
  private async guard(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.ctx.logger.error({ err }, 'agent watcher failed; retrying on the next tick');
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.off?.();
  }
}
