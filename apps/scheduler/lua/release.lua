-- Gives back what an instance held on an agent (see store/agent-store.ts).
--
-- KEYS[1]  the agent's allocations: a hash, instance ref -> '<memory>,<millicpus>'
-- KEYS[2]  the agent's usage: a hash with fields memory, millicpus, instances
-- ARGV[1]  the instance ref ('<deploymentId>/<index>')
-- Returns  1 released; 0 the ref held nothing (already released)
--
-- Atomic because a release may race another release of the same instance (the reaper, a status
-- report, a cancel, a placement that lost its race): removing the allocation and decrementing the
-- usage together make the second one do nothing, so usage is never given back twice.
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local comma = string.find(held, ',')
redis.call('HINCRBY', KEYS[2], 'memory', -tonumber(string.sub(held, 1, comma - 1)))
redis.call('HINCRBY', KEYS[2], 'millicpus', -tonumber(string.sub(held, comma + 1)))
redis.call('HINCRBY', KEYS[2], 'instances', -1)
return 1
