import { type Heartbeat } from '@draas/queue-contracts';
import { RECONNECT_MAX_DELAY_MS } from '@draas/queue-contracts/runtime';

// When an agent counts as online (docs/ARCHITECTURE.md, Liveness): silent for `offlineAfterBeats` of
// its heartbeat periods, it is offline. Sooner when its process is plainly gone: the Redis connection
// it names in its heartbeat, seen open before, has stayed closed for half a heartbeat period (1 s by
// default). An agent's client reconnects within milliseconds of a blip, and an agent restarted within
// that time adopts its containers; a longer HEARTBEAT_MS buys a restart more time. (A machine that
// loses power or its network closes no connection, and waits the full three beats.) Silence while
// this scheduler could not hear counts for nothing: when its own connection comes back (Redis
// restarted), agents get the time they need to reconnect too before their silence counts again.

export function agentOnline(
  heartbeat: Pick<Heartbeat, 'sentAt' | 'heartbeatMs'>,
  now: number,
  offlineAfterBeats: number,
  /** For how long the agent's connection has been seen closed; null when open or unknown. */
  connectionGoneForMs: number | null,
  /** When this scheduler's connection to Redis last came up (same clock as `now`). */
  listeningSince = Number.NEGATIVE_INFINITY,
): boolean {
  const silentSince = Math.max(heartbeat.sentAt, listeningSince + RECONNECT_MAX_DELAY_MS);
  if (now - silentSince > heartbeat.heartbeatMs * offlineAfterBeats) return false;
  return connectionGoneForMs === null || connectionGoneForMs < heartbeat.heartbeatMs / 2;
}

/**
 * Which named Redis connections have closed, and since when, as seen by this scheduler's CLIENT LIST
 * answers. Only a connection seen open since this scheduler's own connection came up counts as closed
 * when it is missing: right after Redis restarts nobody's connection is back yet, and that means nothing.
 */
export class ConnectionTracker {
  private readonly seen = new Set<string>();
  private readonly missingSince = new Map<string, number>();

  /** This scheduler's connection dropped or came back: what was seen before says nothing now. */
  reset(): void {
    this.seen.clear();
    this.missingSince.clear();
  }

  /** Notes one CLIENT LIST answer's names, taken at `now` (a local monotonic time). */
  observe(open: ReadonlySet<string>, now: number): void {
    for (const name of open) {
      this.seen.add(name);
      this.missingSince.delete(name);
    }
    for (const name of this.seen) if (!open.has(name) && !this.missingSince.has(name)) this.missingSince.set(name, now);
  }

  /** How long `name` has been closed; null when open, never seen, or unnamed. */
  goneFor(name: string | null, now: number): number | null {
    if (name === null) return null;
    const since = this.missingSince.get(name);
    return since === undefined ? null : now - since;
  }
}

/** The connection names in a CLIENT LIST answer. */
export function connectionNames(clientList: string): Set<string> {
  const names = new Set<string>();
  for (const line of clientList.split('\n')) {
    const match = / name=(\S*)/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}
