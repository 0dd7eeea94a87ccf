--[=[
  Ends an entity's penalty after its claimer published the `enable` action, unless it grew meanwhile.

  KEYS[1] penalty hash (see applyPenalty-1.lua)
  ARGV[1] until         the end the claimer saw
  ARGV[2] owner         the claimer

  Returns 1 when ended, 0 when the penalty changed or is claimed by another.
]=]
local p = redis.call('HMGET', KEYS[1], 'until', 'claimed')
if p[1] ~= ARGV[1] or p[2] ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], 'until', 'rule', 'reason', 'since', 'claimed', 'claimed_at')
return 1
