-- Appends a batch of lines to a deployment's log and publishes them to live followers.
-- Shared by every writer: the agents' run logs and the scheduler's build and system lines.
--
-- KEYS[1]  the deployment's log: a capped stream (RedisKeys.logs)
-- ARGV[1]  the pub/sub channel of its live followers (Channels.logs)
-- ARGV[2]  how many lines the stream keeps (MAXLEN ~)
-- ARGV[3]  the deployment id, for the published message
-- ARGV[4..]  five per line, as appendLogsArgs lays them out: time, phase, instance ('' for none), stream, line
-- Returns  the stream ids of the lines, in order
--
-- Atomic because publish order must equal stream order across all writers. The message carries
-- `prevId`, the stream's newest id before the batch: a follower that has seen `prevId` knows the batch
-- follows on with nothing in between, uses batches as they come, and reads the stream only when one is
-- missing. Two writers interleaving the XADD and the PUBLISH would break that promise.
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
