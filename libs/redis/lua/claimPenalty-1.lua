--[=[
  Claims the end of an entity's penalty for one enforcer (or `callwatch penalties lift`), so that however many
  try at once, one publishes the `enable` action. A claim left by a process that died lapses after a timeout.

  KEYS[1] penalty hash (see applyPenalty-1.lua)
  ARGV[1] now           epoch ms
  ARGV[2] owner         who claims
  ARGV[3] force         "1" to claim before the penalty is due (a lift)
  ARGV[4] claim ttl     ms after which another owner's claim lapses

  Returns { until, rule, reason } when claimed, else 0 (no penalty, not due yet, or claimed by another).
]=]
local p = redis.call('HMGET', KEYS[1], 'until', 'claimed', 'claimed_at', 'rule', 'reason')
if not p[1] then return 0 end
local now = tonumber(ARGV[1])
if ARGV[3] ~= '1' and tonumber(p[1]) > now then return 0 end
if p[2] and p[2] ~= ARGV[2] and tonumber(p[3]) > now - tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'claimed', ARGV[2], 'claimed_at', ARGV[1])
return { p[1], p[4], p[5] }
