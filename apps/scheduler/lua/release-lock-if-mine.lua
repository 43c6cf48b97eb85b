-- Gives back a lock only if this process still holds it (the reap lock: see liveness/reaper.ts).
--
-- KEYS[1]  the lock: a string holding its owner, with an expiry
-- ARGV[1]  this process's owner token
-- Returns  1 released; 0 the lock expired or another process holds it now
--
-- Atomic because the lock may expire and be taken by another scheduler between a GET and a DEL: the
-- check and the delete together never remove someone else's lock.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0
