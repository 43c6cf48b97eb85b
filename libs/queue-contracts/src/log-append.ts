import { encodeLogEntry, type LogLine, type NewLogLine } from './messages.js';

// Appending to a deployment's log is one Lua script, shared by every writer (the agents' run logs,
// the scheduler's build and system lines). Atomically it adds the lines to the capped stream and
// publishes them, with their ids and `prevId` (the stream's newest id before them). Because scripts
// run one at a time, publish order equals stream order across all writers, and a follower that has
// seen `prevId` knows the batch follows on with nothing in between: it can use batches as they come
// and go back to the stream only when one is missing.

export const APPEND_LOGS_LUA = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = '0-0'
if #last > 0 then prev = last[1][1] end
local lines = {}
for i = 4, #ARGV, 5 do
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 't', ARGV[i], 'p', ARGV[i + 1], 'i', ARGV[i + 2], 's', ARGV[i + 3], 'l', ARGV[i + 4])
  local instance = cjson.null
  if ARGV[i + 2] ~= '' then instance = tonumber(ARGV[i + 2]) end
  lines[#lines + 1] = { id = id, time = tonumber(ARGV[i]), phase = ARGV[i + 1], instance = instance, stream = ARGV[i + 3], line = ARGV[i + 4] }
end
local ids = {}
for n, line in ipairs(lines) do ids[n] = line.id end
redis.call('PUBLISH', ARGV[1], cjson.encode({ type = 'log-batch', version = 1, deploymentId = ARGV[3], prevId = prev, lines = lines }))
return ids
`;

/** ARGV of APPEND_LOGS_LUA (KEYS[1] is the deployment's log stream); lines must not be empty. */
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
