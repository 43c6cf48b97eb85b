import type { Heartbeat } from '@draas/queue-contracts';

// When an agent counts as online (DESIGN "Liveness and truth"): silent for `offlineAfterBeats` of
// its heartbeat periods, it is offline. Faster when its process is known to be gone: the Redis
// connection it names in its heartbeat has closed and a beat is late. (A machine that loses power
// or its network keeps no such signal, and waits the full three beats.)

/**
 * How late a beat must be, past its period, before a closed connection counts. Short: a live agent
 * keeps its connection open, so lateness alone never makes it offline here.
 */
const lateBy = (heartbeatMs: number): number => Math.min(heartbeatMs / 4, 500);

export function agentOnline(
  heartbeat: Pick<Heartbeat, 'sentAt' | 'heartbeatMs' | 'connectionName'>,
  now: number,
  offlineAfterBeats: number,
  connections: ReadonlySet<string> | null,
): boolean {
  const silentFor = now - heartbeat.sentAt;
  if (silentFor > heartbeat.heartbeatMs * offlineAfterBeats) return false;
  const gone = connections !== null && heartbeat.connectionName !== null && !connections.has(heartbeat.connectionName);
  return !(gone && silentFor > heartbeat.heartbeatMs + lateBy(heartbeat.heartbeatMs));
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
