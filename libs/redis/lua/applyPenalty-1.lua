--[=[
  Applies a fired alert's penalty to an entity, atomically with the alert's offset: a redelivered alert changes
  nothing, and a penalty is only ever extended, never shortened.

  KEYS[1] penalty hash  until, rule, reason, since (when the entity was disabled), claimed, claimed_at,
                        off:<source> (the last alert offset applied)
  ARGV[1] source        topic/partition of the alert
  ARGV[2] offset        the alert's offset
  ARGV[3] until         when the penalty ends (epoch ms), or "" to record the offset only
  ARGV[4] rule          the rule that fired
  ARGV[5] reason        why, for operators and switches
  ARGV[6] since         the alert's time

  Returns 0 when the offset was already applied, 1 when nothing was extended, 2 when the penalty began or grew.
]=]
local offsetField = 'off:' .. ARGV[1]
if tonumber(ARGV[2]) <= tonumber(redis.call('HGET', KEYS[1], offsetField) or '-1') then return 0 end
redis.call('HSET', KEYS[1], offsetField, ARGV[2])
if ARGV[3] == '' then return 1 end
local current = redis.call('HGET', KEYS[1], 'until')
if current and tonumber(current) >= tonumber(ARGV[3]) then return 1 end
if not current then redis.call('HSET', KEYS[1], 'since', ARGV[6]) end
redis.call('HSET', KEYS[1], 'until', ARGV[3], 'rule', ARGV[4], 'reason', ARGV[5])
-- A claim on the shorter penalty no longer stands: its expiry must not end the longer one.
redis.call('HDEL', KEYS[1], 'claimed', 'claimed_at')
return 2
