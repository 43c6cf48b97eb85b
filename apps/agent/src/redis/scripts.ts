import { APPEND_LOGS_SCRIPT, type AppendLogsCommand } from '@draas/queue-contracts';
import { type LuaScript, defineScripts } from '@draas/queue-contracts/runtime';
import type { Redis } from 'ioredis';

// The one owner of the agent's Redis scripts: every script it runs, its typed signature, and the one
// call that registers them all on a connection. createRedis (connections.ts) makes that call for every
// connection it opens, and the log sink takes an `AgentRedis`, so no code path can reach a script on a
// connection that never had it. The agent has one script, the log append it shares with the scheduler
// (its file lives with the contracts).
//
// An intersection type rather than a `declare module 'ioredis'` augmentation: an augmentation would put
// the command on every ioredis client in the program whether or not it was registered there.

/** The agent's commands, as the log sink calls them. */
export type AgentScripts = AppendLogsCommand;

/** A connection the agent's scripts are registered on: only registerScripts makes one. */
export type AgentRedis = Redis & AgentScripts;

/** Every command, by name: its file and how many of its arguments are keys. */
export const AGENT_SCRIPTS = {
  draasAppendLogs: APPEND_LOGS_SCRIPT,
} as const satisfies Record<keyof AgentScripts, LuaScript>;

/** Defines every agent command on the connection (no round trip: ioredis loads a script on its first call). */
export function registerScripts(redis: Redis): AgentRedis {
  defineScripts(redis, AGENT_SCRIPTS);
  return redis as AgentRedis;
}
