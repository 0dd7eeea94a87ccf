--[=[
  Adds one alert to a digest group and schedules the group: a new group is due after its wait, an existing one
  when its interval since the last digest has passed. An alert already waiting, or already sent in a digest of
  this group, is not added again (a redelivered alert event).

  KEYS[1] group meta (hash: info, next = earliest time of the next digest, lock = a flusher's lease end)
  KEYS[2] group members (hash: alert event id -> payload)
  KEYS[3] group sent (zset: alert event id scored by when it was sent)
  KEYS[4] due index (zset: group id scored by when it is due)
  ARGV[1] now         epoch ms
  ARGV[2] group id
  ARGV[3] wait ms     before the first digest of a new group
  ARGV[4] alert event id
  ARGV[5] payload
  ARGV[6] info        the group's description (JSON), kept with it

  Returns 1 when added, 0 when the alert was already waiting or sent.
]=]
if redis.call('ZSCORE', KEYS[3], ARGV[4]) then return 0 end
if redis.call('HSETNX', KEYS[2], ARGV[4], ARGV[5]) == 0 then return 0 end
local now = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'info', ARGV[6], 'next', now + tonumber(ARGV[3]))
end
redis.call('PERSIST', KEYS[1])
if not redis.call('ZSCORE', KEYS[4], ARGV[2]) then
  redis.call('ZADD', KEYS[4], math.max(now, tonumber(redis.call('HGET', KEYS[1], 'next'))), ARGV[2])
end
return 1
