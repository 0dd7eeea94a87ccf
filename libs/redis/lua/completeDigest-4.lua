--[=[
  Ends a flush: the alerts sent leave the group and are remembered as sent; the group's next digest may come one
  interval later, and is due then if alerts are still waiting. A group quiet for a whole interval ends (its meta
  expires), so the next alert starts a new group with its wait. With ARGV[4] = 0 the flush failed: the lease is
  released and the group is due again after the retry delay (ARGV[3]), its alerts kept.

  KEYS[1] group meta    KEYS[2] group members    KEYS[3] group sent    KEYS[4] due index (see addToDigest-4.lua)
  ARGV[1] now           epoch ms
  ARGV[2] group id
  ARGV[3] interval ms   (or the retry delay when the flush failed)
  ARGV[4] sent          1 or 0
  ARGV[5] remember ms   how long sent alert ids are remembered
  ARGV[6..] the alert event ids that were sent

  Returns the number of alerts still waiting.
]=]
local now = tonumber(ARGV[1])
local step = tonumber(ARGV[3])
redis.call('HDEL', KEYS[1], 'lock')
if ARGV[4] ~= '1' then
  redis.call('ZADD', KEYS[4], now + step, ARGV[2])
  return redis.call('HLEN', KEYS[2])
end
for i = 6, #ARGV do
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('ZADD', KEYS[3], now, ARGV[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[5]))
redis.call('PEXPIRE', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[1], 'next', now + step)
local waiting = redis.call('HLEN', KEYS[2])
if waiting > 0 then
  redis.call('ZADD', KEYS[4], now + step, ARGV[2])
else
  redis.call('ZREM', KEYS[4], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], step)
end
return waiting
