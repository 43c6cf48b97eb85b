import { Heartbeat, parseJsonWith, type AgentUsage, type RedisKeys } from '@draas/queue-contracts';
import type { AgentSnapshot } from '../cluster/state.js';
import { agentOnline, ConnectionTracker, connectionNames } from './agent-online.js';
import type { Clock } from './clock.js';
import type { ScriptedRedis } from './scripts.js';

// Agents' heartbeats (written by the agents) and the reservations placement makes on them (written
// here). Reservations change only through two Lua scripts (lua/reserve.lua, lua/release.lua), so that
// a placement commits atomically against the latest usage and a release never counts twice.

export interface AgentState {
  heartbeat: Heartbeat;
  online: boolean;
  usage: AgentUsage;
}

/** How long placement may reuse agent snapshots: reservations are checked in Redis anyway. */
const SNAPSHOT_TTL_MS = 250;

export class AgentStore {
  private cache: { at: number; snapshots: AgentSnapshot[] } | null = null;
  /** The read under way, shared by everyone who asks meanwhile; `generation` as it was when it started. */
  private reading: { generation: number; states: Promise<AgentState[]> } | null = null;
  /** Bumped when usage changed behind the snapshots' back (a release, a lost reservation race): a read started before no longer serves `fresh` callers. */
  private generation = 0;
  private readonly connections = new ConnectionTracker();
  /** When this scheduler's connection last came up (Redis clock): silence before it does not count. */
  private listeningSince = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeys,
    private readonly clock: Clock,
    private readonly offlineAfterBeats: number,
  ) {
    redis.on('ready', () => {
      this.connections.reset();
      this.listeningSince = this.clock.now();
    });
    // The start-up waits for Redis before it makes this store: that first 'ready' has passed already,
    // and counts as coming up too (npm start restarts Redis with the scheduler; silence from before
    // says nothing, and agents get their time to reconnect rather than their apps moved elsewhere).
    if (redis.status === 'ready') this.listeningSince = this.clock.now();
    redis.on('close', () => this.connections.reset());
  }

  /**
   * Every known agent with its last heartbeat, liveness and reservations. Callers at the same moment
   * share one read (100 agents are one CLIENT LIST and one pipeline, not one per caller), and the read
   * refreshes the placement snapshots too.
   */
  list(): Promise<AgentState[]> {
    return this.read(false);
  }

  private read(fresh: boolean): Promise<AgentState[]> {
    if (this.reading && (!fresh || this.reading.generation === this.generation)) return this.reading.states;
    const generation = this.generation;
    const states = this.readAll().then((all) => {
      if (generation === this.generation) this.cache = { at: Date.now(), snapshots: all.map(toSnapshot) };
      return all;
    });
    const reading = { generation, states };
    this.reading = reading;
    void states.then(
      () => this.reading === reading && (this.reading = null),
      () => this.reading === reading && (this.reading = null),
    );
    return states;
  }

  private async readAll(): Promise<AgentState[]> {
    const ids = (await this.redis.smembers(this.keys.agents)).sort();
    if (ids.length === 0) return [];
    const clients = (await this.redis.client('LIST')) as string;
    const seenAt = performance.now();
    this.connections.observe(connectionNames(clients), seenAt);
    const now = this.clock.now();
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.get(this.keys.agent(id));
      pipeline.hgetall(this.keys.agentUsage(id));
    }
    const replies = (await pipeline.exec()) ?? [];
    const states: AgentState[] = [];
    for (let i = 0; i < ids.length; i++) {
      const [hbErr, hbText] = replies[2 * i] ?? [];
      const [usageErr, usage] = replies[2 * i + 1] ?? [];
      if (hbErr) throw hbErr;
      if (usageErr) throw usageErr;
      const heartbeat = parseJsonWith(Heartbeat, hbText as string | null);
      if (!heartbeat) continue;
      const u = usage as Record<string, string>;
      states.push({
        heartbeat,
        online: agentOnline(heartbeat, now, this.offlineAfterBeats, this.connections.goneFor(heartbeat.connectionName, seenAt), this.listeningSince),
        usage: { memoryBytes: Number(u.memory ?? 0), milliCpus: Number(u.millicpus ?? 0), instances: Number(u.instances ?? 0) },
      });
    }
    return states;
  }

  /**
   * The view placement works on, reused for a moment across placements (100 agents' heartbeats are
   * not re-read and re-parsed for every deployment); `fresh` after a conflict. Staleness is safe:
   * every reservation is checked against the agent's real usage in Redis.
   */
  async snapshots(fresh = false): Promise<AgentSnapshot[]> {
    if (!fresh && this.cache && Date.now() - this.cache.at < SNAPSHOT_TTL_MS) return this.cache.snapshots;
    const generation = this.generation;
    const states = await this.read(fresh);
    if (this.cache && generation === this.generation) return this.cache.snapshots;
    return states.map(toSnapshot);
  }

  /** Reserves resources for an instance; false when the agent no longer has room (someone placed first). */
  async reserve(agent: AgentSnapshot, ref: string, memoryBytes: number, milliCpus: number): Promise<boolean> {
    const ok = await this.redis.draasReserve(
      this.keys.agentAllocations(agent.id),
      this.keys.agentUsage(agent.id),
      ref,
      memoryBytes,
      milliCpus,
      agent.capacity.memoryBytes,
      agent.capacity.milliCpus,
      agent.capacity.maxInstances,
    );
    if (ok !== 1) {
      this.invalidate();
      return false;
    }
    // Keep the reused snapshot honest for the next placement in the same moment.
    agent.usage.memoryBytes += memoryBytes;
    agent.usage.milliCpus += milliCpus;
    agent.usage.instances += 1;
    return true;
  }

  private invalidate(): void {
    this.cache = null;
    this.generation++;
  }

  /** Records what an instance that really runs on the agent holds, whether or not it fits. */
  async claim(agentId: string, ref: string, memoryBytes: number, milliCpus: number): Promise<void> {
    const unbounded = Number.MAX_SAFE_INTEGER;
    await this.redis.draasReserve(this.keys.agentAllocations(agentId), this.keys.agentUsage(agentId), ref, memoryBytes, milliCpus, unbounded, unbounded, unbounded);
  }

  /** Refs (`<deploymentId>/<index>`) of the instances holding resources on the agent. */
  allocations(agentId: string): Promise<string[]> {
    return this.redis.hkeys(this.keys.agentAllocations(agentId));
  }

  /** Gives back what an instance held; a second release of the same instance does nothing. */
  async release(agentId: string, ref: string): Promise<boolean> {
    const released = (await this.redis.draasRelease(this.keys.agentAllocations(agentId), this.keys.agentUsage(agentId), ref)) === 1;
    if (released) this.invalidate();
    return released;
  }
}

export function toSnapshot(state: AgentState): AgentSnapshot {
  const { heartbeat, usage } = state;
  return {
    id: heartbeat.agentId,
    online: state.online,
    labels: heartbeat.labels,
    capacity: heartbeat.capacity,
    usage: { ...usage },
    memoryAvailableBytes: heartbeat.resources.memoryAvailableBytes,
  };
}
