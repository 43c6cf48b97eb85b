-- Compare-and-set of a JSON record that carries `rev` (optimistic concurrency, see store/records.ts).
-- Registered twice: draasCas with one key, draasCasIndexed with two (the record and its index).
--
-- KEYS[1]  the record: a JSON string with a numeric `rev`
-- KEYS[2]  (optional) a hash kept in step with the record (RecordIndex), e.g. instance statuses by index
-- ARGV[1]  the rev the writer read, or '-1' to create a record that must not exist yet
-- ARGV[2]  the new record's JSON
-- ARGV[3]  with KEYS[2]: the index field
-- ARGV[4]  with KEYS[2]: the index value
-- Returns  1 written; 0 the stored rev is not ARGV[1] (or, creating, the record exists); -1 no record to update
--
-- Atomic because several writers (API, build worker, placement, status worker, more than one scheduler)
-- update the same record: the check of `rev` and the write must not let another write in between, and
-- the index must never disagree with the record it summarizes.
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '-1' then
  if current then return 0 end
else
  if not current then return -1 end
  if tostring(cjson.decode(current)['rev']) ~= ARGV[1] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
return 1
