-- Removes a member from a sorted set only if its score is still the one read (the placements set:
-- see apps/scheduler/src/store/placement-requests.ts, settle).
--
-- KEYS[1]  the sorted set
-- ARGV[1]  the member (a deployment id)
-- ARGV[2]  the score read before the work began
-- Returns  1 removed; 0 the score changed (someone asked again meanwhile) or the member is gone
--
-- Atomic because a new request for the same deployment may arrive between the read and the removal:
-- it raises the score, and must then stay in the set for the next pass.
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
