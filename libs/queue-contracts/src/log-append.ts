import type { LuaScript } from './lua-script.js';
import { encodeLogEntry, type LogLine, type NewLogLine } from './messages.js';

// Appending to a deployment's log is one Lua script, shared by every writer (the agents' run logs,
// the scheduler's build and system lines): it adds the lines to the capped stream and publishes them,
// atomically, so that publish order equals stream order (lua/log-append.lua says how and why).

/**
 * lua/log-append.lua, beside this library's src/ and dist/ (tsc copies no .lua), so that both find it
 * one folder up. Each app's script loader reads it and registers it as `draasAppendLogs`.
 */
export const APPEND_LOGS_SCRIPT: LuaScript = { file: new URL('../lua/log-append.lua', import.meta.url), numberOfKeys: 1 };

/** The append script as a command on a connection its app's loader prepared. */
export interface AppendLogsCommand {
  /** `key`: the deployment's log stream; `args`: appendLogsArgs(...). Returns the lines' stream ids. */
  draasAppendLogs(key: string, ...args: string[]): Promise<string[]>;
}

/** ARGV of the append script (KEYS[1] is the deployment's log stream); lines must not be empty. */
export function appendLogsArgs(channel: string, maxLines: number, deploymentId: string, lines: readonly NewLogLine[]): string[] {
  const args = [channel, String(maxLines), deploymentId];
  for (const line of lines) {
    const fields = encodeLogEntry(line);
    for (let i = 1; i < fields.length; i += 2) args.push(fields[i] as string);
  }
  return args;
}

/** The lines as stored, with the ids the script returned. */
export const withIds = (lines: readonly NewLogLine[], ids: readonly string[]): LogLine[] =>
  lines.map((line, i) => ({ ...line, id: ids[i] as string }));
