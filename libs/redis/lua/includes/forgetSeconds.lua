-- Deletes the fields of a per-second hash (field: epoch second) before second `before`, where `keptFrom` is the
-- oldest second it may hold (-1: unknown). Returns the sum of their values when `summed` (else 0), and the oldest
-- second the hash may hold now (NONE_KEPT when it holds none). The seconds are listed one by one when they are fewer
-- than the fields kept, else found by reading the hash whole.
local NONE_KEPT = 1e15
local function forgetSeconds(key, keptFrom, before, summed)
  if keptFrom >= before then return 0, keptFrom end
  local kept = redis.call('HLEN', key)
  if kept == 0 then return 0, NONE_KEPT end
  local gone, sum, oldest = {}, 0, before
  if keptFrom >= 0 and before - keptFrom <= kept then
    for sec = keptFrom, before - 1 do gone[#gone + 1] = sec end
    for i = 1, summed and #gone or 0, 500 do
      for _, value in ipairs(redis.call('HMGET', key, unpack(gone, i, math.min(i + 499, #gone)))) do
        if value then sum = sum + tonumber(value) end
      end
    end
  else
    oldest = NONE_KEPT
    local all = redis.call('HGETALL', key)
    for i = 1, #all, 2 do
      local sec = tonumber(all[i])
      if sec < before then
        gone[#gone + 1] = all[i]
        sum = sum + tonumber(all[i + 1])
      elseif sec < oldest then
        oldest = sec
      end
    end
  end
  for i = 1, #gone, 500 do redis.call('HDEL', key, unpack(gone, i, math.min(i + 499, #gone))) end
  return sum, oldest
end
