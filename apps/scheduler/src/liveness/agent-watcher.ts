import { Channels, Heartbeat, parseJsonWith } from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { reapAgent } from './reaper.js';
import type { PubSubHub } from '../store/pubsub.js';

// Notices agents coming and going. An agent that goes silent is reaped: its work moves elsewhere.
// A deployment that no agent could take waits in the pending set; it is placed again as soon as
// capacity may have appeared: an agent came online, or an instance ended and gave its room back.
// Periodic sweeps cover prompts that pub/sub dropped and a reaping interrupted by a crash.

const SWEEP_MS = 250;
const PENDING_RETRY_MS = 5000;
const REAP_AGAIN_MS = 10_000;

export class AgentWatcher {
  private readonly online = new Map<string, boolean>();
  private timer: NodeJS.Timeout | null = null;
  private off: (() => Promise<void>) | null = null;
  private lastRetry = 0;
  private lastReap = 0;
  private sweeping = false;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly hub: PubSubHub,
    /** Called once for every agent seen (Bull Board shows its queue). */
    private readonly onAgentSeen: (agentId: string) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    this.off = await this.hub.on(Channels(this.ctx.keys.prefix).heartbeats, (message) => {
      const heartbeat = parseJsonWith(Heartbeat, message);
      if (heartbeat && this.online.get(heartbeat.agentId) !== true) void this.guard(() => this.sweep());
    });
    await this.sweep();
    this.timer = setInterval(() => void this.guard(() => this.sweep()), SWEEP_MS);
  }

  /** Capacity was freed somewhere: pending deployments get another chance now. */
  capacityFreed(): void {
    void this.guard(() => this.retryPending());
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
        if (before !== agent.online) {
          this.online.set(id, agent.online);
          if (agent.online) cameOnline = true;
          this.ctx.logger.info({ agentId: id, state: agent.online ? 'online' : 'offline' }, 'agent state');
          await this.ctx.events.agent(id, agent.online ? 'online' : 'offline');
        }
        if (!agent.online && (before !== false || reapAll)) toReap.push(id);
      }
      if (reapAll) this.lastReap = Date.now();
      for (const id of toReap) await reapAgent(this.ctx, id);
      if (cameOnline || Date.now() - this.lastRetry > PENDING_RETRY_MS) await this.retryPending();
    } finally {
      this.sweeping = false;
    }
  }

  private async retryPending(): Promise<void> {
    this.lastRetry = Date.now();
    for (const id of await this.ctx.deployments.pendingIds()) await this.ctx.queues.addPlace(id);
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
