import { APPEND_LOGS_SCRIPT, type AppendLogsCommand } from '@draas/queue-contracts';
import { type LuaScript, defineScripts } from '@draas/queue-contracts/runtime';
import type { Redis } from 'ioredis';

// The one owner of the scheduler's Redis scripts: every script it runs, the file it lives in, its
// typed signature, and the one call that registers them all on a connection. createRedis (redis.ts)
// makes that call for every connection it opens, and the stores take a `ScriptedRedis`, so no code
// path can reach a script on a connection that never had it.
//
// The signatures are an intersection type rather than a `declare module 'ioredis'` augmentation on
// purpose: an augmentation would put every command on every ioredis client in the program (the
// agent's, the tests' plain ones) whether or not it was registered there, which is the very mistake
// this file exists to rule out.

/** The scheduler's commands, as the stores call them. */
export interface SchedulerScripts extends AppendLogsCommand {
  /** lua/cas.lua on a record alone. */
  draasCas(key: string, expectedRev: string, json: string): Promise<number>;
  /** lua/cas.lua on a record and its index hash, written together. */
  draasCasIndexed(key: string, indexKey: string, expectedRev: string, json: string, field: string, value: string): Promise<number>;
  draasReserve(allocKey: string, usageKey: string, ref: string, memory: number, milliCpus: number, maxMemory: number, maxCpus: number, maxInstances: number): Promise<number>;
  draasRelease(allocKey: string, usageKey: string, ref: string): Promise<number>;
  draasRemoveIfUnchanged(key: string, member: string, score: string): Promise<number>;
  draasReleaseLockIfMine(key: string, owner: string): Promise<number>;
}

/** A connection the scheduler's scripts are registered on: only registerScripts makes one. */
export type ScriptedRedis = Redis & SchedulerScripts;

/**
 * apps/scheduler/lua/: outside src/, since tsc copies no .lua to dist/. This module is two folders
 * below the app both as src/store/scripts.ts (tsx, vitest) and as dist/store/scripts.js (node), so
 * the same relative URL finds the folder from either.
 */
export const SCRIPT_DIR = new URL('../../lua/', import.meta.url);

const script = (file: string, numberOfKeys: number): LuaScript => ({ file: new URL(file, SCRIPT_DIR), numberOfKeys });

/** Every command, by name: its file and how many of its arguments are keys. */
export const SCHEDULER_SCRIPTS = {
  draasCas: script('cas.lua', 1),
  draasCasIndexed: script('cas.lua', 2),
  draasReserve: script('reserve.lua', 2),
  draasRelease: script('release.lua', 2),
  draasRemoveIfUnchanged: script('remove-if-unchanged.lua', 1),
  draasReleaseLockIfMine: script('release-lock-if-mine.lua', 1),
  draasAppendLogs: APPEND_LOGS_SCRIPT,
} as const satisfies Record<keyof SchedulerScripts, LuaScript>;

/** Defines every scheduler command on the connection (no round trip: ioredis loads a script on its first call). */
export function registerScripts(redis: Redis): ScriptedRedis {
  defineScripts(redis, SCHEDULER_SCRIPTS);
  return redis as ScriptedRedis;
}
