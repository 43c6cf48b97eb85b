-- Reserves an agent's resources for one instance, if they still fit (see store/agent-store.ts). A claim
-- (an instance that really runs there) passes unbounded capacities: it is recorded whether or not it fits.
--
-- KEYS[1]  the agent's allocations: a hash, instance ref -> '<memory>,<millicpus>'
-- KEYS[2]  the agent's usage: a hash with fields memory, millicpus, instances
-- ARGV[1]  the instance ref ('<deploymentId>/<index>')
-- ARGV[2]  memory (bytes) the instance needs
-- ARGV[3]  CPU (millicpus) the instance needs
-- ARGV[4]  the agent's memory capacity
-- ARGV[5]  the agent's CPU capacity
-- ARGV[6]  the agent's instance limit
-- Returns  1 reserved (or already held by this ref); 0 it does not fit
--
-- Atomic because placements (of this and other schedulers) commit against the agent's latest usage:
-- the check and the increments must not let another reservation in between, or the agent is
-- double-booked; allocations and usage must always agree.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end
local mem = tonumber(redis.call('HGET', KEYS[2], 'memory') or '0')
local cpu = tonumber(redis.call('HGET', KEYS[2], 'millicpus') or '0')
local count = tonumber(redis.call('HGET', KEYS[2], 'instances') or '0')
if mem + tonumber(ARGV[2]) > tonumber(ARGV[4]) or cpu + tonumber(ARGV[3]) > tonumber(ARGV[5]) or count + 1 > tonumber(ARGV[6]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ',' .. ARGV[3])
redis.call('HINCRBY', KEYS[2], 'memory', ARGV[2])
redis.call('HINCRBY', KEYS[2], 'millicpus', ARGV[3])
redis.call('HINCRBY', KEYS[2], 'instances', 1)
return 1
