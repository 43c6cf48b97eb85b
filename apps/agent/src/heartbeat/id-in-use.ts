import type { Redis } from 'ioredis';
import { Heartbeat, parseJsonWith, type RedisKeys } from '@draas/queue-contracts';
import { ConfigError } from '../errors/config-error.js';
import { sleep } from '../util/sleep.js';

// Two agents with one id share a deploy queue and the containers labelled with it: each would take
// the other's jobs and stop the containers it does not expect. An agent therefore does not start
// while another one with its id runs: its commands connection (the one the scheduler watches) is
// open, and its heartbeat advances. Both, because a crashed agent's connection can linger in Redis
// (a machine gone without closing it), and that must never block the agent's own restart.

export interface IdCheck {
  redis: Redis;
  keys: RedisKeys;
  agentId: string;
  /** The commands connection's name; ours carries it too, and is told apart by its client id. */
  connectionName: string;
  /** Where the id came from, for the message: AGENT_ID, or the file in the data folder. */
  idFile: string | null;
}

/** Heartbeat periods waited for another agent's beat when its connection is open. */
const BEATS_TO_WAIT = 1.5;
/** When no beat of the other agent is stored yet (it is starting too). */
const DEFAULT_HEARTBEAT_MS = 2000;
const POLL_MS = 200;

/** Throws a ConfigError naming AGENT_ID (or the id file) when another live agent runs with this id. */
export async function ensureIdNotInUse(check: IdCheck): Promise<void> {
  const { redis, keys, agentId } = check;
  let list: string;
  let ownId: number;
  try {
    [ownId, list] = await Promise.all([redis.client('ID') as Promise<number>, redis.client('LIST') as Promise<string>]);
  } catch {
    // A Redis that refuses CLIENT LIST (some managed ones) cannot tell; the scheduler cannot either.
    return;
  }
  const others = otherConnections(list, check.connectionName, ownId);
  if (others.length === 0) return;
  if (!(await heartbeatAdvances(redis, keys.agent(agentId)))) return;
  const from = others.map((o) => o.addr).join(', ');
  throw new ConfigError(
    check.idFile
      ? `the agent id ${agentId} kept in ${check.idFile} is in use by another running agent (connected from ${from}; a copied data folder?): delete ${check.idFile} to get a new id, or set AGENT_ID`
      : `AGENT_ID ${agentId} is in use by another running agent (connected from ${from}): set AGENT_ID to an id of its own, or leave it unset to get one`,
  );
}

/** Whether a beat newer than the one stored now arrives within 1.5 of its periods (at once when it does). */
async function heartbeatAdvances(redis: Redis, key: string): Promise<boolean> {
  const read = async () => parseJsonWith(Heartbeat, await redis.get(key));
  const before = await read();
  const deadline = Date.now() + (before?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS) * BEATS_TO_WAIT;
  while (Date.now() < deadline) {
    await sleep(POLL_MS);
    const now = await read();
    if (now && (!before || now.sentAt > before.sentAt)) return true;
  }
  return false;
}

/** The connections of a CLIENT LIST answer named `name`, but for the one with client id `ownId`. */
export function otherConnections(clientList: string, name: string, ownId: number): { id: number; addr: string }[] {
  const found: { id: number; addr: string }[] = [];
  for (const line of clientList.split('\n')) {
    const fields = new Map(line.trim().split(' ').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
    const id = Number(fields.get('id'));
    if (fields.get('name') === name && id !== ownId) found.push({ id, addr: fields.get('addr') ?? '?' });
  }
  return found;
}
