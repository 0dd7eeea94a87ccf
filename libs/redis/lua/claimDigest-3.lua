--[=[
  Claims a due digest group for one flusher: takes a lease and answers the group's description and waiting alerts.
  A group with no alerts left leaves the due index.

  KEYS[1] group meta    KEYS[2] group members    KEYS[3] due index (see addToDigest-4.lua)
  ARGV[1] now   epoch ms
  ARGV[2] lease ms
  ARGV[3] group id

  Returns { info, id1, payload1, id2, payload2, ... } when claimed, else 0 (not due, leased by another, or empty).
]=]
local now = tonumber(ARGV[1])
local due = redis.call('ZSCORE', KEYS[3], ARGV[3])
if not due or tonumber(due) > now then return 0 end
local lock = redis.call('HGET', KEYS[1], 'lock')
if lock and tonumber(lock) > now then return 0 end
local members = redis.call('HGETALL', KEYS[2])
if #members == 0 then
  redis.call('ZREM', KEYS[3], ARGV[3])
  return 0
end
redis.call('HSET', KEYS[1], 'lock', now + tonumber(ARGV[2]))
local out = { redis.call('HGET', KEYS[1], 'info') or '{}' }
for i = 1, #members do out[#out + 1] = members[i] end
return out
